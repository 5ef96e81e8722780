package query_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// TestMaxAnswer checks Options.MaxAnswer's estimate against the answer's
// real size over two finished days (blocks) and a part of today (a head
// log), the range cutting a day: a cap just below the real size refuses
// the query (before reading) with an estimate within 2 % of it, and a cap
// 3 % above lets it through.
func TestMaxAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	end := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := synth.Build(ctx, dir, synth.DefaultHost(), end, 2, tsdbtest.WithClock(func() time.Time { return end })); err != nil {
		t.Fatal(err)
	}
	s, err := tsdb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	from, to := end.Add(-40*time.Hour), end
	for _, c := range []struct {
		what string
		o    query.Options
	}{
		{"cpu", query.Options{PerCPU: true}},                            // raw, groups of several series
		{"net", query.Options{}},                                        // raw rates
		{"node_load1", query.Options{}},                                 // a raw selector
		{"disk", query.Options{Step: 5 * time.Minute}},                  // buckets
		{"mem", query.Options{MaxPoints: 300}},                          // an automatic step
		{"node_memory_MemFree_bytes", query.Options{MaxPoints: 100000}}, // automatic, the samples fit
	} {
		c.o.From, c.o.To = from, to
		r, err := query.Run(ctx, s, c.what, c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		n := 0
		for _, q := range r.Quantities {
			n += len(q.Points)
		}
		c.o.MaxAnswer = n - 1
		_, err = query.Run(ctx, s, c.what, c.o)
		var tl *query.TooLargeError
		if !errors.As(err, &tl) {
			t.Errorf("%s: %d points, cap %d: err %v, want TooLargeError", c.what, n, n-1, err)
			continue
		}
		if math.Abs(float64(tl.Points-n)) > 0.02*float64(n) {
			t.Errorf("%s: estimate %d points, the answer has %d", c.what, tl.Points, n)
		}
		c.o.MaxAnswer = n + n*3/100 + 2
		if _, err := query.Run(ctx, s, c.what, c.o); err != nil {
			t.Errorf("%s: %d points, cap %d: %v", c.what, n, c.o.MaxAnswer, err)
		}
		t.Logf("%s: %d points, estimated %d", c.what, n, tl.Points)
	}
}
