package query_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/synth"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchEnd  time.Time
	benchErr  error
)

// benchStore returns a store holding 30 days of minutely history of
// synth.DefaultHost (about 240 series), built once per process through
// Store.Import in a temporary directory, and the end of that history.
//
// With SRVMON_BENCH_STORE=DIR the store is built in DIR once and reused by
// later runs (DIR/bench-end says the end of its history): building takes
// most of a minute, so that test binaries of two versions can alternate
// quickly on the same store. Delete DIR when done.
func benchStore(b *testing.B) (string, time.Time) {
	b.Helper()
	benchOnce.Do(func() {
		keep := os.Getenv("SRVMON_BENCH_STORE")
		if keep != "" {
			if end, err := os.ReadFile(filepath.Join(keep, "bench-end")); err == nil {
				if u, err := strconv.ParseInt(string(end), 10, 64); err == nil {
					benchDir, benchEnd = keep, time.Unix(u, 0).UTC()
					return
				}
			}
			benchDir, benchErr = keep, os.MkdirAll(keep, 0o755)
		} else {
			// Under the test binary's temporary root, which TestMain removes.
			benchDir, benchErr = os.MkdirTemp(query.TempRootForBench(), "bench-")
		}
		if benchErr != nil {
			return
		}
		start := time.Now()
		benchEnd = time.Now().UTC().Truncate(24 * time.Hour)
		var n int
		n, benchErr = synth.Build(context.Background(), benchDir, synth.DefaultHost(), benchEnd, 30)
		b.Logf("built 30 days (%d points) in %s", n, time.Since(start).Round(time.Second))
		if benchErr == nil && keep != "" {
			benchErr = os.WriteFile(filepath.Join(keep, "bench-end"), []byte(strconv.FormatInt(benchEnd.Unix(), 10)), 0o644)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir, benchEnd
}

// processCPU returns the CPU time the process has used so far (all its
// threads, the garbage collector's included).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTarget measures the CPU time per operation from now until the
// returned function is called, and reports it with its ratio to target
// (at most 1 meets it). On a machine that others load, wall time (ns/op)
// grows with the load; the CPU time a run takes much less.
func cpuTarget(b *testing.B, target time.Duration) func() {
	start := processCPU(b)
	return func() {
		per := (processCPU(b) - start).Seconds() / float64(b.N)
		b.ReportMetric(per, "cpu-s/op")
		b.ReportMetric(per/target.Seconds(), "cpu/target")
	}
}

// BenchmarkQuery30dDiskNet1h measures a query of 30 days of every disk and
// network series at a 1 h step, end to end: open the store, compute, write
// CSV. Target: under 0.3 s. "views" computes the disk and net views (the
// rates, util, await of every device and interface); "selector" every
// node_disk_* and node_network_* series as raw rates. "unaligned" is the
// views over a range that starts and ends inside an hour, whose ends come
// from raw samples.
func BenchmarkQuery30dDiskNet1h(b *testing.B) {
	dir, end := benchStore(b)
	aligned := query.Options{From: end.AddDate(0, 0, -30), To: end, Step: time.Hour}
	unaligned := query.Options{From: aligned.From.Add(17*time.Minute + 23*time.Second), To: end.Add(-17 * time.Minute), Step: time.Hour}
	for _, bc := range []struct {
		name string
		what []string
		o    query.Options
	}{
		{"views", []string{"disk", "net"}, aligned},
		{"selector", []string{`{__name__=~"node_disk_.*|node_network_.*"}`}, aligned},
		{"unaligned", []string{"disk", "net"}, unaligned},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			defer cpuTarget(b, 300*time.Millisecond)()
			for i := 0; i < b.N; i++ {
				s, err := tsdb.Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				for _, w := range bc.what {
					r, err := query.Run(ctx, s, w, bc.o)
					if err != nil {
						b.Fatal(err)
					}
					if len(r.Quantities) == 0 || len(r.Quantities[0].Points) < 719 {
						b.Fatalf("%s: %d series", w, len(r.Quantities))
					}
					if err := report.WriteResult(io.Discard, r, report.FormatCSV, report.Options{Loc: time.UTC}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkReport7d measures what srvmon report does for the last 7 days:
// open the store, summarise every view, write the text report. Target:
// under 0.5 s.
func BenchmarkReport7d(b *testing.B) {
	dir, end := benchStore(b)
	o := query.Options{From: end.AddDate(0, 0, -7), To: end}
	ctx := context.Background()
	b.ResetTimer()
	defer cpuTarget(b, 500*time.Millisecond)()
	for i := 0; i < b.N; i++ {
		s, err := tsdb.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		var sums []*query.Summary
		for _, v := range query.Views() {
			sum, err := query.Summarize(ctx, s, v, o)
			if err != nil {
				b.Fatal(err)
			}
			sums = append(sums, sum)
		}
		if err := report.WriteSummaries(io.Discard, sums, report.FormatText, report.Options{Loc: time.UTC, Width: 120, Height: 40}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCSV30dFull measures the full-resolution export the issue names:
// 30 days of every disk and network view series at every sample, computed
// from the raw counters and written as long CSV. Target: at least 2
// million values a second, end to end.
func BenchmarkCSV30dFull(b *testing.B) {
	dir, end := benchStore(b)
	o := query.Options{From: end.AddDate(0, 0, -30), To: end}
	ctx := context.Background()
	values := 0
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		s, err := tsdb.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range []string{"disk", "net"} {
			r, err := query.Run(ctx, s, w, o)
			if err != nil {
				b.Fatal(err)
			}
			if r.Step != 0 {
				b.Fatalf("%s: step %s, want raw samples", w, r.Step)
			}
			for _, ser := range r.Quantities {
				values += len(ser.Points)
			}
			if err := report.WriteResult(io.Discard, r, report.FormatCSV, report.Options{Loc: time.UTC}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(values)/b.Elapsed().Seconds(), "values/s")
	// Per CPU second: what the machine's own load does not slow down.
	perCPU := float64(values) / (processCPU(b) - cpu0).Seconds()
	b.ReportMetric(perCPU, "values/cpu-s")
	b.ReportMetric(2e6/perCPU, "cpu/target")
}
