package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// Series colours of SVG charts (Okabe and Ito's colour-blind safe palette,
// then grey); series past the eighth repeat them dashed.
var svgColors = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999999"}

// Default size of an SVG chart.
const (
	svgWidth  = 640
	svgHeight = 240
)

// Text metrics of SVG charts: font size, and the width of a character,
// roughly, for layout. The layout leaves room for text up to 15 units, so
// that a page shown scaled down (serve's stylesheet on a phone) can make
// the text larger without clipping it.
const (
	svgFont  = 11
	svgCharW = 8.6
)

// SVG draws the series of r named quantity as one line chart: a
// self-contained <svg> element (no scripts, no external assets, inline
// styles) of o.Width x o.Height pixels (0: 640x240) with a title, a value
// axis in the series' unit, a time axis in o.Loc, a legend when there are
// several series, and a <title> per series for hover. Gaps (NaN) break the
// lines. The output is deterministic and every label is escaped, so it can
// be embedded in any HTML page. A quantity without values gives a chart
// that says "no data".
//
// The time axis spans the Result's range [From, To) when it has one, so
// that charts of the same range line up whatever their data; else the
// time of the data.
func (o ChartOptions) SVG(r *query.Result, quantity string) template.HTML {
	return template.HTML(o.chart(r, quantity).draw())
}

// LeftOf returns where the plot area of the chart of quantity would
// start, in pixels: the room its value axis' labels need. Charts drawn with
// PlotLeft set to the largest of a page's share their time axis.
func (o ChartOptions) LeftOf(r *query.Result, quantity string) int {
	c := o.chart(r, quantity)
	if len(c.series) == 0 || !hasValue(c.series) {
		return 0
	}
	c.layout()
	return int(math.Ceil(c.left))
}

func (o ChartOptions) chart(r *query.Result, quantity string) *svgChart {
	width, height, loc := o.Width, o.Height, o.Loc
	if width <= 0 {
		width = svgWidth
	}
	if height <= 0 {
		height = svgHeight
	}
	if loc == nil {
		loc = time.Local
	}
	var series []query.Quantity
	if r != nil {
		for _, i := range seriesOf(r, quantity) {
			series = append(series, r.Quantities[i])
		}
	}
	c := &svgChart{w: float64(width), h: float64(height), loc: loc, series: series, o: o}
	if r != nil && !r.From.IsZero() && !r.To.IsZero() && r.To.After(r.From) {
		c.from, c.to = r.From.Unix(), r.To.Unix()
	}
	var all labelSplit
	if r != nil {
		all = splitLabels(r.Quantities)
	}
	c.title = quantity
	if len(series) > 0 {
		c.title = chartTitle(quantity, series, all)
	}
	return c
}

type svgChart struct {
	w, h   float64
	loc    *time.Location
	series []query.Quantity
	title  string
	o      ChartOptions
	// from and to are the range of the time axis; 0 for the data's span.
	from, to int64
	b        strings.Builder
	// plot area
	left, top, right, bottom float64
	t0, t1                   int64
	lo, hi                   float64
}

