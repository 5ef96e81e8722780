package commands_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/synth"
)

// importBenchDays is how many past days of one synthetic host the import
// benchmark's input holds: about 380 MB of OpenMetrics text (synth records
// every family), twice the 200 MB of the memory target.
const importBenchDays = 10

// cachedExport returns an OpenMetrics file of the cached synthetic store of
// days days (built once, reused by later runs of the same day) and the
// number of samples it holds.
func cachedExport(b *testing.B, bin string, days int) (string, int) {
	b.Helper()
	src, points, err := synth.Cached(context.Background(), days)
	if err != nil {
		b.Fatal(err)
	}
	out := src + ".om"
	if _, err := os.Stat(out); err != nil {
		cmd := exec.Command(bin, "export", "--data", src, "--output", out+".tmp")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("export: %v: %s", err, msg)
		}
		if err := os.Rename(out+".tmp", out); err != nil {
			b.Fatal(err)
		}
	}
	return out, points
}

// BenchmarkImportProcess imports about 380 MB of OpenMetrics text (ten past
// days of one host) into an empty store with the real binary and reports
// its peak RSS (target: at most 100 MB, whatever the input's size) and its
// throughput. It needs GNU time (Debian package "time") for the RSS.
func BenchmarkImportProcess(b *testing.B) {
	bin := srvmonBinary(b)
	in, points := cachedExport(b, bin, importBenchDays)
	st, err := os.Stat(in)
	if err != nil {
		b.Fatal(err)
	}
	var maxKiB int64
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), fmt.Sprint("store", i))
		t0 := time.Now()
		kib := peakRSS(b, bin, "import", "--data", dir, in)
		elapsed += time.Since(t0)
		maxKiB = max(maxKiB, kib)
		os.RemoveAll(dir)
	}
	b.StopTimer()
	b.ReportMetric(float64(st.Size())/1e6, "input-MB")
	b.ReportMetric(float64(points), "samples")
	if maxKiB > 0 {
		b.ReportMetric(float64(maxKiB)/1024, "maxrss-MiB")
		b.Logf("import of %.0f MB (%d samples, %d past days): peak RSS %.1f MiB, %.1f s", float64(st.Size())/1e6, points, importBenchDays, float64(maxKiB)/1024, elapsed.Seconds()/float64(b.N))
	}
	b.ReportMetric(float64(points)*float64(b.N)/elapsed.Seconds(), "samples/s")
}
