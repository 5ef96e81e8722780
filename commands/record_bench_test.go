package commands_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/synth"
)

// runCost runs a command to completion and returns its CPU time.
func runCost(b *testing.B, name string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// peakRSS runs a command under GNU time (Debian package "time") and
// returns its peak resident memory in KiB, or 0 without GNU time. A child
// started straight from this process would report this process's size:
// Go starts children with CLONE_VM, and Linux counts the shared memory's
// high-water mark into the child's.
func peakRSS(b *testing.B, name string, args ...string) int64 {
	b.Helper()
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return 0
	}
	out, err := exec.Command("/usr/bin/time", append([]string{"-f", "maxrss=%M", name}, args...)...).CombinedOutput()
	if err != nil {
		b.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
	i := strings.LastIndex(string(out), "maxrss=")
	if i < 0 {
		b.Fatalf("no maxrss in %q", out)
	}
	kib, err := strconv.ParseInt(strings.TrimSpace(string(out[i+len("maxrss="):])), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return kib
}

// BenchmarkRecordProcess runs one-shot `srvmon record` processes (the real
// binary, every default collector) against stores holding 1 and 365 days of
// history and, alternating with them, sysstat's collector
// `/usr/lib/sysstat/sadc -S XALL 1 1 FILE`, and reports the CPU time and peak
// RSS of each and their ratios: record against history (target: at most 1.2)
// and record against sadc (target: at most 1; RSS at most 10 MB). Each round
// starts just after a second boundary so that record never waits for the
// next second (which it does when the previous run used the current one).
func BenchmarkRecordProcess(b *testing.B) {
	bin := srvmonBinary(b)
	var stores [2]string
	for i, days := range []int{1, 365} {
		src, _, err := synth.Cached(context.Background(), days)
		if err != nil {
			b.Fatal(err)
		}
		stores[i] = src
	}
	sadc := "/usr/lib/sysstat/sadc"
	if _, err := os.Stat(sadc); err != nil {
		sadc = ""
		b.Log("sysstat's sadc is not installed: no comparison")
	}
	saFile := filepath.Join(b.TempDir(), "sa")
	var cpu [3]time.Duration
	var rss [3]int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := time.Now()
		time.Sleep(now.Truncate(time.Second).Add(time.Second + 20*time.Millisecond).Sub(now))
		for j, dir := range stores {
			// --retention 0: the cached history must not age out.
			cpu[j] += runCost(b, bin, "record", "--data", dir, "--retention", "0")
		}
		if sadc != "" {
			cpu[2] += runCost(b, sadc, "-S", "XALL", "1", "1", saFile)
		}
	}
	b.StopTimer()
	time.Sleep(time.Second)
	rss[0] = peakRSS(b, bin, "record", "--data", stores[0], "--retention", "0")
	rss[1] = peakRSS(b, bin, "record", "--data", stores[1], "--retention", "0")
	if sadc != "" {
		rss[2] = peakRSS(b, sadc, "-S", "XALL", "1", "1", saFile)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(cpu[0]), "cpu-ms/record-1d")
	b.ReportMetric(ms(cpu[1]), "cpu-ms/record-365d")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "ratio-365d/1d")
	if rss[0] > 0 {
		b.ReportMetric(float64(max(rss[0], rss[1])), "maxrss-KiB/record")
	}
	if sadc != "" {
		b.ReportMetric(ms(cpu[2]), "cpu-ms/sadc")
		b.ReportMetric(float64(cpu[0]+cpu[1])/2/float64(cpu[2]), "ratio-record/sadc")
		if rss[2] > 0 {
			b.ReportMetric(float64(rss[2]), "maxrss-KiB/sadc")
		}
	}
}

// preIssue12Collectors are the default collectors before the kernel
// families (pressure, netstat, sockstat, ...) joined: "today's record" of
// that change's target.
const preIssue12Collectors = "boot,cpu,diskstats,filesystem,load,meminfo,netdev,stat,vmstat"

// BenchmarkRecordCollectors runs one-shot `srvmon record` processes (the
// real binary), alternating the nine collectors of before issue 12 with
// every default collector, each into its own fresh store, and reports the
// CPU time of each and their ratio (target: at most 1.2).
func BenchmarkRecordCollectors(b *testing.B) {
	bin := srvmonBinary(b)
	dir := b.TempDir()
	variants := [2][]string{
		{"record", "--data", filepath.Join(dir, "old"), "--collectors", preIssue12Collectors},
		{"record", "--data", filepath.Join(dir, "all")},
	}
	for _, args := range variants { // create the stores outside the measurement
		runCost(b, bin, args...)
	}
	var cpu [2]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := time.Now()
		time.Sleep(now.Truncate(time.Second).Add(time.Second + 20*time.Millisecond).Sub(now))
		for j := range variants {
			k := (i + j) % 2 // alternate which goes first
			cpu[k] += runCost(b, bin, variants[k]...)
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(cpu[0]), "cpu-ms/record-9-collectors")
	b.ReportMetric(ms(cpu[1]), "cpu-ms/record-defaults")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "ratio-defaults/9")
}
