package report

import (
	"bytes"
	"flag"
	"html/template"
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
	return withStats(&query.Result{
		View: "cpu", From: testStart, To: testStart.Add(30 * time.Minute), Agg: "avg",
		Quantities: []query.Quantity{
			{Name: "user", Labels: labels("instance", "web1"), Unit: query.Percent, Points: wave(30, 5, 60, 0, 10, 11, 12)},
			{Name: "system", Labels: labels("instance", "web1"), Unit: query.Percent, Points: wave(30, 1, 9, 1, 10, 11, 12)},
		},
	})
}

// diskResult is a view with several things and quantities of different
// units, wider than 80 columns in a single table, whose first and last
// buckets are partial (the range cuts them).
func diskResult() *query.Result {
	r := &query.Result{View: "disk", From: testStart, To: testStart.Add(6 * time.Minute), Step: time.Minute, Agg: "avg",
		PartialFirst: true, PartialLast: true}
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
			r.Quantities = append(r.Quantities, query.Quantity{Name: q.name, Labels: labels("device", dev, "instance", "web1"), Unit: q.unit, Points: pts})
		}
	}
	return withStats(r)
}

// withStats fills in the Stats of r's quantities as query computes them
// for gauges sampled evenly (the fixtures' points): Avg is the mean of the
// values, Overall the Avg; the average is shifted by a thousandth so that a
// renderer computing its own mean from the points shows a different digit.
func withStats(r *query.Result) *query.Result {
	for i := range r.Quantities {
		q := &r.Quantities[i]
		st := query.Stats{Avg: math.NaN(), Total: math.NaN(), Min: math.NaN(), P95: math.NaN(), Max: math.NaN(), Last: math.NaN(), Overall: math.NaN()}
		var sum float64
		for _, p := range q.Points {
			if math.IsNaN(p.V) {
				continue
			}
			st.Count++
			sum += p.V
			if st.Count == 1 || p.V < st.Min {
				st.Min = p.V
			}
			if st.Count == 1 || p.V > st.Max {
				st.Max, st.MaxAt = p.V, time.Unix(p.T, 0)
			}
			st.Last, st.P95 = p.V, st.Max
		}
		if st.Count > 0 {
			st.Avg = sum / float64(st.Count) * 1.001
			st.Overall = st.Avg
		}
		q.Stats = st
	}
	return r
}

// fsResult has label values that need escaping everywhere: a hostile one
// for HTML, and CSV and labels-column separators.
func fsResult() *query.Result {
	return withStats(&query.Result{
		View: "fs", From: testStart, To: testStart.Add(5 * time.Minute), Agg: "avg",
		Quantities: []query.Quantity{
			{Name: "avail", Labels: labels("mountpoint", "/"), Unit: query.Bytes, Points: wave(5, 10<<30, 11<<30, 0)},
			{Name: "avail", Labels: labels("mountpoint", hostile), Unit: query.Bytes, Points: wave(5, 1<<20, 5<<20, 2)},
			{Name: "avail", Labels: labels("mountpoint", `/mnt/a;b=c,"d"`), Unit: query.Bytes, Points: wave(5, 0, 1<<10, 1, 2)},
		},
	})
}

// summaries of cpuResult and fsResult, as query.Summarize would give them.
func testSummaries() []*query.Summary {
	cpu := cpuResult()
	// steal, 0 all range: a row in the tables, listed but not drawn in html.
	cpu.Quantities = append(cpu.Quantities, query.Quantity{Name: "steal", Labels: labels("instance", "web1"), Unit: query.Percent,
		Points: wave(30, 0, 0, 0, 10, 11, 12), Stats: query.Stats{Count: 27, Overall: 0, Total: math.NaN(), Last: 0}})
	fs := fsResult()
	for i := range fs.Quantities[2].Points {
		fs.Quantities[2].Points[i].V = math.NaN() // a mount without values in the period
	}
	set := func(q *query.Quantity, count int, avg, lo, p95, hi float64, maxAt time.Time) {
		q.Stats = query.Stats{Count: count, Avg: avg, Min: lo, P95: p95, Max: hi, MaxAt: maxAt, Overall: avg, Total: math.NaN(), Last: math.NaN()}
	}
	set(&cpu.Quantities[0], 27, 31.25, 5.002, 59.1, 60, testStart.Add(6*time.Minute))
	set(&cpu.Quantities[1], 27, 4.5, 1, 8.9, 9, testStart.Add(2*time.Minute))
	// The totals line: CPU seconds of user and system over the period.
	cpu.Quantities[0].Stats.Total, cpu.Quantities[0].Stats.TotalUnit = 1234.5, query.Seconds
	cpu.Quantities[1].Stats.Total, cpu.Quantities[1].Stats.TotalUnit = 86.25, query.Seconds
	set(&fs.Quantities[0], 5, 10.5*(1<<30), 10<<30, 11<<30, 11<<30, testStart.Add(2*time.Minute))
	set(&fs.Quantities[1], 5, 3<<20, 1<<20, 5<<20, 5<<20, testStart)
	nan := math.NaN()
	set(&fs.Quantities[2], 0, nan, nan, nan, nan, time.Time{})
	return []*query.Summary{
		{
			Result: *cpu,
			Totals: []int{0, 1},
			Busiest: []query.Interval{
				{From: testStart.Add(5 * time.Minute), To: testStart.Add(10 * time.Minute), Value: 66.5, Unit: query.Percent,
					PeakAt: testStart.Add(10 * time.Minute),
					// Its top consumers, one with a hostile name.
					Top: []query.Consumer{{PID: "4242", Comm: "make", Share: 41.25}, {PID: "4250", Comm: hostile, Share: 20}}},
				// An episode of several intervals, one with seconds.
				{From: testStart.Add(20*time.Minute + 30*time.Second), To: testStart.Add(30 * time.Minute), Value: 61.25, Unit: query.Percent,
					PeakAt: testStart.Add(25 * time.Minute)},
			},
			Gaps: []query.Interval{{From: testStart.Add(10 * time.Minute), To: testStart.Add(13 * time.Minute)}},
		},
		{
			Result: *fs,
		},
	}
}

// chartSVG draws the chart of quantity with the default options but the
// size (ChartOptions.SVG).
func chartSVG(r *query.Result, quantity string, width, height int, loc *time.Location) template.HTML {
	return ChartOptions{Width: width, Height: height, Loc: loc}.SVG(r, quantity)
}
