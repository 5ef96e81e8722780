package sampler

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startChild starts name with args and returns it; the test ends it.
func startChild(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	c := exec.Command(name, args...)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	return c
}

// waitExec waits until the process pid runs the program comm (it forked
// and has yet to exec, on a busy machine for a while) and has settled:
// its CPU clock stood still for 50 ms. A fixed pause after the exec was
// not enough on a loaded machine, where the program's start-up (the
// dynamic loader, libc) can still be running when the test reads it
// first, and it then runs between the test's reads and is not carried
// over (the likely cause of TestProcsCarryIdle's one failure under load).
func waitExec(t *testing.T, pid int, comm string) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for ; ; time.Sleep(10 * time.Millisecond) {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(data)) == comm {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("pid %d is %q, not %s, after 10 s", pid, data, comm)
		}
	}
	for last, _ := processCPUTime(pid); ; {
		time.Sleep(50 * time.Millisecond)
		ns, ok := processCPUTime(pid)
		if ok && ns == last {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("pid %d (%s) still runs after 10 s", pid, comm)
		}
		last = ns
	}
}

// waitRan waits until the process pid used CPU time since its clock read
// ns: a busy loop does within a time slice, but on a loaded machine a
// fixed pause may pass before it is scheduled.
func waitRan(t *testing.T, pid int, ns uint64) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if now, ok := processCPUTime(pid); ok && now != ns {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("pid %d did not run in 10 s", pid)
		}
	}
}

// readAll is one procs read of this host at at, after the counters prev,
// with the pids given out since prev.
func readAll(t *testing.T, at time.Time, prev []procCounters, given pidSpan) (map[int]procSample, []procCounters) {
	t.Helper()
	r := newRun(context.Background(), testInstance)
	r.at = at
	pids, err := r.listPIDs(r.proc)
	if err != nil {
		t.Fatal(err)
	}
	procs, err := readProcs(r, pids, prev, ownProc(r.proc), given)
	if err != nil {
		t.Fatal(err)
	}
	byPID := make(map[int]procSample, len(procs))
	now := make([]procCounters, 0, len(procs))
	for _, p := range procs {
		if _, dup := byPID[p.pid]; dup {
			t.Fatalf("pid %d twice", p.pid)
		}
		if len(now) > 0 && now[len(now)-1].pid > p.pid {
			t.Fatalf("pid %d after %d: not in pid order", p.pid, now[len(now)-1].pid)
		}
		byPID[p.pid] = p
		now = append(now, p.procCounters)
	}
	return byPID, now
}

