package query_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/synth"
)

var (
	topLongOnce sync.Once
	topLongDir  string
	topLongEnd  time.Time
	topLongErr  error
)

// topLongStore returns a store of 30 days of the synthetic host with
// processes (Host.Processes 20), built once per process, and the end of its
// history. With SRVMON_BENCH_TOP_STORE=DIR it is built in DIR once and
// reused by later runs (DIR/bench-end holds the end); delete DIR when done.
func topLongStore(b *testing.B) (string, time.Time) {
	b.Helper()
	topLongOnce.Do(func() {
		keep := os.Getenv("SRVMON_BENCH_TOP_STORE")
		if keep != "" {
			if end, err := os.ReadFile(filepath.Join(keep, "bench-end")); err == nil {
				if u, err := strconv.ParseInt(string(end), 10, 64); err == nil {
					topLongDir, topLongEnd = keep, time.Unix(u, 0).UTC()
					return
				}
			}
			topLongDir, topLongErr = keep, os.MkdirAll(keep, 0o755)
		} else {
			topLongDir, topLongErr = os.MkdirTemp(query.TempRootForBench(), "bench-toplong-")
		}
		if topLongErr != nil {
			return
		}
		start := time.Now()
		topLongEnd = time.Now().UTC().Truncate(24 * time.Hour)
		h := synth.DefaultHost()
		h.Processes = 20
		var n int
		n, topLongErr = synth.Build(context.Background(), topLongDir, h, topLongEnd, 30)
		b.Logf("built 30 days with processes (%d points) in %s", n, time.Since(start).Round(time.Second))
		if topLongErr == nil && keep != "" {
			topLongErr = os.WriteFile(filepath.Join(keep, "bench-end"), []byte(strconv.FormatInt(topLongEnd.Unix(), 10)), 0o644)
		}
	})
	if topLongErr != nil {
		b.Fatal(topLongErr)
	}
	return topLongDir, topLongEnd
}

// BenchmarkTopLong times query top over the last 7 and 30 days of the
// synthetic host with processes, the range cut inside an hour at both ends
// (as --last 7d is): "raw" reads every sample (how Top worked before the
// hourly summaries), "summaries" is Top, side by side in one run. Each
// operation opens the store, as a command does; the "-open" pairs use one
// store opened before, as serve does (its blocks and their summaries stay
// loaded from one request to the next).
func BenchmarkTopLong(b *testing.B) {
	dir, end := topLongStore(b)
	ctx := context.Background()
	open, err := tsdb.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, days := range []int{7, 30} {
		to := end.Add(-17*time.Minute - 23*time.Second)
		o := query.TopOptions{From: to.AddDate(0, 0, -days).Add(-40 * time.Minute), To: to}
		for _, way := range []struct {
			name string
			top  func(context.Context, *tsdb.Store, query.TopOptions) (*query.TopResult, error)
			s    *tsdb.Store // nil: open the store each time
		}{{"raw", query.TopRaw, nil}, {"summaries", query.Top, nil}, {"raw-open", query.TopRaw, open}, {"summaries-open", query.Top, open}} {
			b.Run(strconv.Itoa(days)+"d/"+way.name, func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					s := way.s
					if s == nil {
						if s, err = tsdb.Open(dir); err != nil {
							b.Fatal(err)
						}
					}
					r, err := way.top(ctx, s, o)
					if err != nil {
						b.Fatal(err)
					}
					if len(r.Processes) == 0 {
						b.Fatal("no processes")
					}
				}
			})
		}
	}
}

// cpuPerOp reports the CPU time per operation from now until the returned
// function is called: on a machine that others load, wall time grows with
// the load, the CPU time a run takes much less.
func cpuPerOp(b *testing.B) func() {
	start := processCPU(b)
	return func() { b.ReportMetric((processCPU(b)-start).Seconds()/float64(b.N), "cpu-s/op") }
}
