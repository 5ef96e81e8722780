package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// exportTimes runs `srvmon export` in its own process and returns, for
// each sample time, how many node_load1 samples it holds.
func exportTimes(t *testing.T, bin, dir string) map[string]int {
	t.Helper()
	out, err := exec.Command(bin, "export", "--data", dir).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("export: %v: %s", err, stderr)
	}
	times := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "node_load1{") {
			f := strings.Fields(line)
			times[f[len(f)-1]]++
		}
	}
	return times
}

// TestE2EConcurrentRecords checks property 6: record processes started at
// once, with readers running, each leave exactly one sample set.
func TestE2EConcurrentRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	bin := srvmonBinary(t)
	dir := filepath.Join(t.TempDir(), "store")
	const writers = 6
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readErrs := make(chan error, 100)
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				cmd := exec.Command(bin, "export", "--data", dir)
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = io.Discard, &stderr
				// The store may not exist yet in the first milliseconds.
				if err := cmd.Run(); err != nil && !strings.Contains(stderr.String(), "no store in") &&
					!strings.Contains(stderr.String(), "not a srvmon store") {
					readErrs <- fmt.Errorf("reader: %v: %s", err, stderr.String())
					return
				}
			}
		}()
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command(bin, "record", "--data", dir, "--lock-timeout", "30s").CombinedOutput(); err != nil {
				errs <- fmt.Errorf("record: %v: %s", err, out)
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	close(readErrs)
	for err := range errs {
		t.Fatal(err)
	}
	for err := range readErrs {
		t.Fatal(err)
	}
	times := exportTimes(t, bin, dir)
	if len(times) != writers {
		t.Fatalf("%d record runs left %d distinct sample sets: %v", writers, len(times), times)
	}
	for ts, n := range times {
		if n != 1 {
			t.Fatalf("sample set %s holds node_load1 %d times", ts, n)
		}
	}
}

// TestE2EKillRecord checks property 5 with real `srvmon record` processes:
// killed with SIGKILL at random instants, including while compacting a
// finished day, they never cost an acknowledged sample set, and the next
// run and every reader still work.
func TestE2EKillRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	bin := srvmonBinary(t)
	dir := filepath.Join(t.TempDir(), "store")
	// A head log of yesterday that record has not compacted yet: written
	// with the clock at yesterday, then copied in before some runs.
	yesterday := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	prep := filepath.Join(t.TempDir(), "prep")
	s, err := tsdb.Create(prep, tsdbtest.WithClock(func() time.Time { return yesterday.Add(23 * time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var prepTimes []string
	for m := 0; m < 600; m++ {
		ts := yesterday.Add(time.Duration(m) * time.Minute)
		var set []tsdb.Sample
		for i := 0; i < 150; i++ {
			set = append(set, tsdb.Sample{Series: tsdb.NewSeries("srvmon_e2e_total", "i", fmt.Sprint(i)), Value: float64(m)})
		}
		set = append(set, tsdb.Sample{Series: tsdb.NewSeries("node_load1", "instance", "prep"), Value: 1})
		if err := w.Append(ts, set); err != nil {
			t.Fatal(err)
		}
		prepTimes = append(prepTimes, fmt.Sprint(ts.Unix()))
	}
	w.Close()
	yesterdayHead := filepath.Join(prep, "head", yesterday.Format(time.DateOnly)+".log")

	iterations := 40
	rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	acked := map[string]bool{}
	var runLen [2]time.Duration
	var killed, completed, compactKills int
	for it := 0; it < iterations; it++ {
		compacting := it%4 == 0
		kind := 0
		if compacting {
			kind = 1
			if err := os.MkdirAll(filepath.Join(dir, "head"), 0o755); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(yesterdayHead)
			if err := os.WriteFile(filepath.Join(dir, "head", filepath.Base(yesterdayHead)), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if it > 0 { // the store exists: the copied head is acknowledged data
				for _, ts := range prepTimes {
					acked[ts] = true
				}
			}
		}
		before := exportTimesOrEmpty(t, bin, dir)
		cmd := exec.Command(bin, "record", "--data", dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(time.Hour, func() {})
		if runLen[kind] > 0 {
			timer = time.AfterFunc(time.Duration(rng.Int64N(int64(runLen[kind]))), func() { cmd.Process.Signal(syscall.SIGKILL) })
		}
		err := cmd.Wait()
		timer.Stop()
		after := exportTimes(t, bin, dir)
		switch {
		case err == nil:
			completed++
			runLen[kind] = max(runLen[kind], time.Since(start))
			// The run's own sample set: the one new time.
			for ts := range after {
				if !before[ts] && !acked[ts] {
					acked[ts] = true
				}
			}
			if it == 0 {
				for _, ts := range prepTimes {
					acked[ts] = true
				}
			}
		case cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled():
			killed++
			if compacting {
				compactKills++
			}
		default:
			t.Fatalf("run %d: record failed: %v: %s", it, err, stderr.String())
		}
		for ts := range acked {
			if after[ts] != 1 {
				t.Fatalf("run %d: acknowledged sample set %s read %d times", it, ts, after[ts])
			}
		}
		// Runs in the same second wait for the next; keep the test short.
		time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
	}
	t.Logf("%d record processes: %d completed, %d killed (%d while a finished day waited for compaction), %d acknowledged sample sets, none lost",
		iterations, completed, killed, compactKills, len(acked))
	if killed == 0 || completed == 0 {
		t.Fatalf("did not exercise both outcomes: %d killed, %d completed", killed, completed)
	}
}

func exportTimesOrEmpty(t *testing.T, bin, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	if _, err := os.Stat(filepath.Join(dir, "srvmon-store")); err != nil {
		return out
	}
	for ts := range exportTimes(t, bin, dir) {
		out[ts] = true
	}
	return out
}

// TestE2ERecordFullDiskAndReadOnly checks property 7 at the command line:
// on a full filesystem and on a read-only one, record exits 1 with a
// message that names the problem, and what was recorded stays readable.
func TestE2ERecordFullDiskAndReadOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes and mounts a tmpfs")
	}
	bin := srvmonBinary(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	dir := filepath.Join(mnt, "store")
	if out, err := exec.Command(bin, "record", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("first record: %v: %s", err, out)
	}
	before := exportTimes(t, bin, dir)
	f, _ := os.Create(filepath.Join(mnt, "filler"))
	f.Write(make([]byte, 4<<20)) // fails when the filesystem is full, as intended
	f.Close()
	// The head log's last page may still hold a sample set or two.
	var out []byte
	var err error
	for i := 0; i < 5; i++ {
		time.Sleep(1100 * time.Millisecond)
		out, err = exec.Command(bin, "record", "--data", dir).CombinedOutput()
		if err != nil {
			break
		}
		before = exportTimes(t, bin, dir)
	}
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "no space left on device") {
		t.Fatalf("record on a full disk: exit %d, %q; want exit 1 naming the full disk", code, out)
	}
	if after := exportTimes(t, bin, dir); len(after) != len(before) {
		t.Fatalf("after a failed record the store holds %d sample sets, before %d", len(after), len(before))
	}
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount ro: %v: %s", err, out)
	}
	out, err = exec.Command(bin, "record", "--data", dir).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "read-only file system") {
		t.Fatalf("record on a read-only filesystem: exit %d, %q; want exit 1 naming it", code, out)
	}
	if after := exportTimes(t, bin, dir); len(after) != len(before) {
		t.Fatalf("read-only: the store holds %d sample sets, before %d", len(after), len(before))
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
