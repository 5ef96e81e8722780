package tsdb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// benchStore returns a cached store of days of realistic history ending
// today (synth.Cached) and the number of points it holds.
func benchStore(b *testing.B, days int) (dir string, points int) {
	b.Helper()
	start := time.Now()
	dir, n, err := synth.Cached(context.Background(), days)
	if err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("built %d days (%d points) in %s", days, n, d.Round(time.Second))
	}
	return dir, n
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecordVsHistory measures property 1: the CPU time of one
// record's store work (lock, append one sample set, maintain, unlock) on
// stores holding 1, 30 and 365 days, alternating between them in one run,
// and reports the 365-day/1-day ratio (target: at most 1.2).
func BenchmarkRecordVsHistory(b *testing.B) {
	sizes := []int{1, 30, 365}
	stores := make([]*tsdb.Store, len(sizes))
	for i, d := range sizes {
		dir, _ := benchStore(b, d)
		s, err := tsdb.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		stores[i] = s
	}
	g := synth.New(synth.DefaultHost(), 9)
	set := g.Next()
	cpu := make([]time.Duration, len(sizes))
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Second)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts := base.Add(time.Duration(i+1) * time.Second)
		for j, s := range stores {
			c0 := cpuTime()
			w, err := s.Lock(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Append(ts, set); err != nil {
				b.Fatal(err)
			}
			if err := w.Maintain(ctx); err != nil {
				b.Fatal(err)
			}
			w.Close()
			cpu[j] += cpuTime() - c0
		}
	}
	b.StopTimer()
	for j, d := range sizes {
		b.ReportMetric(float64(cpu[j].Microseconds())/float64(b.N), fmt.Sprintf("cpu-µs/%dd", d))
	}
	b.ReportMetric(float64(cpu[2])/float64(cpu[0]), "ratio-365d/1d")
	for j, s := range stores {
		if s.Stats().BlocksOpened != 0 || s.Stats().HeadsRead != 0 {
			b.Fatalf("%d-day store: record opened %d blocks and read %d head logs whole", sizes[j], s.Stats().BlocksOpened, s.Stats().HeadsRead)
		}
	}
}

// BenchmarkBytesPerPoint reports property 2 on 1, 30 and 365 days of
// history: every byte in the store directory over the points it holds.
func BenchmarkBytesPerPoint(b *testing.B) {
	for _, days := range []int{1, 30, 365} {
		b.Run(fmt.Sprintf("%dd", days), func(b *testing.B) {
			dir, n := benchStore(b, days)
			var size int64
			filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					size += fi.Size()
				}
				return nil
			})
			for i := 0; i < b.N; i++ {
			}
			b.ReportMetric(float64(size)/float64(n), "bytes/point")
			b.ReportMetric(float64(size)/(1<<20), "MiB")
		})
	}
}

// BenchmarkReadAll reads every series of the last 1 and 30 days with a
// fresh Store each time (as a new query process would).
func BenchmarkReadAll(b *testing.B) {
	dir, _ := benchStore(b, 30)
	for _, days := range []int{1, 30} {
		b.Run(fmt.Sprintf("%dd", days), func(b *testing.B) {
			end := time.Now().UTC().Truncate(24 * time.Hour)
			from := end.AddDate(0, 0, -days)
			points := 0
			for i := 0; i < b.N; i++ {
				s, err := tsdb.Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				err = s.Read(context.Background(), from, end, nil, func(_ tsdb.Series, pts []tsdb.Point) error {
					points += len(pts)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(points)/b.Elapsed().Seconds(), "points/s")
		})
	}
}

// BenchmarkSeriesIn lists the series of a whole year (property 9).
func BenchmarkSeriesIn(b *testing.B) {
	dir, _ := benchStore(b, 365)
	end := time.Now().UTC()
	for i := 0; i < b.N; i++ {
		s, err := tsdb.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		ss, err := s.SeriesIn(context.Background(), end.AddDate(-1, 0, 0), end)
		if err != nil || len(ss) == 0 {
			b.Fatalf("SeriesIn: %d series, %v", len(ss), err)
		}
	}
}

// BenchmarkReadChecksums reads the last 30 days at full resolution with a
// fresh Store each time (as a new query process would), once verifying the
// blocks' checksums before use (what readers do) and once without,
// alternating in one run, and reports the CPU time of each and their
// ratio: what verifying the checksums adds to a read. "all" reads every
// series; "one" reads node_load1 alone, where the check (which covers each
// block's whole data file) weighs most.
func BenchmarkReadChecksums(b *testing.B) {
	dir, _ := benchStore(b, 30)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	from := end.AddDate(0, 0, -30)
	for _, c := range []struct {
		name  string
		match func(tsdb.Series) bool
	}{
		{"all", nil},
		{"one", func(s tsdb.Series) bool { return s.Metric == "node_load1" }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var cpu [2]time.Duration // checked, unchecked
			points := 0
			read := func(check bool) {
				c0 := cpuTime()
				s, err := tsdb.Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				if !check {
					s.SkipChecksums()
				}
				n := 0
				err = s.Read(context.Background(), from, end, c.match, func(_ tsdb.Series, pts []tsdb.Point) error {
					n += len(pts)
					return nil
				})
				if err != nil || len(s.Damage()) > 0 || n == 0 {
					b.Fatalf("read %d points: %v, damage %v", n, err, s.Damage())
				}
				if points != 0 && n != points {
					b.Fatalf("read %d points, then %d", points, n)
				}
				points = n
				i := 0
				if !check {
					i = 1
				}
				cpu[i] += cpuTime() - c0
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Alternate which goes first, so that neither always
				// finds the page cache warmed by the other.
				read(i%2 == 0)
				read(i%2 != 0)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpu[0].Microseconds())/1e3/float64(b.N), "cpu-ms/checked")
			b.ReportMetric(float64(cpu[1].Microseconds())/1e3/float64(b.N), "cpu-ms/unchecked")
			b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "ratio-checked/unchecked")
			b.ReportMetric(float64(points), "points/read")
		})
	}
}
