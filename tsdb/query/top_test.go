package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
)

// proc returns the samples of one process in one sample set: CPU user and
// system seconds, RSS and read bytes, and its info series.
func proc(pid, start, comm, user string, cpuUser, cpuSys, rss, read float64) []tsdb.Sample {
	id := []string{"pid", pid, "start", start, "comm", comm}
	with := func(kv ...string) []string { return append(append([]string{}, id...), kv...) }
	return []tsdb.Sample{
		smp(ProcessInfo, 1, with("exe", "/usr/bin/"+comm, "user", user, "ppid", "1")...),
		smp(ProcessCPU, cpuUser, with("mode", "user")...),
		smp(ProcessCPU, cpuSys, with("mode", "system")...),
		smp(ProcessRSS, rss, id...),
		smp(ProcessRead, read, id...),
		smp(ProcessWritten, 0, id...),
		smp(ProcessThreads, 2, id...),
	}
}

// otherProc returns the remainder's samples of one sample set.
func otherProc(cpu float64) []tsdb.Sample {
	id := []string{"pid", OtherProcessPID, "start", "0", "comm", "other"}
	return []tsdb.Sample{
		smp(ProcessCPU, cpu, append(id, "mode", "user")...),
		smp(ProcessCPU, 0, append(id, "mode", "system")...),
		smp(ProcessRSS, 10<<20, id...),
		smp(ProcessRead, 0, id...),
		smp(ProcessWritten, 600, id...),
	}
}

// topStore holds four sample sets a minute apart on a 2-CPU host (120 CPU
// seconds a minute): make in the last three, cc1 only in the third, pid
// 300 twice (postgres started at 500, then at 3000 a new process with the
// same pid), the remainder in every set.
func topStore(t *testing.T) *tsdb.Store {
	s := newStore(t)
	for _, set := range topSets() {
		appendSet(t, s, set.T, set.Samples...)
	}
	return s
}

// topSets are the sample sets of topStore.
func topSets() []SampleSet {
	var out []SampleSet
	sets := [][]tsdb.Sample{
		// the first set's deltas have no interval in the range: not counted
		append(proc("100", "1000", "make", "build", 999, 999, 1<<30, 999), otherProc(999)...),
		append(append(proc("100", "1000", "make", "build", 30, 6, 100<<20, 6000), proc("300", "500", "postgres", "postgres", 3, 0, 40<<20, 0)...), otherProc(1)...),
		append(append(proc("100", "1000", "make", "build", 30, 6, 200<<20, 6000), proc("200", "2000", "cc1", "build", 12, 0, 50<<20, 0)...), otherProc(1)...),
		append(append(proc("100", "1000", "make", "build", 30, 6, 300<<20, 6000), proc("300", "3000", "postgres", "postgres", 6, 0, 60<<20, 0)...), otherProc(1)...),
	}
	for i, set := range sets {
		set = append(set, bootSample("b1"),
			smp("srvmon_cpu_seconds_total", float64(1000+80*i), "mode", "user"),
			smp("srvmon_cpu_seconds_total", float64(5000+40*i), "mode", "idle"),
			smp("node_memory_MemTotal_bytes", 1<<30))
		for _, m := range []string{"nice", "system", "iowait", "irq", "softirq", "steal"} {
			set = append(set, smp("srvmon_cpu_seconds_total", 100, "mode", m))
		}
		out = append(out, SampleSet{T: at(int64(60 * i)), Samples: set})
	}
	return out
}

// TestWindowTopEqualsTop checks that the top processes of sample sets held
// in memory (serve's live range) are those of the same sets in a store:
// every number, by each resource, over the range and over one interval.
func TestWindowTopEqualsTop(t *testing.T) {
	s := topStore(t)
	w := NewWindow(topSets())
	for _, o := range []TopOptions{{From: at(0), To: at(240)}, {From: at(0), To: at(240), By: "mem", N: 2},
		{From: at(0), To: at(240), By: "io"}, {From: at(60), To: at(181)}, {From: at(0), To: at(240), At: at(150)}} {
		want, err := Top(context.Background(), s, o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.Top(o)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
			t.Errorf("%+v:\nwindow: %s\nstore:  %s", o, g, w)
		}
		if len(got.Processes) == 0 {
			t.Errorf("%+v: no processes", o)
		}
	}
	if _, err := w.Top(TopOptions{From: at(3600), To: at(3660)}); !errors.Is(err, ErrNoData) {
		t.Errorf("a range without sets: got %v, want ErrNoData", err)
	}
}

