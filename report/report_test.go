package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

func render(t *testing.T, r *query.Result, format string, o Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteResult(&buf, r, format, o); err != nil {
		t.Fatalf("WriteResult(%s): %v", format, err)
	}
	return buf.String()
}

func TestWriteResult_UnknownFormat(t *testing.T) {
	t.Parallel()
	err := WriteResult(&bytes.Buffer{}, cpuResult(), "xml", testOptions)
	if !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("err = %v, want ErrUnknownFormat", err)
	}
	for _, f := range Formats() {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name the format %q", err, f)
		}
	}
	o := testOptions
	o.CSVLayout = "tall"
	if err := WriteResult(&bytes.Buffer{}, cpuResult(), "csv", o); !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "wide") {
		t.Errorf("csv layout tall: err = %v, want ErrUnknownFormat naming the layouts", err)
	}
	err = WriteSummaries(&bytes.Buffer{}, testSummaries(), "graph", testOptions)
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "html") {
		t.Errorf("summaries as graph: err = %v, want ErrUnknownFormat naming the formats", err)
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

// A writer that fails makes every format fail, not end quietly.
func TestWriteErrorsAreReturned(t *testing.T) {
	t.Parallel()
	for _, f := range Formats() {
		if err := WriteResult(&failWriter{}, diskResult(), f, testOptions); err == nil {
			t.Errorf("WriteResult(%s) to a failing writer: no error", f)
		}
	}
	for _, f := range SummaryFormats() {
		if err := WriteSummaries(&failWriter{}, testSummaries(), f, testOptions); err == nil {
			t.Errorf("WriteSummaries(%s) to a failing writer: no error", f)
		}
	}
	// Also when the failure comes later, after the first table.
	if err := WriteResult(&failWriter{after: 3}, diskResult(), FormatTable, testOptions); err == nil {
		t.Errorf("WriteResult(table) to a writer failing late: no error")
	}
}

func TestHumanize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		v    float64
		unit query.Unit
		want string
	}{
		{12.345, query.Percent, "12.3%"},
		{0, query.Percent, "0.0%"},
		{100, query.Percent, "100.0%"},
		{0, query.BytesPerSecond, "0 B/s"},
		{512, query.BytesPerSecond, "512 B/s"},
		{1536, query.BytesPerSecond, "1.50 KiB/s"},
		{1.7e308, query.None, "1.70e+290E"},
		{-1.7e308, query.BytesPerSecond, "-1.47e+290 EiB/s"},
		{12.5 * (1 << 20), query.BytesPerSecond, "12.5 MiB/s"},
		{300 << 30, query.Bytes, "300 GiB"},
		{2 << 40, query.Bytes, "2.00 TiB"},
		{0.0123, query.Seconds, "12.3 ms"},
		{0.000045, query.Seconds, "45.0 µs"},
		{2.5, query.Seconds, "2.50 s"},
		{7200, query.Seconds, "2.00 h"},
		{3 * 86400, query.Seconds, "3.00 d"},
		{12, query.PerSecond, "12/s"},
		{12.34, query.PerSecond, "12.3/s"},
		{12345, query.PerSecond, "12.3k/s"},
		{2.5e6, query.PerSecond, "2.50M/s"},
		{0.52, query.Count, "0.520"},
		{1234, query.Count, "1234"},
		{123456, query.None, "123k"},
		{-3.5, query.None, "-3.50"},
		{math.NaN(), query.Percent, ""},
		// Rounding up to the next power of ten keeps three digits.
		{99960, query.Count, "100k"},
		{99940, query.Count, "99.9k"},
		{9.996, query.Count, "10.0"},
		{-9.996, query.None, "-10.0"},
		{0.09996, query.None, "0.100"},
		{999.6, query.PerSecond, "1000/s"},
	} {
		if got := Humanize(tt.v, tt.unit); got != tt.want {
			t.Errorf("Humanize(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

// The long CSV has the same columns whatever the series, values parse back
// to exactly the points, gaps are empty fields, and the labels column
// decodes back to the labels.
func TestLongCSV(t *testing.T) {
	t.Parallel()
	for _, mk := range []func() *query.Result{cpuResult, diskResult, fsResult} {
		r := mk()
		rows, err := csv.NewReader(strings.NewReader(render(t, r, FormatCSV, testOptions))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", r.View, err)
		}
		if !slices.Equal(rows[0], longCSVHeader) {
			t.Fatalf("%s: header %q, want %q", r.View, rows[0], longCSVHeader)
		}
		want := 0
		for _, s := range r.Quantities {
			want += len(s.Points)
		}
		if len(rows)-1 != want {
			t.Errorf("%s: %d rows, want one per point, %d", r.View, len(rows)-1, want)
		}
		for _, row := range rows[1:] {
			ts, err := time.Parse(time.RFC3339, row[0])
			if err != nil {
				t.Fatalf("%s: time %q: %v", r.View, row[0], err)
			}
			unix, _ := strconv.ParseInt(row[1], 10, 64)
			if ts.Unix() != unix {
				t.Errorf("%s: time %s and unix %s differ", r.View, row[0], row[1])
			}
			s := findSeries(t, r, row[3], row[4])
			if string(s.Unit) != row[5] {
				t.Errorf("%s: unit %q, want %q", r.View, row[5], s.Unit)
			}
			p := pointAt(t, s, unix)
			if math.IsNaN(p.V) {
				if row[6] != "" {
					t.Errorf("%s: gap written as %q, want an empty field", r.View, row[6])
				}
				continue
			}
			if v, err := strconv.ParseFloat(row[6], 64); err != nil || v != p.V {
				t.Errorf("%s: value %q, want exactly %v", r.View, row[6], p.V)
			}
		}
	}
}

// findSeries finds the series of r with name and the labels column text,
// decoding the column as the package documentation says.
func findSeries(t *testing.T, r *query.Result, name, labelsCol string) query.Quantity {
	t.Helper()
	var ls []tsdb.Label
	if labelsCol != "" {
		for _, pair := range strings.Split(labelsCol, ";") {
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				t.Fatalf("labels %q: pair %q without =", labelsCol, pair)
			}
			k, err1 := url.PathUnescape(k)
			v, err2 := url.PathUnescape(v)
			if err1 != nil || err2 != nil {
				t.Fatalf("labels %q: %v %v", labelsCol, err1, err2)
			}
			ls = append(ls, tsdb.Label{Name: k, Value: v})
		}
	}
	for _, s := range r.Quantities {
		if s.Name == name && slices.Equal(s.Labels, ls) {
			return s
		}
	}
	t.Fatalf("no series %s with labels %q (%v)", name, labelsCol, ls)
	return query.Quantity{}
}

func pointAt(t *testing.T, s query.Quantity, unix int64) tsdb.Point {
	t.Helper()
	for _, p := range s.Points {
		if p.T == unix {
			return p
		}
	}
	t.Fatalf("series %s has no point at %d", s.Name, unix)
	return tsdb.Point{}
}

// A device that comes and goes changes rows, never columns.
func TestLongCSV_DevicesComeAndGo(t *testing.T) {
	t.Parallel()
	r := diskResult()
	r.Quantities = r.Quantities[:1]
	one := render(t, r, FormatCSV, testOptions)
	two := render(t, diskResult(), FormatCSV, testOptions)
	if h1, h2 := strings.SplitN(one, "\n", 2)[0], strings.SplitN(two, "\n", 2)[0]; h1 != h2 {
		t.Errorf("header with one series %q, with all %q", h1, h2)
	}
}

func TestWideCSV(t *testing.T) {
	t.Parallel()
	o := testOptions
	o.CSVLayout = CSVWide
	r := diskResult()
	rows, err := csv.NewReader(strings.NewReader(render(t, r, FormatCSV, o))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows[0]), 3+len(r.Quantities); got != want {
		t.Fatalf("%d columns, want time, unix, partial and one per series: %d", got, want)
	}
	if got, want := rows[0][3], "r/s{device=nvme0n1} (1/s)"; got != want {
		t.Errorf("first series column %q, want %q", got, want)
	}
	if got := len(rows) - 1; got != 6 {
		t.Errorf("%d rows, want one per timestamp: 6", got)
	}
	// sda has a gap at the fourth minute: empty fields in its columns.
	if got := rows[4][4]; got != "" {
		t.Errorf("gap of sda r/s written as %q, want empty", got)
	}
}

func TestLabelsText(t *testing.T) {
	t.Parallel()
	ls := labels("mountpoint", "/a;b=c%d\ne", "device", "sda")
	got := labelsText(ls)
	if want := "device=sda;mountpoint=/a%3Bb%3Dc%25d%0Ae"; got != want {
		t.Fatalf("labelsText = %q, want %q", got, want)
	}
}

// JSON decodes to the points again, with null for gaps.
func TestResultJSON(t *testing.T) {
	t.Parallel()
	r := cpuResult()
	var doc struct {
		Version     int       `json:"version"`
		View        string    `json:"view"`
		From        time.Time `json:"from"`
		FromUnix    int64     `json:"from_unix"`
		StepSeconds float64   `json:"step_seconds"`
		Series      []struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
			Unit   string            `json:"unit"`
			Points [][2]*float64     `json:"points"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(render(t, r, FormatJSON, testOptions)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != JSONVersion || doc.View != "cpu" || !doc.From.Equal(r.From) || doc.FromUnix != r.From.Unix() {
		t.Errorf("header: %+v", doc)
	}
	if len(doc.Series) != len(r.Quantities) {
		t.Fatalf("%d series, want %d", len(doc.Series), len(r.Quantities))
	}
	for i, s := range doc.Series {
		want := r.Quantities[i]
		if s.Name != want.Name || s.Unit != string(want.Unit) || s.Labels["instance"] != "web1" {
			t.Errorf("series %d: %s %s %v", i, s.Name, s.Unit, s.Labels)
		}
		for j, p := range s.Points {
			wp := want.Points[j]
			if int64(*p[0]) != wp.T {
				t.Errorf("series %d point %d: time %v, want %d", i, j, *p[0], wp.T)
			}
			switch {
			case math.IsNaN(wp.V) && p[1] != nil:
				t.Errorf("series %d point %d: gap as %v, want null", i, j, *p[1])
			case !math.IsNaN(wp.V) && (p[1] == nil || *p[1] != wp.V):
				t.Errorf("series %d point %d: %v, want %v", i, j, p[1], wp.V)
			}
		}
	}
}

func TestResultNDJSON(t *testing.T) {
	t.Parallel()
	r := cpuResult()
	sc := bufio.NewScanner(strings.NewReader(render(t, r, FormatNDJSON, testOptions)))
	n, nulls := 0, 0
	for sc.Scan() {
		var line struct {
			Unix  int64    `json:"unix"`
			Name  string   `json:"name"`
			Value *float64 `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if line.Value == nil {
			nulls++
		}
		n++
	}
	if n != 60 || nulls != 6 {
		t.Errorf("%d lines with %d null values, want 60 with 6", n, nulls)
	}
}

func TestSummaryJSON_NoData(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteSummaries(&buf, testSummaries(), FormatJSON, testOptions); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Views []struct {
			Series []struct {
				Count int      `json:"count"`
				Max   *float64 `json:"max"`
				MaxAt *string  `json:"max_at"`
			} `json:"series"`
		} `json:"views"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Views[1].Series[2]
	if s.Count != 0 || s.Max != nil || s.MaxAt != nil {
		t.Errorf("a series without values: %+v, want count 0 and null max and max_at", s)
	}
}

// Label values are data from the host: a mount point can be named like
// markup. HTML pages and SVG charts must show it as text.
func TestHTML_EscapesLabels(t *testing.T) {
	t.Parallel()
	var summary bytes.Buffer
	if err := WriteSummaries(&summary, testSummaries(), FormatHTML, testOptions); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{
		"summary": summary.String(),
		"result":  render(t, fsResult(), FormatHTML, testOptions),
		"svg":     string(chartSVG(fsResult(), "avail", 0, 0, testLoc)),
	}
	for name, page := range pages {
		if strings.Contains(page, "<img") || strings.Contains(page, "</script>") {
			t.Errorf("%s: the hostile label is not escaped", name)
		}
		if !strings.Contains(page, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the hostile label is not shown as text", name)
		}
		// Self-contained: nothing to fetch, nothing to run.
		for _, bad := range []string{"<script", "<link", "<iframe", "url(", "@import", `href="http`} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: contains %q", name, bad)
			}
		}
		if m := regexp.MustCompile(`<[^>]*\s(src|on[a-z]+)=`).FindString(page); m != "" {
			t.Errorf("%s: has an element with a source or handler: %s", name, m)
		}
	}
}