// esc escapes s for SVG text and attribute values.
func esc(s string) string { return template.HTMLEscapeString(s) }

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// draw returns the chart as an SVG element: title, axes, series, legend,
// or "no data".
func (c *svgChart) draw() string {
	b := &c.b
	t0, t1, ok := dataSpan(c.series)
	if ok && c.to > c.from {
		t0, t1 = c.from, c.to
	}
	c.t0, c.t1 = t0, t1
	clk := newClock(c.loc, timeOf(t0), timeOf(t1+1), hasSeconds(c.series))
	label := c.title
	if ok {
		label += ", " + clk.unix(t0) + " to " + clk.unix(t1) + " " + zoneText(timeOf(t0), c.loc)
	}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="%d">`,
		int(c.w), int(c.h), int(c.w), int(c.h), esc(label), svgFont)
	fmt.Fprintf(b, "\n<title>%s</title>\n", esc(label))
	fmt.Fprintf(b, `<text x="4" y="16" font-weight="bold" fill="#222">%s</text>`+"\n", esc(c.title))
	if !ok || !hasValue(c.series) {
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="#666">no data</text>`+"\n", num(c.w/2), num(c.h/2))
		b.WriteString("</svg>")
		return b.String()
	}
	fmt.Fprintf(b, `<text x="%s" y="16" text-anchor="end" fill="#666">%s</text>`+"\n", num(c.w-4), esc(zoneText(timeOf(t0), c.loc)))

	legend, yticks, yfmt := c.layout()
	c.drawValueAxis(yticks, yfmt)
	c.drawTimeAxis(clk)
	c.drawSeries(clk)
	c.drawLegend(legend)
	b.WriteString("</svg>")
	return b.String()
}

// drawValueAxis draws the grid lines at yticks and their values.
func (c *svgChart) drawValueAxis(yticks []float64, yfmt func(float64) string) {
	b := &c.b
	b.WriteString(`<g fill="#444" text-anchor="end">` + "\n")
	for _, v := range yticks {
		y := c.y(v)
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#ddd"/><text x="%s" y="%s">%s</text>`+"\n",
			num(c.left), num(y), num(c.right), num(y), num(c.left-4), num(y+4), esc(yfmt(v)))
	}
	b.WriteString("</g>\n")
}

// drawTimeAxis draws the time axis with its ticks. The classes "axis" and
// "grid" are what serve's script finds the plot area by
// (report/web/assets/static/app.js).
func (c *svgChart) drawTimeAxis(clk clock) {
	b := &c.b
	fmt.Fprintf(b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#888"/>`+"\n", num(c.left), num(c.bottom), num(c.right), num(c.bottom))
	b.WriteString(`<g fill="#444" text-anchor="middle">` + "\n")
	for _, tk := range timeTicks(c.t0, c.t1, c.loc, int((c.right-c.left)/70), clk.minStep()) {
		x := c.x(tk.t)
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#888"/><text x="%s" y="%s">%s</text>`+"\n",
			num(x), num(c.bottom), num(x), num(c.bottom+4), num(x), num(c.bottom+14), esc(tk.label))
	}
	b.WriteString("</g>\n")
}

// drawSeries draws each series as a line, or stacked as an area, with its
// hover text.
func (c *svgChart) drawSeries(clk clock) {
	b := &c.b
	sp := splitLabels(c.series)
	var stack []float64
	for i, s := range c.series {
		color := c.color(i)
		name := s.Name
		if l := sp.legend(s.Labels); l != "" {
			name = l
		}
		if c.o.Stacked && !c.isLine(i) {
			var d string
			d, stack = c.area(s.Points, stack)
			fmt.Fprintf(b, `<path class="area" d="%s" fill="%s" fill-opacity="0.55" stroke="%s" stroke-width="1"><title>%s</title></path>`+"\n",
				d, color, color, esc(seriesHover(name, s, clk)))
			continue
		}
		dash := ""
		if i >= len(svgColors) {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"%s><title>%s</title></path>`+"\n",
			c.path(s.Points), color, dash, esc(seriesHover(name, s, clk)))
	}
}

// drawLegend draws the legend's rows below the time axis.
func (c *svgChart) drawLegend(legend [][]legendItem) {
	for row, items := range legend {
		y := c.bottom + 34 + float64(row)*16 // baseline
		for _, it := range items {
			fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3"%s/><text x="%s" y="%s" fill="#222">%s</text>`+"\n",
				num(it.x), num(y-4), num(it.x+14), num(y-4), c.color(it.i), it.dash, num(it.x+18), num(y), esc(it.text))
		}
	}
}

