package report

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// newViews are the views of the kernel's tables (issue 12's collectors),
// which TestGolden's hand-made results do not cover.
var newViews = []string{"pressure", "tcp", "udp", "sock", "softnet", "files", "temp"}

// TestGolden_KernelViews computes each of newViews with package query from
// a store of the synthetic host (twenty sample sets a minute apart, with a
// missed run) and compares its table, long and wide CSV and JSON with
// golden files: what the views compute and how each format shows it, end
// to end from the stored counters.
func TestGolden_KernelViews(t *testing.T) {
	s := synthStore(t, 20, 12)
	ctx := context.Background()
	for _, view := range newViews {
		for _, f := range []struct{ format, layout, file string }{
			{FormatTable, "", "table"},
			{FormatCSV, "long", "long.csv"},
			{FormatCSV, "wide", "wide.csv"},
			{FormatJSON, "", "json"},
		} {
			t.Run(view+"."+f.file, func(t *testing.T) {
				res, err := query.Run(ctx, s, view, query.Options{From: testStart, To: testStart.Add(20 * time.Minute)})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Quantities) == 0 {
					t.Fatalf("view %s: no quantities", view)
				}
				o := testOptions
				o.CSVLayout = f.layout
				var buf bytes.Buffer
				if err := WriteResult(&buf, res, f.format, o); err != nil {
					t.Fatal(err)
				}
				golden(t, "view."+view+"."+f.file, buf.Bytes())
			})
		}
	}
}

// synthStore records n minutes of the synthetic host (seed 42) from
// testStart into a new store, leaving out the sample set of minute skip
// (a missed run: no gap, the interval spans two minutes).
func synthStore(t *testing.T, n, skip int) *tsdb.Store {
	t.Helper()
	s, err := tsdb.Create(filepath.Join(t.TempDir(), "store"), tsdb.WithRetention(0),
		tsdbtest.WithClock(func() time.Time { return testStart.Add(time.Duration(n) * time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := 0
	err = synth.New(synth.DefaultHost(), 42).Minutes(testStart, n+1, func(at time.Time, ss []tsdb.Sample) error {
		defer func() { m++ }()
		if m == skip {
			return nil
		}
		return w.Append(at, ss)
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
