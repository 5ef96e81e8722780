package commands

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// recordedTimes returns the times of the sample sets that Record wrote for
// instance "test" (imported series carry another instance).
func recordedTimes(t *testing.T, dir string) []int64 {
	t.Helper()
	store, err := tsdb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	seen := map[int64]bool{}
	err = store.Read(context.Background(), time.Unix(1, 0), time.Now().Add(time.Hour),
		func(s tsdb.Series) bool { return s.Get("instance") == "test" },
		func(_ tsdb.Series, pts []tsdb.Point) error {
			for _, p := range pts {
				seen[p.T] = true
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, 0, len(seen))
	for ts := range seen {
		out = append(out, ts)
	}
	return out
}

// An import joined into today's head log between two record runs of the
// same second must not make the second run reuse the first one's second
// (which would replace the acknowledged set).
func TestImport_BetweenRecordsOfOneSecond(t *testing.T) {
	t.Parallel()
	o := quick(t)
	o.Collectors = []string{"load"}
	in := filepath.Join(t.TempDir(), "tiny.om")
	// Points in today's head log, an hour ago (or just after midnight).
	ts := max(time.Now().Add(-time.Hour).Unix(), time.Now().UTC().Truncate(24*time.Hour).Unix())
	if err := os.WriteFile(in, fmt.Appendf(nil, "# TYPE tiny gauge\ntiny{instance=\"x\"} 1 %d\n# EOF\n", ts), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var stderr bytes.Buffer
	runs := 0
	for range 5 {
		if err := Record(ctx, o, &stderr); err != nil {
			t.Fatal(err)
		}
		runs++
		if err := Import(ctx, ImportOptions{DataDir: o.DataDir, Input: in, LockTimeout: time.Second}, nil, &stderr); err != nil {
			t.Fatal(err)
		}
	}
	if err := Record(ctx, o, &stderr); err != nil {
		t.Fatal(err)
	}
	runs++
	if got := len(recordedTimes(t, o.DataDir)); got != runs {
		t.Errorf("%d record runs acknowledged, the store holds %d of their sets (stderr: %s)", runs, got, stderr.String())
	}
}

// Input the store cannot hold faithfully is refused at the door, with its
// line number, and nothing of the file is imported.
func TestImport_RefusesWhatTheStoreCannotHold(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", tsdb.MaxLabelNameLen+1)
	for _, tc := range []struct {
		name, line, msg string
	}{
		{"time 0", `m{i="a"} 1 0`, "time 0 is outside"},
		{"negative time", `m{i="a"} 1 -5`, "time -5 is outside"},
		{"year 10000", `m{i="a"} 1 253402300800`, "time 253402300800 is outside"},
		{"long label name", `m{` + long + `="a"} 1 1714564860`, "longer than the 256"},
		{"long label value", `m{i="` + strings.Repeat("v", tsdb.MaxLabelValueLen+1) + `"} 1 1714564860`, "longer than the 16384"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "store")
			in := filepath.Join(t.TempDir(), "in.om")
			text := "# TYPE m gauge\nm{i=\"ok\"} 1 1714564800\n" + tc.line + "\n# EOF\n"
			if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := run(t, "import", "--data", dir, in)
			if code != 1 || !strings.Contains(stderr, "line 3: ") || !strings.Contains(stderr, tc.msg) || !strings.Contains(stderr, "nothing was imported") {
				t.Fatalf("exit %d, stderr %.300q; want exit 1, line 3, %q, nothing was imported", code, stderr, tc.msg)
			}
			if store, err := tsdb.Open(dir); err == nil {
				if _, _, ok, err := store.Bounds(context.Background()); ok || err != nil {
					t.Errorf("store after a refused import: has samples %v, err %v; want empty", ok, err)
				}
			}
		})
	}
}

// A successful import says what it imported in one line on stderr (with -v,
// or on a terminal: ImportOptions.Progress) and nothing otherwise; an input
// without samples says so in any case.
func TestImportSaysWhatItImported(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	in := filepath.Join(t.TempDir(), "in.om")
	text := "# TYPE m gauge\nm{i=\"a\"} 1 1714564800\nm{i=\"a\"} 2 1714564860\nm{i=\"b\"} 3 1714564920\n# EOF\n"
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "srvmon: imported 3 samples of 2 series (2024-05-01T12:00:00Z to 2024-05-01T12:02:00Z) from " + in + " into " + dir + "\n"
	if code, stdout, stderr := run(t, "import", "-v", "--data", dir, in); code != 0 || stderr != want || stdout != "" {
		t.Errorf("import -v: exit %d, stdout %q, stderr %q; want 0 and stderr %q", code, stdout, stderr, want)
	}
	var stderr bytes.Buffer
	if err := Import(context.Background(), ImportOptions{DataDir: dir, Input: in, Progress: true}, nil, &stderr); err != nil || stderr.String() != want {
		t.Errorf("import on a terminal: %v, stderr %q; want %q", err, stderr.String(), want)
	}
	if code, _, stderr := run(t, "import", "--data", dir, in); code != 0 || stderr != "" {
		t.Errorf("import (stderr not a terminal): exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
	empty := filepath.Join(t.TempDir(), "empty.om")
	if err := os.WriteFile(empty, []byte("# EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "import", "--data", dir, empty); code != 0 || stderr != "srvmon: note: "+empty+" holds no samples; nothing was imported\n" {
		t.Errorf("import of an empty input: exit %d, stderr %q", code, stderr)
	}
}
