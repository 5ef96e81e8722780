package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProcPIDs checks when procPIDs lists /proc and which pids it tries
// instead: the previous set's processes and the pids given out since.
func TestProcPIDs(t *testing.T) {
	proc := t.TempDir()
	for _, name := range []string{"7", "8", "self", "sys"} {
		if err := os.Mkdir(filepath.Join(proc, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const at = 1_700_000_000
	counters := func(pids ...int) []procCounters {
		var out []procCounters
		for _, pid := range pids {
			out = append(out, procCounters{pid: pid})
		}
		return out
	}
	// 103 started after the previous set read the last pid, before it
	// listed: it is among the pids given out since; 900 was given out
	// before the kernel last wrapped around.
	prev := samplerState{at: at - 60, lastPID: 100, forks: 1000, listedAt: at - 60, procs: counters(1, 50, 100, 103, 900)}
	now := samplerState{at: at, lastPID: 105, forks: 1003}
	probed := []int{1, 50, 100, 101, 102, 103, 104, 105, 900}
	listed := []int{7, 8}
	for _, c := range []struct {
		name    string
		change  func(prev, now *samplerState, carried *bool)
		want    []int
		listing bool
	}{
		{"probe", func(*samplerState, *samplerState, *bool) {}, probed, false},
		{"most pids tried", func(_, now *samplerState, _ *bool) { now.lastPID = 100 + maxProbeFactor*5 + minProbe }, nil, false},
		{"too many new pids", func(_, now *samplerState, _ *bool) { now.lastPID = 100 + maxProbeFactor*5 + minProbe + 1 }, listed, true},
		{"wrapped around", func(_, now *samplerState, _ *bool) { now.lastPID = 99 }, listed, true},
		{"more forks than pids", func(_, now *samplerState, _ *bool) { now.forks = 1006 }, listed, true},
		{"listed long ago", func(prev, _ *samplerState, _ *bool) { prev.listedAt = at - int64(listEvery.Seconds()) }, listed, true},
		{"listed later", func(prev, _ *samplerState, _ *bool) { prev.listedAt = at + 1 }, listed, true},
		{"no last pid then", func(prev, _ *samplerState, _ *bool) { prev.lastPID = 0 }, listed, true},
		{"no last pid now", func(_, now *samplerState, _ *bool) { now.lastPID = 0 }, listed, true},
		{"nothing carried", func(_, _ *samplerState, carried *bool) { *carried = false }, listed, true},
	} {
		p, n, carried := prev, now, true
		c.change(&p, &n, &carried)
		r := newRun(context.Background(), testInstance)
		r.proc = proc
		pids, isListing, err := procPIDs(r, &p, &n, carried)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		slices.Sort(pids)
		if c.want != nil && !slices.Equal(pids, c.want) || isListing != c.listing {
			t.Errorf("%s: pids %v (listing %v), want %v (listing %v)", c.name, pids, isListing, c.want, c.listing)
		}
		if wantAt := map[bool]int64{true: at, false: p.listedAt}[c.listing]; n.listedAt != wantAt {
			t.Errorf("%s: listedAt %d, want %d", c.name, n.listedAt, wantAt)
		}
	}
}

// TestProcsFindNew follows this host over two sample sets: the second
// finds its processes without listing /proc, and must find the same as a
// listing: a process started between the sets, not one that ended, and no
// thread of a process (this test starts threads between the sets, whose
// ids are among the pids tried).
func TestProcsFindNew(t *testing.T) {
	if !ownProc("/proc") {
		t.Skip("/proc is not this pid namespace's")
	}
	// On a busy host the kernel may give out more pids between the sets
	// than procPIDs tries, or wrap around: try a few times.
	for try := 1; ; try++ {
		probed, msg := findNewOnce(t)
		if probed {
			return
		}
		if try == 5 {
			t.Fatalf("every try listed /proc: %s", msg)
		}
		t.Logf("try %d listed /proc: %s", try, msg)
	}
}

// findNewOnce is one try of TestProcsFindNew; false when the second set
// listed /proc after all.
func findNewOnce(t *testing.T) (bool, string) {
	ended := startChild(t, "sleep", "600")
	waitExec(t, ended.Process.Pid, "sleep")
	s, err := New([]string{"procs"}, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	_, errs := s.SampleAt(t.Context(), at)
	noErrors(t, errs)
	first := s.state.st
	if first.listedAt != at.Unix() || findProc(first.procs, ended.Process.Pid) == nil {
		t.Fatalf("first set: listed at %d, want %d; has pid %d: %v", first.listedAt, at.Unix(), ended.Process.Pid, findProc(first.procs, ended.Process.Pid) != nil)
	}
	ended.Process.Kill()
	ended.Wait()
	started := startChild(t, "sleep", "600")
	waitExec(t, started.Process.Pid, "sleep")
	release := make(chan struct{})
	defer close(release)
	for range 3 { // new threads of this process
		ready := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			close(ready)
			<-release
		}()
		<-ready
	}
	before, err := newRun(context.Background(), testInstance).listPIDs("/proc")
	if err != nil {
		t.Fatal(err)
	}
	_, errs = s.SampleAt(t.Context(), at.Add(time.Minute))
	noErrors(t, errs)
	after, err := newRun(context.Background(), testInstance).listPIDs("/proc")
	if err != nil {
		t.Fatal(err)
	}
	second := s.state.st
	if first.lastPID == 0 {
		// The first listing did not account for loadavg's tasks (a
		// container's pid namespace): this host lists every time.
		if second.listedAt != at.Add(time.Minute).Unix() {
			t.Errorf("probing on a host whose listing fell short of its tasks: listed at %d", second.listedAt)
		}
		t.Log("a listing of /proc falls short of loadavg's tasks here: /proc is listed every time")
		return true, ""
	}
	if second.listedAt != first.listedAt {
		return false, fmt.Sprintf("last pids %d and %d, forks %d and %d", first.lastPID, second.lastPID, first.forks, second.forks)
	}
	if findProc(second.procs, started.Process.Pid) == nil {
		t.Errorf("the process started between the sets (pid %d) was not found", started.Process.Pid)
	}
	if findProc(second.procs, ended.Process.Pid) != nil {
		t.Errorf("the process that ended between the sets (pid %d) was found", ended.Process.Pid)
	}
	for _, pid := range before {
		if slices.Contains(after, pid) && findProc(second.procs, pid) == nil {
			t.Errorf("pid %d, listed before and after the set, was not found (in first: %v; last pids %d %d)", pid, findProc(first.procs, pid) != nil, first.lastPID, second.lastPID)
		}
	}
	for _, p := range second.procs {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
		if err != nil {
			continue // ended since
		}
		_, rest, _ := strings.Cut(string(data), "\nTgid:")
		tgid, _ := nextLine(rest)
		if strings.TrimSpace(tgid) != strconv.Itoa(p.pid) {
			t.Errorf("pid %d found as a process is a thread of %s", p.pid, strings.TrimSpace(tgid))
		}
	}
	return true, ""
}

// TestProcsOwnThread reads the processes among this process's pid and the
// id of the thread that reads them, on a thread of its own (whose id is
// not the pid): the kernel answers that thread id's process clock, but it
// is no process, and only the pid is read.
func TestProcsOwnThread(t *testing.T) {
	if !ownProc("/proc") {
		t.Skip("/proc is not this process's pid namespace's")
	}
	type result struct {
		tid   int
		procs []procSample
		err   error
	}
	done := make(chan result)
	release := make(chan struct{})
	defer close(release)
	for range 2 { // at most one of them gets the main thread, whose id is the pid
		go func() {
			runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
			tid := syscall.Gettid()
			if tid == os.Getpid() {
				<-release // keeps the main thread from the other goroutine
				return
			}
			r := newRun(context.Background(), testInstance)
			r.at = time.Now()
			procs, err := readProcs(r, []int{os.Getpid(), tid}, nil, true, anyPID)
			done <- result{tid, procs, err}
			<-release // the thread lives on for the checks below
		}()
	}
	res := <-done
	if _, ok := processCPUTime(res.tid); ok {
		t.Fatalf("thread %d's process clock answers from another thread", res.tid)
	}
	var pids []int
	for _, p := range res.procs {
		pids = append(pids, p.pid)
	}
	if res.err != nil || !slices.Equal(pids, []int{os.Getpid()}) {
		t.Errorf("read pid %d and thread %d as processes %v (%v), want only the pid", os.Getpid(), res.tid, pids, res.err)
	}
	if !ownThread(res.tid) || !ownThread(os.Getpid()) || ownThread(os.Getppid()) {
		t.Errorf("ownThread: thread %v, pid %v, parent %v; want true, true, false", ownThread(res.tid), ownThread(os.Getpid()), ownThread(os.Getppid()))
	}
}

// TestPickTopSelects checks pickTop's selection against sorting every
// candidate, on random keys with many ties (the lower pid ranks first).
func TestPickTopSelects(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		procs := make([]procSample, rng.IntN(60))
		for i := range procs {
			p := &procs[i]
			p.pid = 1 + i*3
			p.rss = uint64(rng.IntN(8))
			p.cpuKnown, p.du = rng.IntN(4) > 0, uint64(rng.IntN(5)*60)
			p.ioKnown, p.dw = rng.IntN(2) > 0, uint64(rng.IntN(3))<<20
		}
		n := []int{0, 1, 3, 20, 100}[round%5]
		want := map[int]bool{}
		for _, key := range []func(p *procSample) (uint64, bool){
			func(p *procSample) (uint64, bool) { return p.du, p.cpuKnown && p.du >= 30 },
			func(p *procSample) (uint64, bool) { return p.rss, p.rss > 0 },
			func(p *procSample) (uint64, bool) { return p.dw, p.ioKnown && p.dw >= 4096*60 },
		} {
			var idx []int
			for i := range procs {
				if _, ok := key(&procs[i]); ok {
					idx = append(idx, i)
				}
			}
			slices.SortStableFunc(idx, func(a, b int) int {
				ka, _ := key(&procs[a])
				kb, _ := key(&procs[b])
				return cmp.Compare(kb, ka)
			})
			for _, i := range idx[:min(n, len(idx))] {
				want[i] = true
			}
		}
		got := pickTop(procs, n, 60)
		var wantIdx []int
		for i := range procs {
			if want[i] {
				wantIdx = append(wantIdx, i)
			}
		}
		if !slices.Equal(got, wantIdx) {
			t.Fatalf("round %d, n %d: %v, want %v", round, n, got, wantIdx)
		}
	}
}

// TestReplaceStateFile replaces a state file three times: each time the
// file holds the new data, and the spare the data before; a spare that is
// a symbolic link is not written through.
func TestReplaceStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, StateFile)
	var before string
	for i, data := range []string{"first state, the longest of them", "second", "third state"} {
		if err := replaceStateFile(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != data {
			t.Fatalf("replace %d: %q, %v; want %q", i, got, err, data)
		}
		if spare, _ := os.ReadFile(path + ".spare"); i > 0 && string(spare) != before {
			t.Errorf("replace %d: spare %q, want the state before, %q", i, spare, before)
		}
		before = data
	}
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + ".spare")
	if err := os.Symlink(target, path+".spare"); err != nil {
		t.Fatal(err)
	}
	if err := replaceStateFile(path, []byte("fourth")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	kept, _ := os.ReadFile(target)
	if string(got) != "fourth" || string(kept) != "keep" {
		t.Errorf("with a symbolic link as the spare: state %q, link's target %q", got, kept)
	}
}

// TestPrevCursor checks the cursor against a search, on pids asked for in
// ascending order and out of order.
func TestPrevCursor(t *testing.T) {
	var prev []procCounters
	for pid := 3; pid < 300; pid += 1 + pid%7 {
		prev = append(prev, procCounters{pid: pid})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 50 {
		asked := make([]int, 100)
		for i := range asked {
			asked[i] = rng.IntN(320)
		}
		if round%2 == 0 {
			slices.Sort(asked)
		}
		c := prevCursor{procs: prev}
		for _, pid := range asked {
			if got, want := c.find(pid), findProc(prev, pid); got != want {
				t.Fatalf("round %d: pid %d: %v, want %v", round, pid, got, want)
			}
		}
	}
}

// TestTasksFound checks the tolerance of the threads found against the
// kernel's count of tasks.
func TestTasksFound(t *testing.T) {
	procs := make([]procSample, 100)
	for i := range procs {
		procs[i].threads = 2
	}
	// 200 threads found: up to 64 + an eighth of the tasks may be missing.
	for tasks, want := range map[int]bool{0: true, 200: true, 301: true, 302: false, 1000: false} {
		if got := tasksFound(procs, tasks); got != want {
			t.Errorf("200 threads found, %d tasks: %v, want %v", tasks, got, want)
		}
	}
}
