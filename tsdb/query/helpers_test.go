package query

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// day0 is the UTC day fixtures start on. The stores' clock is a year
// later, so every fixture day is compacted into a block with summaries.
var day0 = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

// newStore returns an empty store whose clock says it is a year after
// day0 and which keeps everything.
func newStore(tb testing.TB) *tsdb.Store {
	tb.Helper()
	return newStoreAt(tb, day0.AddDate(1, 0, 0))
}

func newStoreAt(tb testing.TB, now time.Time) *tsdb.Store {
	tb.Helper()
	s, err := tsdb.Create(filepath.Join(tb.TempDir(), "store"), tsdb.WithRetention(0),
		tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// appendSet appends one sample set at t and lets the store compact.
func appendSet(tb testing.TB, s *tsdb.Store, t time.Time, samples ...tsdb.Sample) {
	tb.Helper()
	w, err := s.Lock(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	if err := w.Append(t, samples); err != nil {
		tb.Fatal(err)
	}
	if err := w.Maintain(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// smp returns a sample of metric{kv..., instance="h1"}.
func smp(metric string, v float64, kv ...string) tsdb.Sample {
	return tsdb.Sample{Series: tsdb.NewSeries(metric, append([]string{"instance", "h1"}, kv...)...), Value: v}
}

func bootSample(id string) tsdb.Sample { return smp(metric.BootInfo, 1, "boot_id", id) }

// at returns day0 plus s seconds.
func at(s int64) time.Time { return day0.Add(time.Duration(s) * time.Second) }

// run runs Run and fails the test on an error.
func run(tb testing.TB, s *tsdb.Store, what string, o Options) *Result {
	tb.Helper()
	r, err := Run(context.Background(), s, what, o)
	if err != nil {
		tb.Fatalf("Run(%s): %v", what, err)
	}
	return r
}

// find returns the series of r named name whose labels include kv.
func find(tb testing.TB, r *Result, name string, kv ...string) Quantity {
	tb.Helper()
	var found []Quantity
	for _, s := range r.Quantities {
		if s.Name != name {
			continue
		}
		ser := tsdb.Series{Labels: s.Labels}
		ok := true
		for i := 0; i < len(kv); i += 2 {
			if ser.Get(kv[i]) != kv[i+1] {
				ok = false
			}
		}
		if ok {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("%d series %s%v in %s", len(found), name, kv, describe(r))
	}
	return found[0]
}

func describe(r *Result) string {
	var b strings.Builder
	for _, s := range r.Quantities {
		fmt.Fprintf(&b, "\n  %s %v: %s", s.Name, s.Labels, pointsString(s.Points))
	}
	return b.String()
}

// pointsString prints points as "offset:value" with offsets from day0.
func pointsString(pts []tsdb.Point) string {
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		if math.IsNaN(p.V) {
			fmt.Fprintf(&b, "%d:NaN", p.T-day0.Unix())
		} else {
			fmt.Fprintf(&b, "%d:%g", p.T-day0.Unix(), p.V)
		}
	}
	return b.String()
}

// want is an expected point: seconds after day0 and a value (NaN for a
// gap).
type want struct {
	t int64
	v float64
}

func checkPoints(tb testing.TB, what string, got []tsdb.Point, w []want) {
	tb.Helper()
	ok := len(got) == len(w)
	for i := 0; ok && i < len(w); i++ {
		if got[i].T != day0.Unix()+w[i].t || !close(got[i].V, w[i].v) {
			ok = false
		}
	}
	if !ok {
		exp := make([]tsdb.Point, len(w))
		for i, p := range w {
			exp[i] = tsdb.Point{T: day0.Unix() + p.t, V: p.v}
		}
		tb.Errorf("%s:\n got  %s\n want %s", what, pointsString(got), pointsString(exp))
	}
}

// close reports whether a and b are equal within a relative 1e-9 (or both
// NaN).
func close(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
