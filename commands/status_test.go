package commands

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/remote"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// TestStatus runs srvmon status on a store with missed runs, a lagging push
// and then damage, and finds each in the text and the JSON.
func TestStatus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	t0 := time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC)
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return t0.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for m := 0; m <= 30; m++ {
		if m >= 11 && m <= 13 { // three missed runs
			continue
		}
		set := []tsdb.Sample{{Series: tsdb.NewSeries(metric.BootInfo, "instance", "h1", "boot_id", "b"), Value: 1},
			{Series: tsdb.NewSeries("node_load1", "instance", "h1"), Value: 1}}
		if err := w.Append(t0.Add(time.Duration(m)*time.Minute), set); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	url := "https://metrics.example/api/v1/write"
	pos, _ := json.Marshal(remote.Position{URL: url, Acked: t0.Add(10 * time.Minute), Updated: t0.Add(11 * time.Minute)})
	if err := os.WriteFile(filepath.Join(dir, "push-00000000000000aa.json"), pos, 0o644); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(30*time.Minute + 20*time.Second)
	var out strings.Builder
	ok, err := Status(context.Background(), StatusOptions{DataDir: dir, UTC: true, Now: now, Retention: 30}, &out)
	if err != nil || !ok {
		t.Fatalf("status: ok %v, err %v\n%s", ok, err, out.String())
	}
	for _, want := range []string{
		"status       OK",
		"samples      2025-03-10 10:00:00 UTC to 2025-03-10 10:30:00 UTC",
		"newest       20s ago (stale after 5m)",
		"03-10 3/31",
		"https://metrics.example/api/v1/write: acknowledged up to 2025-03-10 10:10:00 UTC, lag 20m",
		"series       2 in the newest sample set",
		"damage       none (every file verified)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status does not say %q:\n%s", want, out.String())
		}
	}
	// Damage in the head log: reported by file name, exit status 1.
	head := filepath.Join(dir, "head", "2025-03-10.log")
	data, err := os.ReadFile(head)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x55
	os.WriteFile(head, data, 0o644)
	code, stdout, _ := run(t, "status", "--utc", "--data", dir, "--format", "json")
	if code != 1 {
		t.Errorf("damaged store: exit status %d, want 1", code)
	}
	var r struct {
		Damage   []string `json:"damage"`
		Problems []string `json:"problems"`
		Push     []struct {
			LagSeconds float64 `json:"lag_seconds"`
		} `json:"push"`
		Missed []struct {
			Day    string `json:"day"`
			Missed int    `json:"missed"`
		} `json:"missed_runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("status --format json: %v\n%s", err, stdout)
	}
	if len(r.Damage) == 0 || !strings.Contains(r.Damage[0], "head/2025-03-10.log") || len(r.Problems) == 0 {
		t.Errorf("damage %q, problems %q", r.Damage, r.Problems)
	}
	if len(r.Push) != 1 || r.Push[0].LagSeconds != 20*60 {
		t.Errorf("push %+v", r.Push)
	}
	// Recording stopped long ago (now is 2026 or later): stale, exit 1.
	code, stdout, _ = run(t, "status", "--utc", "--data", dir, "--no-verify")
	if code != 1 || !strings.Contains(stdout, "is srvmon record running?") {
		t.Errorf("stale store: exit status %d\n%s", code, stdout)
	}
}
