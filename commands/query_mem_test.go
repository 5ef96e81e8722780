package commands_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestQueryStreamMemory (opt-in: SRVMON_MEM_TESTS=1, it builds 30 days of
// a synthetic host once a day, about 40 s) writes every node_* series at
// every sample with the real binary, 30 days as long CSV and 7 days as
// NDJSON (about 200 bytes a line), and prints each one's peak RSS (target:
// at most 100 MB, whatever the range) and time. SRVMON_MEM_BASELINE=
// /path/to/another/srvmon runs that binary too, in the same run, for a
// side-by-side figure, and checks that both wrote the same bytes.
func TestQueryStreamMemory(t *testing.T) {
	if os.Getenv("SRVMON_MEM_TESTS") == "" {
		t.Skip("SRVMON_MEM_TESTS=1 runs it")
	}
	dir, points, err := synth.Cached(context.Background(), 30)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC().Truncate(24 * time.Hour)
	for _, c := range []struct {
		format string
		days   int
	}{{"csv", 30}, {"ndjson", 7}} {
		t.Run(c.format, func(t *testing.T) {
			args := []string{"query", `{__name__=~"node_.*"}`, "--data", dir, "--step", "0", "--format", c.format,
				"--from", end.AddDate(0, 0, -c.days).Format(time.RFC3339), "--to", end.Format(time.RFC3339)}
			kib, cpu, sum, size := queryProcess(t, srvmonBinary(t), args)
			t.Logf("store: 30 days, %d points; %s of every node_* series of %d days at every sample: %.0f MB, peak RSS %.1f MiB, CPU %.1f s (target 100 MB)",
				points, c.format, c.days, float64(size)/1e6, float64(kib)/1024, cpu.Seconds())
			if base := os.Getenv("SRVMON_MEM_BASELINE"); base != "" {
				bkib, bcpu, bsum, bsize := queryProcess(t, base, args)
				t.Logf("baseline %s: peak RSS %.1f MiB, CPU %.1f s; ratio new/baseline: RSS %.3f, CPU %.2f",
					base, float64(bkib)/1024, bcpu.Seconds(), float64(kib)/float64(bkib), cpu.Seconds()/bcpu.Seconds())
				if bsum != sum || bsize != size {
					t.Errorf("the baseline wrote %d bytes, this binary %d, not the same", bsize, size)
				}
			}
			if kib > 100*1000*1000/1024 {
				t.Errorf("peak RSS %.1f MiB, more than 100 MB", float64(kib)/1024)
			}
		})
	}
}

// queryProcess runs bin with args and --output, and returns its peak RSS
// in KiB, its CPU time, and the SHA-256 and size of what it wrote.
func queryProcess(t *testing.T, bin string, args []string) (kib int64, cpu time.Duration, sum [32]byte, size int64) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(bin, append(args, "--output", out)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", bin, err, stderr.Bytes())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	copy(sum[:], h.Sum(nil))
	return ru.Maxrss, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), sum, size
}
