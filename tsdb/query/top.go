// Top processes: who used the CPU, the memory and the disks over a range,
// from the per-process series the process collector stores (the top N
// processes of each sample set plus an "other" remainder).

package query

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/param"
)

// The per-process series (see the process collector): every one carries
// the identity labels pid, start (the process' start, Unix seconds) and
// comm. The remainder of a sample set, what the processes not stored used,
// has pid="other", start="0", comm="other".
const (
	ProcessInfo     = "srvmon_process_info"
	ProcessCPU      = "srvmon_process_cpu_seconds"
	ProcessRead     = "srvmon_process_read_bytes"
	ProcessWritten  = "srvmon_process_written_bytes"
	ProcessRSS      = "srvmon_process_resident_memory_bytes"
	ProcessThreads  = "srvmon_process_threads"
	OtherProcessPID = "other"
)

// TopBy are the resources Top ranks processes by, the first the default.
var topBy = []string{"cpu", "mem", "io"}

// TopBy returns the resources Top and Services rank by.
func TopBy() []string { return slices.Clone(topBy) }

// DefaultTopN is the number of processes Top lists when TopOptions.N is 0.
const DefaultTopN = 10

// TopOptions say what Top computes.
type TopOptions struct {
	// From and To are the range, [From, To): the sample sets whose
	// interval (from the sample set before) lies in it, as the views'
	// rates.
	From, To time.Time
	// At, when not zero, asks for the one interval between two sample sets
	// that holds At (the first sample set at or after At and the one
	// before); From and To then only bound the search.
	At time.Time
	By string // cpu (the default), mem or io
	N  int    // processes listed; 0: DefaultTopN
	// endsIn counts the intervals that end in (From, To], as a
	// downsampled view's buckets do (Summarize's busy episodes), instead
	// of those inside [From, To).
	endsIn bool
	// rawOnly reads every sample, not the hourly summaries (the tests'
	// and benchmarks' reference).
	rawOnly bool
}

// ProcessUse is what one process used over a TopResult's range, or the
// remainder (PID "other") of everything not listed.
type ProcessUse struct {
	Instance string
	PID      string    // a number, or "other" for the remainder
	Start    time.Time // when the process started (zero for the remainder); a reused pid is another process
	Comm     string    // the command name (/proc/PID/comm)
	// User, Exe, PPID and Cmdline are the process details from its info
	// series ("" when unknown; Cmdline only when recorded with
	// --proc-cmdline). Serve hides User, Exe and Cmdline from requests
	// that are neither authenticated nor local (WithoutDetails).
	User, Exe, PPID, Cmdline string

	// CPU is the CPU the process used, in percent of one CPU as pidstat and
	// top show it (200 is two CPUs busy), over the whole covered time: the
	// CPU seconds of the sample sets that stored the process divided by the
	// covered time (in the other sets it was not among the top and its use
	// is in the remainder). UserCPU and SystemCPU are its parts.
	CPU, UserCPU, SystemCPU float64
	CPUSeconds              float64 // the CPU seconds over the range
	// CPUShare is CPUSeconds in percent of the host's CPU time (every CPU,
	// every mode, over the same intervals): the same scale as the cpu
	// view's busy percentages. NaN when the host's CPU series are missing.
	CPUShare float64
	// RSS is the resident memory, averaged over the sample sets that stored
	// the process; RSSMax its largest value. MemShare is RSS in percent of
	// the host's MemTotal (NaN when unknown).
	RSS, RSSMax, MemShare float64
	// ReadRate and WriteRate are the bytes per second the process read and
	// wrote from storage (/proc/PID/io read_bytes, write_bytes) over the
	// covered time; ReadBytes and WrittenBytes the totals. IOShare is their
	// sum in percent of every process' (NaN when nothing was read or
	// written).
	ReadRate, WriteRate      float64
	ReadBytes, WrittenBytes  float64
	IOShare                  float64
	Threads                  float64 // average number of threads where stored
	Sets                     int     // the sample sets of the range that stored the process
	FirstSeen, LastSeen      time.Time
	cpuUser, cpuSys, rssSum  float64
	threadsSum               float64
	rssN, threadsN, infoTime int64
	setsBy                   [3]int // points of the info, RSS and user CPU series: per set one each
}

