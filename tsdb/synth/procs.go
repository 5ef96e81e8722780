package synth

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// A synthetic host's processes and cgroups (Host.Processes > 0), with the
// series contract of the process collector: per sample set the top
// Host.Processes processes by CPU over the minute, by RSS and by IO (their
// union) with the identity labels pid, start and comm, and a remainder
// (pid "other") so that the processes add up to the host's user+nice+system
// CPU time of srvmon_cpu_seconds_total over the minute. Churn: a compiler
// (cc1, a new pid each time) runs 3 minutes out of every 10 at 40 % of the
// host's busy time, and a backup (tar) reads 8 MiB/s in the second hour of
// every day; short-lived processes enter and leave the top.

// synthProc is one simulated program.
type synthProc struct {
	comm, exe, user, cgroup string
	ppid                    int
	cpuShare                float64 // share of the host's busy CPU time while it runs
	rss                     float64 // bytes
	readRate, writeRate     float64 // bytes/s while it runs
	threads                 float64
	// pid returns the pid and start of the instance running at minute m of
	// the day (since midnight UTC), ok false when none runs.
	run func(t time.Time) (pid int, start time.Time, ok bool)
}

func always(pid int) func(time.Time) (int, time.Time, bool) {
	return func(t time.Time) (int, time.Time, bool) {
		return pid, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true
	}
}

// synthProcs are the programs of the synthetic host.
func synthProcs() []synthProc {
	return []synthProc{
		{comm: "java", exe: "/usr/lib/jvm/java-17/bin/java", user: "app", cgroup: "system.slice/app.service", ppid: 1,
			cpuShare: 0.30, rss: 1.2 * (1 << 30), writeRate: 20 << 10, threads: 80, run: always(1500)},
		{comm: "postgres", exe: "/usr/lib/postgresql/16/bin/postgres", user: "postgres", cgroup: "system.slice/postgresql.service", ppid: 1,
			cpuShare: 0.10, rss: 400 << 20, readRate: 50 << 10, writeRate: 200 << 10, threads: 1, run: always(812)},
		{comm: "nginx", exe: "/usr/sbin/nginx", user: "www-data", cgroup: "system.slice/nginx.service", ppid: 900,
			cpuShare: 0.04, rss: 60 << 20, threads: 1, run: always(901)},
		{comm: "sshd", exe: "/usr/sbin/sshd", user: "root", cgroup: "system.slice/ssh.service", ppid: 1,
			cpuShare: 0.005, rss: 8 << 20, threads: 1, run: always(640)},
		{comm: "cc1", exe: "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1", user: "build", cgroup: "user.slice", ppid: 3000,
			cpuShare: 0.40, rss: 300 << 20, readRate: 1 << 20, writeRate: 512 << 10, threads: 1,
			run: func(t time.Time) (int, time.Time, bool) {
				m := t.Unix() / 60
				if m%10 >= 3 {
					return 0, time.Time{}, false
				}
				start := time.Unix((m-m%10)*60-30, 0).UTC()
				return 20000 + int((m/10)%40000), start, true
			}},
		{comm: "tar", exe: "/usr/bin/tar", user: "root", cgroup: "system.slice/backup.service", ppid: 1,
			cpuShare: 0.05, rss: 4 << 20, readRate: 8 << 20, threads: 1,
			run: func(t time.Time) (int, time.Time, bool) {
				day := t.UTC().Truncate(24 * time.Hour)
				if t.Sub(day) < time.Hour || t.Sub(day) >= 2*time.Hour {
					return 0, time.Time{}, false
				}
				return 40000 + int(day.Unix()/86400%20000), day.Add(time.Hour - 20*time.Second), true
			}},
	}
}

// procState is the generator's process state: the host's busy CPU
// counters at the previous set and the cgroups' counters.
type procState struct {
	procs    []synthProc
	n        int
	busy     []int // indexes of srvmon_cpu_seconds_total user, nice and system
	prevBusy float64
	started  bool
	rng      *rand.Rand
	cg       map[string]*cgroupCounters
	cgOrder  []string
}

