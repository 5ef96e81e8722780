package commands

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

func export(t *testing.T, o ExportOptions) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := Export(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatalf("export %s: %v", o.DataDir, err)
	}
	return stdout.String(), stderr.String()
}

// Record → export → import into a second store → export gives the same
// text, so an export is a complete, faithful copy of the store.
func TestExportImport_RoundTrip(t *testing.T) {
	t.Parallel()
	o := quick(t)
	o.Collectors = []string{"all"}
	o.Count, o.Interval = 2, time.Second
	var rec bytes.Buffer
	if err := Record(context.Background(), o, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Len() > 0 {
		t.Logf("record stderr: %s", rec.String())
	}

	first, stderr := export(t, ExportOptions{DataDir: o.DataDir})
	if stderr != "" {
		t.Errorf("export stderr = %q, want nothing", stderr)
	}
	if !strings.HasSuffix(first, "\n# EOF\n") {
		t.Errorf("export does not end with # EOF:\n%s", tail(first))
	}
	for _, want := range []string{
		"# TYPE node_scrape_collector_success gauge\n",
		`node_scrape_collector_success{collector="load",instance="test"} 1 `,
	} {
		if !strings.Contains(first, want) {
			t.Errorf("export does not contain %q", want)
		}
	}
	if n := len(exportTimes(first)); n != 2 {
		t.Errorf("export holds %d distinct timestamps, want 2 (one per sample set)", n)
	}

	copyDir := filepath.Join(t.TempDir(), "copy")
	in := filepath.Join(t.TempDir(), "export.om")
	if err := os.WriteFile(in, []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}
	// Flags after the argument parse too.
	code, _, stderr := run(t, "import", in, "--data", copyDir)
	if code != 0 || stderr != "" {
		t.Fatalf("srvmon import FILE --data DIR: exit status %d, stderr %q", code, stderr)
	}
	second, _ := export(t, ExportOptions{DataDir: copyDir})
	if first != second {
		t.Errorf("export of the imported copy differs from the original export\n--- original (end)\n%s\n--- copy (end)\n%s", tail(first), tail(second))
	}

	// A time range exports just the sample sets in it, [from, to).
	times := setTimes(t, o.DataDir)
	part, _ := export(t, ExportOptions{DataDir: o.DataDir, From: times[1], To: times[1].Add(time.Second)})
	if got := exportTimes(part); !slices.Equal(got, []string{strconv.FormatInt(times[1].Unix(), 10)}) {
		t.Errorf("export --from --to of the second sample set has timestamps %v, want [%d]", got, times[1].Unix())
	}
}

// exportTimes returns the distinct sample timestamps of an OpenMetrics text.
func exportTimes(text string) []string {
	seen := map[string]bool{}
	var out []string
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if ts := f[len(f)-1]; !seen[ts] {
			seen[ts] = true
			out = append(out, ts)
		}
	}
	slices.Sort(out)
	return out
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}

func TestExport_ToFile(t *testing.T) {
	t.Parallel()
	o := quick(t)
	if err := Record(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	want, _ := export(t, ExportOptions{DataDir: o.DataDir})
	out := filepath.Join(t.TempDir(), "out.om")
	code, stdout, stderr := run(t, "export", "--data", o.DataDir, "-o", out)
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("export -o: exit status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("export -o FILE differs from export to stdout")
	}
	if _, err := os.Stat(out + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("export left %s.tmp behind (stat: %v)", out, err)
	}
}

func TestExport_Empty(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := tsdb.Create(dir); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "export", "--data", dir)
	if code != 0 {
		t.Fatalf("export of an empty store: exit status %d, stderr %q", code, stderr)
	}
	if stdout != "# EOF\n" {
		t.Errorf("export of an empty store wrote %q, want just \"# EOF\\n\"", stdout)
	}
	if want := "srvmon: store " + dir + " holds no samples; the export is empty\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}

	code, stdout, stderr = run(t, "export", "--data", dir, "--from", "2024-05-01", "--to", "2024-05-02")
	if code != 0 || stdout != "# EOF\n" || !strings.Contains(stderr, "no samples in "+dir+" from 2024-05-01T00:00:00Z to 2024-05-02T00:00:00Z") {
		t.Errorf("export of an empty range: exit status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestExport_NoStore(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nothing")
	code, stdout, stderr := run(t, "export", "--data", dir)
	if code != 1 || stdout != "" {
		t.Errorf("export of a missing store: exit status %d, stdout %q; want 1 and nothing", code, stdout)
	}
	want := "srvmon: no store in " + dir + " (record one with 'srvmon record', or pass --data or set SRVMON_DATA)\n"
	if isStore(systemDataDir) { // this machine records into /var/lib/srvmon
		want = "srvmon: no store in " + dir + "; the system's store is /var/lib/srvmon: pass --data /var/lib/srvmon or set SRVMON_DATA=/var/lib/srvmon\n"
	}
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("export created %s", dir)
	}
}

