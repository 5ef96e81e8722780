package query

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// streamed runs Stream and returns the order of the quantities of each
// day and the points of each quantity over all days, by statKey, checking
// that each day's points lie in one UTC day and that days follow each
// other.
func streamed(t *testing.T, s *tsdb.Store, what string, o Options) ([][]string, map[string][]tsdb.Point, error) {
	t.Helper()
	var order [][]string
	pts := map[string][]tsdb.Point{}
	lastDay := int64(math.MinInt64)
	err := Stream(context.Background(), s, what, o, func(r *Result) error {
		d := int64(math.MinInt64)
		order = append(order, nil)
		for _, q := range r.Quantities {
			k := statKey(q)
			order[len(order)-1] = append(order[len(order)-1], k)
			for _, p := range q.Points {
				pd := floorDiv(p.T, day)
				if d == math.MinInt64 {
					d = pd
				}
				if pd != d || pd <= lastDay {
					t.Errorf("%s: a day's points at %s (day %d, the day's first %d, the day before %d)", what, time.Unix(p.T, 0).UTC(), pd, d, lastDay)
				}
			}
			pts[k] = append(pts[k], q.Points...) // copied: Stream reuses them
		}
		lastDay = d
		return nil
	})
	return order, pts, err
}

// sameStreamed checks that Stream gives every point of Run, NaN where Run
// has NaN, in Run's order of quantities (within a day, the quantities with
// points that day in that order).
func sameStreamed(t *testing.T, s *tsdb.Store, what string, o Options) {
	t.Helper()
	want, werr := Run(context.Background(), s, what, o)
	order, got, gerr := streamed(t, s, what, o)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("%s: Run's error %v, Stream's %v", what, werr, gerr)
	}
	if werr != nil {
		return
	}
	var wantOrder []string
	for _, q := range want.Quantities {
		wantOrder = append(wantOrder, statKey(q))
		g := got[statKey(q)]
		if len(g) != len(q.Points) {
			t.Errorf("%s %s: %d points streamed, Run has %d:\n%s\n%s", what, statKey(q), len(g), len(q.Points), pointsString(g), pointsString(q.Points))
			continue
		}
		for i, p := range q.Points {
			if g[i].T != p.T || math.Float64bits(g[i].V) != math.Float64bits(p.V) && !(math.IsNaN(g[i].V) && math.IsNaN(p.V)) {
				t.Errorf("%s %s: point %d streamed %v, Run %v", what, statKey(q), i, g[i], p)
				break
			}
		}
	}
	for d, keys := range order {
		// keys is a subsequence of wantOrder.
		i := 0
		for _, k := range wantOrder {
			if i < len(keys) && keys[i] == k {
				i++
			}
		}
		if i < len(keys) {
			t.Errorf("%s: day %d streams %s out of Run's order", what, d, keys[i])
		}
	}
}

// Stream gives Run's points, a day at a time, on the synthetic store
// (gaps, a missed run, reboots, a reset, an instance that stops at
// midnight, a block and a head log), for every view and raw selectors.
func TestStream_SameAsRun(t *testing.T) {
	s := synthStore(t)
	ranges := []Options{
		{From: day0, To: day0.Add(synthEnd)},
		{From: day0.Add(23*time.Hour + 30*time.Minute), To: day0.Add(25 * time.Hour)},
		{From: day0.Add(26*time.Hour + 55*time.Minute), To: day0.Add(48 * time.Hour)},
	}
	// Every view across midnight, a few (all series, views of every kind
	// of column) over the other ranges: -race makes them slow.
	for i, o := range ranges {
		whats := []string{`{__name__=~".+"}`, "cpu", "disk", "net"}
		switch i {
		case 1:
			whats = append(Views(), `{__name__=~"node_.*"}`)
		case 2:
			whats = []string{"cpu", "mem", "net", "node_disk_read_bytes_total", `{__name__=~"(node_load1|srvmon_.*)"}`}
		}
		for _, w := range whats {
			sameStreamed(t, s, w, o)
		}
		o.Agg = "sum"
		sameStreamed(t, s, "disk", o)
	}
	o := ranges[0]
	o.PerCPU = true
	sameStreamed(t, s, "cpu", o)
	o.PerCPU, o.Devices = false, []string{"vdb"}
	sameStreamed(t, s, "disk", o)
}

// Across midnight: the first rate of a day is the interval from the last
// sample of the day before; a gap whose mark falls in one day and whose
// end is days later is marked in that day; a series missing for a whole
// day comes back after a gap; the recording interval is the median over
// the whole range (the first day's differs).
func TestStream_AcrossDays(t *testing.T) {
	s := newStore(t)
	var sets []struct {
		t int64
		v float64
	}
	add := func(t int64) {
		sets = append(sets, struct {
			t int64
			v float64
		}{t, float64(len(sets) * 100)})
	}
	for ts := int64(0); ts < day; ts += 120 { // day 0 every 2 minutes
		add(ts)
	}
	for ts := int64(day); ts < 2*day-90; ts += 60 { // day 1 every minute, ends 1m30s before midnight
		add(ts)
	}
	for ts := int64(4*day + 30); ts < 5*day; ts += 60 { // days 2 and 3 missing
		add(ts)
	}
	_, err := s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for _, x := range sets {
			for _, smp := range []tsdb.Sample{
				smp("node_network_receive_bytes_total", x.v, "device", "eth0"),
				smp("node_load1", x.v/1000),
				bootSample("b1"),
			} {
				if err := yield(smp.Series, tsdb.Point{T: at(x.t).Unix(), V: smp.Value}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{From: day0, To: day0.AddDate(0, 0, 6)}
	for _, what := range []string{"net", "load", `{__name__=~"node_.*"}`, `{__name__=~".+"}`} {
		sameStreamed(t, s, what, o)
	}
	// The checks above compare with Run; these say what Run does here.
	_, got, err := streamed(t, s, "node_network_receive_bytes_total", o)
	if err != nil {
		t.Fatal(err)
	}
	var pts []tsdb.Point
	for _, p := range got {
		pts = p
	}
	find := func(ts int64) (tsdb.Point, bool) {
		i := slices.IndexFunc(pts, func(p tsdb.Point) bool { return p.T == day0.Unix()+ts })
		if i < 0 {
			return tsdb.Point{}, false
		}
		return pts[i], true
	}
	if p, ok := find(day); !ok || math.IsNaN(p.V) || !close(p.V, 100.0/120) {
		t.Errorf("first rate of day 1: %v %v, want 100 over the 120 s since day 0's last sample", p, ok)
	}
	if p, ok := find(2*day - 60); !ok || !math.IsNaN(p.V) {
		// the mark one interval (60 s, the median; day 0's is 120 s) after
		// day 1's last sample, 2 minutes before midnight
		t.Errorf("gap mark after day 1's last sample: %v %v, want NaN", p, ok)
	}
	if p, ok := find(4*day + 30); ok {
		t.Errorf("a rate across the two missing days: %v", p)
	}
}