type cgroupCounters struct {
	cpu, user, sys, read, written, cpuWait, ioWait float64
}

func newProcState(n int, models []*model, seed uint64) *procState {
	ps := &procState{procs: synthProcs(), n: n, rng: rand.New(rand.NewPCG(seed, 0x9c0c)), cg: map[string]*cgroupCounters{}}
	for i, m := range models {
		if m.ser.Metric == "srvmon_cpu_seconds_total" {
			switch m.ser.Get("mode") {
			case "user", "nice", "system":
				ps.busy = append(ps.busy, i)
			}
		}
	}
	for _, p := range ps.procs {
		if _, ok := ps.cg[p.cgroup]; !ok {
			ps.cg[p.cgroup] = &cgroupCounters{cpu: 1000, user: 800, sys: 200}
			ps.cgOrder = append(ps.cgOrder, p.cgroup)
		}
	}
	sort.Strings(ps.cgOrder)
	return ps
}

// samples returns the process and cgroup samples of the set at t, given
// the set's other samples (set).
func (ps *procState) samples(t time.Time, inst string, set []tsdb.Sample) []tsdb.Sample {
	busy := 0.0
	for _, i := range ps.busy {
		busy += set[i].Value
	}
	delta := busy - ps.prevBusy
	first := !ps.started
	ps.prevBusy, ps.started = busy, true
	alive := ps.alive(t, delta)
	ps.chargeCgroups(alive)
	var out []tsdb.Sample
	add := func(name string, v float64, kv ...string) {
		out = append(out, tsdb.Sample{Series: tsdb.NewSeries(name, append([]string{"instance", inst}, kv...)...), Value: v})
	}
	addProcessSamples(alive, ps.top(alive), first, delta, add)
	ps.addCgroupSamples(alive, add)
	return out
}

// liveProc is a process running in a minute, with what it used in it.
type liveProc struct {
	p          *synthProc
	pid        int
	start      time.Time
	cpu, rss   float64
	read, writ float64
}

// alive returns the processes running at t with their use of the minute,
// their CPU scaled down to the host's busy seconds delta when the shares
// want more.
func (ps *procState) alive(t time.Time, delta float64) []liveProc {
	var alive []liveProc
	used := 0.0
	for i := range ps.procs {
		p := &ps.procs[i]
		pid, start, ok := p.run(t)
		if !ok {
			continue
		}
		jitter := 0.8 + 0.4*ps.rng.Float64()
		l := liveProc{p: p, pid: pid, start: start, cpu: math.Round(p.cpuShare*jitter*delta*100) / 100,
			rss:  math.Round(p.rss*(0.95+0.1*ps.rng.Float64())/4096) * 4096,
			read: math.Round(p.readRate * 60 * jitter), writ: math.Round(p.writeRate * 60 * jitter)}
		used += l.cpu
		alive = append(alive, l)
	}
	if used > delta {
		// The host's counters moved less than the shares want: scale down.
		f := delta / used
		for i := range alive {
			alive[i].cpu = math.Floor(alive[i].cpu*f*100) / 100
		}
	}
	return alive
}

// chargeCgroups adds to the cgroups' counters everything their processes
// did.
func (ps *procState) chargeCgroups(alive []liveProc) {
	for _, l := range alive {
		c := ps.cg[l.p.cgroup]
		c.cpu += l.cpu
		c.user += math.Round(l.cpu*0.8*100) / 100
		c.sys += l.cpu - math.Round(l.cpu*0.8*100)/100
		c.read += l.read
		c.written += l.writ
		c.cpuWait += l.cpu * 0.02
		c.ioWait += (l.read + l.writ) / 1e9
	}
}

// top returns the pids of the processes kept, as the recorder keeps them:
// the first n by CPU, by memory and by IO.
func (ps *procState) top(alive []liveProc) map[int]bool {
	keep := map[int]bool{}
	for _, by := range []func(a, b liveProc) bool{
		func(a, b liveProc) bool { return a.cpu > b.cpu },
		func(a, b liveProc) bool { return a.rss > b.rss },
		func(a, b liveProc) bool { return a.read+a.writ > b.read+b.writ },
	} {
		s := append([]liveProc(nil), alive...)
		sort.SliceStable(s, func(i, j int) bool { return by(s[i], s[j]) })
		for i := 0; i < len(s) && i < ps.n; i++ {
			keep[s[i].pid] = true
		}
	}
	return keep
}