// An SVG chart breaks its lines at gaps, labels itself for screen readers
// and is the same for the same input.
func TestSVGChart(t *testing.T) {
	t.Parallel()
	svg := string(chartSVG(cpuResult(), "user", 400, 200, testLoc))
	if svg != string(chartSVG(cpuResult(), "user", 400, 200, testLoc)) {
		t.Error("two charts of the same result differ")
	}
	for _, want := range []string{`role="img"`, `aria-label="user (%)`, `<title>user (%)`, `width="400"`, "UTC+02:00", ">12:00<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	paths := regexp.MustCompile(`<path d="([^"]*)"`).FindAllStringSubmatch(svg, -1)
	if len(paths) != 1 {
		t.Fatalf("%d paths, want 1", len(paths))
	}
	if n := strings.Count(paths[0][1], "M"); n != 2 {
		t.Errorf("the path has %d subpaths, want 2 (broken at the gap): %s", n, paths[0][1])
	}
	if !strings.Contains(string(chartSVG(cpuResult(), "nosuch", 0, 0, testLoc)), "no data") {
		t.Error("a chart of no series does not say no data")
	}
}

// A spike of one point in a thousand survives downsampling to a few
// columns, in the terminal and in SVG.
func TestDownsampleKeepsSpikes(t *testing.T) {
	t.Parallel()
	pts := make([]tsdb.Point, 1000)
	for i := range pts {
		pts[i] = tsdb.Point{T: int64(i) * 60, V: 1}
	}
	pts[617].V = 50
	pts[311].V = -20
	cols := columns(pts, 0, 999*60, 40)
	if lo, hi := slices.Min(cols), slices.Max(cols); lo != -20 || hi != 50 {
		t.Errorf("columns: min %v max %v, want -20 and 50", lo, hi)
	}
	r := &query.Result{View: "x", Quantities: []query.Quantity{{Name: "v", Unit: query.Count, Points: pts}}}
	svg := string(chartSVG(r, "v", 300, 150, time.UTC))
	d := regexp.MustCompile(`<path d="([^"]*)"`).FindStringSubmatch(svg)[1]
	ys := map[string]bool{}
	for _, xy := range regexp.MustCompile(`[ML]([0-9.]+),([0-9.]+)`).FindAllStringSubmatch(d, -1) {
		ys[xy[2]] = true
	}
	if n := strings.Count(d, "L") + 1; n > 4*300 {
		t.Errorf("path has %d points for 300 pixels", n)
	}
	if len(ys) < 3 {
		t.Errorf("path has %d distinct heights, want the spike up and down too: %s", len(ys), d)
	}
}

func TestColumnsInterpolatesSparsePoints(t *testing.T) {
	t.Parallel()
	pts := []tsdb.Point{{T: 0, V: 0}, {T: 10, V: 10}, {T: 20, V: math.NaN()}, {T: 30, V: 30}}
	got := columns(pts, 0, 30, 7) // columns at t = 0, 5, 10, ... 30
	if got[0] != 0 || got[1] != 5 || got[2] != 10 || !math.IsNaN(got[3]) || !math.IsNaN(got[5]) || got[6] != 30 {
		t.Errorf("columns = %v, want 0 5 10 then a gap until 30", got)
	}
}

// Tables and graphs fit the width they are given; graphs their height
// when there is room.
func TestTerminalSize(t *testing.T) {
	t.Parallel()
	for _, width := range []int{60, 80, 132} {
		o := Options{Loc: testLoc, Width: width, Height: 30}
		for _, f := range []string{FormatTable, FormatGraph} {
			out := render(t, diskResult(), f, o)
			for i, line := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("%s at width %d: line %d is %d wide: %q", f, width, i+1, n, line)
				}
			}
		}
	}
	out := render(t, cpuResult(), FormatGraph, Options{Loc: testLoc, Width: 100, Height: 40})
	if n := strings.Count(out, "\n"); n > 40 || n < 30 {
		t.Errorf("graph of two quantities on 40 lines takes %d lines, want 30 to 40", n)
	}
}

