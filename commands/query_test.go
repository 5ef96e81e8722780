package commands

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// queryDay is the UTC day the query fixture holds.
var queryDay = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

// queryStore returns a store holding, from 10:00 UTC of queryDay, a sample
// set a minute for 30 minutes: node_load1 = minute number, a network
// counter growing 600 bytes a minute (10 bytes/s) and the boot series. The
// day is compacted into a block.
func queryStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return queryDay.AddDate(0, 0, 3) }))
	if err != nil {
		t.Fatal(err)
	}
	for m := 0; m < 30; m++ {
		w, err := s.Lock(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		at := queryDay.Add(10*time.Hour + time.Duration(m)*time.Minute)
		err = w.Append(at, []tsdb.Sample{
			{Series: tsdb.NewSeries("node_load1", "instance", "h1"), Value: float64(m)},
			{Series: tsdb.NewSeries("node_network_receive_bytes_total", "device", "eth0", "instance", "h1"), Value: float64(1000 + 600*m)},
			{Series: tsdb.NewSeries(metric.BootInfo, "boot_id", "b1", "instance", "h1"), Value: 1},
		})
		if err == nil {
			err = w.Maintain(context.Background())
		}
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fixtureRange is the fixture's half hour as flags.
var fixtureRange = []string{"--from", "2025-06-02T10:00:00Z", "--to", "2025-06-02T10:30:00Z"}

func queryArgs(dir string, args ...string) []string {
	return append(append([]string{"query", "--data", dir}, fixtureRange...), args...)
}

func TestQuery_CSV(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	code, stdout, stderr := run(t, queryArgs(dir, "load", "--format", "csv", "--csv-layout", "wide", "--step", "10m", "--utc")...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Three 10-minute buckets labelled with their ends, as sar labels its
	// rows: (10:00, 10:10] with the sample at --from, minutes 0-10;
	// (10:10, 10:20], minutes 11-20; (10:20, 10:30), minutes 21-29.
	if len(rows) != 4 {
		t.Fatalf("%d rows, want a header and 3:\n%s", len(rows), stdout)
	}
	for i, want := range []struct{ time, load1 string }{{"2025-06-02T10:10:00Z", "5"}, {"2025-06-02T10:20:00Z", "15.5"}, {"2025-06-02T10:30:00Z", "25"}} {
		if rows[i+1][0] != want.time || rows[i+1][2] != "false" || rows[i+1][3] != want.load1 {
			t.Errorf("row %d = %v, want time %s and load1 %s", i+1, rows[i+1], want.time, want.load1)
		}
	}
	// A raw counter is a per-second rate.
	code, stdout, _ = run(t, queryArgs(dir, `node_network_receive_bytes_total{device="eth0"}`, "--format", "csv", "--step", "0", "--utc")...)
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	rows, _ = csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if len(rows) != 30 { // header + 29 intervals
		t.Fatalf("%d rows, want 30:\n%s", len(rows), stdout)
	}
	for _, r := range rows[1:] {
		if r[6] != "10" || r[7] != "false" {
			t.Fatalf("rate row %v, want 10 bytes/s", r)
		}
	}
}

func TestQuery_JSONAndTable(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	code, stdout, stderr := run(t, queryArgs(dir, "load", "--format", "json", "--step", "30m")...)
	if code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	var doc struct {
		View   string `json:"view"`
		Series []struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	// Only node_load1 is recorded: the load view has that one column.
	if doc.View != "load" || len(doc.Series) != 1 || doc.Series[0].Name != "load1" || doc.Series[0].Labels["instance"] != "h1" {
		t.Errorf("json %s", stdout)
	}
	code, stdout, _ = run(t, queryArgs(dir, "load")...)
	if code != 0 || !strings.Contains(stdout, "load1") {
		t.Errorf("table: exit %d:\n%s", code, stdout)
	}
}

func TestQuery_OutputFile(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	out := filepath.Join(t.TempDir(), "load.csv")
	code, stdout, stderr := run(t, queryArgs(dir, "load", "--format", "csv", "-o", out)...)
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("exit status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "time,") {
		t.Fatalf("output file: %v %q", err, data)
	}
	if _, err := os.Stat(out + ".tmp"); err == nil {
		t.Error("the temporary file is left behind")
	}
	// A failed query leaves no file.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if code, _, _ := run(t, queryArgs(dir, "nosuchview", "-o", bad)...); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a failed query wrote its output file")
	}
}

func TestQuery_UsageErrors(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"NoView", []string{"query", "--data", dir}, "'srvmon query' needs a view or a series selector; the views are cpu, disk, "},
		{"TwoViews", []string{"query", "--data", dir, "cpu", "mem"}, "takes one view or selector"},
		{"UnknownView", queryArgs(dir, "cpuu"), `unknown view or metric "cpuu" (did you mean cpu?); the views are cpu, disk`},
		{"UnknownMetric", queryArgs(dir, "node_lod1"), `unknown metric "node_lod1": the store holds no such series (did you mean node_load1?)`},
		{"UnknownLabel", queryArgs(dir, `node_load1{devce="x"}`), `no series of node_load1 has a label "devce"; its labels are instance`},
		{"BadSelector", queryArgs(dir, `node_load1{instance=h1}`), "value must be quoted"},
		{"Format", queryArgs(dir, "load", "--format", "xml"), `unknown --format "xml"; use table, graph, csv, json, ndjson`},
		{"Layout", queryArgs(dir, "load", "--csv-layout", "tall"), `unknown --csv-layout "tall"; use long or wide`},
		{"FromAfterTo", []string{"query", "--data", dir, "load", "--from", "2025-06-02T11:00:00Z", "--to", "2025-06-02T10:00:00Z"},
			"invalid --from 2025-06-02T11:00:00Z: is not before --to 2025-06-02T10:00:00Z"},
		{"BadTime", []string{"query", "--data", dir, "load", "--from", "soon"}, `invalid --from "soon": invalid time "soon"; use RFC 3339`},
		{"FromAndLast", []string{"query", "--data", dir, "load", "--from", "-2h", "--last", "1h"}, "--from and --last both given"},
		{"Step", queryArgs(dir, "load", "--step", "5 minutes"), `--step: invalid duration "5 minutes"`},
		{"Agg", queryArgs(dir, "load", "--agg", "median", "--step", "5m"), `invalid --agg "median"; use one of avg, min, max, last, p95, sum`},
		{"DeviceOnLoad", queryArgs(dir, "load", "--device", "sda"), "--device applies to the disk view only"},
		{"UnknownFlag", queryArgs(dir, "load", "--every", "5m"), "unknown flag --every for 'srvmon query'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, tt.args...)
			if code != 2 {
				t.Fatalf("exit status %d, want 2; stderr %q", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "srvmon: ") || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}

func TestQuery_RuntimeErrors(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	damaged := queryStore(t)
	sums, _ := filepath.Glob(filepath.Join(damaged, "blocks", "*", "summary.gz"))
	if len(sums) == 0 {
		t.Fatal("the fixture has no block")
	}
	for _, p := range sums {
		if err := os.WriteFile(p, []byte("not gzip"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	notStore := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"NoSamples", []string{"query", "--data", dir, "load", "--from", "2025-06-03", "--to", "2025-06-04", "--utc"},
			"no samples of load from 2025-06-03T00:00:00Z to 2025-06-04T00:00:00Z; the last one before is at 2025-06-02T10:29:00Z"},
		{"NoSamplesYet", []string{"query", "--data", dir, "load", "--from", "2025-06-01", "--to", "2025-06-02", "--utc"},
			"the first one after is at 2025-06-02T10:00:00Z"},
		{"NoStore", queryArgs(filepath.Join(t.TempDir(), "none"), "load"), "no store in"},
		{"NotStore", queryArgs(notStore, "load"), "not a srvmon store"},
		// A damaged block is not read: nothing else holds the range, and
		// the warning names the file.
		{"Damaged", queryArgs(damaged, "load"), "damaged, not read: blocks/2025-06-02.g30/summary.gz: 8 bytes, written with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, tt.args...)
			if code != 1 {
				t.Fatalf("exit status %d, want 1; stderr %q", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			lines := 1
			if tt.name == "Damaged" {
				lines = 2 // and "no samples of load"
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != lines {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}

// Queries and series listings leave the store exactly as it was.
func TestQuery_WritesNothing(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	before := snapshot(t, dir)
	for _, args := range [][]string{
		queryArgs(dir, "load"), queryArgs(dir, "cpu"), queryArgs(dir, "net", "--step", "1h"),
		queryArgs(dir, "load", "--from", "2020-01-01"), {"series", "--data", dir, "--from", "2025-06-01", "--to", "2025-06-03"},
	} {
		run(t, args...)
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("the store changed:\n--- before\n%s--- after\n%s", before, after)
	}
}

// snapshot lists every file and directory under dir with its size and
// modification time.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		size := int64(0)
		if !d.IsDir() {
			size = info.Size()
		}
		fmt.Fprintf(&b, "%s %s %s %d\n", rel, info.Mode(), info.ModTime().Format(time.RFC3339Nano), size)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
