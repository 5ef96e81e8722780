package report

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./report -update if the change is right):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// Fixtures: a fixed zone (so that golden files do not depend on the
// machine's), a start time and a hostile label value.
var (
	testLoc   = time.FixedZone("CEST", 2*3600)
	testStart = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC) // 12:00 CEST
	hostile   = `</script><img src=x onerror=alert(1)>`
)

var testOptions = Options{Loc: testLoc, Width: 80, Height: 24}

func labels(nv ...string) []tsdb.Label { return tsdb.NewSeries("x", nv...).Labels }

// wave returns n points a minute apart from testStart with deterministic
// values between lo and hi, NaN at the indexes in gaps.
func wave(n int, lo, hi float64, phase float64, gaps ...int) []tsdb.Point {
	pts := make([]tsdb.Point, n)
	for i := range pts {
		v := lo + (hi-lo)*(0.5+0.5*math.Sin(float64(i)/4+phase))
		pts[i] = tsdb.Point{T: testStart.Unix() + int64(i)*60, V: math.Round(v*1000) / 1000}
	}
	for _, g := range gaps {
		pts[g].V = math.NaN()
	}
	return pts
}

// cpuResult is a view with two quantities of one thing and a gap of three
// minutes.
func cpuResult() *query.Result {
	return &query.Result{
		View: "cpu", From: testStart, To: testStart.Add(30 * time.Minute),
		Series: []query.Series{
			{Name: "user", Labels: labels("instance", "web1"), Unit: query.Percent, Points: wave(30, 5, 60, 0, 10, 11, 12)},
			{Name: "system", Labels: labels("instance", "web1"), Unit: query.Percent, Points: wave(30, 1, 9, 1, 10, 11, 12)},
		},
	}
}

// diskResult is a view with several things and quantities of different
// units, wider than 80 columns in a single table.
func diskResult() *query.Result {
	r := &query.Result{View: "disk", From: testStart, To: testStart.Add(6 * time.Minute), Step: time.Minute, Agg: "avg"}
	for _, q := range []struct {
		name   string
		unit   query.Unit
		lo, hi float64
	}{
		{"r/s", query.PerSecond, 0, 120}, {"w/s", query.PerSecond, 3, 40000},
		{"read", query.BytesPerSecond, 0, 3 << 20}, {"written", query.BytesPerSecond, 1 << 10, 900 << 20},
		{"await", query.Seconds, 0.0002, 0.03}, {"aqu-sz", query.Count, 0, 2.5}, {"util", query.Percent, 0, 100},
	} {
		for i, dev := range []string{"nvme0n1", "sda"} {
			pts := wave(6, q.lo, q.hi, float64(i))
			if dev == "sda" {
				pts[3].V = math.NaN()
			}
			r.Series = append(r.Series, query.Series{Name: q.name, Labels: labels("device", dev, "instance", "web1"), Unit: q.unit, Points: pts})
		}
	}
	return r
}

// fsResult has label values that need escaping everywhere: a hostile one
// for HTML, and CSV and labels-column separators.
func fsResult() *query.Result {
	return &query.Result{
		View: "fs", From: testStart, To: testStart.Add(5 * time.Minute),
		Series: []query.Series{
			{Name: "avail", Labels: labels("mountpoint", "/"), Unit: query.Bytes, Points: wave(5, 10<<30, 11<<30, 0)},
			{Name: "avail", Labels: labels("mountpoint", hostile), Unit: query.Bytes, Points: wave(5, 1<<20, 5<<20, 2)},
			{Name: "avail", Labels: labels("mountpoint", `/mnt/a;b=c,"d"`), Unit: query.Bytes, Points: wave(5, 0, 1<<10, 1, 2)},
		},
	}
}

// summaries of cpuResult and fsResult, as query.Summarize would give them.
func testSummaries() []*query.Summary {
	cpu := cpuResult()
	fs := fsResult()
	for i := range fs.Series[2].Points {
		fs.Series[2].Points[i].V = math.NaN() // a mount without values in the period
	}
	return []*query.Summary{
		{
			Result: *cpu,
			Stats: []query.Stat{
				{Series: 0, Count: 27, Avg: 31.25, Min: 5.002, P95: 59.1, Max: 60, MaxAt: testStart.Add(6 * time.Minute)},
				{Series: 1, Count: 27, Avg: 4.5, Min: 1, P95: 8.9, Max: 9, MaxAt: testStart.Add(2 * time.Minute)},
			},
			Busiest: []query.Interval{
				{From: testStart.Add(5 * time.Minute), To: testStart.Add(10 * time.Minute), Value: 66.5, Unit: query.Percent},
				{From: testStart.Add(25 * time.Minute), To: testStart.Add(30 * time.Minute), Value: 61.25, Unit: query.Percent},
			},
			Gaps: []query.Interval{{From: testStart.Add(10 * time.Minute), To: testStart.Add(13 * time.Minute)}},
		},
		{
			Result: *fs,
			Stats: []query.Stat{
				{Series: 0, Count: 5, Avg: 10.5 * (1 << 30), Min: 10 << 30, P95: 11 << 30, Max: 11 << 30, MaxAt: testStart.Add(2 * time.Minute)},
				{Series: 1, Count: 5, Avg: 3 << 20, Min: 1 << 20, P95: 5 << 20, Max: 5 << 20, MaxAt: testStart},
				{Series: 2, Count: 0, Avg: math.NaN(), Min: math.NaN(), P95: math.NaN(), Max: math.NaN()},
			},
		},
	}
}