// A gap is a row without values in a table and a break in a graph.
func TestGapsInTableAndGraph(t *testing.T) {
	t.Parallel()
	table := render(t, cpuResult(), FormatTable, testOptions)
	for _, line := range []string{"12:10", "12:11", "12:12"} {
		if !strings.Contains(table, "\n"+line+"\n") {
			t.Errorf("table lacks the empty row %q", line)
		}
	}
	if !strings.Contains(table, "\nAverage:") {
		t.Error("table lacks the Average row")
	}
	graph := render(t, cpuResult(), FormatGraph, testOptions)
	if strings.Count(graph, "╴") != 2 || strings.Count(graph, "╶") != 2 {
		t.Errorf("graph does not break both lines at the gap:\n%s", graph)
	}
}

func TestGraphColorAndLegend(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeGraph(&buf, diskResult(), testOptions, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\x1b[") || !strings.Contains(buf.String(), "■\x1b[0m nvme0n1") {
		t.Errorf("colour graph lacks colours or legend:\n%s", buf.String())
	}
	if strings.Contains(render(t, diskResult(), FormatGraph, testOptions), "\x1b[") {
		t.Error("graph to a non-terminal has colour codes")
	}
}

// Label values cannot send escape sequences to the terminal.
func TestTerminalOutputIsPrintable(t *testing.T) {
	t.Parallel()
	r := fsResult()
	r.Quantities[0].Labels = labels("mountpoint", "/evil\x1b]0;pwned\x07")
	for _, f := range []string{FormatTable, FormatGraph} {
		out := render(t, r, f, testOptions)
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s output passes control characters through", f)
		}
		if !strings.Contains(out, `/evil\x1b]0;pwned\a`) {
			t.Errorf("%s output does not show the escaped label", f)
		}
	}
}

func TestEmptyResult(t *testing.T) {
	t.Parallel()
	r := &query.Result{View: "cpu", From: testStart, To: testStart.Add(time.Hour)}
	for _, f := range Formats() {
		out := render(t, r, f, testOptions)
		if (out == "") != (f == FormatNDJSON) {
			t.Errorf("%s: output %q for an empty result", f, out)
		}
	}
	if got := render(t, r, FormatCSV, testOptions); got != strings.Join(longCSVHeader, ",")+"\n" {
		t.Errorf("csv of an empty result = %q, want the header alone", got)
	}
}

func TestTimeTicks(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 5, 1, 22, 7, 0, 0, testLoc)
	ticks := timeTicks(t0.Unix(), t0.Add(5*time.Hour).Unix(), testLoc, 6, 60)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.label)
	}
	if want := []string{"23:00", "May 2", "01:00", "02:00", "03:00"}; !slices.Equal(labels, want) {
		t.Errorf("ticks %v, want %v", labels, want)
	}
}