// statNow parses /proc/PID/stat now.
func statNow(t *testing.T, pid int) pidStat {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := parsePIDStat(string(data))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestProcsCarryIdle reads this host's processes three times, as three
// sample sets: a process that slept through an interval is carried over
// (its stat not read) with exactly the counters /proc/PID/stat has, as is
// one whose CPU clock reads zero, where the host has one; one
// that ran is read; one whose parent ended since is read again and has
// its new parent; and every process is read again once rereadAfter (plus
// its spread) passed.
func TestProcsCarryIdle(t *testing.T) {
	if !ownProc("/proc") {
		t.Skip("/proc is not this pid namespace's")
	}
	sleeper := startChild(t, "sleep", "600")
	busy := startChild(t, "sh", "-c", "while :; do :; done")
	// An orphan to be: sh starts sleep, prints its pid and waits for its
	// input to end.
	parent := exec.Command("sh", "-c", "sleep 600 & echo $!; read x || :")
	stdin, err := parent.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		parent.Wait()
		if p, err := os.FindProcess(orphan); err == nil {
			p.Kill()
		}
	})
	waitExec(t, sleeper.Process.Pid, "sleep")
	waitExec(t, orphan, "sleep")

	at := time.Now().Truncate(time.Second)
	first, state := readAll(t, at, nil, anyPID)
	for pid, p := range first {
		if p.carried {
			t.Fatalf("pid %d carried without a previous sample set", pid)
		}
	}
	waitRan(t, busy.Process.Pid, first[busy.Process.Pid].cpuNS)
	second, state := readAll(t, at.Add(time.Minute), state, anyPID)
	carried := 0
	for _, p := range second {
		if p.carried {
			carried++
		}
	}
	t.Logf("%d of %d processes carried over", carried, len(second))
	for _, pid := range []int{sleeper.Process.Pid, orphan} {
		p, ok := second[pid]
		if !ok || !p.carried {
			t.Fatalf("sleeping pid %d: %+v, want it carried over", pid, p)
		}
		ps := statNow(t, pid)
		if p.start != ps.start || p.utime != ps.utime || p.stime != ps.stime || p.rss != ps.rss || p.threads != ps.threads || p.ppid != ps.ppid {
			t.Errorf("pid %d carried as %+v, /proc/%d/stat has %+v", pid, p.procCounters, pid, ps)
		}
	}
	if p := second[busy.Process.Pid]; p.carried {
		t.Errorf("busy pid %d carried over", busy.Process.Pid)
	}
	// Kernel threads started at boot before the scheduler's clock ran
	// have a clock at zero, and counters that never change: carried too.
	zero := 0
	for pid, p := range second {
		if ns, ok := processCPUTime(pid); ok && ns == 0 {
			zero++
			if !p.carried {
				t.Errorf("pid %d, whose CPU clock is at zero, read again", pid)
			}
		}
	}
	t.Logf("%d processes with a CPU clock at zero", zero)
	if carried < len(second)/4 {
		t.Errorf("%d of %d processes carried over: the clocks do not spare reads", carried, len(second))
	}

	// The orphan's parent ends: the kernel gives it a new parent.
	stdin.Close()
	if err := parent.Wait(); err != nil {
		t.Fatal(err)
	}
	third, state := readAll(t, at.Add(2*time.Minute), state, anyPID)
	p := third[orphan]
	if want := statNow(t, orphan).ppid; p.carried || p.ppid != want || p.ppid == parent.Process.Pid {
		t.Errorf("orphan after its parent ended: carried %v, ppid %d, want read again with ppid %d", p.carried, p.ppid, want)
	}
	if !third[sleeper.Process.Pid].carried {
		t.Errorf("sleeping pid %d read again without cause", sleeper.Process.Pid)
	}

	// Past rereadAfter and the spread, every process is read.
	fourth, _ := readAll(t, at.Add(2*time.Minute+rereadAfter+rereadSpread), state, anyPID)
	for pid, p := range fourth {
		if p.carried {
			t.Fatalf("pid %d carried over %s after its stat was read", pid, rereadAfter+rereadSpread)
		}
	}
}

