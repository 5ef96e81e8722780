package query

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/srvmon/srvmon/tsdb" // Europe/Berlin on a machine without a zone database
)

// TestBuckets_DaylightSaving: buckets are aligned to the step in the
// display zone also across a change of its offset: 1d buckets end at local
// midnights (a 23-hour and a 25-hour day), 3h buckets at local hours that
// are multiples of 3, 1h buckets at every whole hour; each bucket's value
// is its own increase over its own time, by hand; the hourly summaries and
// the raw samples give the same; the range's average is the same at every
// step.
func TestBuckets_DaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		from     time.Time // local midnight; the range is three local days
		dayHours []float64 // the hours of the three days
	}{
		{"spring", time.Date(2025, 3, 29, 0, 0, 0, 0, berlin), []float64{24, 23, 24}},
		{"autumn", time.Date(2025, 10, 25, 0, 0, 0, 0, berlin), []float64{24, 25, 24}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			// A sample every 10 minutes from an hour before the range to an
			// hour after it; in UTC hour h the counter grows by h%7+1 bytes
			// a second.
			const every = 600
			start, end := c.from.Unix(), c.from.AddDate(0, 0, 3).Unix()
			counter := map[int64]float64{}
			v := 0.0
			w, err := s.Lock(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for ts := start - 3600; ts <= end+3600; ts += every {
				counter[ts] = v
				if err := w.Append(time.Unix(ts, 0), []tsdb.Sample{smp("node_network_receive_bytes_total", v, "device", "eth0")}); err != nil {
					t.Fatal(err)
				}
				v += float64((ts/3600)%7+1) * every
			}
			if err := w.Maintain(t.Context()); err != nil {
				t.Fatal(err)
			}
			w.Close()
			// byHand is the rate over (a, b]: the increase of the intervals
			// between samples of [start, end) that end in it over their time.
			byHand := func(a, b int64) float64 {
				var inc, dt float64
				for ts := a - a%every + every; ts <= b && ts < end; ts += every {
					if ts-every >= start {
						inc += counter[ts] - counter[ts-every]
						dt += every
					}
				}
				return inc / dt
			}
			o := Options{From: c.from, To: c.from.AddDate(0, 0, 3)}
			var avgs []float64
			for _, step := range []time.Duration{0, time.Hour, 3 * time.Hour, 24 * time.Hour} {
				o.Step = step
				r := run(t, s, "node_network_receive_bytes_total", o)
				q := r.Quantities[0]
				avgs = append(avgs, q.Stats.Avg)
				if step == 0 {
					continue
				}
				prev := start
				for i, p := range q.Points {
					local := time.Unix(p.T, 0).In(berlin)
					if local.Minute() != 0 || local.Second() != 0 || local.Hour()%int(step/time.Hour) != 0 && step != 24*time.Hour || step == 24*time.Hour && local.Hour() != 0 {
						t.Errorf("step %s: point %d labelled %s, not a multiple of the step in local time", step, i, local)
					}
					if want := byHand(prev, p.T); math.Abs(p.V-want) > 1e-9*want {
						t.Errorf("step %s: bucket to %s = %v, by hand %v", step, local, p.V, want)
					}
					prev = p.T
				}
				if step == 24*time.Hour {
					if len(q.Points) != 3 {
						t.Fatalf("1d buckets: %d points, want 3: %s", len(q.Points), pointsString(q.Points))
					}
					for i, p := range q.Points {
						from := start
						if i > 0 {
							from = q.Points[i-1].T
						}
						if h := float64(p.T-from) / 3600; h != c.dayHours[i] {
							t.Errorf("day %d: %v hours, want %v", i, h, c.dayHours[i])
						}
					}
				}
				if step == time.Hour && len(q.Points) != int(c.dayHours[0]+c.dayHours[1]+c.dayHours[2]) {
					t.Errorf("1h buckets: %d points, want %v", len(q.Points), c.dayHours[0]+c.dayHours[1]+c.dayHours[2])
				}
				if r.PartialFirst || r.PartialLast {
					t.Errorf("step %s: partial buckets in a range of whole local days", step)
				}
				// The hourly summaries answer these steps; the raw samples
				// must give the same.
				e, err := newEngine(s, "node_network_receive_bytes_total", o)
				if err != nil {
					t.Fatal(err)
				}
				e.rawOnly = true
				if err := e.run(t.Context()); err != nil {
					t.Fatal(err)
				}
				compareResults(t, step.String(), r, e.result())
			}
			for i, a := range avgs {
				if want := byHand(start, end); math.Abs(a-want) > 1e-9*want {
					t.Errorf("average at step %d: %v, by hand %v", i, a, want)
				}
			}
		})
	}
}