// HostUse is what every process of the host used together over a
// TopResult's range: the listed processes plus the remainder.
type HostUse struct {
	CPU        float64 // percent of one CPU (user+nice+system of /proc/stat)
	CPUSeconds float64
	CPUShare   float64 // percent of the host's CPU time; NaN when unknown
	CPUs       float64 // the host's CPU time over the covered time: the number of CPUs; NaN when unknown
	RSS        float64 // the sum of the processes' average RSS
	MemTotal   float64 // bytes; NaN when unknown
	MemShare   float64
	ReadRate   float64
	WriteRate  float64
	ReadBytes  float64
	// WrittenBytes is what every process wrote over the range.
	WrittenBytes float64
}

// TopResult is the answer of Top.
type TopResult struct {
	From, To time.Time // the range asked; with TopOptions.At, the interval found
	By       string
	N        int
	// Covered is the time the counted intervals cover, the time rates
	// divide by; Sets the number of sample sets that end them. An
	// interval whose sample set holds no CPU deltas (the first after a
	// gap, a reboot or a run without the collector) is not counted.
	Covered time.Duration
	Sets    int
	// Processes are the top N by By, most first; Other is the remainder:
	// the processes not stored plus those beyond the N listed.
	Processes []ProcessUse
	Other     ProcessUse
	Host      HostUse
	Damage    []tsdb.Damage
}

// WithoutDetails returns a copy of r without the processes' user,
// executable and command line (what serve shows only to trusted
// requests).
func (r *TopResult) WithoutDetails() *TopResult {
	c := *r
	c.Processes = slices.Clone(r.Processes)
	for i := range c.Processes {
		p := &c.Processes[i]
		p.User, p.Exe, p.Cmdline = "", "", ""
	}
	return &c
}

// setTimes are the sample set times of each instance (the times of its
// boot info series, which every sample set holds) with their boot.
type setTimes map[string][]setTime

type setTime struct {
	t    int64
	boot string
}

// intervals returns, per instance, the end times of the intervals between
// consecutive sample sets of the same boot that lie in [a, b) (endsIn:
// that end in (a, b)), with their lengths in seconds.
func (st setTimes) intervals(a, b int64, endsIn bool) map[string]map[int64]int64 {
	out := map[string]map[int64]int64{}
	for inst, ts := range st {
		slices.SortFunc(ts, func(x, y setTime) int { return cmp.Compare(x.t, y.t) })
		m := map[int64]int64{}
		for j := 1; j < len(ts); j++ {
			in := ts[j-1].t >= a && ts[j].t < b
			if endsIn {
				in = ts[j].t > a && ts[j].t < b
			}
			if in && ts[j].t > ts[j-1].t && ts[j].boot == ts[j-1].boot {
				m[ts[j].t] = ts[j].t - ts[j-1].t
			}
		}
		out[inst] = m
	}
	return out
}

// pointReader is what Top reads from: a store, or a Window of sample sets
// held in memory (serve's live range).
type pointReader interface {
	Read(ctx context.Context, from, to time.Time, match func(tsdb.Series) bool, fn func(tsdb.Series, []tsdb.Point) error) error
}

// readSetTimes reads the sample set times of [a, b).
func readSetTimes(ctx context.Context, s pointReader, a, b int64) (setTimes, error) {
	st := setTimes{}
	err := s.Read(ctx, time.Unix(a, 0), time.Unix(b, 0), func(ser tsdb.Series) bool { return ser.Metric == metric.BootInfo },
		func(ser tsdb.Series, pts []tsdb.Point) error {
			inst, boot := ser.Get("instance"), ser.Get("boot_id")
			for _, p := range pts {
				st[inst] = append(st[inst], setTime{p.T, boot})
			}
			return nil
		})
	return st, err
}