// TestProcsKernelThreadsLag reads this host's processes twice: a kernel
// thread whose clock moved by less than a tick since the first read is
// carried over when its pid was not given out since, with counters at most
// a tick behind its stat's (two, as user and system time are cut to ticks
// apart); one that ran longer is read; and none is carried over with a
// moved clock when any pid may have been given out again (/proc listed).
func TestProcsKernelThreadsLag(t *testing.T) {
	if !ownProc("/proc") {
		t.Skip("/proc is not this pid namespace's")
	}
	if ps := statNow(t, os.Getpid()); ps.kthread {
		t.Fatal("this process's stat has PF_KTHREAD")
	}
	at := time.Now().Truncate(time.Second)
	first, state := readAll(t, at, nil, anyPID)
	kthreads := 0
	for _, p := range first {
		if p.kthread {
			kthreads++
		}
	}
	if kthreads == 0 {
		t.Skip("no kernel thread in this pid namespace")
	}
	time.Sleep(200 * time.Millisecond)
	tick := uint64(time.Second / userHZ)
	for _, given := range []pidSpan{{}, anyPID} {
		before := map[int]uint64{} // the clocks just before the read: they only grow
		for pid, p := range first {
			if p.kthread {
				before[pid], _ = processCPUTime(pid)
			}
		}
		second, _ := readAll(t, at.Add(time.Second), state, given)
		lagged, read := 0, 0
		for pid, p := range second {
			old, ok := first[pid]
			if !ok || !old.kthread || old.labels != nil || old.rbytes+old.wbytes > 0 {
				continue
			}
			ran := before[pid] != old.cpuNS
			switch {
			case p.carried && p.cpuNS != old.cpuNS:
				t.Errorf("pid %d: carried with the clock at %d, not its first read's %d", pid, p.cpuNS, old.cpuNS)
			case p.carried && ran && given == anyPID:
				t.Errorf("pid %d: a kernel thread that ran carried over when any pid may have been given out again", pid)
			case p.carried && ran:
				lagged++
				data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
				ns, _ := processCPUTime(pid)
				if err != nil || ns-old.cpuNS >= tick {
					continue // ended, or ran on since the read
				}
				if now, err := parsePIDStat(string(data)); err == nil && now.utime+now.stime > p.utime+p.stime+2 {
					t.Errorf("pid %d carried %d ticks behind its stat (%d ns since)", pid, now.utime+now.stime-p.utime-p.stime, ns-old.cpuNS)
				}
			case !p.carried && given != anyPID && p.cpuNS != old.cpuNS && p.cpuNS-old.cpuNS < tick:
				t.Errorf("pid %d: read after running %d ns since", pid, p.cpuNS-old.cpuNS)
			case !p.carried:
				read++
			}
		}
		t.Logf("%d kernel threads; pids given out %v: %d carried with a moved clock, %d read", kthreads, given, lagged, read)
	}
}

// TestProcsCarriedLabels: a stored process that slept through the
// interval keeps the labels read when it was last stored, which the state
// file holds for stored processes only. The test marks the sleeper's comm
// in the state file between the runs to see where the second run took it
// from.
func TestProcsCarriedLabels(t *testing.T) {
	if !ownProc("/proc") {
		t.Skip("/proc is not this pid namespace's")
	}
	sleeper := startChild(t, "sleep", "600")
	waitExec(t, sleeper.Process.Pid, "sleep")
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", sleeper.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, StateFile)
	at := time.Now().Truncate(time.Second)
	pid := strconv.Itoa(sleeper.Process.Pid)
	for i, want := range []string{"sleep", "marked"} { // two cron runs
		s, err := New([]string{"procs"}, Options{Instance: testInstance, StateDir: dir, ProcTop: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		var prev time.Time
		if i > 0 {
			prev = at.Add(-time.Minute)
		}
		samples, errs := s.SampleAfter(t.Context(), at, prev)
		noErrors(t, errs)
		found := false
		for _, smp := range samples {
			if smp.Series.Metric == "srvmon_process_info" && smp.Series.Get("pid") == pid {
				found = true
				if c, e, u := smp.Series.Get("comm"), smp.Series.Get("exe"), smp.Series.Get("user"); c != want || e != exe || u == "" {
					t.Errorf("set %d: sleeper's labels comm %q exe %q user %q, want %s, %s and a user", i, c, e, u, want, exe)
				}
			}
		}
		if !found {
			t.Fatalf("set %d: sleeper not stored", i)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := decodeState(data)
		if err != nil {
			t.Fatal(err)
		}
		c := findProc(st.procs, sleeper.Process.Pid)
		if c == nil {
			t.Fatalf("set %d: the state has no sleeper", i)
		}
		l := c.labels
		if l == nil || l.comm != want || l.exe != exe {
			t.Fatalf("set %d: state keeps the sleeper's labels as %+v", i, l)
		}
		l.comm = "marked"
		if err := os.WriteFile(path, encodeState(nil, &st), 0o644); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
	}
}