// addProcessSamples adds the series of the kept processes and of the
// "other" one that holds the rest; without counters in the first minute.
func addProcessSamples(alive []liveProc, keep map[int]bool, first bool, delta float64, add func(name string, v float64, kv ...string)) {
	var other liveProc
	kept := 0.0
	for _, l := range alive {
		if !keep[l.pid] {
			other.cpu += l.cpu
			other.rss += l.rss
			other.read += l.read
			other.writ += l.writ
			continue
		}
		id := []string{"pid", strconv.Itoa(l.pid), "start", strconv.FormatInt(l.start.Unix(), 10), "comm", l.p.comm}
		add("srvmon_process_info", 1, append(id, "exe", l.p.exe, "user", l.p.user, "ppid", strconv.Itoa(l.p.ppid))...)
		add("srvmon_process_resident_memory_bytes", l.rss, id...)
		add("srvmon_process_threads", l.p.threads, id...)
		if first {
			continue
		}
		user := math.Round(l.cpu*0.8*100) / 100
		add("srvmon_process_cpu_seconds", user, append(id, "mode", "user")...)
		add("srvmon_process_cpu_seconds", math.Round((l.cpu-user)*100)/100, append(id, "mode", "system")...)
		add("srvmon_process_read_bytes", l.read, id...)
		add("srvmon_process_written_bytes", l.writ, id...)
		kept += l.cpu
	}
	id := []string{"pid", "other", "start", "0", "comm", "other"}
	add("srvmon_process_resident_memory_bytes", other.rss+(300<<20), id...)
	add("srvmon_process_threads", 150, id...)
	if !first {
		// The remainder is the host's busy time the stored processes did
		// not use: they add up to the host exactly.
		rest := max(0, delta-kept)
		add("srvmon_process_cpu_seconds", rest*0.7, append(id, "mode", "user")...)
		add("srvmon_process_cpu_seconds", rest-rest*0.7, append(id, "mode", "system")...)
		add("srvmon_process_read_bytes", other.read, id...)
		add("srvmon_process_written_bytes", other.writ+4096, id...)
	}
}

// addCgroupSamples adds the series of each cgroup.
func (ps *procState) addCgroupSamples(alive []liveProc, add func(name string, v float64, kv ...string)) {
	for _, name := range ps.cgOrder {
		c := ps.cg[name]
		cg := []string{"cgroup", name}
		var mem float64
		pids := 0.0
		for _, l := range alive {
			if l.p.cgroup == name {
				mem += l.rss
				pids += l.p.threads
			}
		}
		add("srvmon_cgroup_cpu_usage_seconds_total", math.Round(c.cpu*1e6)/1e6, cg...)
		add("srvmon_cgroup_cpu_seconds_total", math.Round(c.user*1e6)/1e6, append(cg, "mode", "user")...)
		add("srvmon_cgroup_cpu_seconds_total", math.Round(c.sys*1e6)/1e6, append(cg, "mode", "system")...)
		add("srvmon_cgroup_memory_bytes", mem+(16<<20), cg...)
		add("srvmon_cgroup_memory_anon_bytes", mem, cg...)
		add("srvmon_cgroup_memory_file_bytes", 16<<20, cg...)
		add("srvmon_cgroup_io_read_bytes_total", c.read, cg...)
		add("srvmon_cgroup_io_written_bytes_total", c.written, cg...)
		add("srvmon_cgroup_pressure_cpu_waiting_seconds_total", math.Round(c.cpuWait*1e6)/1e6, cg...)
		add("srvmon_cgroup_pressure_io_waiting_seconds_total", math.Round(c.ioWait*1e6)/1e6, cg...)
		add("srvmon_cgroup_pids", pids, cg...)
	}
}