// findInterval returns the interval between two sample sets that holds
// at: from the last set before at to the first at or after it, searched
// in [a, b).
func findInterval(ctx context.Context, s pointReader, at time.Time, a, b int64) (from, to int64, ok bool, err error) {
	t := at.Unix()
	st, err := readSetTimes(ctx, s, max(a, t-lookback), min(b, t+lookback+1))
	if err != nil {
		return 0, 0, false, err
	}
	best := int64(math.MaxInt64)
	for _, ts := range st {
		slices.SortFunc(ts, func(x, y setTime) int { return cmp.Compare(x.t, y.t) })
		for j := 1; j < len(ts); j++ {
			if ts[j].t >= t && ts[j-1].t < t && ts[j].boot == ts[j-1].boot && ts[j].t < best {
				best, from = ts[j].t, ts[j-1].t
			}
		}
	}
	if best == math.MaxInt64 {
		return 0, 0, false, nil
	}
	return from, best, true, nil
}

// checkTop checks the options shared by Top and Services.
func checkTop(from, to time.Time, by string, n int) error {
	if !from.Before(to) {
		return notBefore(from, to)
	}
	if by != "" && !slices.Contains(topBy, by) {
		return &param.Error{Param: "by", Value: strconv.Quote(by), Valid: "use one of " + strings.Join(topBy, ", ")}
	}
	if n < 0 {
		return &param.Error{Param: "n", Value: strconv.Itoa(n), Valid: "use 1 or more, or 0 for " + strconv.Itoa(DefaultTopN)}
	}
	return nil
}

// resolveAt turns the options' range, or the interval holding At, into
// [start, end) in Unix seconds. A missing interval is a *NoDataError.
func resolveAt(ctx context.Context, s pointReader, what string, from, to, at time.Time) (start, end int64, err error) {
	start, end = ceilUnix(from), ceilUnix(to)
	if at.IsZero() {
		return start, end, nil
	}
	a, b, ok, err := findInterval(ctx, s, at, start, end)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, &NoDataError{What: what, From: at, To: at}
	}
	return a, b + 1, nil
}

// procKey identifies a process: a reused pid with another start time is
// another process.
type procKey struct{ inst, pid, start string }

// Top computes the processes that used most of o.By over the range: their
// CPU, memory and IO with their shares of the host, and the remainder.
// Delta series (the process CPU seconds and IO bytes) count at the sample
// sets whose interval lies in the range, as the views' rates do, so the
// host total of Top's CPU is the cpu view's user+nice+system over the same
// range. Errors are a *param.Error for bad options and a *NoDataError when
// the range holds no process series.
func Top(ctx context.Context, s *tsdb.Store, o TopOptions) (*TopResult, error) {
	return top(ctx, s, o)
}

// Top computes the top processes from the window's sample sets, exactly as
// the package-level Top computes them from a store holding the same sets
// (serve's live range).
func (w *Window) Top(o TopOptions) (*TopResult, error) {
	return top(context.Background(), windowReader{w}, o)
}

func top(ctx context.Context, s pointReader, o TopOptions) (*TopResult, error) {
	if err := checkTop(o.From, o.To, o.By, o.N); err != nil {
		return nil, err
	}
	ctx, damage := tsdb.WithDamageLog(ctx)
	r := &TopResult{By: cmp.Or(o.By, "cpu"), N: cmp.Or(o.N, DefaultTopN), From: o.From, To: o.To}
	start, end, err := resolveAt(ctx, s, "process series", o.From, o.To, o.At)
	if err != nil {
		return nil, err
	}
	if !o.At.IsZero() {
		r.From, r.To = time.Unix(start, 0).In(o.At.Location()), time.Unix(end-1, 0).In(o.At.Location())
	}
	th, err := readTopHours(ctx, s, o, start, end)
	if err != nil {
		return nil, err
	}
	r.Damage = damage.List()
	tt := th.totals()
	if len(tt.procs) == 0 {
		return nil, &NoDataError{What: "process series", From: r.From, To: r.To}
	}
	covered := coverIntervals(r, th)
	rankProcesses(r, tt, covered)
	r.Host = hostUse(r, covered, tt.cap, tt.memSum, tt.memN)
	shareIO(r)
	return r, nil
}

