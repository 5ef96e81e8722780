package sampler

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/crc32c"
)

// fakeHost is a /proc, /sys and / fixture tree the procs and cgroups
// collectors read.
type fakeHost struct {
	t                  testing.TB
	proc, sys, root    string
	btime              uint64
	user, nice, system uint64 // host CPU ticks of /proc/stat's cpu line
	bootID             string
}

func newFakeHost(t testing.TB) *fakeHost {
	t.Helper()
	dir := t.TempDir()
	h := &fakeHost{t: t, proc: filepath.Join(dir, "proc"), sys: filepath.Join(dir, "sys"), root: filepath.Join(dir, "root"),
		btime: 1_700_000_000, bootID: "0b0b0b0b-1111-2222-3333-444444444444"}
	h.write("root/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\n")
	h.writeStat()
	return h
}

func (h *fakeHost) write(rel, data string) {
	h.t.Helper()
	path := filepath.Join(filepath.Dir(h.proc), rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *fakeHost) writeStat() {
	h.write("proc/stat", fmt.Sprintf("cpu  %d %d %d 100000 0 0 0 0 0 0\ncpu0 %d %d %d 100000 0 0 0 0 0 0\nbtime %d\n",
		h.user, h.nice, h.system, h.user, h.nice, h.system, h.btime))
	h.write("proc/sys/kernel/random/boot_id", h.bootID+"\n")
}

// fakeProc is one process of a fakeHost.
type fakeProc struct {
	pid, ppid      int
	comm           string
	start          uint64 // ticks after boot
	utime, stime   uint64
	rssPages       uint64
	threads        uint64
	read, written  uint64
	noIO           bool // no io file (as when it is unreadable)
	exe            string
	cmdline        string
	state          byte
	vsize          uint64
	minflt, majflt uint64
}

func (h *fakeHost) setProc(p fakeProc) {
	h.t.Helper()
	if p.state == 0 {
		p.state = 'S'
	}
	if p.threads == 0 {
		p.threads = 1
	}
	dir := fmt.Sprintf("proc/%d/", p.pid)
	h.write(dir+"stat", fmt.Sprintf("%d (%s) %c %d %d %d 0 -1 4194560 %d 0 %d 0 %d %d 0 0 20 0 %d 0 %d %d %d 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		p.pid, p.comm, p.state, p.ppid, p.pid, p.pid, p.minflt, p.majflt, p.utime, p.stime, p.threads, p.start, p.vsize, p.rssPages))
	io := filepath.Join(filepath.Dir(h.proc), dir, "io")
	if p.noIO {
		os.Remove(io)
	} else {
		h.write(dir+"io", fmt.Sprintf("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: %d\nwrite_bytes: %d\ncancelled_write_bytes: 0\n", p.read, p.written))
	}
	h.write(dir+"cmdline", strings.ReplaceAll(p.cmdline, " ", "\x00")+"\x00")
	link := filepath.Join(filepath.Dir(h.proc), dir, "exe")
	os.Remove(link)
	if p.exe != "" {
		if err := os.Symlink(p.exe, link); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *fakeHost) removeProc(pid int) {
	if err := os.RemoveAll(filepath.Join(h.proc, fmt.Sprint(pid))); err != nil {
		h.t.Fatal(err)
	}
}

func (h *fakeHost) ctx() context.Context {
	return context.WithValue(context.Background(), common.EnvKey, common.EnvMap{
		common.HostProcEnvKey: h.proc, common.HostSysEnvKey: h.sys, common.HostRootEnvKey: h.root})
}

// sample runs the named collectors once at at, after prev.
func (h *fakeHost) sample(s *Sampler, at, prev time.Time) (map[string]float64, []error) {
	h.t.Helper()
	samples, errs := s.SampleAfter(h.ctx(), at, prev)
	return byKey(h.t, samples), errs
}

// procKey is the key of a per-process series of the procs collector.
func procKey[S int64 | uint64](metric string, pid int, start S, comm string, kv ...string) string {
	return key(metric, append([]string{"comm", comm, "pid", fmt.Sprint(pid), "start", fmt.Sprint(start)}, kv...)...)
}

func otherKey(metric string, kv ...string) string {
	return key(metric, append([]string{"comm", "other", "pid", "other", "start", "0"}, kv...)...)
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for _, err := range errs {
		t.Errorf("Sample: %v", err)
	}
}

// cronProcsSampler returns a function that makes the procs collector of a
// new cron run (top 3), sharing the state file in stateDir.
func cronProcsSampler(t *testing.T, stateDir string) func() *Sampler {
	return func() *Sampler {
		s, err := New([]string{"procs"}, Options{Instance: testInstance, StateDir: stateDir, ProcTop: 3})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestProcsTwoRuns follows a fixture host over two sample sets a minute
// apart, as two cron runs sharing the state file: deltas of a process that
// lives on, one that started since, a pid reused by a new process, a
// process that ended between the runs (its CPU lands in other), an
// unreadable io file, the top-N cut, and the parts adding up to the host.
func TestProcsTwoRuns(t *testing.T) {
	h := newFakeHost(t)
	stateDir := t.TempDir()
	newSampler := cronProcsSampler(t, stateDir)
	t0 := time.Unix(1_700_001_000, 0)
	t1 := t0.Add(time.Minute)
	h.user, h.nice, h.system = 10_000, 500, 3_000
	h.writeStat()
	// start ticks: 1000 s after boot for the old ones.
	h.setProc(fakeProc{pid: 1, comm: "init", start: 100, utime: 50, stime: 70, rssPages: 1000, exe: "/sbin/init", cmdline: "/sbin/init splash"})
	h.setProc(fakeProc{pid: 100, comm: "db server", start: 100_000, utime: 5000, stime: 1000, rssPages: 50_000, threads: 8, read: 1 << 20, written: 4 << 20, exe: "/usr/bin/db"})
	h.setProc(fakeProc{pid: 200, comm: "dies", start: 100_000, utime: 100, stime: 10, rssPages: 10, read: 0, written: 0})
	h.setProc(fakeProc{pid: 300, comm: "old", start: 100_000, utime: 900, stime: 100, rssPages: 20})
	h.setProc(fakeProc{pid: 400, comm: "secret", start: 100_000, utime: 10, stime: 10, rssPages: 30_000, noIO: true})

	got, errs := h.sample(newSampler(), t0, time.Time{})
	noErrors(t, errs)
	// The first set has no deltas, only memory: top 3 by RSS are 100, 400
	// and 1.
	for k := range got {
		if strings.HasPrefix(k, "srvmon_process_cpu_seconds") || strings.HasPrefix(k, "srvmon_process_read_bytes") {
			t.Errorf("first sample set has a delta: %s", k)
		}
	}
	start100 := h.btime + 1000
	page := uint64(os.Getpagesize())
	if v := got[procKey("srvmon_process_resident_memory_bytes", 100, start100, "db server")]; v != float64(roundBytes(50_000*page)) || v < 0.998*50_000*float64(page) {
		t.Errorf("rss of 100 = %v, want 50000 pages to 10 significant bits", v)
	}
	if _, ok := got[procKey("srvmon_process_threads", 400, start100, "secret")]; !ok {
		t.Error("400 (second by RSS) not stored")
	}
	// Other's memory: the processes below the top, and what rounding took
	// off the top's values.
	if v, want := got[otherKey("srvmon_process_resident_memory_bytes")], (10+20+50_000+30_000+1000)*page-roundBytes(50_000*page)-roundBytes(30_000*page)-roundBytes(1000*page); v != float64(want) {
		t.Errorf("other rss = %v, want the rest of the processes'", v/float64(os.Getpagesize()))
	}

	// A minute later: 100 used 30 s, 200 used 5 s and ended, 300 ended and
	// its pid went to a new process that used 8 s, 500 started and used
	// 12 s user and read 10 MB, 400 (io unreadable) used 1 s.
	h.setProc(fakeProc{pid: 100, comm: "db server", start: 100_000, utime: 7000, stime: 2000, rssPages: 50_000, threads: 8, read: 3 << 20, written: 5 << 20, exe: "/usr/bin/db"})
	h.removeProc(200)
	newStart := uint64(t1.Unix()-int64(h.btime)-10) * userHZ // 10 s before t1
	h.setProc(fakeProc{pid: 300, comm: "new", start: newStart, utime: 600, stime: 200, rssPages: 5})
	h.setProc(fakeProc{pid: 500, comm: "reader", start: newStart, utime: 1200, stime: 0, rssPages: 40, read: 10_000_000, exe: "/usr/bin/cat"})
	h.setProc(fakeProc{pid: 400, comm: "secret", start: 100_000, utime: 60, stime: 60, rssPages: 30_000, noIO: true})
	// Host process time: the sum of all the above plus 200's 5 s and 2 s
	// of processes nobody saw.
	du := uint64(2000 + 600 + 1200 + 50 + 500 + 200) // user ticks
	ds := uint64(1000 + 200 + 50)
	h.user += du - 100
	h.nice += 100
	h.system += ds
	h.writeStat()

	got, errs = h.sample(newSampler(), t1, t0)
	noErrors(t, errs)
	want := map[string]float64{
		procKey("srvmon_process_cpu_seconds", 100, start100, "db server", "mode", "user"):                             20,
		procKey("srvmon_process_cpu_seconds", 100, start100, "db server", "mode", "system"):                           10,
		procKey("srvmon_process_read_bytes", 100, start100, "db server"):                                              2 << 20,
		procKey("srvmon_process_written_bytes", 100, start100, "db server"):                                           1 << 20,
		procKey("srvmon_process_cpu_seconds", 500, t1.Unix()-10, "reader", "mode", "user"):                            12,
		procKey("srvmon_process_read_bytes", 500, t1.Unix()-10, "reader"):                                             float64(roundBytes(10_000_000)),
		procKey("srvmon_process_cpu_seconds", 300, t1.Unix()-10, "new", "mode", "user"):                               6, // a reused pid counts from zero
		procKey("srvmon_process_cpu_seconds", 300, t1.Unix()-10, "new", "mode", "system"):                             2,
		procKey("srvmon_process_cpu_seconds", 400, start100, "secret", "mode", "user"):                                0.5,
		procKey("srvmon_process_info", 100, start100, "db server", "exe", "/usr/bin/db", "ppid", "0", "user", "root"): 1,
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, w)
		}
	}
	for k := range got {
		if strings.Contains(k, `comm="secret"`) && strings.Contains(k, "_bytes{") && !strings.Contains(k, "resident") {
			t.Errorf("process with an unreadable io file has %s", k)
		}
		if strings.Contains(k, "cmdline=") {
			t.Errorf("command line stored without --proc-cmdline: %s", k)
		}
		if strings.Contains(k, `pid="200"`) {
			t.Errorf("ended process stored: %s", k)
		}
	}
	// Parts add up to the host: CPU per mode, memory over all processes.
	sum := map[string]float64{}
	for k, v := range got {
		s, err := tsdb.ParseSeries(k)
		if err != nil {
			t.Fatal(err)
		}
		switch s.Metric {
		case "srvmon_process_cpu_seconds":
			sum[s.Get("mode")] += v
		case "srvmon_process_resident_memory_bytes":
			sum["rss"] += v
		}
	}
	if want := float64(du) / userHZ; !near(sum["user"], want) {
		t.Errorf("user CPU of the parts %v, host %v", sum["user"], want)
	}
	if want := float64(ds) / userHZ; !near(sum["system"], want) {
		t.Errorf("system CPU of the parts %v, host %v", sum["system"], want)
	}
	if want := float64((1000 + 50_000 + 5 + 40 + 30_000) * os.Getpagesize()); sum["rss"] != want {
		t.Errorf("memory of the parts %v, all processes %v", sum["rss"], want)
	}
	// Top 3 by CPU (at least 0.3 s): 100, 500 and 300; by RSS: 100, 400
	// and 1; by IO: 500 and 100. Other holds 200 (ended, 5 s) and the
	// unseen 2 s, and the RSS of no process.
	if g, w := got[otherKey("srvmon_process_cpu_seconds", "mode", "user")], float64(500+200)/userHZ; !near(g, w) {
		t.Errorf("other user CPU = %v, want %v (the ended process and the unseen time)", g, w)
	}
	if g := got[otherKey("srvmon_process_resident_memory_bytes")]; g > 0.002*sum["rss"] {
		t.Errorf("other memory = %v, want only the rounding of the top's (every live process stored)", g)
	}

	// A third run whose state is not from the store's previous sample set
	// (a set recorded without the collector in between) stores no deltas.
	got, errs = h.sample(newSampler(), t1.Add(2*time.Minute), t1.Add(time.Minute))
	noErrors(t, errs)
	for k := range got {
		if strings.HasPrefix(k, "srvmon_process_cpu_seconds") {
			t.Errorf("delta across a sample set taken without the collector: %s", k)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestProcsStateReset checks that a reboot, a gap longer than maxStateAge
// and a damaged state file each leave one sample set without deltas, the
// last with a note naming the file, and that recording goes on.
func TestProcsStateReset(t *testing.T) {
	h := newFakeHost(t)
	stateDir := t.TempDir()
	s, err := New([]string{"procs"}, Options{Instance: testInstance, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	busy := func(ticks uint64) {
		h.setProc(fakeProc{pid: 7, comm: "busy", start: 500, utime: ticks, rssPages: 1})
		h.user = ticks
		h.writeStat()
	}
	hasDelta := func(got map[string]float64) bool {
		_, ok := got[procKey("srvmon_process_cpu_seconds", 7, h.btime+5, "busy", "mode", "user")]
		return ok
	}
	at := time.Unix(1_700_100_000, 0)
	step := func(ticks uint64, d time.Duration) (map[string]float64, []error) {
		busy(ticks)
		prev := at
		at = at.Add(d)
		return h.sample(s, at, prev)
	}
	busy(1000)
	if _, errs := h.sample(s, at, time.Time{}); len(errs) > 0 {
		t.Fatal(errs)
	}
	if got, errs := step(2000, time.Minute); !hasDelta(got) || len(errs) > 0 {
		t.Fatalf("no delta after a minute: %v", errs)
	}
	if got, _ := step(3000, maxStateAge+time.Second); hasDelta(got) {
		t.Error("delta across a gap longer than maxStateAge")
	}
	h.bootID = "another-boot"
	if got, _ := step(4000, time.Minute); hasDelta(got) {
		t.Error("delta across a reboot")
	}
	if got, _ := step(5000, time.Minute); !hasDelta(got) {
		t.Error("no delta after the reboot's first set")
	}
	path := filepath.Join(stateDir, StateFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, errs := step(6000, time.Minute)
	var note *Note
	if hasDelta(got) || len(errs) != 1 || !errors.As(errs[0], &note) || !strings.Contains(errs[0].Error(), path) {
		t.Errorf("damaged state: delta %v, errors %v; want no delta and a note naming %s", hasDelta(got), errs, path)
	}
	if got[key("node_scrape_collector_success", "collector", "procs")] != 1 {
		t.Error("a damaged state file failed the collector")
	}
	if got, errs := step(7000, time.Minute); !hasDelta(got) || len(errs) > 0 {
		t.Errorf("no delta after the damaged state was replaced: %v", errs)
	}
}

// TestStateFileDamage encodes a state, then checks that every flipped bit
// and every cut is detected.
func TestStateFileDamage(t *testing.T) {
	s := samplerState{bootID: "b", at: 17, cpuUser: 5, cpuSys: 6, lacked: "memory.peak\n",
		procs: []procCounters{
			{pid: 1, start: 2, utime: 3, stime: 4, rbytes: 5, wbytes: 6, hasIO: true, ranked: 17, cpuNS: 70_000_000, readAt: 16, rss: 300, threads: 2,
				labels: &procLabels{comm: `a "b" c`, exe: "/usr/bin/a b", user: "root"}},
			{pid: 9, start: 1, ppid: 1, labels: &procLabels{}},
			{pid: 12, start: 1, ppid: 9, cpuNS: 1, readAt: 17, kthread: true}}}
	data := encodeState(nil, &s)
	back, err := decodeState(data)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for i := range len(data) * 8 {
		d := []byte(string(data))
		d[i/8] ^= 1 << (i % 8)
		if _, err := decodeState(d); err == nil {
			t.Fatalf("bit %d flipped: not detected", i)
		}
	}
	for n := range len(data) {
		if _, err := decodeState(data[:n]); err == nil {
			t.Fatalf("cut at %d: not detected", n)
		}
	}
}

// TestStateFileVersion5 reads a state file of version 5, which had no
// kernel thread flag: the same fields, and flag 4 is damage there.
func TestStateFileVersion5(t *testing.T) {
	s := samplerState{bootID: "b", at: 17, cpuUser: 5, cpuSys: 6, lastPID: 40, forks: 90, listedAt: 11,
		procs: []procCounters{{pid: 1, start: 2, utime: 3, stime: 4, hasIO: true, cpuNS: 70_000_000, readAt: 16, rss: 300, threads: 2},
			{pid: 9, start: 1, ppid: 2, cpuNS: 5, readAt: 17, kthread: true}}}
	asVersion5 := func(s *samplerState) []byte {
		data := encodeState(nil, s)
		body := bytes.Replace(data[:len(data)-4], []byte(stateHeader+"\n"), []byte(stateHeader5+"\n"), 1)
		return binary.LittleEndian.AppendUint32(body, crc32c.Checksum(body))
	}
	if _, err := decodeState(asVersion5(&s)); err == nil {
		t.Error("version 5 with a kernel thread flag read without an error")
	}
	s.procs[1].kthread = false
	if back, err := decodeState(asVersion5(&s)); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("version 5: %+v, %v; want %+v", back, err, s)
	}
}

// TestStateFileVersion2 reads a state file of version 2, which had no CPU
// clocks: its counters are the previous sample set's, and every process is
// due to be read (readAt 0).
func TestStateFileVersion2(t *testing.T) {
	body := "srvmon sampler state 2\nboot b\nat 17 5 6\np 1 2 3 4 5 6 17\np 9 1 0 0 - - 0\nlacked \"\"\n"
	data := fmt.Appendf([]byte(body), "crc32c %08x\n", crc32.Checksum([]byte(body), crc32.MakeTable(crc32.Castagnoli)))
	st, err := decodeState(data)
	want := []procCounters{{pid: 1, start: 2, utime: 3, stime: 4, rbytes: 5, wbytes: 6, hasIO: true, ranked: 17}, {pid: 9, start: 1}}
	if err != nil || st.at != 17 || st.cpuUser != 5 || !reflect.DeepEqual(st.procs, want) {
		t.Fatalf("decode version 2: %+v, %v", st, err)
	}
	if !rereadDue(1, st.procs[0].readAt, 18) {
		t.Error("a process of a version 2 state is not due to be read")
	}
}

// TestStateFileVersion3 reads a state file of version 3, the text before
// the binary version 4: the first sample set after an upgrade keeps its
// deltas, carried processes and stored labels.
func TestStateFileVersion3(t *testing.T) {
	body := "srvmon sampler state 3\nboot b\nat 17 5 6\n" +
		"p 9 1 0 0 - - 0 0 0 0 1 1\n" +
		"p 1 2 3 4 5 6 17 70000000 16 300 2 0 \"a \\\"b\\\" c\" \"/usr/bin/a b\" \"root\"\n" +
		"lacked \"memory.peak\\n\"\n"
	data := fmt.Appendf([]byte(body), "crc32c %08x\n", crc32.Checksum([]byte(body), crc32.MakeTable(crc32.Castagnoli)))
	st, err := decodeState(data)
	want := samplerState{bootID: "b", at: 17, cpuUser: 5, cpuSys: 6, lacked: "memory.peak\n", procs: []procCounters{
		{pid: 1, start: 2, utime: 3, stime: 4, rbytes: 5, wbytes: 6, hasIO: true, ranked: 17, cpuNS: 70_000_000, readAt: 16, rss: 300, threads: 2,
			labels: &procLabels{comm: `a "b" c`, exe: "/usr/bin/a b", user: "root"}},
		{pid: 9, start: 1, threads: 1, ppid: 1}}}
	if err != nil || !reflect.DeepEqual(st, want) {
		t.Fatalf("decode version 3: %+v, %v; want %+v", st, err, want)
	}
	// Written again, it is the current version and reads back the same.
	data = encodeState(nil, &st)
	if !bytes.HasPrefix(data, []byte(stateHeader+"\n")) {
		t.Fatalf("written as %q...", data[:min(len(data), 30)])
	}
	if back, err := decodeState(data); err != nil || !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

// TestProcsCmdline checks --proc-cmdline: the arguments, cut at
// MaxCmdline bytes.
func TestProcsCmdline(t *testing.T) {
	h := newFakeHost(t)
	long := "/usr/bin/tool --password=hunter2 " + strings.Repeat("é", MaxCmdline)
	h.setProc(fakeProc{pid: 42, comm: "tool", start: 100, rssPages: 9, cmdline: long, exe: "/usr/bin/tool"})
	for _, on := range []bool{false, true} {
		s, err := New([]string{"procs"}, Options{Instance: testInstance, ProcCmdline: on})
		if err != nil {
			t.Fatal(err)
		}
		samples, errs := s.SampleAt(h.ctx(), time.Unix(1_700_000_100, 0))
		noErrors(t, errs)
		var cmdline string
		found := false
		for _, smp := range samples {
			if smp.Series.Metric == "srvmon_process_info" && smp.Series.Get("pid") == "42" {
				cmdline, found = smp.Series.Get("cmdline"), true
			}
		}
		switch {
		case !found:
			t.Fatal("no info series for pid 42")
		case !on && cmdline != "":
			t.Errorf("cmdline stored without the option: %q", cmdline)
		case on && (len(cmdline) > MaxCmdline || len(cmdline) < MaxCmdline-1 || !strings.HasPrefix(cmdline, "/usr/bin/tool --password=hunter2 é")):
			t.Errorf("cmdline = %q (%d bytes), want the arguments cut at %d bytes", cmdline, len(cmdline), MaxCmdline)
		}
	}
}

// TestUserNames names uids from a passwd file: the first line with the
// uid wins, lines without a name or a uid field are skipped, and a uid
// without a line, or a host without passwd, is named by its number.
func TestUserNames(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	passwd := "root:x:0:0:root:/root:/bin/sh\n:x:5:5::/:\nshort:x\ndaemon:x:1:1::/:/bin/false\nagain:x:1:1::/:\nlast:x:007"
	if err := os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRun(context.Background(), testInstance)
	r.root = root
	var u userNames
	for uid, want := range map[uint32]string{0: "root", 1: "daemon", 7: "last", 5: "5", 42: "42"} {
		if got := u.name(r, uid); got != want {
			t.Errorf("uid %d: %q, want %q", uid, got, want)
		}
	}
	r.root = t.TempDir() // no etc/passwd
	if got := (&userNames{}).name(r, 0); got != "0" {
		t.Errorf("uid 0 without passwd: %q, want 0", got)
	}
}

// TestProcsNewSelfUnranked: srvmon's own process, new since the previous
// sample set (a record run from cron), is not stored even when every
// process ranks; from its second set on it is.
func TestProcsNewSelfUnranked(t *testing.T) {
	if !ownProc("/proc") {
		t.Skip("/proc is not this pid namespace's")
	}
	s, err := New([]string{"procs"}, Options{Instance: testInstance, ProcTop: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	self := fmt.Sprint(os.Getpid())
	at := time.Now().Truncate(time.Second)
	for i, want := range []bool{false, true} {
		samples, errs := s.SampleAt(t.Context(), at.Add(time.Duration(i)*time.Second))
		noErrors(t, errs)
		stored, others := false, 0
		for _, smp := range samples {
			if smp.Series.Metric == "srvmon_process_info" {
				if smp.Series.Get("pid") == self {
					stored = true
				} else {
					others++
				}
			}
		}
		if stored != want || others < 2 {
			t.Errorf("set %d: own process stored %v, want %v (%d other processes stored)", i, stored, want, others)
		}
	}
}

// TestProcsUnreadableIO samples this host as a user who cannot read other
// users' /proc/PID/io (tests run as root here: the test runs itself again
// as nobody): a root process (the parent test) is stored without IO
// series and with its CPU, the child's own process with both, and nothing
// fails.
func TestProcsUnreadableIO(t *testing.T) {
	if os.Getenv("SRVMON_TEST_UNREADABLE_IO") == "" && os.Geteuid() == 0 {
		runAsNobody(t, "^TestProcsUnreadableIO$", "SRVMON_TEST_UNREADABLE_IO=1")
		return
	}
	// As a user other than root. ProcTop is large so that every process
	// with memory is stored.
	s, err := New([]string{"procs"}, Options{Instance: testInstance, ProcTop: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	if _, errs := s.SampleAt(t.Context(), at); len(errs) > 0 {
		t.Fatal(errs)
	}
	busyFor(20 * time.Millisecond)
	samples, errs := s.SampleAt(t.Context(), at.Add(time.Second))
	noErrors(t, errs)
	has := map[string]map[string]bool{} // pid -> metric names
	for _, smp := range samples {
		if pid := smp.Series.Get("pid"); pid != "" {
			if has[pid] == nil {
				has[pid] = map[string]bool{}
			}
			has[pid][smp.Series.Metric] = true
		}
	}
	self, parent := has[fmt.Sprint(os.Getpid())], has[fmt.Sprint(os.Getppid())]
	if !self["srvmon_process_read_bytes"] || !self["srvmon_process_cpu_seconds"] {
		t.Errorf("own process: %v, want IO and CPU series", self)
	}
	if os.Getenv("SRVMON_TEST_UNREADABLE_IO") != "" {
		if parent["srvmon_process_read_bytes"] || parent["srvmon_process_written_bytes"] || !parent["srvmon_process_resident_memory_bytes"] {
			t.Errorf("root's process seen as nobody: %v, want memory and no IO series", parent)
		}
	}
}

// busyFor spins for d of wall time.
func busyFor(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

// runAsNobody runs the test binary again as uid/gid 65534, with the tests
// run selects and the environment variable env set, and fails t when it
// fails. The binary is copied to a directory nobody may read.
func runAsNobody(t *testing.T, run, env string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "srvmon-nobody")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sampler.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", run, "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env, "TMPDIR="+dir+"/tmp")
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "tmp"), 0o1777)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
}

// TestProcsHostSeriesCount takes 20 sample sets of this host with every
// collector, as 20 record runs sharing a state, and checks that the series
// stay bounded: at most 3N+1 processes a set, and all 20 sets together at
// most twice the series of one (the machine runs other builds and tests,
// which start processes all the time: they may enter the top, but every
// one that does is one that used the CPU, the memory or the disk). The sets
// are 200 ms apart but stamped a minute apart, as cron's: the thresholds a
// process must pass to rank by CPU or IO are those of a minute, so a
// compiler process of another build enters only when it used a lot.
func TestProcsHostSeriesCount(t *testing.T) {
	const top = DefaultProcTop
	s, err := New(Default(), Options{Instance: testInstance, StateDir: t.TempDir(), ProcTop: top})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	all := map[string]bool{}
	first := 0
	var prev time.Time
	for i := range 20 {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		samples, errs := s.SampleAfter(t.Context(), at, prev)
		if _, failures := notes(errs); len(failures) > 0 {
			t.Fatalf("set %d: %v", i, failures)
		}
		procs := map[string]bool{}
		for _, smp := range samples {
			all[smp.Series.Key()] = true
			if pid := smp.Series.Get("pid"); pid != "" && smp.Series.Metric == "srvmon_process_info" {
				procs[pid+"/"+smp.Series.Get("start")] = true
			}
		}
		if len(procs) > 3*top+1 {
			t.Errorf("set %d: %d processes, more than 3×%d+1", i, len(procs), top)
		}
		if i == 0 {
			first = len(samples)
		}
		prev, at = at, at.Add(time.Minute)
	}
	t.Logf("series: %d in the first sample set, %d in 20", first, len(all))
	if len(all) > 2*first {
		t.Errorf("%d series in 20 sample sets, more than twice the %d of one", len(all), first)
	}
}

// TestProcsSticky: a process that ranked stays stored while it lives, for
// stickFor after it last ranked, so that the stored series do not flap
// from one sample set to the next (the store writes the list of series
// again whenever it changes).
func TestProcsSticky(t *testing.T) {
	h := newFakeHost(t)
	s, err := New([]string{"procs"}, Options{Instance: testInstance, StateDir: t.TempDir(), ProcTop: 1})
	if err != nil {
		t.Fatal(err)
	}
	big := fakeProc{pid: 10, comm: "big", start: 100, rssPages: 100_000}
	burst := fakeProc{pid: 20, comm: "burst", start: 100, rssPages: 10}
	h.setProc(big)
	h.setProc(burst)
	at := time.Unix(1_700_200_000, 0)
	var prev time.Time
	storedBurst := func() bool {
		t.Helper()
		got, errs := h.sample(s, at, prev)
		noErrors(t, errs)
		prev, at = at, at.Add(time.Minute)
		_, ok := got[procKey("srvmon_process_threads", 20, h.btime+1, "burst")]
		return ok
	}
	if storedBurst() {
		t.Fatal("burst stored before it used CPU (top 1 by memory is big)")
	}
	burst.utime += 3000 // 30 s in the next minute: top 1 by CPU
	h.setProc(burst)
	h.user += 3000
	h.writeStat()
	if !storedBurst() {
		t.Fatal("burst not stored when it ranked by CPU")
	}
	for i := 1; time.Duration(i)*time.Minute <= stickFor; i++ {
		if !storedBurst() {
			t.Fatalf("burst dropped %d minutes after it ranked, want it kept for %s", i, stickFor)
		}
	}
	if storedBurst() {
		t.Errorf("burst still stored more than %s after it ranked", stickFor)
	}
	// Ranked again, then ended: gone at once.
	burst.utime += 3000
	h.setProc(burst)
	h.user += 3000
	h.writeStat()
	if !storedBurst() {
		t.Fatal("burst not stored when it ranked again")
	}
	h.removeProc(20)
	if storedBurst() {
		t.Error("an ended process stored")
	}
}

// TestProcsRankOver checks Options.ProcRankOver: over sets 5 s apart, a
// process at 2 % of one CPU does not rank by CPU with record's floor (0.5 %
// of a minute is 0.3 s) and ranks with the floor at 5 s (serve's live range).
func TestProcsRankOver(t *testing.T) {
	for _, tc := range []struct {
		over time.Duration
		want bool
	}{{0, false}, {5 * time.Second, true}} {
		h := newFakeHost(t)
		s, err := New([]string{"procs"}, Options{Instance: testInstance, ProcTop: 1, ProcRankOver: tc.over})
		if err != nil {
			t.Fatal(err)
		}
		big := fakeProc{pid: 10, comm: "big", start: 100, rssPages: 100_000}
		small := fakeProc{pid: 20, comm: "small", start: 100, rssPages: 10}
		h.setProc(big)
		h.setProc(small)
		at := time.Unix(1_700_200_000, 0)
		_, errs := h.sample(s, at, time.Time{})
		noErrors(t, errs)
		small.utime += 10 // 0.1 s in 5 s: 2 % of one CPU
		h.setProc(small)
		h.user += 10
		h.writeStat()
		got, errs := h.sample(s, at.Add(5*time.Second), time.Time{})
		noErrors(t, errs)
		_, ok := got[procKey("srvmon_process_cpu_seconds", 20, h.btime+1, "small", "mode", "user")]
		if ok != tc.want {
			t.Errorf("ProcRankOver %s: small stored %v, want %v", tc.over, ok, tc.want)
		}
	}
	if _, err := New([]string{"procs"}, Options{Instance: testInstance, ProcRankOver: -time.Second}); err == nil {
		t.Error("a negative ProcRankOver accepted")
	}
}

// TestProcsStartedJustAfterPrevious: a process that started 0.3 s after
// the previous sample set, on a host booted half a second after its btime
// (which the kernel cuts to the second), has a start (btime + ticks/100,
// cut again) of the second before that set. It is new all the same: its
// CPU since it started is its delta, not left to other.
func TestProcsStartedJustAfterPrevious(t *testing.T) {
	h := newFakeHost(t)
	stateDir := t.TempDir()
	newSampler := cronProcsSampler(t, stateDir)
	t0 := time.Unix(1_700_001_000, 0)
	t1 := t0.Add(time.Minute)
	h.user, h.nice, h.system = 10_000, 500, 3_000
	h.writeStat()
	h.setProc(fakeProc{pid: 1, comm: "init", start: 100, utime: 50, stime: 70, rssPages: 1000})
	_, errs := h.sample(newSampler(), t0, time.Time{})
	noErrors(t, errs)

	// Booted at btime+0.5 s, started at t0+0.3 s: 0.2 s short of t0-btime
	// seconds after boot in ticks.
	start := uint64(t0.Unix()-int64(h.btime))*userHZ - 20
	h.setProc(fakeProc{pid: 700, comm: "burst", start: start, utime: 5000, stime: 100, rssPages: 10})
	h.user += 5000
	h.system += 100
	h.writeStat()
	got, errs := h.sample(newSampler(), t1, t0)
	noErrors(t, errs)
	startSec := h.btime + start/userHZ
	if startSec != uint64(t0.Unix()-1) {
		t.Fatalf("fixture: start %d, want the second before t0 (%d)", startSec, t0.Unix()-1)
	}
	if v, ok := got[procKey("srvmon_process_cpu_seconds", 700, startSec, "burst", "mode", "user")]; !ok || v != 50 {
		t.Errorf("user CPU of the process started 0.3 s after the previous set = %v (stored %v), want 50 s", v, ok)
	}
}
