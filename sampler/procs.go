package sampler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

func init() {
	register("procs", true, func() collector { return procsCollector{} })
}

// MaxCmdline is the most bytes of a command line srvmon_process_info's
// cmdline label holds (record --proc-cmdline): the arguments joined by
// spaces, cut at a character boundary.
const MaxCmdline = 256

// The thresholds a process must reach over an interval to rank by CPU or by
// IO: a process below them is not a "who" of anything, and ranking it would
// only churn series (on a host that starts a process a second, most of
// them are caught alive at a sample set with a few ticks of CPU).
const (
	minCPUShare = 0.005 // of one CPU over the interval (0.3 s a minute)
	minIOPerSec = 4096  // bytes a second of the interval read plus written
	// minRankInterval is the shortest interval the thresholds are taken
	// over: with record --interval 1s, 0.5 % of a second is under a clock
	// tick, and every process that ran at all would rank; over a short
	// interval only a process that used at least 0.3 s of CPU or 240 KiB of
	// IO ranks. On this project's busy build VM 20 one-second sets held 921
	// series without this floor and 616 with it, where one set holds 470
	// (the rest: other engineers' compilers, large enough to rank by memory).
	minRankInterval = 60
	otherLabel      = "other"
	otherStartLb    = "0"
)

// procsCollector records who uses the host: per sample set the top
// processes (Options.ProcTop by CPU over the interval, by resident memory
// and by IO; their union) and a remainder "other" so that the parts add up
// to the host's totals. Identity labels: pid, start (start time, unix
// seconds; a reused pid is a new process) and comm. srvmon's own process
// ranks from its second sample set on (markNewSelf): a one-shot record's,
// new at every set, is in other.
//
//   - srvmon_process_info{pid,start,comm,exe,user,ppid[,cmdline]} 1.
//     The process state (R, S, D, Z ...) is read but not stored: a label
//     that flips between R and S from one sample set to the next would make
//     a new series each time, and whether the process ran is what its CPU
//     delta says (node_procs_running and node_procs_blocked count the
//     host's runnable and D-state processes).
//   - srvmon_process_cpu_seconds{mode="user"|"system"}, Delta: utime and
//     stime of /proc/PID/stat over the interval (utime includes nice and
//     guest time, as /proc/stat's user+nice does).
//   - srvmon_process_read_bytes, srvmon_process_written_bytes, Delta:
//     read_bytes and write_bytes of /proc/PID/io (storage IO the process
//     caused); absent for a process whose io file is unreadable (another
//     user's process when not root).
//   - srvmon_process_resident_memory_bytes, srvmon_process_threads, Gauge.
//
// The deltas need each process's counters at the previous sample set: the
// collector keeps them in StateFile. They are stored only when that state
// is from the previous sample set of the same boot (see
// Sampler.SampleAfter) and at most maxStateAge old; a process that started
// since then counts from zero. The remainder (pid="other", start="0",
// comm="other"):
//
//   - CPU: the host's process time over the interval, user = user+nice and
//     system = system of /proc/stat's cpu line, minus the top processes'
//     deltas, and never below 0 (per-process and per-CPU accounting differ
//     by a tick or so). What processes that lived and died between two
//     sample sets used lands here, as do interrupts the kernel charged as
//     system time to no process.
//   - IO: the sum of every readable process's delta minus the top's (a
//     process that ended between two sample sets is not seen).
//   - memory and threads: the sum over every process minus the top's.
type procsCollector struct{}

// pidStat is what srvmon reads of /proc/PID/stat.
type pidStat struct {
	comm         string
	state        byte
	ppid         int
	kthread      bool   // PF_KTHREAD in flags: a kernel thread
	utime, stime uint64 // clock ticks
	threads      uint64
	start        uint64 // clock ticks after boot
	vsize        uint64 // bytes
	rss          uint64 // pages
}

// parsePIDStat parses /proc/PID/stat. The command name, field 2, is in
// parentheses and may hold spaces and parentheses itself: the fields are
// counted from the last ")".
func parsePIDStat(data string) (pidStat, error) {
	var p pidStat
	i, j := strings.IndexByte(data, '('), strings.LastIndexByte(data, ')')
	if i < 0 || j < i {
		return p, errors.New("no command name")
	}
	p.comm = data[i+1 : j]
	rest := data[j+1:]
	// Fields from 3 (state): ppid 4, flags 9, utime 14, stime 15,
	// num_threads 20, starttime 22, vsize 23, rss 24.
	var f string
	for n := 3; n <= 24; n++ {
		f, rest = nextField(rest)
		if f == "" {
			return p, fmt.Errorf("%d fields, want 24 or more", n-1)
		}
		var dst *uint64
		switch n {
		case 3:
			p.state = f[0]
			continue
		case 4:
			v, err := strconv.Atoi(f)
			if err != nil {
				return p, fmt.Errorf("field %d: %w", n, err)
			}
			p.ppid = v
			continue
		case 9:
			v, err := strconv.ParseUint(f, 10, 32)
			if err != nil {
				return p, fmt.Errorf("field %d: %w", n, err)
			}
			p.kthread = v&pfKthread != 0
			continue
		case 14:
			dst = &p.utime
		case 15:
			dst = &p.stime
		case 20:
			dst = &p.threads
		case 22:
			dst = &p.start
		case 23:
			dst = &p.vsize
		case 24:
			dst = &p.rss
		default:
			continue
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return p, fmt.Errorf("field %d: %w", n, err)
		}
		*dst = v
	}
	return p, nil
}