// coverIntervals sets r.Sets and r.Covered: the intervals with CPU deltas
// of the hours th answered from summaries and of those it read raw. It
// returns the seconds each instance's intervals cover.
func coverIntervals(r *TopResult, th *topHours) map[string]float64 {
	covered := maps.Clone(th.covered)
	r.Sets = th.sets
	for inst, m := range th.ivs {
		for t, d := range m {
			if th.deltaAt[inst][t] {
				covered[inst] += float64(d)
				r.Sets++
			}
		}
	}
	var cov float64
	for _, c := range covered {
		cov = max(cov, c)
	}
	r.Covered = time.Duration(cov * float64(time.Second))
	return covered
}

// topTotals are the sums Top adds up over the range: per process, and per
// instance the host's CPU time (capacity) and MemTotal's.
type topTotals struct {
	procs             map[procKey]*ProcessUse
	order             []procKey // in order of the first series read
	cap, memSum, memN map[string]float64
}

// totals adds up what th read: series by series in key order, each
// series' hours in time order.
func (th *topHours) totals() *topTotals {
	tt := &topTotals{procs: map[procKey]*ProcessUse{}, cap: map[string]float64{}, memSum: map[string]float64{}, memN: map[string]float64{}}
	for _, key := range th.sortedKeys() {
		ser, hs := th.parts[key].ser, th.parts[key].hours
		inst := ser.Get("instance")
		switch ser.Metric {
		case hostCPUSeconds:
			for _, h := range hs {
				tt.cap[inst] += h.Increase
			}
		case hostMemTotal:
			for _, h := range hs {
				tt.memSum[inst] += h.Sum
				tt.memN[inst] += float64(h.Count)
			}
		default:
			addProcessHours(tt.process(ser), ser, hs)
		}
	}
	return tt
}

// process returns the process of ser, added on first use.
func (tt *topTotals) process(ser tsdb.Series) *ProcessUse {
	k := procKey{ser.Get("instance"), ser.Get("pid"), ser.Get("start")}
	p := tt.procs[k]
	if p == nil {
		p = &ProcessUse{Instance: k.inst, PID: k.pid, Comm: ser.Get("comm")}
		if sec, err := strconv.ParseInt(k.start, 10, 64); err == nil && k.pid != OtherProcessPID {
			p.Start = time.Unix(sec, 0)
		}
		tt.procs[k] = p
		tt.order = append(tt.order, k)
	}
	return p
}

// addProcessHours adds the hours of one of p's series to p.
func addProcessHours(p *ProcessUse, ser tsdb.Series, hs []tsdb.HourSummary) {
	for _, h := range hs {
		seen(p, h.FirstT)
		seen(p, h.LastT)
		switch ser.Metric {
		case ProcessInfo:
			p.setsBy[0] += h.Count
			if h.LastT >= p.infoTime {
				p.infoTime = h.LastT
				p.User, p.Exe, p.PPID, p.Cmdline = ser.Get("user"), ser.Get("exe"), ser.Get("ppid"), ser.Get("cmdline")
			}
		case ProcessCPU:
			switch ser.Get("mode") {
			case "user":
				p.setsBy[2] += h.Count
				p.cpuUser += h.Sum
			case "system":
				p.cpuSys += h.Sum
			}
		case ProcessRead:
			p.ReadBytes += h.Sum
		case ProcessWritten:
			p.WrittenBytes += h.Sum
		case ProcessRSS:
			p.setsBy[1] += h.Count
			p.rssSum += h.Sum
			p.rssN += int64(h.Count)
			p.RSSMax = max(p.RSSMax, h.Max)
		case ProcessThreads:
			p.threadsSum += h.Sum
			p.threadsN += int64(h.Count)
		}
	}
}

