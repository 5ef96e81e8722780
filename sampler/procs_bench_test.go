package sampler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// synthHost is a synthetic host for the budget benchmark: 500 processes
// (10 busy, 40 moderate, 200 idle daemons, 250 kernel threads) and 80
// services (10 busy, 70 mostly idle), stepped a minute at a time; with
// shortPerDay > 0 it also starts that many short processes a day.
type synthHost struct {
	rng         *rand.Rand
	procs       []synthProc
	services    []synthService
	user, sys   uint64 // host CPU ticks
	nextPID     int
	shortPerDay int
	btime       uint64
}

type synthProc struct {
	procSample
	class int // 0 busy, 1 moderate, 2 idle, 3 kernel thread
}

type synthService struct {
	name                                  string
	busy                                  bool
	usage, user, sys                      uint64 // µs
	mem, peak, anon, file, rbytes, wbytes uint64
	psi                                   [6]uint64
	pids                                  uint64
}

func newSynthHost(seed uint64, shortPerDay int) *synthHost {
	h := &synthHost{rng: rand.New(rand.NewPCG(seed, 7)), nextPID: 10_000, shortPerDay: shortPerDay, btime: 1_700_000_000}
	for i := range 500 {
		class := 3
		switch {
		case i < 10:
			class = 0
		case i < 50:
			class = 1
		case i < 250:
			class = 2
		}
		p := synthProc{class: class}
		p.pid = 2 + i*7
		p.comm = fmt.Sprintf("proc%d", i)
		p.start = uint64(h.rng.IntN(100_000))
		p.threads = uint64(1 + h.rng.IntN(4))
		switch class {
		case 0:
			p.rss = uint64(25_000 + h.rng.IntN(175_000)) // 100-800 MB in pages
			p.threads = uint64(4 + h.rng.IntN(30))
		case 1:
			p.rss = uint64(2_500 + h.rng.IntN(22_500))
		case 2:
			p.rss = uint64(250 + h.rng.IntN(5000))
		}
		p.hasIO = class != 3
		h.procs = append(h.procs, p)
	}
	for i := range 80 {
		s := synthService{name: fmt.Sprintf("system.slice/svc%02d.service", i), busy: i < 10}
		s.mem = uint64(1<<20 + h.rng.IntN(200<<20))
		s.peak = s.mem * 2
		s.pids = uint64(1 + h.rng.IntN(20))
		h.services = append(h.services, s)
	}
	return h
}

// step advances the host by one minute ending at unix second at and
// returns the live processes.
func (h *synthHost) step(at int64) []procSample {
	r := h.rng
	pages := func(n int) uint64 { return uint64(r.IntN(n)) * 4096 }
	var out []procSample
	for i := range h.procs {
		p := &h.procs[i]
		var cpu uint64
		switch p.class {
		case 0:
			cpu = uint64(300 + r.IntN(900)) // 3-12 s a minute
			p.rss = uint64(int(p.rss) + r.IntN(101) - 50)
			p.rbytes += pages(1200)
			p.wbytes += pages(500)
		case 1:
			if r.IntN(3) == 0 {
				cpu = uint64(r.IntN(100))
			}
			if r.IntN(4) == 0 {
				p.rss = uint64(int(p.rss) + r.IntN(21) - 10)
			}
			if r.IntN(5) == 0 {
				p.wbytes += pages(64)
			}
		case 2:
			if r.IntN(10) == 0 {
				cpu = uint64(r.IntN(3))
			}
			if r.IntN(50) == 0 {
				p.rss++
			}
		case 3:
			if r.IntN(8) == 0 {
				cpu = uint64(r.IntN(5))
			}
		}
		u := cpu * 4 / 5
		p.utime += u
		p.stime += cpu - u
		h.user += u
		h.sys += cpu - u
		out = append(out, p.procSample)
	}
	// Short processes started during the minute (shell scripts, cron jobs,
	// health checks): lifetimes exponential with a mean of half a second
	// (one in 400 lives over 3 s), at half a CPU, writing up to 64 KiB.
	// Those alive at the sample set are seen with what they used so far;
	// all count in the host's time.
	if h.shortPerDay > 0 {
		n := h.shortPerDay / 1440
		if r.IntN(1440) < h.shortPerDay%1440 {
			n++
		}
		for range n {
			startOff := r.Float64() * 60 // seconds into the minute
			life, share := r.ExpFloat64()*0.5, 0.5
			used := min(life, 60-startOff) * share
			ticks := uint64(used * userHZ)
			u := ticks * 9 / 10
			h.user += u
			h.sys += ticks - u
			h.nextPID++
			if h.nextPID > 4_194_304 {
				h.nextPID = 10_000
			}
			if startOff+life < 60 {
				continue // ended before the sample set
			}
			var p procSample
			p.pid = h.nextPID
			p.comm = []string{"sh", "cron", "curl", "gzip", "python3"}[r.IntN(5)]
			p.start = uint64(at-60-int64(h.btime))*userHZ + uint64(startOff*userHZ)
			p.utime, p.stime = u, ticks-u
			p.rss = uint64(500 + r.IntN(1500))
			p.threads = 1
			p.hasIO, p.wbytes = true, pages(16)
			out = append(out, p)
		}
	}
	for i := range h.services {
		s := &h.services[i]
		if s.busy {
			d := uint64(1_000_000 + r.IntN(9_000_000))
			s.usage += d
			s.user += d * 3 / 4
			s.sys += d - d*3/4
			s.mem = uint64(int(s.mem) + (r.IntN(2001)-1000)*4096)
			s.anon = s.mem * 2 / 3
			s.file = s.mem - s.anon
			s.peak = max(s.peak, s.mem)
			s.rbytes += pages(2000)
			s.wbytes += pages(1000)
			for j := range s.psi {
				if r.IntN(2) == 0 {
					s.psi[j] += uint64(r.IntN(200_000))
				}
			}
			if r.IntN(10) == 0 {
				s.pids = uint64(1 + r.IntN(40))
			}
		} else if r.IntN(3) == 0 {
			d := uint64(r.IntN(20_000))
			s.usage += d
			s.user += d / 2
			s.sys += d - d/2
			if r.IntN(3) == 0 {
				s.mem += uint64(r.IntN(3)) * 4096
				s.anon = s.mem / 2
				s.file = s.mem - s.anon
			}
		}
	}
	return out
}

