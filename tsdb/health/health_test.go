package health_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/health"
	"github.com/srvmon/srvmon/tsdb/lastrun"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/remote"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// day1 is the first day of the fixture, UTC.
var day1 = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

// build records every minute from day1 00:00 to day2 12:00 (UTC), except
// the runs missed at day1 10:01..10:05 (5 runs) and day2 03:00..03:01 (2),
// with collector "diskstats" failing from day2 11:50 on, and returns the
// store. Its clock is day2 12:00, so day1 is compacted into a block.
func build(t *testing.T) *tsdb.Store {
	t.Helper()
	now := day1.Add(36 * time.Hour)
	dir := filepath.Join(t.TempDir(), "store")
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for m := 0; m <= 36*60; m++ {
		at := day1.Add(time.Duration(m) * time.Minute)
		if (m >= 10*60+1 && m <= 10*60+5) || (m >= 27*60 && m <= 27*60+1) {
			continue
		}
		ok := 1.0
		if at.After(day1.Add(35*time.Hour + 49*time.Minute)) {
			ok = 0
		}
		set := []tsdb.Sample{
			{Series: tsdb.NewSeries(metric.BootInfo, "instance", "h1", "boot_id", "b"), Value: 1},
			{Series: tsdb.NewSeries("srvmon_collector_success", "instance", "h1", "collector", "diskstats"), Value: ok},
			{Series: tsdb.NewSeries("srvmon_collector_success", "instance", "h1", "collector", "cpu"), Value: 1},
			{Series: tsdb.NewSeries("node_load1", "instance", "h1"), Value: float64(m % 7)},
		}
		if err := w.Append(at, set); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCompute(t *testing.T) {
	s := build(t)
	now := day1.Add(36*time.Hour + 30*time.Second)
	// A push that acknowledged up to day2 10:00.
	url := "https://metrics.example/api/v1/write"
	writePosition(t, s.Dir(), remote.Position{URL: url, Acked: day1.Add(34 * time.Hour), Updated: day1.Add(34*time.Hour + time.Minute)})
	r, err := health.Compute(context.Background(), s, health.Options{Now: now, Location: time.UTC, RetentionDays: 30, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Stale || len(r.Damage) != 0 {
		t.Errorf("a healthy store: problems %q, damage %q", r.Problems, r.Damage)
	}
	if !r.First.Equal(day1) || !r.Newest.Equal(day1.Add(36*time.Hour)) || r.AgeSeconds != 30 {
		t.Errorf("first %s, newest %s, age %gs", r.First, r.Newest, r.AgeSeconds)
	}
	if r.IntervalSeconds != 60 || r.StaleAfterSeconds != 300 {
		t.Errorf("interval %gs, stale after %gs", r.IntervalSeconds, r.StaleAfterSeconds)
	}
	missed := map[string]health.DayRuns{}
	for _, d := range r.Missed {
		missed[d.Day] = d
	}
	if len(r.Missed) != health.Days {
		t.Errorf("%d days of missed runs, want %d", len(r.Missed), health.Days)
	}
	if d := missed["2025-03-10"]; d.Missed != 5 || d.Recorded != 24*60-5 {
		t.Errorf("day 1: %+v, want 5 missed of 1440", d)
	}
	if d := missed["2025-03-11"]; d.Missed != 2 || d.Recorded != 12*60+1-2 {
		t.Errorf("day 2: %+v, want 2 missed, 719 recorded", d)
	}
	if d := missed["2025-03-09"]; d.Missed != 0 || d.Recorded != 0 {
		t.Errorf("the day before the store: %+v", d)
	}
	if len(r.FailedCollectors) != 1 || r.FailedCollectors[0].Name != "diskstats" || !r.FailedCollectors[0].Since.Equal(day1.Add(35*time.Hour+50*time.Minute)) {
		t.Errorf("failed collectors %+v, want diskstats since day 2 11:50", r.FailedCollectors)
	}
	if r.Series != 4 {
		t.Errorf("%d series, want 4", r.Series)
	}
	if len(r.Push) != 1 || r.Push[0].URL != url || r.Push[0].LagSeconds != 2*3600 {
		t.Errorf("push %+v, want a lag of 2h", r.Push)
	}
	if d := r.Disk; d == nil || len(d.Days) != 2 || d.TotalBytes <= d.Days[0].Bytes+d.Days[1].Bytes-1 || d.PerDayBytes != 0 {
		// day1 is the first day (not complete for the average), day2 is today.
		t.Errorf("disk %+v", d)
	}

	// Later: recording stopped; 4m of silence is fine, 5m1s is stale.
	r, _ = health.Compute(context.Background(), s, health.Options{Now: day1.Add(36*time.Hour + 5*time.Minute), Location: time.UTC})
	if !r.OK() {
		t.Errorf("5m after the newest sample: %q", r.Problems)
	}
	later := day1.Add(36*time.Hour + 5*time.Minute + time.Second)
	r, _ = health.Compute(context.Background(), s, health.Options{Now: later, Location: time.UTC})
	if r.OK() || !r.Stale || !strings.Contains(r.Problems[0], "the newest sample is 5m1s old, more than 5m0s") {
		t.Errorf("5m1s after the newest sample: stale %v, %q", r.Stale, r.Problems)
	}
	if d := r.Missed[len(r.Missed)-1]; d.Missed != 2+5 {
		t.Errorf("the runs missed since the newest sample are not counted: %+v", d)
	}
	r, _ = health.Compute(context.Background(), s, health.Options{Now: later, Location: time.UTC, Stale: 10 * time.Minute})
	if !r.OK() {
		t.Errorf("--stale 10m: %q", r.Problems)
	}

	// Damage: a flipped byte in the block of day 1 and a push position
	// that does not parse.
	blocks, _ := filepath.Glob(filepath.Join(s.Dir(), "blocks", "2025-03-10.*", "*"))
	var target string
	for _, b := range blocks {
		if st, err := os.Stat(b); err == nil && !st.IsDir() && st.Size() > 100 {
			target = b
			break
		}
	}
	if target == "" {
		t.Fatalf("no block file of day 1 among %q", blocks)
	}
	data, _ := os.ReadFile(target)
	data[len(data)/2] ^= 0x55
	os.WriteFile(target, data, 0o644)
	os.WriteFile(filepath.Join(s.Dir(), "push-0123456789abcdef.json"), []byte("{not json"), 0o644)
	s2, err := tsdb.Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	r, err = health.Compute(context.Background(), s2, health.Options{Now: now, Location: time.UTC, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || len(r.Damage) != 2 || !strings.Contains(strings.Join(r.Damage, "\n"), "blocks/2025-03-10") ||
		!strings.Contains(strings.Join(r.Damage, "\n"), "push-0123456789abcdef.json") {
		t.Errorf("damage %q, problems %q", r.Damage, r.Problems)
	}
}

// writePosition writes a push position file as push does (remote keeps its
// writer to itself).
func writePosition(t *testing.T, dir string, p remote.Position) {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "push-00000000000000aa.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompute_WithoutBoot: a store recorded without the boot collector
// (record --collectors meminfo) still shows its failing collector, with
// the error the record run kept, and its sample sets.
func TestCompute_WithoutBoot(t *testing.T) {
	now := day1.Add(10 * time.Minute)
	s, err := tsdb.Create(filepath.Join(t.TempDir(), "store"), tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for m := 0; m <= 9; m++ {
		set := []tsdb.Sample{{Series: tsdb.NewSeries("node_scrape_collector_success", "instance", "h1", "collector", "meminfo"), Value: 0}}
		if err := w.Append(day1.Add(time.Duration(m)*time.Minute), set); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if _, err := lastrun.Update(s.Dir(), day1, map[lastrun.Key]string{{Kind: lastrun.Collector, Name: "meminfo"}: "open /proc/meminfo: permission denied"}); err != nil {
		t.Fatal(err)
	}
	r, err := health.Compute(context.Background(), s, health.Options{Now: now, Location: time.UTC, SkipDisk: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.FailedCollectors) != 1 || r.FailedCollectors[0].Name != "meminfo" || !r.FailedCollectors[0].Since.Equal(day1) ||
		r.FailedCollectors[0].LastError != "open /proc/meminfo: permission denied" {
		t.Errorf("failed collectors %+v", r.FailedCollectors)
	}
	if r.IntervalSeconds != 60 || r.Series != 1 {
		t.Errorf("interval %v, series %d", r.IntervalSeconds, r.Series)
	}
}