// rankProcesses finishes every process' use, sorts them by r.By and keeps
// the first r.N in r.Processes, the rest in r.Other with the remainder.
func rankProcesses(r *TopResult, tt *topTotals, covered map[string]float64) {
	all := make([]*ProcessUse, 0, len(tt.order))
	var other *ProcessUse
	for _, k := range tt.order {
		p := tt.procs[k]
		finishUse(p, covered[p.Instance], tt.cap[p.Instance], memTotal(tt.memSum[p.Instance], tt.memN[p.Instance]))
		if p.PID == OtherProcessPID {
			if other == nil {
				other = p
			} else {
				addUse(other, p)
			}
			continue
		}
		all = append(all, p)
	}
	slices.SortFunc(all, func(a, b *ProcessUse) int {
		if c := cmp.Compare(rankValue(b, r.By), rankValue(a, r.By)); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Instance, b.Instance), naturalCompare(a.PID, b.PID), a.Start.Compare(b.Start))
	})
	if other == nil {
		other = &ProcessUse{PID: OtherProcessPID, Comm: "other"}
	}
	other.Start = time.Time{}
	for i, p := range all {
		if i < r.N {
			r.Processes = append(r.Processes, *p)
			continue
		}
		addUse(other, p)
	}
	r.Other = *other
	r.Other.Instance, r.Other.PID, r.Other.Comm = "", OtherProcessPID, "other"
	r.Other.User, r.Other.Exe, r.Other.PPID, r.Other.Cmdline = "", "", "", ""
}

// memTotal returns the average MemTotal, NaN when unknown.
func memTotal(sum, n float64) float64 {
	if n == 0 {
		return nan
	}
	return sum / n
}

// seen notes that p was stored in the sample set at t.
func seen(p *ProcessUse, t int64) {
	tt := time.Unix(t, 0)
	if p.FirstSeen.IsZero() || tt.Before(p.FirstSeen) {
		p.FirstSeen = tt
	}
	if tt.After(p.LastSeen) {
		p.LastSeen = tt
	}
}

// finishUse turns p's sums into rates and shares over covered seconds,
// with the host's CPU time capacity (seconds) and MemTotal.
func finishUse(p *ProcessUse, covered, capacity, memTotal float64) {
	// Every series of a process has a point in each set that stored it
	// (the remainder has no info series).
	p.Sets = max(p.setsBy[0], p.setsBy[1], p.setsBy[2])
	p.CPUSeconds = p.cpuUser + p.cpuSys
	p.CPU, p.UserCPU, p.SystemCPU = perCovered(p.CPUSeconds, covered)*100, perCovered(p.cpuUser, covered)*100, perCovered(p.cpuSys, covered)*100
	p.CPUShare = share(p.CPUSeconds, capacity)
	p.ReadRate, p.WriteRate = perCovered(p.ReadBytes, covered), perCovered(p.WrittenBytes, covered)
	p.RSS, p.Threads = nan, nan
	if p.rssN > 0 {
		p.RSS = p.rssSum / float64(p.rssN)
	}
	if p.threadsN > 0 {
		p.Threads = p.threadsSum / float64(p.threadsN)
	}
	p.MemShare = share(p.RSS, memTotal)
}

// addUse adds q's use to p (the remainder): the rates and totals, the
// average RSS and threads.
func addUse(p, q *ProcessUse) {
	p.CPU += q.CPU
	p.UserCPU += q.UserCPU
	p.SystemCPU += q.SystemCPU
	p.CPUSeconds += q.CPUSeconds
	p.CPUShare = addNaN(p.CPUShare, q.CPUShare)
	p.RSS = addNaN(p.RSS, q.RSS)
	p.RSSMax = max(p.RSSMax, q.RSSMax)
	p.MemShare = addNaN(p.MemShare, q.MemShare)
	p.Threads = addNaN(p.Threads, q.Threads)
	p.ReadRate += q.ReadRate
	p.WriteRate += q.WriteRate
	p.ReadBytes += q.ReadBytes
	p.WrittenBytes += q.WrittenBytes
	p.Sets = max(p.Sets, q.Sets)
	if p.FirstSeen.IsZero() || q.FirstSeen.Before(p.FirstSeen) && !q.FirstSeen.IsZero() {
		p.FirstSeen = q.FirstSeen
	}
	if q.LastSeen.After(p.LastSeen) {
		p.LastSeen = q.LastSeen
	}
}

