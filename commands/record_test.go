package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/lastrun"
)

// setTimes returns the distinct times of the sample sets in the store in
// dir, oldest first.
func setTimes(t *testing.T, dir string) []time.Time {
	t.Helper()
	store, err := tsdb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	seen := map[int64]bool{}
	err = store.Read(context.Background(), time.Unix(1, 0), time.Now().Add(time.Hour), nil,
		func(_ tsdb.Series, pts []tsdb.Point) error {
			for _, p := range pts {
				seen[p.T] = true
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for ts := range seen {
		out = append(out, time.Unix(ts, 0).UTC())
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func countSets(t *testing.T, dir string) int {
	t.Helper()
	return len(setTimes(t, dir))
}

// quick are options for a fast Record in a fresh store.
func quick(t *testing.T) RecordOptions {
	return RecordOptions{
		DataDir:     filepath.Join(t.TempDir(), "store"),
		Collectors:  []string{"load", "meminfo"},
		Instance:    "test",
		Retention:   30,
		LockTimeout: 10 * time.Second,
	}
}

func TestRecord_OneShot(t *testing.T) {
	t.Parallel()
	o := quick(t)
	var stderr bytes.Buffer
	if err := Record(context.Background(), o, &stderr); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	store, err := tsdb.Open(o.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	series, err := store.SeriesIn(context.Background(), time.Unix(1, 0), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var collectors []string
	for _, s := range series {
		if got := s.Get("instance"); got != "test" {
			t.Errorf("series %s: instance=%q, want \"test\"", s, got)
		}
		if s.Metric == "node_scrape_collector_success" {
			collectors = append(collectors, s.Get("collector"))
		}
	}
	if want := []string{"load", "meminfo"}; !slices.Equal(collectors, want) {
		t.Errorf("collectors recorded = %v, want %v", collectors, want)
	}
	if n := countSets(t, o.DataDir); n != 1 {
		t.Errorf("one-shot record stored %d sample sets, want 1", n)
	}
}

// Runs that overlap (cron firing while the previous run still holds the
// lock, or two runs in the same second) each get their own sample set.
func TestRecord_OverlappingRunsGetTheirOwnSecond(t *testing.T) {
	t.Parallel()
	o := quick(t)
	const runs = 3
	var wg sync.WaitGroup
	errs := make([]error, runs)
	for i := range runs {
		wg.Go(func() { errs[i] = Record(context.Background(), o, &bytes.Buffer{}) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := countSets(t, o.DataDir); n != runs {
		t.Errorf("%d overlapping runs stored %d sample sets, want %d", runs, n, runs)
	}
}

func TestRecord_CountAndInterval(t *testing.T) {
	t.Parallel()
	o := quick(t)
	o.Count, o.Interval = 2, time.Second
	if err := Record(context.Background(), o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if n := countSets(t, o.DataDir); n != 2 {
		t.Errorf("--count 2 stored %d sample sets, want 2", n)
	}
}

// A loop ends cleanly when its context is done: status 0, the sample sets
// taken so far kept.
func TestRecord_LoopStopsOnCancel(t *testing.T) {
	t.Parallel()
	o := quick(t)
	o.Interval = time.Second // no count: until cancelled
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Record(ctx, o, &bytes.Buffer{}) }()

	// Cancel once the first sample set is in the store.
	for {
		select {
		case err := <-done:
			t.Fatalf("Record returned before it was cancelled: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if store, err := tsdb.Open(o.DataDir); err == nil {
			if _, _, ok, _ := store.Bounds(context.Background()); ok {
				break
			}
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("cancelled loop: %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Record did not return after its context was cancelled")
	}
	if n := countSets(t, o.DataDir); n < 1 {
		t.Errorf("stored %d sample sets, want at least 1", n)
	}
}

func TestRecord_CancelledBeforeAnything(t *testing.T) {
	t.Parallel()
	o := quick(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Record(ctx, o, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Record with a done context = %v, want an interrupted error", err)
	}
}

func TestRecord_Locked(t *testing.T) {
	t.Parallel()
	o := quick(t)
	o.LockTimeout = 50 * time.Millisecond
	store, err := tsdb.Create(o.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := store.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	code, _, stderr := run(t, "record", "--data", o.DataDir, "--lock-timeout", "50ms", "--collectors", "load")
	if code != 1 {
		t.Errorf("record on a locked store: exit status %d, want 1", code)
	}
	for _, want := range []string{"srvmon: ", o.DataDir, "locked", "--lock-timeout"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want it to contain %q", stderr, want)
		}
	}
	if err := Record(context.Background(), o, &bytes.Buffer{}); !errors.Is(err, tsdb.ErrLocked) {
		t.Errorf("Record on a locked store = %v, want ErrLocked", err)
	}
}

func TestResolveCollectors(t *testing.T) {
	t.Parallel()
	all, def := sampler.Names(), sampler.Default()
	if len(def) < 2 {
		t.Fatalf("sampler.Default() = %v; the test needs two default collectors", def)
	}
	without := func(set []string, name string) []string {
		return slices.DeleteFunc(slices.Clone(set), func(s string) bool { return s == name })
	}
	tests := []struct {
		spec []string
		want []string
	}{
		{nil, def},
		{[]string{""}, def},
		{[]string{"all"}, all},
		{[]string{"default"}, def},
		{[]string{def[1] + "," + def[0]}, []string{def[0], def[1]}},
		{[]string{def[0], def[1], def[0]}, []string{def[0], def[1]}},
		{[]string{"-" + def[0]}, without(def, def[0])},
		{[]string{"all,-" + def[1]}, without(all, def[1])},
		{[]string{" " + def[0] + " , "}, []string{def[0]}},
	}
	for _, tt := range tests {
		got, err := resolveCollectors(tt.spec)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("resolveCollectors(%q) = %v, %v; want %v", tt.spec, got, err, tt.want)
		}
	}
	for _, spec := range [][]string{{"nosuch"}, {"-nosuch"}, {"-all"}, {def[0] + ",-" + def[0]}} {
		var ue *usageError
		if _, err := resolveCollectors(spec); !errors.As(err, &ue) {
			t.Errorf("resolveCollectors(%q) error = %v, want a usage error", spec, err)
		}
	}
}

// TestRecord_Textfile: --textfile-dir (or $SRVMON_TEXTFILE_DIR) records the
// scripts' metrics with the run; a bad file is skipped and the run still
// succeeds, saying so on stderr once (not in every run); a missing
// directory is a usage error.
func TestRecord_Textfile(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "textfile")
	if err := os.Mkdir(tf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf, "backup.prom"), []byte("backup_age_seconds 3600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf, "bad.prom"), []byte("{{{\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "store")
	t.Setenv("SRVMON_TEXTFILE_DIR", tf)
	code, stdout, stderr := run(t, "record", "--data", data, "--collectors", "load")
	if code != 0 || stdout != "" || !strings.HasPrefix(stderr, "srvmon: textfile bad.prom skipped (malformed): ") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("record: exit %d, stdout %q, stderr %q; want 0 and one line about bad.prom", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "record", "--data", data, "--collectors", "load")
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("record again: exit %d, stdout %q, stderr %q; want 0 and nothing (bad.prom was reported)", code, stdout, stderr)
	}
	store, err := tsdb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got := map[string]float64{}
	err = store.Read(context.Background(), time.Unix(1, 0), time.Now().Add(time.Hour), nil,
		func(s tsdb.Series, pts []tsdb.Point) error {
			var kv []string
			for _, l := range s.Labels {
				if l.Name != "instance" {
					kv = append(kv, l.Name, l.Value)
				}
			}
			got[tsdb.NewSeries(s.Metric, kv...).Key()] = pts[len(pts)-1].V
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{
		"backup_age_seconds":           3600,
		"srvmon_textfile_scrape_error": 1,
		`srvmon_textfile_scrape_error{file="bad.prom",reason="malformed"}`: 1,
		`node_scrape_collector_success{collector="textfile"}`:              1,
	} {
		if g, ok := got[k]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, want)
		}
	}

	code, _, stderr = run(t, "record", "--data", data, "--textfile-dir", filepath.Join(dir, "nope"))
	if code != 2 || !strings.Contains(stderr, "--textfile-dir") {
		t.Errorf("missing directory: exit %d, stderr %q; want 2 naming --textfile-dir", code, stderr)
	}
}

// TestRecord_ProblemsForStatus: a failing collector's error and a skipped
// textfile, with their text, reach srvmon status (text and JSON) from the
// store; fixed, they are gone.
func TestRecord_ProblemsForStatus(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "textfile")
	proc := filepath.Join(dir, "proc") // no meminfo: the meminfo collector fails
	for _, d := range []string{tf, proc} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tf, "stamped.prom"), []byte("jobs 3 1700000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// boot (whose series tell status the sample sets) works from copies of
	// stat and boot_id.
	if err := os.MkdirAll(filepath.Join(proc, "sys/kernel/random"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"stat", "sys/kernel/random/boot_id"} {
		data, err := os.ReadFile(filepath.Join("/proc", f))
		if err != nil {
			t.Skip(err)
		}
		if err := os.WriteFile(filepath.Join(proc, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "store")
	t.Setenv("HOST_PROC", proc)
	for i := range 2 {
		code, _, stderr := run(t, "record", "--data", data, "--collectors", "meminfo,boot", "--textfile-dir", tf)
		if code != 0 || !strings.Contains(stderr, `srvmon: collector "meminfo": `) || strings.Contains(stderr, "stamped.prom") != (i == 0) {
			t.Fatalf("record %d: exit %d, stderr %q", i, code, stderr)
		}
	}
	code, stdout, stderr := run(t, "status", "--data", data, "--no-verify")
	for _, want := range []string{
		"collectors   meminfo failing since ",
		"/meminfo: no such file or directory (node_scrape_collector_success)",
		"textfiles    stamped.prom skipped since ",
		": timestamp: jobs has a timestamp; textfiles must not",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("status (exit %d) does not say %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	_, stdout, _ = run(t, "status", "--data", data, "--no-verify", "--format", "json")
	var r struct {
		Failed []struct {
			Name      string `json:"name"`
			LastError string `json:"last_error"`
		} `json:"failed_collectors"`
		Textfiles []struct {
			File, Error string
		} `json:"skipped_textfiles"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Failed) != 1 || r.Failed[0].Name != "meminfo" || !strings.Contains(r.Failed[0].LastError, "meminfo") ||
		len(r.Textfiles) != 1 || r.Textfiles[0].File != "stamped.prom" || !strings.HasPrefix(r.Textfiles[0].Error, "timestamp: ") {
		t.Errorf("status --format json: %+v", r)
	}
	// Fixed: the next run keeps no problems.
	os.Remove(filepath.Join(tf, "stamped.prom"))
	t.Setenv("HOST_PROC", "/proc")
	if code, _, stderr := run(t, "record", "--data", data, "--collectors", "meminfo,boot", "--textfile-dir", tf); code != 0 || stderr != "" {
		t.Fatalf("record after the fix: exit %d, stderr %q", code, stderr)
	}
	_, stdout, _ = run(t, "status", "--data", data, "--no-verify")
	if !strings.Contains(stdout, "collectors   all succeeded") || strings.Contains(stdout, "textfiles") {
		t.Errorf("status after the fix:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(data, lastrun.File)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s after the fix: %v", lastrun.File, err)
	}
}

// TestRecord_Procs: two cron runs with the procs collector keep its state
// in the store directory and store deltas in the second; --proc-top bounds
// the processes per set, --proc-cmdline adds command lines (never stored
// without it); a negative --proc-top is a usage error.
func TestRecord_Procs(t *testing.T) {
	data := filepath.Join(t.TempDir(), "store")
	for i := range 2 {
		if i > 0 {
			time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		}
		args := []string{"record", "--data", data, "--collectors", "procs", "--proc-top", "2"}
		if i == 1 {
			args = append(args, "--proc-cmdline")
		}
		if code, _, stderr := run(t, args...); code != 0 || stderr != "" {
			t.Fatalf("record %d: exit %d, stderr %q", i, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(data, sampler.StateFile)); err != nil {
		t.Errorf("no state file: %v", err)
	}
	store, err := tsdb.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	sets := map[int64]map[string]bool{} // time -> process identities
	cmdlines := map[int64]int{}
	deltas := 0
	err = store.Read(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Minute), nil, func(s tsdb.Series, pts []tsdb.Point) error {
		if s.Metric == "srvmon_process_cpu_seconds" {
			deltas += len(pts)
		}
		if s.Metric != "srvmon_process_info" || s.Get("pid") == "other" {
			return nil
		}
		for _, p := range pts {
			if sets[p.T] == nil {
				sets[p.T] = map[string]bool{}
			}
			sets[p.T][s.Get("pid")+"/"+s.Get("start")] = true
			if s.Get("cmdline") != "" {
				cmdlines[p.T]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 {
		t.Fatalf("info series at %d times, want 2", len(sets))
	}
	times := slices.Sorted(maps.Keys(sets))
	for i, at := range times {
		if n := len(sets[at]); n == 0 || n > 3*2 {
			t.Errorf("set %d: %d processes, want 1 to 6 with --proc-top 2", i, n)
		}
	}
	if cmdlines[times[0]] != 0 || cmdlines[times[1]] == 0 {
		t.Errorf("command lines per set %v: want none without --proc-cmdline, some with it", cmdlines)
	}
	if deltas == 0 {
		t.Error("no CPU deltas after two runs")
	}
	code, _, stderr := run(t, "record", "--data", data, "--proc-top", "-1")
	if code != 2 || !strings.Contains(stderr, "--proc-top") {
		t.Errorf("--proc-top -1: exit %d, stderr %q; want 2 naming --proc-top", code, stderr)
	}
}