// layout places the plot area of a chart with values and returns the
// legend's rows and the value axis' ticks and their format.
func (c *svgChart) layout() ([][]legendItem, []float64, func(float64) string) {
	unit := c.series[0].Unit
	lo, hi := valueRange(c.series)
	if c.o.Stacked {
		lo, hi = c.stackRange()
	}
	legend := c.legendLayout()
	c.top = 28
	c.bottom = c.h - 20
	if len(legend) > 0 {
		c.bottom -= 6 + float64(len(legend))*16
	}
	yticks, yfmt := niceTicks(unit, lo, hi, max(2, int((c.bottom-c.top)/36)))
	c.lo, c.hi = yticks[0], yticks[len(yticks)-1]
	labelW := 0
	for _, v := range yticks {
		labelW = max(labelW, utf8.RuneCountInString(yfmt(v)))
	}
	c.left = math.Max(math.Max(36, float64(labelW)*svgCharW+10), float64(c.o.PlotLeft))
	c.right = c.w - 36 // room for half a time label
	return legend, yticks, yfmt
}

func (c *svgChart) x(t int64) float64 {
	if c.t1 == c.t0 {
		return (c.left + c.right) / 2
	}
	return c.left + float64(t-c.t0)/float64(c.t1-c.t0)*(c.right-c.left)
}

func (c *svgChart) y(v float64) float64 {
	return c.bottom - (v-c.lo)/(c.hi-c.lo)*(c.bottom-c.top)
}

// path draws pts as an SVG path: a subpath per run of values between gaps,
// reduced to the first, lowest, highest and last point of each pixel
// column. A lone value is a dot.
func (c *svgChart) path(pts []tsdb.Point) string {
	var b strings.Builder
	inRun := false
	var col []tsdb.Point // the points of the current pixel column
	colX := math.NaN()
	flush := func() {
		if len(col) == 0 {
			return
		}
		first, last := col[0], col[len(col)-1]
		lo, hi := first, first
		for _, p := range col {
			if p.V < lo.V {
				lo = p
			}
			if p.V > hi.V {
				hi = p
			}
		}
		keep := []tsdb.Point{first}
		mid := []tsdb.Point{lo, hi}
		if hi.T < lo.T {
			mid = []tsdb.Point{hi, lo}
		}
		for _, p := range append(mid, last) {
			if p != keep[len(keep)-1] {
				keep = append(keep, p)
			}
		}
		for _, p := range keep {
			if !inRun {
				b.WriteString("M")
				inRun = true
			} else {
				b.WriteString("L")
			}
			b.WriteString(num(c.x(p.T)) + "," + num(c.y(p.V)))
		}
		col = col[:0]
	}
	runLen := 0
	endRun := func() {
		flush()
		if inRun && runLen == 1 {
			b.WriteString("l0,0") // a dot, with round line caps
		}
		inRun, runLen = false, 0
	}
	for _, p := range pts {
		if !finite(p.V) {
			endRun()
			continue
		}
		x := math.Floor(c.x(p.T))
		if x != colX {
			flush()
			colX = x
		}
		col = append(col, p)
		runLen++
	}
	endRun()
	return b.String()
}

// seriesHover is the hover text of a series: its name, and its average,
// minimum and maximum with the time of the maximum as query computed them.
func seriesHover(name string, s query.Quantity, clk clock) string {
	st := s.Stats
	if st.Count == 0 {
		return name + ": no data"
	}
	return fmt.Sprintf("%s: avg %s, min %s, max %s at %s", name,
		Humanize(st.Avg, s.Unit), Humanize(st.Min, s.Unit), Humanize(st.Max, s.Unit), clk.format(st.MaxAt))
}

type legendItem struct {
	i    int
	x    float64
	text string
	dash string
}