// addNaN adds a and b where a NaN counts as 0, and is NaN only when both
// are.
func addNaN(a, b float64) float64 {
	switch {
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	return a + b
}

func perCovered(v, covered float64) float64 {
	if covered <= 0 {
		return nan
	}
	return v / covered
}

// share returns v in percent of total, NaN when total is unknown or 0.
func share(v, total float64) float64 {
	if !(total > 0) || math.IsNaN(v) {
		return nan
	}
	return 100 * v / total
}

// rankValue is what By ranks processes by.
func rankValue(p *ProcessUse, by string) float64 {
	return rankBy(by, p.CPUSeconds, p.RSS, p.ReadBytes+p.WrittenBytes)
}

// rankBy returns, of a process's or a service's cpu, mem and io, the one
// by (a top's By) names, cpu by default; an unknown (NaN) one ranks last.
func rankBy(by string, cpu, mem, io float64) float64 {
	v := cpu
	switch by {
	case "mem":
		v = mem
	case "io":
		v = io
	}
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	return v
}

// hostUse sums the listed processes and the remainder.
func hostUse(r *TopResult, covered, capacity, memSum, memN map[string]float64) HostUse {
	h := HostUse{CPUShare: nan, CPUs: nan, MemTotal: nan, MemShare: nan}
	add := func(p *ProcessUse) {
		h.CPU += p.CPU
		h.CPUSeconds += p.CPUSeconds
		h.RSS += nanZero(p.RSS)
		h.ReadRate += p.ReadRate
		h.WriteRate += p.WriteRate
		h.ReadBytes += p.ReadBytes
		h.WrittenBytes += p.WrittenBytes
	}
	for i := range r.Processes {
		add(&r.Processes[i])
	}
	add(&r.Other)
	var capSum, covSum, mem float64
	for inst, c := range capacity {
		capSum += c
		covSum += covered[inst]
	}
	if capSum > 0 {
		h.CPUShare = share(h.CPUSeconds, capSum)
		h.CPUs = capSum / covSum * float64(len(capacity)) // per instance, summed
	}
	for inst, n := range memN {
		mem += memSum[inst] / n
	}
	if len(memN) > 0 {
		h.MemTotal = mem
		h.MemShare = share(h.RSS, mem)
	}
	return h
}

func nanZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// shareIO sets every row's IOShare: its bytes in percent of all processes'.
func shareIO(r *TopResult) {
	total := r.Host.ReadBytes + r.Host.WrittenBytes
	for i := range r.Processes {
		p := &r.Processes[i]
		p.IOShare = share(p.ReadBytes+p.WrittenBytes, total)
	}
	r.Other.IOShare = share(r.Other.ReadBytes+r.Other.WrittenBytes, total)
}

// ServicesOptions say what Services computes: the range or the interval
// holding At as for Top; By ranks (cpu, mem or io) and N, when not 0,
// keeps the first N services.
type ServicesOptions struct {
	From, To, At time.Time
	By           string
	N            int
}

// ServiceUse is what one cgroup (a systemd unit, a slice, a container)
// used over a ServicesResult's range. Rates are the cgroup counters'
// averages over the intervals in the range, levels the average of their
// samples; NaN where the cgroup's file was not recorded (a controller not
// enabled for it).
type ServiceUse struct {
	Instance string
	Cgroup   string // the cgroup's path below the root, such as system.slice/nginx.service
	// CPU is the CPU the cgroup used in percent of one CPU; UserCPU and
	// SystemCPU its parts.
	CPU, UserCPU, SystemCPU float64
	CPUShare                float64 // CPU in percent of the host's CPU time (as ProcessUse.CPUShare)
	Memory                  float64 // average memory.current, bytes
	MemoryPeak              float64 // the largest memory.peak recorded
	Anon, File              float64 // average anonymous and file memory, bytes
	ReadRate, WriteRate     float64 // bytes/s
	// The pressure stall times in percent of the time: some (waiting, at
	// least one task stalled) and full (stalled, all tasks) for cpu, memory
	// and io, as /proc/pressure's avg values.
	CPUWaiting, CPUStalled, MemoryWaiting, MemoryStalled, IOWaiting, IOStalled float64
	Pids                                                                       float64 // average number of tasks
}

// ServicesResult is the answer of Services.
type ServicesResult struct {
	From, To time.Time // the range asked; with At, the interval found
	By       string
	Services []ServiceUse // by By, most first
	Damage   []tsdb.Damage
}

// cgroupSelector chooses every cgroup series
// and the host's CPU time (for the shares).
const cgroupSelector = `{__name__=~"srvmon_cgroup_.+|srvmon_cpu_seconds_total"}`

// Services computes what each cgroup used over the range, with the views'
// definitions (Run over the cgroup series), sorted by o.By. Errors are as
// Top's.
func Services(ctx context.Context, s *tsdb.Store, o ServicesOptions) (*ServicesResult, error) {
	if err := checkTop(o.From, o.To, o.By, o.N); err != nil {
		return nil, err
	}
	start, end, err := resolveAt(ctx, s, "cgroup series", o.From, o.To, o.At)
	if err != nil {
		return nil, err
	}
	r := &ServicesResult{From: o.From, To: o.To, By: cmp.Or(o.By, "cpu")}
	if !o.At.IsZero() {
		r.From, r.To = time.Unix(start, 0).In(o.At.Location()), time.Unix(end-1, 0).In(o.At.Location())
	}
	res, err := Run(ctx, s, cgroupSelector, Options{From: time.Unix(start, 0), To: time.Unix(end, 0)})
	if err != nil {
		var nd *NoDataError
		if errors.As(err, &nd) {
			nd.What, nd.From, nd.To = "cgroup series", r.From, r.To
		}
		return nil, err
	}
	r.Damage = res.Damage
	byKey := map[[2]string]*ServiceUse{}
	var order [][2]string
	capacity := map[string]float64{}
	for _, q := range res.Quantities {
		inst := tsdb.LabelValue(q.Labels, "instance")
		if q.Name == "srvmon_cpu_seconds_total" {
			capacity[inst] = addNaN(capacity[inst], q.Stats.Avg)
			continue
		}
		k := [2]string{inst, tsdb.LabelValue(q.Labels, "cgroup")}
		u := byKey[k]
		if u == nil {
			u = &ServiceUse{Instance: k[0], Cgroup: k[1]}
			for _, f := range u.fields() {
				*f = nan
			}
			byKey[k] = u
			order = append(order, k)
		}
		if f := u.field(strings.TrimPrefix(q.Name, "srvmon_cgroup_"), tsdb.LabelValue(q.Labels, "mode")); f != nil {
			v := q.Stats.Avg
			if q.Name == "srvmon_cgroup_memory_peak_bytes" {
				v = q.Stats.Max
			}
			*f = addNaN(*f, v)
		}
	}
	for _, k := range order {
		u := byKey[k]
		for _, f := range []*float64{&u.CPU, &u.UserCPU, &u.SystemCPU, &u.CPUWaiting, &u.CPUStalled, &u.MemoryWaiting, &u.MemoryStalled, &u.IOWaiting, &u.IOStalled} {
			*f *= 100
		}
		u.CPUShare = share(u.CPU, 100*capacity[u.Instance])
		r.Services = append(r.Services, *u)
	}
	if len(r.Services) == 0 {
		return nil, &NoDataError{What: "cgroup series", From: r.From, To: r.To}
	}
	slices.SortFunc(r.Services, func(a, b ServiceUse) int {
		if c := cmp.Compare(serviceRank(&b, r.By), serviceRank(&a, r.By)); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Instance, b.Instance), strings.Compare(a.Cgroup, b.Cgroup))
	})
	if o.N > 0 && len(r.Services) > o.N {
		r.Services = r.Services[:o.N]
	}
	return r, nil
}

