package query

import (
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// rateFixture is a counter and a gauge recorded once a minute from 10:00
// with, in order: a sample set written twice in the same second (the later
// write counts), a counter that goes down, a reboot after which the counter
// is higher than before (only the boot id tells), a gap of four missed
// runs, and one missed run (bridged).
func rateFixture(t *testing.T) (*tsdb.Store, int64) {
	t.Helper()
	s := newStore(t)
	const base = 10 * 3600
	type row struct {
		t       int64
		counter float64
		load    float64
		boot    string
	}
	rows := []row{
		{0, 1000, 1, "a"}, {60, 1600, 2, "a"}, {120, 2200, 3, "a"},
		{180, 9999, 40, "a"}, {180, 2800, 4, "a"}, // written twice: the second write replaces the first
		{240, 4000, 5, "a"},
		{300, 100, 6, "a"}, // the counter went down
		{360, 700, 7, "a"},
		{420, 5000, 8, "b"}, // reboot, counter higher than before
		{480, 5600, 9, "b"},
		// nothing at 540 ... 720: a gap
		{780, 8000, 10, "b"}, {840, 8600, 11, "b"}, {900, 9200, 12, "b"},
		{990, 11000, 13, "b"}, // one missed run: bridged
	}
	for _, r := range rows {
		appendSet(t, s, at(base+r.t), smp("node_network_receive_bytes_total", r.counter, "device", "eth0"),
			smp("node_load1", r.load), bootSample(r.boot))
	}
	return s, base
}

func TestRun_RawRates(t *testing.T) {
	s, base := rateFixture(t)
	o := Options{From: at(base), To: at(base + 1000)}
	r := run(t, s, "node_network_receive_bytes_total", o)
	if r.View != "raw" || r.Step != 0 || r.Agg != "avg" {
		t.Errorf("View, Step, Agg = %q, %s, %q; want raw, 0, avg", r.View, r.Step, r.Agg)
	}
	rx := find(t, r, "node_network_receive_bytes_total", "device", "eth0", "instance", "h1")
	if rx.Unit != BytesPerSecond {
		t.Errorf("unit %q, want %q", rx.Unit, BytesPerSecond)
	}
	checkPoints(t, "rate", shift(rx.Points, base), []want{
		{60, 10}, {120, 10}, {180, 10}, {240, 20},
		{300, nan}, // counter went down
		{360, 10},
		{420, nan}, // reboot
		{480, 10},
		{540, nan}, // gap marker, one interval after the last sample before it
		{840, 10}, {900, 10},
		{990, 20}, // 1800 over 90 s
	})

	load := find(t, run(t, s, "node_load1", o), "node_load1")
	if load.Unit != Count {
		t.Errorf("unit %q, want %q", load.Unit, Count)
	}
	checkPoints(t, "gauge", shift(load.Points, base), []want{
		{0, 1}, {60, 2}, {120, 3}, {180, 4}, {240, 5}, {300, 6}, {360, 7}, {420, 8}, {480, 9},
		{540, nan}, {780, 10}, {840, 11}, {900, 12}, {990, 13},
	})
}

// shift returns pts with times made relative to base seconds after day0,
// so that checkPoints can compare them with offsets.
func shift(pts []tsdb.Point, base int64) []tsdb.Point {
	out := make([]tsdb.Point, len(pts))
	for i, p := range pts {
		out[i] = tsdb.Point{T: p.T - base, V: p.V}
	}
	return out
}

func TestRun_Buckets(t *testing.T) {
	s, base := rateFixture(t)
	o := Options{From: at(base), To: at(base + 1000), Step: 5 * time.Minute}
	tests := []struct {
		agg  string
		rate []want
		load []want
	}{
		// Buckets (0,300], (300,600], (600,900], (900,1000] (clipped to the
		// range), labelled with their ends; the gauge's sample at From is
		// in the first. avg of a rate: increase over covered time, not the
		// mean of the rates: 3000/240 = 12.5.
		{"avg", []want{{300, 12.5}, {600, 10}, {900, 10}, {1000, 20}}, []want{{300, 3.5}, {600, 8}, {900, 11}, {1000, 13}}},
		{"min", []want{{300, 10}, {600, 10}, {900, 10}, {1000, 20}}, []want{{300, 1}, {600, 7}, {900, 10}, {1000, 13}}},
		{"max", []want{{300, 20}, {600, 10}, {900, 10}, {1000, 20}}, []want{{300, 6}, {600, 9}, {900, 12}, {1000, 13}}},
		{"last", []want{{300, 20}, {600, 10}, {900, 10}, {1000, 20}}, []want{{300, 6}, {600, 9}, {900, 12}, {1000, 13}}},
		{"p95", []want{{300, 20}, {600, 10}, {900, 10}, {1000, 20}}, []want{{300, 6}, {600, 9}, {900, 12}, {1000, 13}}},
		// sum: what the counter counted in each bucket.
		{"sum", []want{{300, 3000}, {600, 1200}, {900, 1200}, {1000, 1800}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.agg, func(t *testing.T) {
			o.Agg = tt.agg
			r := run(t, s, "node_network_receive_bytes_total", o)
			if r.Step != 5*time.Minute || r.Agg != tt.agg {
				t.Errorf("Step, Agg = %s, %q", r.Step, r.Agg)
			}
			if !r.PartialLast || r.PartialFirst {
				t.Errorf("PartialFirst, PartialLast = %v, %v; want false, true", r.PartialFirst, r.PartialLast)
			}
			checkPoints(t, "rate", shift(r.Quantities[0].Points, base), tt.rate)
			if tt.load != nil {
				checkPoints(t, "gauge", shift(run(t, s, "node_load1", o).Quantities[0].Points, base), tt.load)
			}
		})
	}
}

// The hourly path gives what the raw path gives, also for an hour that
// holds a reset, a reboot and a gap (it falls back to raw samples there).
func TestRun_HourlyEqualsRaw(t *testing.T) {
	s, _ := rateFixture(t)
	o := Options{From: day0, To: day0.Add(24 * time.Hour), Step: time.Hour}
	for _, what := range []string{"node_network_receive_bytes_total", "node_load1"} {
		fast := run(t, s, what, o)
		e, err := newEngine(s, what, o)
		if err != nil {
			t.Fatal(err)
		}
		e.rawOnly = true
		if err := e.run(t.Context()); err != nil {
			t.Fatal(err)
		}
		slow := e.result()
		compareResults(t, what, fast, slow)
	}
	r := run(t, s, "node_network_receive_bytes_total", o)
	// 7200 bytes over 570 s of valid intervals in the hour to 11:00 (the
	// interval that ends at 10:00 belongs to the hour before).
	// The day is cut to the hours the store has samples in: the one that
	// ends at 10:00 (holding the first sample) and the one to 11:00.
	pts := r.Quantities[0].Points
	if len(pts) != 2 || pts[0].T != day0.Unix()+10*3600 || pts[1].T != day0.Unix()+11*3600 || !close(pts[1].V, 7200.0/570) {
		t.Errorf("points %s, want 36000:NaN 39600:%g", pointsString(pts), 7200.0/570)
	}
}

func compareResults(tb testing.TB, what string, a, b *Result) {
	tb.Helper()
	if len(a.Quantities) != len(b.Quantities) {
		tb.Fatalf("%s: %d series against %d:%s\n---%s", what, len(a.Quantities), len(b.Quantities), describe(a), describe(b))
	}
	for i := range a.Quantities {
		sa, sb := a.Quantities[i], b.Quantities[i]
		if sa.Name != sb.Name || tsdb.NewSeries("x", flat(sa.Labels)...).Key() != tsdb.NewSeries("x", flat(sb.Labels)...).Key() || len(sa.Points) != len(sb.Points) {
			tb.Fatalf("%s: series %d is %s %v (%d points) against %s %v (%d points)", what, i, sa.Name, sa.Labels, len(sa.Points), sb.Name, sb.Labels, len(sb.Points))
		}
		for j := range sa.Points {
			pa, pb := sa.Points[j], sb.Points[j]
			if pa.T != pb.T || !closeTol(pa.V, pb.V, 1e-9) {
				tb.Errorf("%s: %s %v at %s: %g against %g", what, sa.Name, sa.Labels, time.Unix(pa.T, 0).UTC(), pa.V, pb.V)
				break
			}
		}
	}
}

func closeTol(a, b, tol float64) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	m := max(1, max(abs(a), abs(b)))
	return d <= tol*m
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func flat(ls []tsdb.Label) []string {
	var kv []string
	for _, l := range ls {
		kv = append(kv, l.Name, l.Value)
	}
	return kv
}