// legendLayout places the legend items of a chart with several series in
// rows that fit its width.
func (c *svgChart) legendLayout() [][]legendItem {
	if len(c.series) < 2 {
		return nil
	}
	sp := splitLabels(c.series)
	var rows [][]legendItem
	var row []legendItem
	x := 4.0
	for i, s := range c.series {
		text := sp.legend(s.Labels)
		if text == "" {
			text = s.Name
		}
		w := 18 + float64(utf8.RuneCountInString(text))*svgCharW + 14
		if len(row) > 0 && x+w > c.w {
			rows = append(rows, row)
			row, x = nil, 4
		}
		it := legendItem{i: i, x: x, text: text}
		if i >= len(svgColors) {
			it.dash = ` stroke-dasharray="5 3"`
		}
		row = append(row, it)
		x += w
	}
	return append(rows, row)
}

// zoneText names the offset of loc at t: "UTC+02:00".
func zoneText(t time.Time, loc *time.Location) string {
	return "UTC" + t.In(loc).Format("-07:00")
}

// niceTicks returns round tick values covering [lo, hi], about n of them,
// in the unit's scale (so bytes tick at 1, 2, 5 GiB), and their labels.
func niceTicks(u query.Unit, lo, hi float64, n int) ([]float64, func(float64) string) {
	sc := scaleFor(u, math.Max(math.Abs(lo), math.Abs(hi)))
	slo, shi := lo/sc.div, hi/sc.div
	step := niceNum((shi-slo)/float64(max(n-1, 1)), true)
	start := math.Floor(slo/step) * step
	end := math.Ceil(shi/step) * step
	var ticks []float64
	for i := 0; ; i++ {
		v := start + float64(i)*step
		if v > end+step/2 {
			break
		}
		ticks = append(ticks, v*sc.div)
	}
	if len(ticks) < 2 {
		ticks = append(ticks, (start+step)*sc.div)
	}
	return ticks, axisFormatter(u, lo, hi, step*sc.div)
}

// niceNum returns a number of the form 1, 2, 5 or 10 times a power of ten
// near x (Heckbert's "nice numbers").
func niceNum(x float64, round bool) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	var nf float64
	switch {
	case round && f < 1.5, !round && f <= 1:
		nf = 1
	case round && f < 3, !round && f <= 2:
		nf = 2
	case round && f < 7, !round && f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, exp)
}

type timeTick struct {
	t     int64
	label string
}

// tickSteps are the spacings of time ticks, in seconds.
var tickSteps = []int64{1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
	86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400}

// timeTicks returns at most n ticks (at least 2) in [t0, t1] at round
// local times: "15:04", or "Jan 2" at midnight when the span crosses days.
// Ticks are at least minStep seconds apart (60 when labels have no
// seconds).
func timeTicks(t0, t1 int64, loc *time.Location, n int, minStep int64) []timeTick {
	n = max(n, 2)
	span := t1 - t0
	if span <= 0 {
		return []timeTick{{t0, timeOf(t0).In(loc).Format("15:04")}}
	}
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if s >= minStep && span/s <= int64(n) {
			step = s
			break
		}
	}
	start := timeOf(t0).In(loc)
	midnight := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	multiDay := newClock(loc, timeOf(t0), timeOf(t1+1), false).layout != "15:04"
	var ticks []timeTick
	add := func(t time.Time) {
		u := t.Unix()
		if u < t0 || u > t1 {
			return
		}
		local := t.In(loc)
		label := local.Format("15:04")
		if step < 60 {
			label = local.Format("15:04:05")
		}
		if multiDay && local.Hour() == 0 && local.Minute() == 0 && local.Second() == 0 {
			label = local.Format("Jan 2")
		}
		ticks = append(ticks, timeTick{u, label})
	}
	if step >= 86400 {
		days := int(step / 86400)
		for d := midnight; d.Unix() <= t1; d = d.AddDate(0, 0, days) {
			add(d)
		}
	} else {
		first := midnight.Unix() + (t0-midnight.Unix()+step-1)/step*step
		for u := first; u <= t1; u += step {
			add(timeOf(u))
		}
	}
	return ticks
}
