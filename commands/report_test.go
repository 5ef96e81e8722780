package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// reportStart is when the synthetic history of the report tests begins.
var reportStart = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// synthStore creates a store in a temporary directory holding minutes of
// synthetic history from reportStart, through Store.Import.
func synthStore(t *testing.T, minutes int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := tsdb.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := synth.New(synth.DefaultHost(), 7)
	series := g.Series()
	points := make([][]tsdb.Point, len(series))
	g.Minutes(reportStart, minutes, func(at time.Time, ss []tsdb.Sample) error {
		for i, smp := range ss {
			points[i] = append(points[i], tsdb.Point{T: at.Unix(), V: smp.Value})
		}
		return nil
	})
	_, err = s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for i, ser := range series {
			for _, p := range points[i] {
				if err := yield(ser, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReport_UsageErrors(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"BadFormat", []string{"--format", "xml"}, `unknown --format "xml"; use text, csv, json or html`},
		{"GraphIsNoSummaryFormat", []string{"--format", "graph"}, `unknown --format "graph"`},
		{"BadView", []string{"--view", "cpu,nosuch"}, `unknown view "nosuch" in --view; the views are cpu`},
		{"EmptyView", []string{"--view", ","}, "--view names no view"},
		{"BadFrom", []string{"--from", "soonish"}, "--from"},
		{"BadLast", []string{"--last", "a while"}, "--last"},
		{"FromAndLast", []string{"--from", "yesterday", "--last", "6h"}, "--from and --last"},
		{"FromAfterTo", []string{"--from", "2024-05-02", "--to", "2024-05-01"}, "--from"},
		{"Args", []string{"today"}, `'srvmon report' takes no arguments`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"report", "--data", dir}, tt.args...)...)
			if code != 2 {
				t.Fatalf("exit status %d, want 2; stderr: %s", code, stderr)
			}
			if stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stdout %q, stderr %q; want no output and one line with %q", stdout, stderr, tt.want)
			}
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("usage errors created %s (stat: %v)", dir, err)
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	dir := synthStore(t, 180)
	period := []string{"--data", dir, "--from", "2026-04-01T00:00:00Z", "--to", "2026-04-01T03:00:00Z", "--utc"}

	t.Run("JSON", func(t *testing.T) {
		code, stdout, stderr := run(t, append([]string{"report", "--view", "cpu", "--view", "mem,cpu", "--format", "json"}, period...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("exit status %d, stderr %q", code, stderr)
		}
		var doc struct {
			Views []struct {
				View   string `json:"view"`
				From   string `json:"from"`
				Series []struct {
					Name  string   `json:"name"`
					Count int      `json:"count"`
					Max   *float64 `json:"max"`
				} `json:"series"`
			} `json:"views"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		var views []string
		for _, v := range doc.Views {
			views = append(views, v.View)
			if v.From != "2026-04-01T00:00:00Z" {
				t.Errorf("%s: from %s, want 2026-04-01T00:00:00Z (UTC)", v.View, v.From)
			}
			if len(v.Series) == 0 {
				t.Errorf("%s: no series", v.View)
			}
			for _, s := range v.Series {
				if s.Count == 0 || s.Max == nil {
					t.Errorf("%s %s: count %d, max %v; want statistics", v.View, s.Name, s.Count, s.Max)
				}
			}
		}
		if !slices.Equal(views, []string{"cpu", "mem"}) {
			t.Errorf("views %v, want [cpu mem] (in the order asked, once each)", views)
		}
	})

	t.Run("TextAllViews", func(t *testing.T) {
		code, stdout, stderr := run(t, append([]string{"report"}, period...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("exit status %d, stderr %q", code, stderr)
		}
		for _, want := range []string{"cpu  2026-04-01 00:00 to 03:00 +00:00\n", "max at", "busiest: ", "gaps:    none"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, stdout)
			}
		}
	})

	t.Run("HTMLToFile", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.html")
		code, stdout, stderr := run(t, append([]string{"report", "--format", "html", "-o", out}, period...)...)
		if code != 0 || stdout != "" || stderr != "" {
			t.Fatalf("exit status %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		page, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) || !bytes.Contains(page, []byte("<svg")) {
			t.Errorf("%s is not a page with charts: %.200s", out, page)
		}
		if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
			t.Errorf("%s.tmp left behind", out)
		}
	})

	t.Run("DefaultIsTodaySoFar", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := Report(context.Background(), ReportOptions{DataDir: dir, Views: []string{"load"}, Format: "csv",
			RangeOptions: RangeOptions{UTC: true, Now: reportStart.Add(2 * time.Hour)}}, &stdout, &stderr)
		if err != nil {
			t.Fatal(err)
		}
		if want := ",2026-04-01T00:00:00Z,1775001600,2026-04-01T02:00:00Z,1775008800,"; !strings.Contains(stdout.String(), want) {
			t.Errorf("report without a range does not cover midnight to now (%s):\n%s", want, stdout.String())
		}
	})

	t.Run("NoSamples", func(t *testing.T) {
		code, stdout, stderr := run(t, "report", "--data", dir, "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-02T00:00:00Z")
		if code != 1 || stdout != "" {
			t.Fatalf("exit status %d, stdout %q; want 1 and nothing", code, stdout)
		}
		if !strings.Contains(stderr, "nothing to report: no samples") || !strings.Contains(stderr, "2026-04-01") {
			t.Errorf("stderr %q does not say that there are no samples and where the first one is", stderr)
		}
	})
}
