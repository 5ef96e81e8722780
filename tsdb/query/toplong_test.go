package query

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// Events of the store with processes, as times after day0.
var (
	procsEnd      = 2*24*time.Hour + 12*time.Hour // two days in blocks, half of the store's today in its head log
	procsGap      = [2]time.Duration{5*time.Hour + 20*time.Minute, 5*time.Hour + 50*time.Minute}
	procsReboot   = 24*time.Hour + 13*time.Hour + 37*time.Minute // counters start again, the first set has no deltas
	procsNoProcs  = 24*time.Hour + 19*time.Hour + 12*time.Minute // a set taken without the process collector
	procsDB1Until = 30*time.Hour + 20*time.Minute                // a second instance records until then
	procsOnce     sync.Once
	procsStoreDir string
	procsErr      error
)

// procsStore returns a store of two and a half days of the synthetic host
// with processes (the last half day its head log), with a gap inside an
// hour (31 minutes between two sets), a reboot, a sample set without the
// process collector and cc1's
// pids reused (three pids for a new process every 10 minutes), and a
// second instance that stops on the second day. Built once.
func procsStore(t *testing.T) *tsdb.Store {
	t.Helper()
	clock := tsdbtest.WithClock(func() time.Time { return day0.Add(procsEnd) })
	procsOnce.Do(func() {
		procsStoreDir = filepath.Join(tmpRoot, "procs")
		procsErr = buildProcsStore(procsStoreDir, clock)
	})
	if procsErr != nil {
		t.Fatal(procsErr)
	}
	s, err := tsdb.Open(procsStoreDir, tsdb.WithRetention(0), clock)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func buildProcsStore(dir string, clock tsdb.Option) error {
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), clock)
	if err != nil {
		return err
	}
	h := synth.Host{Instance: "web1", CPUs: 2, Processes: 20}
	pts := map[string][]tsdb.Point{}
	series := map[string]tsdb.Series{}
	offset := map[string]float64{} // the host CPU counters' values at the reboot
	err = synth.New(h, 11).Minutes(day0, int(procsEnd/time.Minute), func(t time.Time, set []tsdb.Sample) error {
		m := t.Sub(day0)
		if m >= procsGap[0] && m < procsGap[1] {
			return nil
		}
		for _, smp := range set {
			ser, v := procsSample(smp.Series, smp.Value, m)
			if ser.Metric == "" {
				continue
			}
			if ser.Metric == "srvmon_cpu_seconds_total" && m >= procsReboot {
				if m == procsReboot {
					offset[ser.Key()] = v - 7
				}
				v -= offset[ser.Key()]
			}
			k := ser.Key()
			series[k] = ser
			pts[k] = append(pts[k], tsdb.Point{T: t.Unix(), V: v})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A second instance, recording at half past each minute, stops inside
	// an hour of the second day.
	db := synth.Host{Instance: "db1", CPUs: 1, Processes: 3}
	err = synth.New(db, 12).Minutes(day0.Add(30*time.Second), int(procsDB1Until/time.Minute), func(t time.Time, set []tsdb.Sample) error {
		for _, smp := range set {
			if smp.Series.Metric == metric.BootInfo || topSeries(smp.Series) {
				k := smp.Series.Key()
				series[k] = smp.Series
				pts[k] = append(pts[k], tsdb.Point{T: t.Unix(), V: smp.Value})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for k, p := range pts {
			for _, x := range p {
				if err := yield(series[k], x); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return err
}

// procsSample returns a synthetic sample's series as procsStore records it
// at m after day0 (no metric: not recorded).
func procsSample(ser tsdb.Series, v float64, m time.Duration) (tsdb.Series, float64) {
	isProc := ser.Get("pid") != ""
	switch {
	case ser.Metric == metric.BootInfo && m >= procsReboot:
		return ser.With("boot_id", "after-reboot"), v
	case isProc && m == procsNoProcs:
		return tsdb.Series{}, 0
	case m == procsReboot && (ser.Metric == ProcessCPU || ser.Metric == ProcessRead || ser.Metric == ProcessWritten):
		return tsdb.Series{}, 0 // the first set of a boot has no deltas
	case ser.Metric != metric.BootInfo && !topSeries(ser):
		return tsdb.Series{}, 0 // Top does not read them: a store quicker to build
	case ser.Get("comm") == "cc1":
		pid, _ := strconv.Atoi(ser.Get("pid"))
		return ser.With("pid", strconv.Itoa(20000+pid%3)), v
	}
	return ser, v
}

// Top from the hourly summaries gives the answer Top gives from every
// sample, to the last bit: the same processes in the same order with the
// same numbers, the remainder and the host, by each resource, over ranges
// that cut hours at both ends, hold a reboot, a gap, a set without the
// collector, reused pids, a second instance that stops, the store's today
// (a head log), and over a busy episode's intervals (endsIn). The
// summaries must have answered most hours of the long ranges and none of
// the hours that hold the events.
func TestTopSummariesEqualRaw(t *testing.T) {
	s := procsStore(t)
	d := func(days int, h, m, sec int) time.Time {
		return day0.Add(time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second)
	}
	ranges := []struct {
		name      string
		o         TopOptions
		answered  int // at least
		instances int
	}{
		{"Unaligned", TopOptions{From: d(0, 0, 23, 17), To: d(2, 11, 41, 5)}, 50, 2},
		{"Aligned", TopOptions{From: d(0, 6, 0, 0), To: d(2, 0, 0, 0)}, 35, 2}, // the first set's interval starts before the range
		{"Reboot", TopOptions{From: d(1, 12, 10, 0), To: d(1, 16, 0, 0)}, 1, 1},
		{"EndsIn", TopOptions{From: d(0, 2, 30, 0), To: d(1, 9, 30, 1), endsIn: true}, 25, 2},
		{"At", TopOptions{From: d(1, 0, 0, 0), To: d(2, 0, 0, 0), At: d(1, 13, 37, 30)}, 0, 1},
	}
	// (The gap is a longer interval, with deltas: its hour is answered.)
	events := []time.Time{day0.Add(procsReboot), day0.Add(procsNoProcs)}
	if testing.Short() {
		ranges = ranges[:2] // every event, partial hours and the head log; a whole first hour
	}
	for _, rg := range ranges {
		// Every process by each resource, and the first 3 by CPU (the
		// others in the remainder).
		for _, bn := range []struct {
			by string
			n  int
		}{{"cpu", 1000}, {"mem", 1000}, {"io", 1000}, {"cpu", 3}} {
			o := rg.o
			o.By, o.N = bn.by, bn.n
			t.Run(fmt.Sprintf("%s/%s/%d", rg.name, bn.by, bn.n), func(t *testing.T) {
				ctx := context.Background()
				fast, err := Top(ctx, s, o)
				if err != nil {
					t.Fatal(err)
				}
				o.rawOnly = true
				slow, err := Top(ctx, s, o)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := fmt.Sprintf("%+v", fast), fmt.Sprintf("%+v", slow); g != w {
					t.Errorf("summaries:\n%s\nraw:\n%s", g, w)
				}
				insts := map[string]bool{}
				for _, p := range fast.Processes {
					insts[p.Instance] = true
				}
				if len(fast.Processes) < min(bn.n, 4) || bn.n > 3 && len(insts) != rg.instances {
					t.Errorf("%d processes of %d instances, want %d", len(fast.Processes), len(insts), rg.instances)
				}
			})
		}
		t.Run(rg.name+"/Answered", func(t *testing.T) {
			start, end, err := resolveAt(context.Background(), s, "", rg.o.From, rg.o.To, rg.o.At)
			if err != nil {
				t.Fatal(err)
			}
			th, err := readTopHours(context.Background(), s, rg.o, start, end)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ok := range th.answered {
				if ok {
					n++
				}
			}
			if n < rg.answered {
				t.Errorf("%d hours from summaries, want at least %d", n, rg.answered)
			}
			for _, e := range append(events, rg.o.From) {
				if h := e.Truncate(time.Hour); th.answered[h.Unix()] {
					t.Errorf("the hour %s was answered from summaries", h.Sub(day0))
				}
			}
		})
	}
}

// Damage to a process series' bytes in a day block's data file is reported
// by Top from the hourly summaries as it is from raw samples, naming the
// data file, and leaves the same series out: the summaries, intact and
// written before the damage, do not answer for a series a read of its
// points would not return.
func TestTopSummariesReportDamage(t *testing.T) {
	procsStore(t) // built
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(procsStoreDir)); err != nil {
		t.Fatal(err)
	}
	victim := damageSeriesBytes(t, dir, day0.Format(time.DateOnly), func(key string) bool {
		return strings.HasPrefix(key, ProcessCPU+"{") && strings.Contains(key, "instance=\"web1\"")
	})
	o := TopOptions{From: day0.Add(6 * time.Hour), To: day0.Add(24 * time.Hour), By: "cpu", N: 1000}
	results := map[bool]*TopResult{}
	for _, raw := range []bool{false, true} {
		s, err := tsdb.Open(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return day0.Add(procsEnd) }))
		if err != nil {
			t.Fatal(err)
		}
		o.rawOnly = raw
		if results[raw], err = Top(context.Background(), s, o); err != nil {
			t.Fatal(err)
		}
	}
	fast, slow := results[false], results[true]
	if len(slow.Damage) == 0 || !strings.HasSuffix(slow.Damage[0].File, "/data") || !strings.Contains(slow.Damage[0].Reason, victim) {
		t.Fatalf("raw damage notes %v, want the data file's damage to %s", slow.Damage, victim)
	}
	if g, w := fmt.Sprint(fast.Damage), fmt.Sprint(slow.Damage); g != w {
		t.Errorf("damage notes from summaries %s, from raw samples %s", g, w)
	}
	if g, w := fmt.Sprintf("%+v", fast), fmt.Sprintf("%+v", slow); g != w {
		t.Errorf("the answers from summaries and from raw samples differ (%d and %d processes, host %+v and %+v)",
			len(fast.Processes), len(slow.Processes), fast.Host, slow.Host)
	}
}

// damageSeriesBytes flips a byte in the middle of the bytes of the
// largest series pick accepts in the data file of the day block of day (by
// its checksum file's series lines) and returns that series' key.
func damageSeriesBytes(t *testing.T, dir, day string, pick func(key string) bool) string {
	t.Helper()
	blocks, _ := filepath.Glob(filepath.Join(dir, "blocks", day+".g*"))
	if len(blocks) != 1 {
		t.Fatalf("blocks of %s: %v", day, blocks)
	}
	data, _ := filepath.Glob(filepath.Join(blocks[0], "p-*", "data"))
	f, err := os.Open(filepath.Join(blocks[0], "checksums"))
	if err != nil || len(data) != 1 {
		t.Fatalf("block %s: data files %v, %v", blocks[0], data, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	var off, size int64
	for line := range strings.Lines(string(text)) {
		// series <scale> <crc32c> <offset> <size> <key>
		fields := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 6)
		if len(fields) < 6 || fields[0] != "series" || !pick(fields[5]) {
			continue
		}
		o, _ := strconv.ParseInt(fields[3], 10, 64)
		n, _ := strconv.ParseInt(fields[4], 10, 64)
		if n > size {
			key, off, size = fields[5], o, n
		}
	}
	if size == 0 {
		t.Fatalf("no series of %s to damage", blocks[0])
	}
	b, err := os.ReadFile(data[0])
	if err != nil {
		t.Fatal(err)
	}
	b[off+size/2] ^= 0x55
	if err := os.WriteFile(data[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	return key
}
