package commands_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRecordProcs measures what the procs and cgroups collectors add
// to a one-shot `srvmon record` on a host with 500 more processes (it
// starts 500 sleep processes), side by side in one run: record with every
// default collector, record without procs and cgroups, and atop writing
// one sample (`atop -w FILE 1 1`, what atop's daemon does per interval).
// Each round runs the three in a new second; the medians of their CPU time
// (the child's user+system) are reported with the targets' terms: record's
// cost over record without the collectors (target: at most 3 ms) and
// record's ratio to atop's (target: at most 1).
func BenchmarkRecordProcs(b *testing.B) {
	atop, err := exec.LookPath("atop")
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatal("atop is not installed (.ci/run installs it)")
		}
		b.Skip("atop is not installed")
	}
	bin := srvmonBinary(b)
	var sleepers []*exec.Cmd
	defer func() {
		for _, c := range sleepers {
			c.Process.Kill()
			c.Wait()
		}
	}()
	for range 500 {
		c := exec.Command("sleep", "3600")
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		sleepers = append(sleepers, c)
	}
	dir := b.TempDir()
	with := []string{"record", "--data", filepath.Join(dir, "with")}
	without := []string{"record", "--data", filepath.Join(dir, "without"), "--collectors", "-procs,-cgroups"}
	atopFile := filepath.Join(dir, "atop.raw")
	// One run each first: the stores exist and procs has its state, as
	// under cron.
	usage(b, bin, with...)
	usage(b, bin, without...)
	var cpuWith, cpuWithout, cpuAtop []time.Duration
	b.ResetTimer()
	for range b.N {
		now := time.Now()
		time.Sleep(now.Truncate(time.Second).Add(time.Second + 20*time.Millisecond).Sub(now))
		c, _ := usage(b, bin, with...)
		cpuWith = append(cpuWith, c)
		c, _ = usage(b, bin, without...)
		cpuWithout = append(cpuWithout, c)
		os.Remove(atopFile)
		c, _ = usage(b, atop, "-w", atopFile, "1", "1")
		cpuAtop = append(cpuAtop, c)
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	w, wo, a := median(cpuWith), median(cpuWithout), median(cpuAtop)
	b.ReportMetric(ms(w), "cpu-ms/record")
	b.ReportMetric(ms(wo), "cpu-ms/record-without-procs")
	b.ReportMetric(ms(a), "cpu-ms/atop")
	b.ReportMetric(ms(w-wo), "cpu-ms-added")
	b.ReportMetric(float64(w)/float64(a), "ratio-record/atop")
}