func TestIntervalText(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, testLoc)
	one := newClock(testLoc, day, day.Add(24*time.Hour), false)
	two := newClock(testLoc, day, day.Add(48*time.Hour), false)
	for _, tt := range []struct {
		clk      clock
		from, to time.Time
		want     string
	}{
		{one, day.Add(13 * time.Hour), day.Add(13*time.Hour + 5*time.Minute), "13:00-13:05"},
		{two, day.Add(13 * time.Hour), day.Add(13*time.Hour + 5*time.Minute), "May  1 13:00-13:05"},
		{two, day.Add(23 * time.Hour), day.Add(25 * time.Hour), "May  1 23:00-May  2 01:00"},
	} {
		if got := intervalText(query.Interval{From: tt.from, To: tt.to}, tt.clk); got != tt.want {
			t.Errorf("intervalText(%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

// The totals line lists what query counted, as it computed it.
func TestSummaryText_Totals(t *testing.T) {
	r := diskResult()
	var totals []int
	for i := range r.Quantities {
		if q := &r.Quantities[i]; q.Name == "read" {
			q.Stats.Total, q.Stats.TotalUnit = float64(3<<30)/2, query.Bytes
			totals = append(totals, i)
		}
	}
	var b strings.Builder
	if err := WriteSummaries(&b, []*query.Summary{{Result: *r, Totals: totals}}, FormatText, testOptions); err != nil {
		t.Fatal(err)
	}
	want := "totals:  nvme0n1 read " + Humanize(float64(3<<30)/2, query.Bytes) + ", sda read " + Humanize(float64(3<<30)/2, query.Bytes)
	if !strings.Contains(b.String(), want+"\n") {
		t.Errorf("no line %q in\n%s", want, b.String())
	}
}