// A malformed input is refused with its line number and imports nothing,
// not even the good lines before it.
func TestImport_Malformed(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	in := filepath.Join(t.TempDir(), "bad.om")
	text := "# TYPE node_load1 gauge\n" +
		"node_load1{instance=\"a\"} 0.5 1714564800\n" +
		"node_load1{instance=\"a\"} zero 1714564860\n" +
		"# EOF\n"
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "import", "--data", dir, in)
	if code != 1 {
		t.Errorf("import of malformed input: exit status %d, want 1", code)
	}
	for _, want := range []string{"srvmon: " + in + ": ", "line 3", "nothing was imported"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want it to contain %q", stderr, want)
		}
	}
	if store, err := tsdb.Open(dir); err == nil {
		if _, _, ok, err := store.Bounds(context.Background()); ok || err != nil {
			t.Errorf("store after a failed import: has samples %v, err %v; want empty", ok, err)
		}
	}
}

func TestImport_StdinVerbose(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	text := "# TYPE node_load1 gauge\n" +
		"node_load1{instance=\"a\"} 0.5 1714564800\n" +
		"node_load1{instance=\"a\"} 0.25 1714564860\n" +
		"# EOF\n"
	var stderr bytes.Buffer
	err := Import(context.Background(), ImportOptions{DataDir: dir, Input: "-", Verbose: true, LockTimeout: time.Second},
		strings.NewReader(text), &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "srvmon: imported 2 samples of 1 series (2024-05-01T12:00:00Z to 2024-05-01T12:01:00Z) from stdin into " + dir + "\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	got, _ := export(t, ExportOptions{DataDir: dir})
	if !strings.Contains(got, "node_load1{instance=\"a\"} 0.25 1714564860\n") {
		t.Errorf("export after import lacks the imported sample:\n%s", got)
	}
}

// TestTimeFlags checks that export's and push's time flags take query's
// grammar, with the same time-zone rules: a bare date is local midnight.
func TestTimeFlags(t *testing.T) {
	t.Parallel()
	now := time.Now()
	y, m, d := now.Date()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, time.Local)},
		{"2024-05-01T13:00:00Z", time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)},
		{"2024-05-01T15:00:00+02:00", time.Date(2024, 5, 1, 13, 0, 0, 0, time.UTC)},
		{" 2024-05-01T13:00:00.5Z ", time.Date(2024, 5, 1, 13, 0, 0, 5e8, time.UTC)},
		{"2024-05-01 13:00", time.Date(2024, 5, 1, 13, 0, 0, 0, time.Local)},
		{"yesterday", time.Date(y, m, d-1, 0, 0, 0, 0, time.Local)},
		{"16:20", time.Date(y, m, d, 16, 20, 0, 0, time.Local)},
	}
	for _, tt := range tests {
		var v timeValue
		if err := v.Set(tt.in); err != nil || !v.t.Equal(tt.want) {
			t.Errorf("Set(%q) = %v, %v; want %v", tt.in, v.t, err, tt.want)
		}
	}
	for in, ago := range map[string]time.Duration{"now": 0, "-1h": time.Hour, "2d": 48 * time.Hour} {
		var v timeValue
		if err := v.Set(in); err != nil || v.t.Sub(time.Now().Add(-ago)).Abs() > time.Minute {
			t.Errorf("Set(%q) = %v, %v; want about %s ago", in, v.t, err, ago)
		}
	}
	for _, in := range []string{"", "soon", "2024-02-30"} {
		var v timeValue
		if err := v.Set(in); err == nil {
			t.Errorf("Set(%q) succeeded, want an error", in)
		}
	}
}

// TestExport_Last checks --last: the D before --to, and not with --from.
func TestExport_Last(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	if err := Record(context.Background(), RecordOptions{DataDir: dir, Collectors: []string{"load"}, Instance: "t"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "export", "--data", dir, "--last", "1h")
	if code != 0 || !strings.Contains(stdout, "node_load1") {
		t.Errorf("export --last 1h: exit status %d, stderr %q; want 0 and the sample just recorded", code, stderr)
	}
	code, stdout, _ = run(t, "export", "--data", dir, "--last", "1h", "--to", "-2h")
	if code != 0 || strings.Contains(stdout, "node_load1") {
		t.Errorf("export --last 1h --to -2h: exit status %d, output %q; want 0 and nothing", code, stdout)
	}
	if code, _, stderr := run(t, "export", "--data", dir, "--last", "1h", "--from", "-2h"); code != 2 || !strings.Contains(stderr, "--from and --last both given") {
		t.Errorf("--last with --from: exit status %d, stderr %q; want 2", code, stderr)
	}
}
