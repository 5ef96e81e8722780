package sampler

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// textfileRun runs the textfile collector (and cpu, to see a collision)
// over dir and returns the samples by key and the sampler.
func textfileRun(t *testing.T, dir string) (map[string]float64, *Sampler) {
	t.Helper()
	s, err := New([]string{"load"}, Options{Instance: testInstance, TextfileDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.Sample(context.Background())
	for _, err := range errs {
		t.Errorf("Sample: %v", err)
	}
	got := byKey(t, samples)
	for k := range got {
		if strings.HasPrefix(k, "node_load") || strings.HasPrefix(k, "node_scrape_collector_") {
			delete(got, k)
		}
	}
	return got, s
}

func writeTextfile(t *testing.T, path, data string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestTextfile(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Unix(1700000000, 250e6)
	writeTextfile(t, filepath.Join(dir, "backup.prom"), `# HELP backup_last_success_seconds Last successful backup.
# TYPE backup_last_success_seconds gauge
backup_last_success_seconds{job="db"} 1.6999e+09
# TYPE queue_jobs_total counter
queue_jobs_total 42
cert_expiry_seconds{host="example.org"} 7.5e6
# TYPE req_seconds histogram
req_seconds_bucket{le="0.1"} 3
req_seconds_bucket{le="+Inf"} 5
req_seconds_sum 1.25
req_seconds_count 5
# TYPE lat summary
lat{quantile="0.5"} 0.2
lat_sum 3
lat_count 10
not_a_number NaN
`, mtime)
	// Skipped files, each with its reason.
	writeTextfile(t, filepath.Join(dir, "broken.prom"), "this is { not the format\n", mtime)
	writeTextfile(t, filepath.Join(dir, "stamped.prom"), "x_total 1 1700000000000\n", mtime)
	writeTextfile(t, filepath.Join(dir, "collide.prom"), "node_load1 99\n", mtime)
	writeTextfile(t, filepath.Join(dir, "zz-again.prom"), "queue_jobs_total 1\n", mtime) // also in backup.prom, which sorts first
	writeTextfile(t, filepath.Join(dir, "instance.prom"), "y{instance=\"other\"} 1\n", mtime)
	// Not *.prom: a script's temporary file, ignored.
	writeTextfile(t, filepath.Join(dir, "backup.prom.tmp"), "half_writ", mtime)
	if err := os.Mkdir(filepath.Join(dir, "dir.prom"), 0o755); err != nil {
		t.Fatal(err)
	}

	got, smp := textfileRun(t, dir)
	checkSamples(t, got, map[string]float64{
		key("backup_last_success_seconds", "job", "db"):             1.6999e9,
		key("queue_jobs_total"):                                     42,
		key("cert_expiry_seconds", "host", "example.org"):           7.5e6,
		key("req_seconds_bucket", "le", "0.1"):                      3,
		key("req_seconds_bucket", "le", "+Inf"):                     5,
		key("req_seconds_sum"):                                      1.25,
		key("req_seconds_count"):                                    5,
		key("lat", "quantile", "0.5"):                               0.2,
		key("lat_sum"):                                              3,
		key("lat_count"):                                            10,
		key("srvmon_textfile_mtime_seconds", "file", "backup.prom"): 1700000000.25,
		key("srvmon_textfile_scrape_error"):                         1,
		key("node_textfile_scrape_error"):                           1,
		key("srvmon_textfile_scrape_error", "file", "broken.prom", "reason", "malformed"):   1,
		key("srvmon_textfile_scrape_error", "file", "stamped.prom", "reason", "timestamp"):  1,
		key("srvmon_textfile_scrape_error", "file", "collide.prom", "reason", "collision"):  1,
		key("srvmon_textfile_scrape_error", "file", "zz-again.prom", "reason", "collision"): 1,
		key("srvmon_textfile_scrape_error", "file", "instance.prom", "reason", "invalid"):   1,
	})

	// The skips, in words, for srvmon record to keep and print.
	var skips []string
	for _, sk := range smp.TextfileSkips() {
		if sk.Err == nil || sk.Err.Error() == "" {
			t.Errorf("%s skipped (%s) without an error", sk.File, sk.Reason)
		}
		skips = append(skips, sk.File+" "+sk.Reason)
	}
	if want := "broken.prom malformed,collide.prom collision,instance.prom invalid,stamped.prom timestamp,zz-again.prom collision"; strings.Join(skips, ",") != want {
		t.Errorf("TextfileSkips: %s, want %s", strings.Join(skips, ","), want)
	}

	// Fixed files: the error goes back to 0.
	for _, f := range []string{"broken", "stamped", "collide", "zz-again", "instance"} {
		os.Remove(filepath.Join(dir, f+".prom"))
	}
	got, smp = textfileRun(t, dir)
	if got[key("srvmon_textfile_scrape_error")] != 0 || got[key("node_textfile_scrape_error")] != 0 || got[key("queue_jobs_total")] != 42 {
		t.Errorf("after the fix: %v", got)
	}
	if sk := smp.TextfileSkips(); len(sk) != 0 {
		t.Errorf("after the fix, TextfileSkips: %v", sk)
	}
}

// TestTextfileMissingDir: a directory that does not exist fails the
// collector (reported on stderr by record), never the run.
func TestTextfileMissingDir(t *testing.T) {
	s, err := New([]string{"load"}, Options{Instance: testInstance, TextfileDir: filepath.Join(t.TempDir(), "nope")})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.Sample(context.Background())
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `collector "textfile"`) {
		t.Fatalf("errors = %v, want one from the textfile collector", errs)
	}
	if got := byKey(t, samples); got[key("node_scrape_collector_success", "collector", "load")] != 1 {
		t.Errorf("the other collectors did not run: %v", got)
	}
}

func TestParseTextfileLimits(t *testing.T) {
	for _, tt := range []struct{ data, reason string }{
		{"a 1\na 2\n", "malformed"},                       // the same series twice
		{"srvmon_textfile_scrape_error 0\n", "collision"}, // the collector's own name
		{`a{b="` + strings.Repeat("x", 20000) + `"} 1` + "\n", "invalid"},
	} {
		_, skip := parseTextfile(tt.data, map[string]string{})
		if skip == nil || skip.reason != tt.reason {
			t.Errorf("parseTextfile(%.40q) = %+v, want reason %s", tt.data, skip, tt.reason)
		}
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.prom")
	writeTextfile(t, big, strings.Repeat("a 1\n", textfileMaxBytes/4+1), time.Now())
	if _, _, skip := readTextfile(big, map[string]string{}); skip == nil || skip.reason != "too_large" {
		t.Errorf("big file: %+v, want too_large", skip)
	}
}