func TestTopExactNumbers(t *testing.T) {
	s := topStore(t)
	r, err := Top(context.Background(), s, TopOptions{From: at(0), To: at(240)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Covered, 3*time.Minute; got != want {
		t.Errorf("Covered = %v, want %v", got, want)
	}
	type row struct {
		pid, comm, user string
		start           int64
		cpu, share, rss float64
		read            float64
		sets            int
	}
	want := []row{
		{"100", "make", "build", 1000, 108.0 / 180 * 100, 108.0 / 360 * 100, 200 << 20, 100, 3},
		{"200", "cc1", "build", 2000, 12.0 / 180 * 100, 12.0 / 360 * 100, 50 << 20, 0, 1},
		{"300", "postgres", "postgres", 3000, 6.0 / 180 * 100, 6.0 / 360 * 100, 60 << 20, 0, 1},
		{"300", "postgres", "postgres", 500, 3.0 / 180 * 100, 3.0 / 360 * 100, 40 << 20, 0, 1},
	}
	if len(r.Processes) != len(want) {
		t.Fatalf("%d processes, want %d: %+v", len(r.Processes), len(want), r.Processes)
	}
	for i, w := range want {
		p := r.Processes[i]
		if p.PID != w.pid || p.Comm != w.comm || p.User != w.user || p.Start.Unix() != w.start || !close(p.CPU, w.cpu) ||
			!close(p.CPUShare, w.share) || !close(p.RSS, w.rss) || !close(p.ReadRate, w.read) || p.Sets != w.sets {
			t.Errorf("row %d = %s %s %s start %d cpu %g share %g rss %g read %g sets %d, want %+v",
				i, p.PID, p.Comm, p.User, p.Start.Unix(), p.CPU, p.CPUShare, p.RSS, p.ReadRate, p.Sets, w)
		}
	}
	if p := r.Processes[0]; !close(p.UserCPU, 50) || !close(p.SystemCPU, 10) || p.RSSMax != 300<<20 || p.Exe != "/usr/bin/make" ||
		!close(p.MemShare, 100*200.0/1024) || !close(p.IOShare, 100*18000.0/(18000+1800)) {
		t.Errorf("make: %+v", p)
	}
	if o := r.Other; !close(o.CPUSeconds, 3) || !close(o.WriteRate, 10) || o.PID != OtherProcessPID {
		t.Errorf("other: %+v", o)
	}
	// The parts add up to the host: 132 CPU seconds of 360.
	if h := r.Host; !close(h.CPUSeconds, 132) || !close(h.CPU, 132.0/180*100) || !close(h.CPUShare, 132.0/360*100) ||
		!close(h.CPUs, 2) || h.MemTotal != 1<<30 || !close(h.ReadRate, 100) || !close(h.WriteRate, 10) {
		t.Errorf("host: %+v", h)
	}

	// N=2: the rest goes to the remainder, and the total stays.
	r2, err := Top(context.Background(), s, TopOptions{From: at(0), To: at(240), N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.Processes) != 2 || !close(r2.Other.CPUSeconds, 12) || !close(r2.Host.CPUSeconds, 132) {
		t.Errorf("N=2: %d rows, other %g s, host %g s", len(r2.Processes), r2.Other.CPUSeconds, r2.Host.CPUSeconds)
	}
}

func TestTopByAndAt(t *testing.T) {
	s := topStore(t)
	r, err := Top(context.Background(), s, TopOptions{From: at(0), To: at(240), By: "mem", N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Processes) != 1 || r.Processes[0].Comm != "make" || r.By != "mem" {
		t.Errorf("by mem: %+v", r.Processes)
	}
	// At 100 s: the interval from 60 to 120, where cc1 ran.
	r, err = Top(context.Background(), s, TopOptions{From: at(0), To: at(240), At: at(100)})
	if err != nil {
		t.Fatal(err)
	}
	if !r.From.Equal(at(60)) || !r.To.Equal(at(120)) || r.Covered != time.Minute || len(r.Processes) != 2 {
		t.Fatalf("at 100: %v..%v covered %v, %d rows", r.From, r.To, r.Covered, len(r.Processes))
	}
	if p := r.Processes[1]; p.Comm != "cc1" || !close(p.CPU, 20) || !close(p.CPUShare, 10) || p.RSS != 50<<20 {
		t.Errorf("cc1 at 100: %+v", p)
	}
	if p := r.Processes[0]; !close(p.CPU, 60) || p.RSS != 200<<20 {
		t.Errorf("make at 100: %+v", p)
	}
	if d := r.WithoutDetails(); d.Processes[0].User != "" || d.Processes[0].Exe != "" || r.Processes[0].User != "build" {
		t.Errorf("WithoutDetails: %+v (original %+v)", d.Processes[0], r.Processes[0])
	}
}

func TestTopErrors(t *testing.T) {
	s := topStore(t)
	var pe *param.Error
	if _, err := Top(context.Background(), s, TopOptions{From: at(0), To: at(240), By: "disk"}); !errors.As(err, &pe) || pe.Param != "by" {
		t.Errorf("by disk: %v", err)
	}
	if _, err := Top(context.Background(), s, TopOptions{From: at(1000), To: at(2000)}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty range: %v", err)
	}
	if _, err := Top(context.Background(), s, TopOptions{From: at(0), To: at(240), At: at(500)}); !errors.Is(err, ErrNoData) {
		t.Errorf("at after the last set: %v", err)
	}
}

func TestServices(t *testing.T) {
	s := newStore(t)
	for i := range 3 {
		cg := func(name string, v float64, cgroup string, kv ...string) tsdb.Sample {
			return smp(name, v, append([]string{"cgroup", cgroup}, kv...)...)
		}
		x := float64(i)
		appendSet(t, s, at(int64(60*i)), bootSample("b1"),
			smp("srvmon_cpu_seconds_total", 1000+120*x, "mode", "user"),
			cg("srvmon_cgroup_cpu_usage_seconds_total", 100+30*x, "system.slice/nginx.service"),
			cg("srvmon_cgroup_cpu_seconds_total", 80+24*x, "system.slice/nginx.service", "mode", "user"),
			cg("srvmon_cgroup_memory_bytes", 100e6+10e6*x, "system.slice/nginx.service"),
			cg("srvmon_cgroup_memory_peak_bytes", 200e6+x, "system.slice/nginx.service"),
			cg("srvmon_cgroup_io_read_bytes_total", 1e6+6000*x, "system.slice/nginx.service"),
			cg("srvmon_cgroup_pressure_io_waiting_seconds_total", 5+6*x, "system.slice/nginx.service"),
			cg("srvmon_cgroup_cpu_usage_seconds_total", 100+6*x, "system.slice/cron.service"),
			cg("srvmon_cgroup_memory_bytes", 500e6, "system.slice/cron.service"),
		)
	}
	r, err := Services(context.Background(), s, ServicesOptions{From: at(0), To: at(180)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Services) != 2 {
		t.Fatalf("%d services: %+v", len(r.Services), r.Services)
	}
	n := r.Services[0]
	if n.Cgroup != "system.slice/nginx.service" || !close(n.CPU, 50) || !close(n.UserCPU, 40) || !close(n.CPUShare, 25) ||
		!close(n.Memory, 110e6) || n.MemoryPeak != 200e6+2 || !close(n.ReadRate, 100) || !close(n.IOWaiting, 10) ||
		!math.IsNaN(n.SystemCPU) || !math.IsNaN(n.Pids) {
		t.Errorf("nginx: %+v", n)
	}
	r, err = Services(context.Background(), s, ServicesOptions{From: at(0), To: at(180), By: "mem", N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Services) != 1 || r.Services[0].Cgroup != "system.slice/cron.service" || !close(r.Services[0].CPU, 10) {
		t.Errorf("by mem: %+v", r.Services)
	}
}

// A raw selector shows a Delta series as a per-second rate over the
// interval since the sample set before (not since the series' own previous
// point: cc1 is stored only in the third set), and its total is the sum of
// the values whose interval is in the range.
func TestDeltaSelector(t *testing.T) {
	s := topStore(t)
	r := run(t, s, `srvmon_process_cpu_seconds{mode="user",comm="cc1"}`, Options{From: at(0), To: at(240)})
	q := find(t, r, ProcessCPU, "pid", "200")
	checkPoints(t, "cc1 user", q.Points, []want{{120, 0.2}})
	if q.Unit != None || !close(q.Stats.Total, 12) || q.Stats.TotalUnit != Seconds {
		t.Errorf("cc1: unit %q total %g %s", q.Unit, q.Stats.Total, q.Stats.TotalUnit)
	}
	r = run(t, s, `srvmon_process_read_bytes{comm="make"}`, Options{From: at(0), To: at(240)})
	q = find(t, r, ProcessRead, "pid", "100")
	// The first set's value has no interval in the range.
	checkPoints(t, "make read", q.Points, []want{{60, 100}, {120, 100}, {180, 100}})
	if q.Unit != BytesPerSecond || !close(q.Stats.Avg, 100) || !close(q.Stats.Total, 18000) {
		t.Errorf("make read: unit %q avg %g total %g", q.Unit, q.Stats.Avg, q.Stats.Total)
	}
	// Hour buckets never read the hourly summaries for deltas: the same
	// total.
	r = run(t, s, `srvmon_process_read_bytes{comm="make"}`, Options{From: at(0), To: at(3600), Step: time.Hour, Agg: "sum"})
	if q := find(t, r, ProcessRead, "pid", "100"); !close(q.Stats.Total, 18000) {
		t.Errorf("make read by the hour: total %g", q.Stats.Total)
	}
}

// The busy episodes of the cpu view name their top consumers, with the
// same shares as Top over the episode's intervals.
func TestSummarizeTopConsumers(t *testing.T) {
	s := topStore(t)
	sum, err := Summarize(context.Background(), s, "cpu", Options{From: at(0), To: at(240)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Busiest) == 0 {
		t.Fatalf("no busy episode: %+v", sum)
	}
	ep := sum.Busiest[0]
	want := []Consumer{{"100", "make", 108.0 / 360 * 100}, {"200", "cc1", 12.0 / 360 * 100}, {"300", "postgres", 6.0 / 360 * 100}}
	if ep.From != at(0) || ep.To != at(180) || len(ep.Top) != 3 {
		t.Fatalf("episode %v..%v top %+v, want 0..180 s with 3 consumers", ep.From, ep.To, ep.Top)
	}
	for i, w := range want {
		if c := ep.Top[i]; c.PID != w.PID || c.Comm != w.Comm || !close(c.Share, w.Share) {
			t.Errorf("consumer %d = %+v, want %+v", i, c, w)
		}
	}
	// A view without processes (load) names none, and fails nothing.
	if sum, err := Summarize(context.Background(), s, "mem", Options{From: at(0), To: at(240)}); err == nil {
		for _, ep := range sum.Busiest {
			if len(ep.Top) != 0 {
				t.Errorf("mem episode names %+v without RSS shares", ep.Top)
			}
		}
	}
}

// An interval whose sample set has no deltas (after a gap, a reboot, a run
// without the collector) is not covered: the rates divide by the time the
// deltas cover.
func TestTopIntervalWithoutDeltas(t *testing.T) {
	s := topStore(t)
	// Two hours later, a set with memory but no deltas (the collector
	// starts afresh after a gap), then one with.
	for i, cpu := range []float64{-1, 6} {
		set := []tsdb.Sample{bootSample("b1"), smp(ProcessRSS, 100<<20, "pid", "100", "start", "1000", "comm", "make")}
		if cpu >= 0 {
			set = append(set, proc("100", "1000", "make", "build", cpu, 0, 100<<20, 0)[1:3]...)
		}
		appendSet(t, s, at(int64(7200+60*i)), set...)
	}
	r, err := Top(context.Background(), s, TopOptions{From: at(0), To: at(7300)})
	if err != nil {
		t.Fatal(err)
	}
	// Covered: the 3 minutes of the first sets and the last minute, not
	// the two hours of the gap.
	if r.Covered != 4*time.Minute || r.Sets != 4 || !close(r.Processes[0].CPUSeconds, 114) || !close(r.Processes[0].CPU, 114.0/240*100) {
		t.Errorf("covered %v in %d sets, make %g s = %g %%", r.Covered, r.Sets, r.Processes[0].CPUSeconds, r.Processes[0].CPU)
	}
}