// emitServices emits the services through the cgroups collector's parser,
// from the files as the kernel writes them.
func (h *synthHost) emitServices(r *run) error {
	for _, s := range h.services {
		files := map[string]string{
			"cpu.stat":        fmt.Sprintf("usage_usec %d\nuser_usec %d\nsystem_usec %d\n", s.usage, s.user, s.sys),
			"memory.current":  fmt.Sprint(s.mem),
			"memory.peak":     fmt.Sprint(s.peak),
			"memory.stat":     fmt.Sprintf("anon %d\nfile %d\n", s.anon, s.file),
			"io.stat":         fmt.Sprintf("8:0 rbytes=%d wbytes=%d rios=1 wios=1 dbytes=0 dios=0\n", s.rbytes, s.wbytes),
			"cpu.pressure":    fmt.Sprintf("some avg10=0 avg60=0 avg300=0 total=%d\nfull avg10=0 avg60=0 avg300=0 total=%d\n", s.psi[0], s.psi[1]),
			"memory.pressure": fmt.Sprintf("some avg10=0 avg60=0 avg300=0 total=%d\nfull avg10=0 avg60=0 avg300=0 total=%d\n", s.psi[2], s.psi[3]),
			"io.pressure":     fmt.Sprintf("some avg10=0 avg60=0 avg300=0 total=%d\nfull avg10=0 avg60=0 avg300=0 total=%d\n", s.psi[4], s.psi[5]),
			"pids.current":    fmt.Sprint(s.pids),
		}
		for _, f := range cgroupFiles {
			if err := convertCgroupFile(r, s.name, f, files[f]); err != nil {
				return err
			}
		}
	}
	return nil
}

// set steps h to now and returns its sample set as the procs and cgroups
// collectors make it; prev is the procs state, replaced by this set's.
func (h *synthHost) set(tb testing.TB, now time.Time, prev *samplerState, opts *Options, valid bool) []tsdb.Sample {
	live := h.step(now.Unix())
	cur := samplerState{at: now.Unix(), cpuUser: h.user, cpuSys: h.sys}
	r := newRun(context.Background(), "host")
	r.proc = "/nonexistent"
	r.opts = opts
	convertProcs(r, live, prev, &cur, h.btime, valid)
	if err := h.emitServices(r); err != nil {
		tb.Fatal(err)
	}
	*prev = cur
	return r.samples
}

// BenchmarkProcsHeadLog appends four hours of the synthetic host, quiet
// and starting 100,000 short processes a day, a sample set a minute, as
// record does (one Lock, Append and Close per set), and reports the head
// log's bytes per sample set (the store writes a set's values and, when
// its series list differs from the set before's, the change) and the
// store's CPU time per set (Lock, Append, Close; the host's simulation is
// not counted).
func BenchmarkProcsHeadLog(b *testing.B) {
	for _, host := range []struct {
		name        string
		shortPerDay int
	}{{"quiet", 0}, {"100k-short", 100_000}} {
		b.Run(host.name, func(b *testing.B) {
			for range b.N {
				benchHeadLog(b, host.shortPerDay)
			}
		})
	}
}