// field returns the field of u a cgroup metric (its name without
// srvmon_cgroup_) fills, nil for one Services does not show.
func (u *ServiceUse) field(name, mode string) *float64 {
	switch name {
	case "cpu_usage_seconds_total":
		return &u.CPU
	case "cpu_seconds_total":
		switch mode {
		case "user":
			return &u.UserCPU
		case "system":
			return &u.SystemCPU
		}
	case "memory_bytes":
		return &u.Memory
	case "memory_peak_bytes":
		return &u.MemoryPeak
	case "memory_anon_bytes":
		return &u.Anon
	case "memory_file_bytes":
		return &u.File
	case "io_read_bytes_total":
		return &u.ReadRate
	case "io_written_bytes_total":
		return &u.WriteRate
	case "pressure_cpu_waiting_seconds_total":
		return &u.CPUWaiting
	case "pressure_cpu_stalled_seconds_total":
		return &u.CPUStalled
	case "pressure_memory_waiting_seconds_total":
		return &u.MemoryWaiting
	case "pressure_memory_stalled_seconds_total":
		return &u.MemoryStalled
	case "pressure_io_waiting_seconds_total":
		return &u.IOWaiting
	case "pressure_io_stalled_seconds_total":
		return &u.IOStalled
	case "pids":
		return &u.Pids
	}
	return nil
}