// pfKthread is PF_KTHREAD of include/linux/sched.h, the flag of a kernel
// thread in /proc/PID/stat's flags.
const pfKthread = 0x00200000

// parsePIDIO returns read_bytes and write_bytes of /proc/PID/io.
func parsePIDIO(data string) (read, write uint64, err error) {
	found := 0
	for data != "" && found < 2 {
		var line string
		line, data = nextLine(data)
		dst, v := cutEither(line, "read_bytes: ", &read, "write_bytes: ", &write)
		if dst == nil {
			continue
		}
		if *dst, err = strconv.ParseUint(strings.TrimSpace(v), 10, 64); err != nil {
			return 0, 0, fmt.Errorf("parse io: %w", err)
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("parse io: no read_bytes or write_bytes line")
	}
	return read, write, nil
}

// cutEither returns a and the rest of s when s starts with prefixA, b and
// the rest when it starts with prefixB, and nil otherwise: the field of two
// a parser fills.
func cutEither(s, prefixA string, a *uint64, prefixB string, b *uint64) (*uint64, string) {
	if rest, ok := strings.CutPrefix(s, prefixA); ok {
		return a, rest
	}
	if rest, ok := strings.CutPrefix(s, prefixB); ok {
		return b, rest
	}
	return nil, ""
}

// procSample is one process at this sample set: its counters, which the
// state keeps for the next one (labels only while it is stored: a carried
// process's are those of the previous sample set, until convertProcs
// keeps or drops them), and what the sample set makes of them.
type procSample struct {
	procCounters
	comm     string // "" for a carried process without labels
	carried  bool   // it did not run since its stat was read: the counters are from the state
	unranked bool   // ranks in no top: srvmon's own process, new since the previous set (markNewSelf)
	cpuKnown bool   // du, ds hold the interval's CPU
	ioKnown  bool   // dr, dw hold the interval's IO
	du, ds   uint64 // CPU ticks over the interval
	dr, dw   uint64 // IO bytes over the interval
}

// Every process read again after this long, give or take: see readProcs.
const (
	rereadAfter  = 30 * time.Minute
	rereadSpread = 30 * time.Minute
)

// readProcs reads the processes pids of HOST_PROC (procPIDs); clocks says
// that HOST_PROC is this process's own /proc (ownProc), whose pids the
// kernel's CPU clocks take. A process that ends while it is read is left
// out, as is a pid that is no process (with clocks, one whose clock the
// kernel does not know: a thread, or a pid no longer in use; or a thread
// of srvmon's own, ownThread); an unreadable io file leaves hasIO false.
//
// Reading a /proc file costs the kernel 12 to 20 µs (measured on this
// project's VMs), and most processes of a host sleep through most sample
// sets. So with clocks, each process's CPU clock (processCPUTime, 0.5 µs)
// is asked first: a process whose clock is where it was when its stat was
// read (prev, the previous sample set's counters, nil when there are none)
// did not run since, and its counters, memory, threads and parent are
// carried over from prev. That holds for a clock at zero too (kernel
// threads started at boot before the scheduler's clock ran, which show
// no CPU time ever): a process with no CPU time has none of its counters
// changed either. A kernel thread (kthread) is carried over too while its
// clock moved by less than a clock tick since its stat was read, unless
// it is stored or ever did IO: its stat's CPU ticks lag by that less than
// a tick (the resolution of what stat says), which the interval it is
// next read in counts, and a kernel thread has no memory or labels that
// change (its comm names the workqueue a kworker last ran, which is
// stored only for a stored process). There are 60 to 200 kernel threads
// on a host, and most of them run for a few microseconds now and then:
// at sets a second apart, this spared about 10 of 25 stat reads on this
// project's VM. given holds the pids given out since the previous sample
// set: one of those may be another process than prev's of the same pid,
// and is read. Its stat is read again
//
//   - when its parent is not the same process as at the previous sample
//     set: the parent ended, and the kernel gave the process a new parent
//     without its running;
//   - every rereadAfter to rereadAfter+rereadSpread (a spread by pid, so
//     that not all processes are due at once): a sleeping process's
//     resident memory shrinks when the kernel reclaims its pages, which is
//     the only change to what srvmon stores that happens without the
//     process running.
//
// io is read only for a process that used CPU since prev: a process that
// did not run did no IO, and its io counters are carried over. One that
// ran for less than a clock tick and did IO keeps that IO in its counters
// until it next shows CPU time: the IO is then counted in that later
// interval, and no byte is lost from the sums.
func readProcs(r *run, pids []int, prev []procCounters, clocks bool, given pidSpan) ([]procSample, error) {
	at := r.at.Unix()
	self := os.Getpid()
	out := make([]procSample, 0, len(pids))
	carried := false
	next := prevCursor{procs: prev}
	for _, pid := range pids {
		var ns uint64
		if clocks {
			var ok bool
			if ns, ok = processCPUTime(pid); !ok {
				continue
			}
		}
		old := next.find(pid)
		if old != nil && clocks && carries(old, ns, !given.has(pid)) && !rereadDue(pid, old.readAt, at) {
			out = append(out, carry(old))
			carried = true
			continue
		}
		if clocks && pid != self && ownThread(pid) {
			continue
		}
		p, ok, err := readProc(r, pid, old, ns)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	sortByPID(out)
	if !carried {
		return out, nil
	}
	return rereadOrphans(r, out, prev)
}

// carries says whether a process whose counters at the previous sample set
// were old and whose CPU clock reads ns now is carried over (readProcs):
// its clock stood still, or it is a kernel thread that ran for less than a
// tick since its stat was read, not stored and without IO, and same says
// that old is the same process (its pid was not given out since).
func carries(old *procCounters, ns uint64, same bool) bool {
	if old.cpuNS == ns {
		return ns != 0 || old.utime+old.stime == 0
	}
	return same && old.kthread && old.labels == nil && old.rbytes == 0 && old.wbytes == 0 &&
		ns > old.cpuNS && ns-old.cpuNS < uint64(time.Second/userHZ)
}

// pidSpan is the pids after < pid <= upTo.
type pidSpan struct{ after, upTo int }

func (s pidSpan) has(pid int) bool { return pid > s.after && pid <= s.upTo }

// anyPID is a pidSpan that has every pid.
var anyPID = pidSpan{0, math.MaxInt}

// rereadOrphans reads again each carried process of out (sorted by pid)
// whose parent is not the process it was at the previous sample set
// (prev): the parent ended, and the kernel gave the process a new parent
// without its running. One that ended since is left out.
func rereadOrphans(r *run, out []procSample, prev []procCounters) ([]procSample, error) {
	// Siblings are often next to each other: the last parent's answer is
	// kept.
	byPID := func(a procSample, pid int) int { return cmp.Compare(a.pid, pid) }
	var gone []int
	lastPPID, lastSame := 0, false
	for i := range out {
		p := &out[i]
		if !p.carried || p.ppid == 0 {
			continue
		}
		if p.ppid != lastPPID {
			j, found := slices.BinarySearchFunc(out, p.ppid, byPID)
			old := findProc(prev, p.ppid)
			lastPPID, lastSame = p.ppid, found && old != nil && out[j].start == old.start
		}
		if lastSame {
			continue
		}
		q, ok, err := readProc(r, p.pid, findProc(prev, p.pid), p.cpuNS)
		if err != nil {
			return nil, err
		}
		if !ok {
			gone = append(gone, i) // ended; out stays sorted for the searches
			continue
		}
		*p = q
	}
	for k := len(gone) - 1; k >= 0; k-- {
		out = slices.Delete(out, gone[k], gone[k]+1)
	}
	return out, nil
}

// prevCursor finds pids in procs (sorted by pid) by walking them in step
// with ascending pids, as /proc lists them and procPIDs returns them: no
// search per pid.
type prevCursor struct {
	procs []procCounters
	i     int // procs[:i] have lower pids than the last one asked for
	last  int
}

// find returns the counters of pid, or nil.
func (c *prevCursor) find(pid int) *procCounters {
	if pid < c.last { // not ascending: a fake host's directory
		return findProc(c.procs, pid)
	}
	c.last = pid
	for c.i < len(c.procs) && c.procs[c.i].pid < pid {
		c.i++
	}
	if c.i < len(c.procs) && c.procs[c.i].pid == pid {
		return &c.procs[c.i]
	}
	return nil
}

// sortByPID sorts procs by pid, as listing /proc gives them (a fake host's
// directory may not).
func sortByPID(procs []procSample) {
	byPID := func(a, b procSample) int { return cmp.Compare(a.pid, b.pid) }
	if !slices.IsSortedFunc(procs, byPID) {
		slices.SortFunc(procs, byPID)
	}
}

// How procPIDs finds the processes started since the previous sample set
// without listing /proc. Listing costs the kernel about 2 µs a process
// (it looks up a dentry for each); asking a pid's CPU clock costs 0.35 µs
// when there is no such process.
const (
	// listEvery is how often /proc is listed all the same: a process
	// given a pid out of turn (clone3's set_tid, a write to ns_last_pid:
	// restoring a checkpoint) is found at most this late.
	listEvery = 10 * time.Minute
	// maxProbeFactor × the previous set's processes (+ minProbe) is the
	// most pids tried in place of a listing.
	maxProbeFactor = 4
	minProbe       = 64
	// missedTolerance (+ an eighth) is how many of the host's tasks the
	// processes found may lack before findProcs takes it that it missed
	// some: those that ended while it read them.
	missedTolerance = 64
)

// findProcs reads the processes of HOST_PROC (readProcs) for the sample set
// now after prev, whose counters carry holds (nil for none). It sets now's
// lastPID and listedAt. When the processes it found by probing (procPIDs)
// have fewer threads than the kernel counts (loadavg's nr_threads, less a
// tolerance for the tasks that ended while it read), some were missed:
// it lists /proc and reads them again. When even a listing falls short
// (a container's pid namespace, whose loadavg counts the host's tasks;
// /proc mounted with hidepid), probing cannot be checked, and the next
// set lists again (now.lastPID 0). clocks says that HOST_PROC is this
// process's own /proc (ownProc).
func findProcs(r *run, prev, now *samplerState, carry []procCounters, clocks bool) ([]procSample, error) {
	var tasks int
	if clocks {
		now.lastPID, tasks = loadavgPIDs(r)
	}
	pids, listed, err := procPIDs(r, prev, now, len(carry) > 0)
	if err != nil {
		return nil, err
	}
	given := anyPID // listed: any pid may have been given out again since
	if !listed {
		given = pidSpan{prev.lastPID, now.lastPID}
	}
	procs, err := readProcs(r, pids, carry, clocks, given)
	if err != nil || tasksFound(procs, tasks) {
		return procs, err
	}
	if !listed {
		if pids, err = r.listPIDs(r.proc); err != nil {
			return nil, err
		}
		now.listedAt = now.at
		if procs, err = readProcs(r, pids, carry, clocks, anyPID); err != nil || tasksFound(procs, tasks) {
			return procs, err
		}
	}
	now.lastPID = 0
	return procs, nil
}

// tasksFound says whether procs have about as many threads as the kernel's
// count of tasks: all but missedTolerance and an eighth, those that may
// have ended while they were read.
func tasksFound(procs []procSample, tasks int) bool {
	threads := 0
	for i := range procs {
		threads += int(procs[i].threads)
	}
	return threads+missedTolerance+tasks/8 >= tasks
}

// loadavgPIDs returns the last pid the kernel gave out in this pid
// namespace and the number of tasks (threads) on the host, from
// /proc/loadavg ("0.20 0.18 0.12 1/80 11206"); 0, 0 when unknown.
func loadavgPIDs(r *run) (last, tasks int) {
	data, err := r.readProc("loadavg")
	if err != nil {
		return 0, 0
	}
	var buf [5]string
	f := fields(buf[:0], strings.TrimSpace(data))
	if len(f) != 5 {
		return 0, 0
	}
	_, t, _ := strings.Cut(f[3], "/")
	tn, ok1 := parseDecimal(t)
	ln, ok2 := parseDecimal(f[4])
	if !ok1 || !ok2 || tn > math.MaxInt32 || ln > math.MaxInt32 {
		return 0, 0
	}
	return int(ln), int(tn)
}

// procPIDs returns the pids to read, in ascending order, and whether they
// are /proc's listing. When the previous sample set is of the same boot
// and noted the last pid the kernel gave out (prev.lastPID, and now.lastPID
// is this set's), a process that is new since has a pid in between: the
// kernel gives out pids in turn, and wraps around at pid_max. It then
// returns the previous set's processes and the pids in between, unless
//
//   - there are too many of those (maxProbeFactor), or the last pid went
//     down (the kernel wrapped around), or there were more forks than pids
//     in between (forks in other pid namespaces: a container);
//   - /proc was last listed listEvery ago or more.
//
// Some of those pids are threads or ended; readProcs leaves them out.
func procPIDs(r *run, prev, now *samplerState, carried bool) ([]int, bool, error) {
	now.listedAt = prev.listedAt
	span := now.lastPID - prev.lastPID
	if !carried || prev.lastPID <= 0 || now.lastPID <= 0 || span < 0 || span > maxProbeFactor*len(prev.procs)+minProbe ||
		now.forks < prev.forks || now.forks-prev.forks > uint64(span) ||
		prev.listedAt > now.at || now.at-prev.listedAt >= int64(listEvery.Seconds()) {
		now.listedAt = now.at
		pids, err := r.listPIDs(r.proc)
		return pids, true, err
	}
	// The previous set's processes (sorted by pid) merged with the pids in
	// between: some of those processes may have pids above prev.lastPID
	// (given out before the kernel last wrapped around, or after the
	// previous set read the last pid).
	pids := make([]int, 0, len(prev.procs)+span)
	i := 0
	for ; i < len(prev.procs) && prev.procs[i].pid <= prev.lastPID; i++ {
		pids = append(pids, prev.procs[i].pid)
	}
	for pid := prev.lastPID + 1; pid <= now.lastPID; pid++ {
		pids = append(pids, pid)
	}
	for ; i < len(prev.procs); i++ {
		if pid := prev.procs[i].pid; pid > now.lastPID {
			pids = append(pids, pid)
		}
	}
	return pids, false, nil
}

// ownProc says whether dir is the /proc of this process's pid namespace,
// whose pids the kernel's CPU clocks (processCPUTime) take: HOST_PROC
// pointing at another host's or namespace's tree is read in full.
func ownProc(dir string) bool {
	if filepath.Clean(dir) != "/proc" {
		return false
	}
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// rereadDue says whether a process whose stat was read at readAt (unix
// seconds; 0 for never) is due to be read again at at (readProcs).
func rereadDue(pid int, readAt, at int64) bool {
	spread := int64(uint64(pid) * 2654435761 % uint64(rereadSpread/time.Second))
	return readAt <= 0 || at-readAt >= int64(rereadAfter/time.Second)+spread || at < readAt
}

// carry is the sample of a process that did not run since its counters old
// were read.
func carry(old *procCounters) procSample {
	p := procSample{procCounters: *old, carried: true}
	if old.labels != nil {
		p.comm = old.labels.comm
	}
	return p
}

// readProc reads the stat of the process pid (and its io when it ran since
// old, its counters at the previous sample set, nil for none) and notes its
// CPU clock ns (0 for unknown). ok is false when the process ended.
func readProc(r *run, pid int, old *procCounters, ns uint64) (p procSample, ok bool, err error) {
	base := r.proc + "/" + strconv.Itoa(pid) + "/"
	data, err := r.readFile(base + "stat")
	if err != nil {
		return p, false, nil // ended since the directory was listed
	}
	ps, err := parsePIDStat(data)
	if err != nil {
		return p, false, fmt.Errorf("parse %sstat: %w", base, err)
	}
	p = procSample{comm: ps.comm, procCounters: procCounters{pid: pid, start: ps.start, utime: ps.utime, stime: ps.stime,
		cpuNS: ns, readAt: r.at.Unix(), rss: ps.rss, threads: ps.threads, ppid: ps.ppid, kthread: ps.kthread}}
	if old != nil && old.start == ps.start && old.utime == ps.utime && old.stime == ps.stime && old.hasIO {
		p.hasIO, p.rbytes, p.wbytes = true, old.rbytes, old.wbytes
	} else if data, err := r.readFile(base + "io"); err == nil {
		if p.rbytes, p.wbytes, err = parsePIDIO(data); err != nil {
			return p, false, fmt.Errorf("%sio: %w", base, err)
		}
		p.hasIO = true
	}
	return p, true, nil
}

func (procsCollector) update(_ context.Context, r *run) error {
	st, err := r.procStat()
	if err != nil {
		return err
	}
	if st.has&(hasBtime|hasTotal) != hasBtime|hasTotal {
		return errors.New("parse stat: no cpu or btime line")
	}
	bootID, err := r.readProc("sys/kernel/random/boot_id")
	if err != nil {
		return err
	}
	state := r.keeper.get(r, "procs")
	prev := *state
	carry := prev.procs
	if prev.bootID != strings.TrimSpace(bootID) {
		carry = nil // the same pid and start ticks in another boot are another process
	}
	now := samplerState{
		bootID:  strings.TrimSpace(bootID),
		at:      r.at.Unix(),
		cpuUser: st.total.ticks[0] + st.total.ticks[1],
		cpuSys:  st.total.ticks[2],
		lacked:  prev.lacked,
		forks:   st.processes,
	}
	own := ownProc(r.proc)
	procs, err := findProcs(r, &prev, &now, carry, own)
	if err != nil {
		return err
	}
	if own {
		markNewSelf(procs, carry)
	}
	valid := prev.at > 0 && prev.bootID == now.bootID && now.at > prev.at &&
		now.at-prev.at <= int64(maxStateAge.Seconds()) && (r.prev.IsZero() || r.prev.Unix() == prev.at) &&
		now.cpuUser >= prev.cpuUser && now.cpuSys >= prev.cpuSys
	convertProcs(r, procs, &prev, &now, st.btime, valid)
	*state = now
	return nil
}

// markNewSelf marks srvmon's own process in procs (this pid namespace's,
// sorted by pid) unranked when it started since the sample set of carry,
// the previous set's counters: a `srvmon record` run from cron is a new
// process at every sample set, and among the top by memory of a small
// host it added a process to the stored list at every set, so that the
// store wrote the list's change and read its chain back each time. Its
// CPU, memory and IO are in other. A long-running srvmon (record
// --interval, serve) ranks like any process from its second set on.
func markNewSelf(procs []procSample, carry []procCounters) {
	self := os.Getpid()
	i, found := slices.BinarySearchFunc(procs, self, func(p procSample, pid int) int { return cmp.Compare(p.pid, pid) })
	if !found {
		return
	}
	if old := findProc(carry, self); old == nil || old.start != procs[i].start {
		procs[i].unranked = true
	}
}

// convertProcs computes the deltas (when valid), picks the processes to
// store, emits their series and the remainder's, and sets now's processes
// to procs' counters (sorting procs by pid; in the memory of prev's).
func convertProcs(r *run, procs []procSample, prev, now *samplerState, btime uint64, valid bool) {
	sortByPID(procs)
	if valid {
		procDeltas(procs, prev, btime)
	}
	rankOver := float64(minRankInterval)
	if r.opts.ProcRankOver > 0 {
		rankOver = r.opts.ProcRankOver.Seconds()
	}
	interval := float64(now.at - prev.at)
	top := stored(procs, pickTop(procs, r.opts.ProcTop, max(interval, rankOver)), r.opts.ProcTop, prev, now)
	var all procTotals
	for i := range procs {
		p := &procs[i]
		all.rss += p.rss * pageSize
		all.threads += p.threads
		if p.ioKnown {
			all.read += p.dr
			all.write += p.dw
		}
	}
	tops := emitTop(r, procs, top, btime)
	emitOther(r, all, tops, now.cpuUser-prev.cpuUser, now.cpuSys-prev.cpuSys, valid)
	// In prev's memory, which nothing reads after this: new memory costs
	// a page fault a page (2.5-3.5 µs on this project's VMs).
	now.procs = prev.procs[:0]
	for i := range procs {
		now.procs = append(now.procs, procs[i].procCounters)
	}
}

// pageSize is the unit of /proc/PID/stat's rss.
var pageSize = uint64(os.Getpagesize())

// procDeltas sets the deltas of procs over the interval since prev, whose
// processes are sorted by pid; btime is the boot's unix seconds.
func procDeltas(procs []procSample, prev *samplerState, btime uint64) {
	for i := range procs {
		p := &procs[i]
		if p.carried { // the previous set's counters: nothing since
			p.cpuKnown, p.ioKnown = true, p.hasIO
			continue
		}
		old := findProc(prev.procs, p.pid)
		switch {
		case old != nil && old.start == p.start:
		case int64(btime+p.start/userHZ) >= prev.at-1:
			// Started since: counts from zero. btime is the boot time cut
			// to the second, so a process that started a fraction of a
			// second after the previous set can compute to the second
			// before it (a CPU burst started 0.3 s after a set was not
			// named in its first interval on a host booted at x.5 s). One
			// there then is in prev's processes, whatever its start.
			old = &procCounters{start: p.start, hasIO: true}
		default:
			continue // there then but not in the state (unreadable): no delta
		}
		if p.utime >= old.utime && p.stime >= old.stime {
			p.cpuKnown, p.du, p.ds = true, p.utime-old.utime, p.stime-old.stime
		}
		if p.hasIO && old.hasIO && p.rbytes >= old.rbytes && p.wbytes >= old.wbytes {
			p.ioKnown, p.dr, p.dw = true, p.rbytes-old.rbytes, p.wbytes-old.wbytes
		}
	}
}

// procTotals sums processes' deltas (ticks, bytes) and gauges (bytes,
// threads).
type procTotals struct {
	user, sys, read, write, rss, threads uint64
}

// emitTop emits the series of procs[i] for each i of top (in pid order),
// reading the labels of those that have none, keeps the labels in the
// counters of those and drops them from the others', and returns what the
// emitted series sum to.
func emitTop(r *run, procs []procSample, top []int, btime uint64) procTotals {
	next := 0
	for i := range procs {
		if next < len(top) && top[next] == i {
			next++
		} else {
			procs[i].labels = nil // kept only while stored
		}
	}
	var sum procTotals
	var users userNames
	for _, i := range top {
		p := &procs[i]
		pid := strconv.Itoa(p.pid)
		start := strconv.FormatUint(btime+p.start/userHZ, 10)
		base := r.proc + "/" + pid + "/"
		l := p.labels
		if l == nil {
			if l = readLabels(r, p, base, &users); l == nil {
				continue // ended: it stays in other
			}
			p.labels = l
		}
		comm, user := l.comm, l.user
		cmdline := ""
		if r.opts.ProcCmdline {
			if data, err := r.readFile(base + "cmdline"); err == nil {
				cmdline = cmdlineLabel(data)
			}
		}
		r.add("srvmon_process_info", 1, "cmdline", cmdline, "comm", comm, "exe", l.exe, "pid", pid,
			"ppid", strconv.Itoa(p.ppid), "start", start, "user", user)
		if p.cpuKnown {
			r.add("srvmon_process_cpu_seconds", float64(p.ds)/userHZ, "comm", comm, "mode", "system", "pid", pid, "start", start)
			r.add("srvmon_process_cpu_seconds", float64(p.du)/userHZ, "comm", comm, "mode", "user", "pid", pid, "start", start)
			sum.user += p.du
			sum.sys += p.ds
		}
		if p.ioKnown {
			dr, dw := roundBytes(p.dr), roundBytes(p.dw)
			r.add("srvmon_process_read_bytes", float64(dr), "comm", comm, "pid", pid, "start", start)
			r.add("srvmon_process_written_bytes", float64(dw), "comm", comm, "pid", pid, "start", start)
			sum.read += dr
			sum.write += dw
		}
		rss := roundBytes(p.rss * pageSize)
		r.add("srvmon_process_resident_memory_bytes", float64(rss), "comm", comm, "pid", pid, "start", start)
		r.add("srvmon_process_threads", float64(p.threads), "comm", comm, "pid", pid, "start", start)
		sum.rss += rss
		sum.threads += p.threads
	}
	return sum
}

// emitOther emits the remainder's series: the host's CPU ticks over the
// interval (user, sys; when valid) and the sums over all processes less
// the stored ones'.
func emitOther(r *run, all, top procTotals, user, sys uint64, valid bool) {
	o := [...]string{"comm", otherLabel, "pid", otherLabel, "start", otherStartLb}
	r.add("srvmon_process_info", 1, o[:]...)
	if valid {
		user, sys := sub0(user, top.user), sub0(sys, top.sys)
		r.add("srvmon_process_cpu_seconds", float64(sys)/userHZ, "comm", otherLabel, "mode", "system", "pid", otherLabel, "start", otherStartLb)
		r.add("srvmon_process_cpu_seconds", float64(user)/userHZ, "comm", otherLabel, "mode", "user", "pid", otherLabel, "start", otherStartLb)
		r.add("srvmon_process_read_bytes", float64(all.read-top.read), o[:]...)
		r.add("srvmon_process_written_bytes", float64(all.write-top.write), o[:]...)
	}
	r.add("srvmon_process_resident_memory_bytes", float64(all.rss-top.rss), o[:]...)
	r.add("srvmon_process_threads", float64(all.threads-top.threads), o[:]...)
}

// readLabels reads the labels of the process p, base its directory: its
// executable, its user (named by users) and,
// for a process whose stat was not read in this sample set, its comm (and
// parent: the kernel may have given it a new one). It returns nil when the
// process ended.
func readLabels(r *run, p *procSample, base string, users *userNames) *procLabels {
	if p.carried {
		data, err := r.readFile(base + "stat")
		if err != nil {
			return nil
		}
		ps, err := parsePIDStat(data)
		if err != nil || ps.start != p.start {
			return nil
		}
		p.comm, p.ppid = ps.comm, ps.ppid
	}
	exe, _ := os.Readlink(base + "exe")
	l := &procLabels{comm: labelText(p.comm), exe: labelText(exe)}
	var sys syscall.Stat_t
	if syscall.Stat(base, &sys) == nil {
		l.user = users.name(r, sys.Uid)
	}
	return l
}

// stickFor is how long a process that ranked in a top stays among the
// stored processes while it lives (up to maxStoredFactor × ProcTop in all).
// The store writes a sample set's list of series again whenever it differs
// from the previous set's: a process flapping in and out of the top by CPU
// every minute would have it written every minute (148 KB a set, 214 MB of
// head log a day on the benchmark's synthetic host), and readers gain
// nothing from the gaps.
const (
	stickFor        = time.Hour
	maxStoredFactor = 5
)

// stored returns the indexes of the processes to store, in pid order (procs
// are sorted by pid): those that rank now (ranked) and, while they live,
// those that ranked within stickFor of the same boot, the most recently
// ranked first, up to maxStoredFactor × ProcTop in all. It sets when each
// ranked (0 for one that is no longer stored and must rank again).
func stored(procs []procSample, ranked []int, n int, prev, now *samplerState) []int {
	isRanked := make([]bool, len(procs))
	for _, i := range ranked {
		isRanked[i] = true
		procs[i].ranked = now.at
	}
	var sticky []int
	if prev.bootID == now.bootID {
		for i := range procs {
			p := &procs[i]
			if isRanked[i] {
				continue
			}
			ranked := p.ranked // a carried process's is the previous set's
			if !p.carried {
				old := findProc(prev.procs, p.pid)
				if old == nil || old.start != p.start {
					continue
				}
				ranked = old.ranked
			}
			if ranked == 0 || now.at-ranked > int64(stickFor.Seconds()) {
				continue
			}
			sticky = append(sticky, i)
			p.ranked = ranked
		}
	}
	slices.SortFunc(sticky, func(a, b int) int {
		return cmp.Or(cmp.Compare(procs[b].ranked, procs[a].ranked), cmp.Compare(procs[a].pid, procs[b].pid))
	})
	if room := max(0, maxStoredFactor*n-len(ranked)); len(sticky) > room {
		for _, i := range sticky[room:] {
			procs[i].ranked = 0 // no longer stored: it must rank again
		}
		sticky = sticky[:room]
	}
	out := append(slices.Clone(ranked), sticky...)
	slices.Sort(out)
	return out
}

// roundBytes rounds a top process's memory or IO bytes down to 10
// significant bits (at most 0.2 % less): a value that drifts by a few pages every sample set then
// often stays the same, and costs the store a bit instead of three bytes.
// Other is computed from the rounded values, so the parts still add up.
func roundBytes(v uint64) uint64 {
	if n := bits.Len64(v); n > 10 {
		return v >> (n - 10) << (n - 10)
	}
	return v
}

// sub0 is a-b, or 0 when b is larger.
func sub0(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// pickTop returns the indexes of the processes to store, in pid order
// (procs are sorted by pid): the union of the top n by CPU over the
// interval, by resident memory and by IO, of those not unranked. Ranking by CPU and by IO needs
// the process's delta and at least minCPUShare and minIOPerSec over
// interval seconds (the caller passes the interval, or minRankInterval or
// Options.ProcRankOver when longer).
func pickTop(procs []procSample, n int, interval float64) []int {
	chosen := make([]bool, len(procs))
	minTicks := max(1, uint64(minCPUShare*interval*userHZ))
	minIO := max(1, uint64(minIOPerSec*interval))
	best := make([]rankedProc, 0, min(n, len(procs)))
	for _, key := range [...]func(p *procSample) (uint64, bool){
		func(p *procSample) (uint64, bool) { return p.du + p.ds, p.cpuKnown && p.du+p.ds >= minTicks },
		func(p *procSample) (uint64, bool) { return p.rss, p.rss > 0 },
		func(p *procSample) (uint64, bool) { return p.dr + p.dw, p.ioKnown && p.dr+p.dw >= minIO },
	} {
		best = best[:0]
		for i := range procs {
			if procs[i].unranked {
				continue
			}
			if k, ok := key(&procs[i]); ok && n >= len(procs) {
				chosen[i] = true // all rank, in any order
			} else if ok {
				best = keepBest(best, n, rankedProc{k, i})
			}
		}
		for _, c := range best {
			chosen[c.i] = true
		}
	}
	var out []int
	for i, c := range chosen {
		if c {
			out = append(out, i)
		}
	}
	return out
}

// rankedProc is a process's index in procs and its key in a ranking.
type rankedProc struct {
	key uint64
	i   int
}

// keepBest adds c to best, the n largest keys so far in descending order,
// and returns it: c goes after those of the same key (given in pid
// order, the lower pid ranks first) and the last one drops out past n.
// A selection, not a sort: of 600 processes, 20 are kept.
func keepBest(best []rankedProc, n int, c rankedProc) []rankedProc {
	if len(best) == n && (n == 0 || c.key <= best[n-1].key) {
		return best
	}
	j, _ := slices.BinarySearchFunc(best, c.key, func(b rankedProc, key uint64) int {
		if b.key >= key {
			return -1 // c goes after b
		}
		return 1
	})
	if len(best) < n {
		return slices.Insert(best, j, c)
	}
	copy(best[j+1:], best[j:n-1])
	best[j] = c
	return best
}

// labelText makes s a label value: valid UTF-8.
func labelText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// cmdlineLabel turns /proc/PID/cmdline (arguments ended by NUL bytes) into
// the arguments joined by spaces, at most MaxCmdline bytes.
func cmdlineLabel(data string) string {
	s := labelText(strings.TrimRight(strings.ReplaceAll(strings.TrimRight(data, "\x00"), "\x00", " "), " "))
	if len(s) <= MaxCmdline {
		return s
	}
	cut := MaxCmdline
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// userNames names uids from HOST_ROOT/etc/passwd, read on first use. The
// few uids of a sample set's stored processes are looked up in its text:
// a map of every user cost a one-shot record more than the lookups (50 µs
// with 30 users on this project's VM).
type userNames struct {
	passwd string
	read   bool
}

// name returns the name of uid, that of the first line of passwd with it,
// or the uid in decimal when there is none (or no passwd).
func (u *userNames) name(r *run, uid uint32) string {
	if !u.read {
		u.passwd, _ = r.readFile(filepath.Join(r.root, "etc/passwd")) // unreadable: uids only
		u.read = true
	}
	for data := u.passwd; data != ""; {
		var line string
		line, data = nextLine(data)
		name, afterName, ok := strings.Cut(line, ":")
		if _, afterPassword, ok2 := strings.Cut(afterName, ":"); ok && ok2 && name != "" {
			field, _, _ := strings.Cut(afterPassword, ":")
			if v, ok := parseDecimal(field); ok && v == uint64(uid) {
				return name
			}
		}
	}
	return strconv.FormatUint(uint64(uid), 10)
}
