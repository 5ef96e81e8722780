package commands

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// topDay is the UTC day of the synthetic host with processes that
// topStore holds.
var topDay = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

// topStore returns a store of half an hour of the synthetic host with
// processes, from 00:50 of topDay: the tar backup runs from 01:00, cc1
// from 00:50 to 00:53 and 01:00 to 01:03.
func topStore(t *testing.T) string {
	t.Helper()
	h := synth.DefaultHost()
	h.Processes = 3
	dir := filepath.Join(t.TempDir(), "store")
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return topDay.AddDate(0, 0, 2) }))
	if err != nil {
		t.Fatal(err)
	}
	series, pts := synth.New(h, 1).Points(topDay.Add(50*time.Minute), 30)
	if _, err := s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for i, ser := range series {
			for _, p := range pts[i] {
				if err := yield(ser, p); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The subcommands top and services: each format from the same numbers,
// --at takes one interval, and usage errors exit 2 naming the flag.
func TestQueryTop(t *testing.T) {
	dir := topStore(t)
	at := topDay.Add(time.Hour + 90*time.Second).Format(time.RFC3339) // cc1 runs 01:00-01:03
	code, out, errOut := run(t, "query", "top", "--data", dir, "--at", at, "--utc")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "Top processes by cpu, 2025-06-02 01:01 to 01:02 +00:00 (1m in 1 sample set;") ||
		!strings.HasPrefix(lines[1], "PID ") || !strings.Contains(lines[2], " cc1 ") {
		t.Errorf("table:\n%s", out)
	}

	code, out, errOut = run(t, "query", "top", "--data", dir, "--at", at, "--format", "json", "-n", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Rows []struct {
			Row  string   `json:"row"`
			Comm string   `json:"comm"`
			User string   `json:"user"`
			CPU  *float64 `json:"cpu_percent"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(doc.Rows) != 4 || doc.Rows[0].Comm != "cc1" || doc.Rows[0].User != "build" || doc.Rows[2].Row != "other" || doc.Rows[3].Row != "host" {
		t.Errorf("json rows: %+v", doc.Rows)
	}
	code, out, _ = run(t, "query", "top", "--data", dir, "--at", at, "--format", "csv", "--csv-layout", "wide", "-n", "2")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 5 || recs[0][5] != "instance" || recs[1][9] != "cc1" {
		t.Errorf("wide csv (exit %d, %v):\n%s", code, err, out)
	}
	code, out, _ = run(t, "query", "top", "--data", dir, "--at", at, "--format", "ndjson", "--by", "mem", "-n", "1")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(strings.SplitN(out, "\n", 2)[0], `"comm":"java"`) {
		t.Errorf("ndjson by mem:\n%s", out)
	}
	code, out, _ = run(t, "query", "services", "--data", dir, "--from", "2025-06-02T01:00:00Z", "--to", "2025-06-02T01:20:00Z", "--by", "io", "--utc")
	if code != 0 || !strings.Contains(strings.Split(out, "\n")[2], "system.slice/backup.service") {
		t.Errorf("services by io during the backup (exit %d):\n%s", code, out)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--by", "disk"}, `invalid --by "disk"; use one of cpu, mem, io`},
		{[]string{"--format", "graph"}, `unknown --format "graph"; use table, csv, json, ndjson, html`},
		{[]string{"--at", "10:00", "--last", "1h"}, "--at names one interval; --from, --to and --last a range"},
		{[]string{"--at", "soon"}, `invalid --at "soon"`},
		{[]string{"-n", "-1"}, "invalid --n -1"},
		{[]string{"extra"}, "takes no arguments"},
	} {
		code, _, errOut := run(t, append([]string{"query", "top", "--data", dir}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
	// A range without process series says so and exits 1.
	code, _, errOut = run(t, "query", "top", "--data", dir, "--from", "2025-06-05", "--to", "2025-06-06")
	if code != 1 || !strings.Contains(errOut, "no samples of process series") {
		t.Errorf("empty range: exit %d, %q", code, errOut)
	}
}