// fields returns every value field of u.
func (u *ServiceUse) fields() []*float64 {
	return []*float64{&u.CPU, &u.UserCPU, &u.SystemCPU, &u.CPUShare, &u.Memory, &u.MemoryPeak, &u.Anon, &u.File,
		&u.ReadRate, &u.WriteRate, &u.CPUWaiting, &u.CPUStalled, &u.MemoryWaiting, &u.MemoryStalled, &u.IOWaiting, &u.IOStalled, &u.Pids}
}

// serviceRank is what By ranks services by.
func serviceRank(u *ServiceUse, by string) float64 {
	return rankBy(by, u.CPU, u.Memory, addNaN(u.ReadRate, u.WriteRate))
}

// Consumer is one of the top consumers of a busy episode (Interval.Top).
type Consumer struct {
	PID, Comm string
	// Share is the process' share of the host in percent: of all CPU time
	// for the cpu view, of MemTotal for mem, of every process' IO for
	// disk.
	Share float64
}

// topConsumersN is how many consumers an episode names.
const topConsumersN = 3

// episodeTop are the resource Top ranks by for the busy episodes of a
// view, and the share a Consumer has of it.
var episodeTop = map[string]struct {
	by    string
	share func(*ProcessUse) float64
}{
	"cpu":  {"cpu", func(p *ProcessUse) float64 { return p.CPUShare }},
	"mem":  {"mem", func(p *ProcessUse) float64 { return p.MemShare }},
	"disk": {"io", func(p *ProcessUse) float64 { return p.IOShare }},
}

// topConsumers sets the Top of each episode of the cpu, mem and disk views
// from the process series of its intervals; none where the store holds no
// process series then.
func topConsumers(ctx context.Context, s *tsdb.Store, view string, episodes []Interval) error {
	et, ok := episodeTop[view]
	if !ok {
		return nil
	}
	for i := range episodes {
		iv := &episodes[i]
		r, err := Top(ctx, s, TopOptions{From: iv.From, To: iv.To.Add(time.Second), By: et.by, N: topConsumersN, endsIn: true})
		if errors.Is(err, ErrNoData) {
			continue
		}
		if err != nil {
			return err
		}
		for _, p := range r.Processes {
			if v := et.share(&p); !math.IsNaN(v) {
				iv.Top = append(iv.Top, Consumer{PID: p.PID, Comm: p.Comm, Share: v})
			}
		}
	}
	return nil
}

// TopRange resolves the range parameters of top and services: from, to
// and last as ParseRange reads them, except that without from and last the
// range is the hour before to; or, when at is given, the time at and the
// day either side of it (where Top and Services look for the interval
// holding at). Errors are a *param.Error.
func TopRange(from, to, last, at string, now time.Time, loc *time.Location) (start, end, atTime time.Time, err error) {
	if at != "" {
		if from != "" || to != "" || last != "" {
			return start, end, atTime, &param.Error{Param: "at", Reason: "{at} names one interval; {from}, {to} and {last} a range",
				Valid: "give {at} alone or a range"}
		}
		t, err := ParseTime(at, now, loc)
		if err != nil {
			return start, end, atTime, &param.Error{Param: "at", Value: strconv.Quote(at), Reason: err.Error()}
		}
		return t.Add(-24 * time.Hour), t.Add(24 * time.Hour), t, nil
	}
	if from == "" && last == "" {
		last = "1h"
	}
	start, end, err = ParseRange(from, to, last, now, loc)
	return start, end, time.Time{}, err
}