func benchHeadLog(b *testing.B, shortPerDay int) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	now := day
	dir := b.TempDir()
	store, err := tsdb.Create(dir, tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	h := newSynthHost(1, shortPerDay)
	opts := Options{ProcTop: DefaultProcTop}
	var prev samplerState
	const sets = 240
	var cpu time.Duration
	for i := range sets {
		now = day.Add(time.Duration(i) * time.Minute)
		samples := h.set(b, now, &prev, &opts, i > 0)
		start := processCPU()
		w, err := store.Lock(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Append(now, samples); err != nil {
			b.Fatal(err)
		}
		w.Close()
		cpu += processCPU() - start
	}
	u, err := store.DiskUsage()
	if err != nil {
		b.Fatal(err)
	}
	store.Close()
	b.ReportMetric(float64(u.Total)/sets, "head-bytes/set")
	b.ReportMetric(float64(u.Total)/sets*1440/1e6, "head-MB/day")
	b.ReportMetric(float64(cpu.Microseconds())/sets, "store-cpu-µs/set")
}

// processCPU returns the CPU time (user and system) this process used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// synthDay is one day of a store's bytes and series.
type synthDay struct {
	bytes  int64
	series int
}

// recordSynthDay produces a day of the synthetic host, a sample set a
// minute, through the procs and cgroups collectors' conversion, and stores
// it through the store's import path (staging, head log, compaction into
// the day's block) three times: everything, the processes only and the
// services only. It returns each store's bytes on disk for the day (its
// DiskUsage) and series.
func recordSynthDay(tb testing.TB, shortPerDay int) (all, procs, services synthDay) {
	tb.Helper()
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	h := newSynthHost(1, shortPerDay)
	opts := Options{ProcTop: DefaultProcTop}
	var prev samplerState
	type column struct {
		ser tsdb.Series
		pts []tsdb.Point
	}
	cols := map[string]*column{}
	var order []string
	for i := range 1440 {
		now := day.Add(time.Duration(i) * time.Minute)
		for _, smp := range h.set(tb, now, &prev, &opts, i > 0) {
			k := smp.Series.Key()
			c := cols[k]
			if c == nil {
				c = &column{ser: smp.Series}
				cols[k] = c
				order = append(order, k)
			}
			c.pts = append(c.pts, tsdb.Point{T: now.Unix(), V: smp.Value})
		}
	}
	store := func(keep func(metric string) bool) synthDay {
		s, err := tsdb.Create(tb.TempDir(), tsdbtest.WithClock(func() time.Time { return day.Add(25 * time.Hour) }))
		if err != nil {
			tb.Fatal(err)
		}
		defer s.Close()
		n := 0
		_, err = s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
			for _, k := range order {
				c := cols[k]
				if !keep(c.ser.Metric) {
					continue
				}
				n++
				for _, p := range c.pts {
					if err := yield(c.ser, p); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		u, err := s.DiskUsage()
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range u.Days {
			if d.Day.Equal(day) {
				return synthDay{d.Bytes, n}
			}
		}
		tb.Fatalf("no usage for %s: %+v", day, u)
		return synthDay{}
	}
	isProc := func(m string) bool { return strings.HasPrefix(m, "srvmon_process_") }
	return store(func(string) bool { return true }), store(isProc), store(func(m string) bool { return !isProc(m) })
}

// BenchmarkProcsBytesPerDay stores a synthetic day (a set a minute) of a
// host with 500 processes and 80 services through the procs and cgroups
// collectors, quiet and starting 100,000 short processes a day, and
// reports each day's bytes on disk after compaction (target: at most 1 MB
// a day), split into processes and services, and the series; and the
// short-process host's ratios to the quiet one's (target: at most 2).
func BenchmarkProcsBytesPerDay(b *testing.B) {
	for range b.N {
		quiet, qProcs, qServices := recordSynthDay(b, 0)
		short, sProcs, _ := recordSynthDay(b, 100_000)
		mb := func(d synthDay) float64 { return float64(d.bytes) / 1e6 }
		b.ReportMetric(mb(quiet), "MB/day-quiet")
		b.ReportMetric(mb(qProcs), "MB/day-quiet-procs")
		b.ReportMetric(mb(qServices), "MB/day-quiet-services")
		b.ReportMetric(float64(quiet.series), "series/day-quiet")
		b.ReportMetric(float64(qProcs.series), "series/day-quiet-procs")
		b.ReportMetric(mb(short), "MB/day-100k-short")
		b.ReportMetric(float64(short.series), "series/day-100k-short")
		b.ReportMetric(float64(sProcs.series), "series/day-100k-short-procs")
		b.ReportMetric(float64(short.bytes)/float64(quiet.bytes), "ratio-bytes")
		b.ReportMetric(float64(short.series)/float64(quiet.series), "ratio-series")
	}
}

// BenchmarkProcsHost runs the procs collector on this host (state in
// memory), one sample set per iteration.
func BenchmarkProcsHost(b *testing.B) {
	s, err := New([]string{"procs"}, Options{Instance: "host"})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	for i := range b.N {
		if _, errs := s.SampleAt(context.Background(), at.Add(time.Duration(i)*time.Second)); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
