package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/guptarohit/asciigraph"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// Series colours on a terminal, and the characters that tell series apart
// without colour (the first series draws with box-drawing lines).
var (
	graphColors = []asciigraph.AnsiColor{asciigraph.Blue, asciigraph.Red, asciigraph.Green,
		asciigraph.Yellow, asciigraph.Magenta, asciigraph.Cyan, asciigraph.Orange, asciigraph.Gray}
	graphMarkers = []string{"•", "+", "x", "o", "*", "#", "=", "~"}
)

// Lines a chart takes besides its plot rows: a blank line, the title, the
// time axis and its labels, the legend.
const chartOverhead = 5

// minPlotRows is the fewest rows a chart's plot gets, however many charts
// there are.
const minPlotRows = 6

// writeGraph writes one asciigraph chart per quantity of r, all series of
// the quantity in it with a legend, sized to o.Width and o.Height: the
// charts share the height when they fit, else each gets at least a few
// rows. Gaps (NaN) break the lines.
func writeGraph(w io.Writer, r *query.Result, o Options, color bool) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "%s  %s  (%s)\n", r.View, PeriodText(r.From, r.To, o.Loc), stepText(r))
	all := splitLabels(r.Quantities)
	if c := all.constantText(); c != "" {
		fmt.Fprintln(bw, printable(c))
	}
	names := quantities(r)
	if len(names) == 0 {
		fmt.Fprintln(bw, "no data")
		return bw.err
	}
	t0, t1, ok := dataSpan(r.Quantities)
	rows := max(minPlotRows, min((o.Height-2)/len(names)-chartOverhead, o.Height-2-chartOverhead))
	clk := newClock(o.Loc, timeOf(t0), timeOf(t1+1), hasSeconds(r.Quantities))
	for _, name := range names {
		var series []query.Quantity
		for _, i := range seriesOf(r, name) {
			series = append(series, r.Quantities[i])
		}
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, printable(chartTitle(name, series, all)))
		if !ok || !hasValue(series) {
			fmt.Fprintln(bw, "no data")
			continue
		}
		fmt.Fprintln(bw, plotChart(series, t0, t1, rows, o.Width, clk, color))
		if len(series) > 1 {
			fmt.Fprintln(bw, graphLegend(series, o.Width, color))
		}
		if bw.err != nil {
			return bw.err
		}
	}
	return bw.err
}

// chartTitle is "name (unit)", then the labels the series of the chart
// share that the whole result does not.
func chartTitle(name string, series []query.Quantity, all labelSplit) string {
	t := name
	if u := unitLabel(series[0].Unit); u != "" {
		t += " (" + u + ")"
	}
	sp := splitLabels(series)
	var extra []string
	for _, l := range sp.constant {
		if v := tsdb.LabelValue(all.constant, l.Name); v == "" || v != l.Value {
			extra = append(extra, l.Name+"="+l.Value)
		}
	}
	if len(extra) > 0 {
		t += "  " + strings.Join(extra, ", ")
	}
	return t
}

// plotChart draws series (of one unit) over [t0, t1] in rows lines and
// width columns in all, axis labels included.
func plotChart(series []query.Quantity, t0, t1 int64, rows, width int, clk clock, color bool) string {
	unit := series[0].Unit
	lo, hi := valueRange(series)
	fmtY := axisFormatter(unit, lo, hi, (hi-lo)/float64(max(rows-1, 1)))
	labelW := 0
	for _, v := range []float64{lo, hi, (lo + hi) / 2} {
		labelW = max(labelW, utf8.RuneCountInString(fmtY(v)))
	}
	const offset = 2
	cols := max(width-(offset+labelW)-1, 10)
	if t0 == t1 {
		cols = 1
	}
	data := make([][]float64, len(series))
	for i, s := range series {
		data[i] = columns(s.Points, t0, t1, cols)
	}
	opts := []asciigraph.Option{
		asciigraph.Height(rows - 1),
		asciigraph.Offset(offset),
		asciigraph.LowerBound(lo),
		asciigraph.UpperBound(hi),
		asciigraph.YAxisValueFormatter(fmtY),
	}
	if color {
		opts = append(opts, asciigraph.SeriesColors(seriesColors(len(series))...))
	} else {
		sets := make([]asciigraph.CharSet, len(series))
		for i := range sets {
			if i == 0 {
				sets[i] = asciigraph.DefaultCharSet
			} else {
				sets[i] = asciigraph.CreateCharSet(graphMarkers[(i-1)%len(graphMarkers)])
			}
		}
		opts = append(opts, asciigraph.SeriesChars(sets...))
	}
	plot := asciigraph.PlotMany(data, opts...)
	// The plot starts right of the value axis, which the first line shows.
	first, _, _ := strings.Cut(plot, "\n")
	left := 0
	for _, r := range stripANSI(first) {
		left++
		if r == '┤' || r == '┼' {
			break
		}
	}
	return plot + "\n" + timeAxis(t0, t1, left, cols, clk)
}

// timeAxis draws the time axis under a plot of cols columns starting at
// column left: the first and the last time at the ends, round times
// between them where they fit.
func timeAxis(t0, t1 int64, left, cols int, clk clock) string {
	axis := []rune(strings.Repeat(" ", left-1) + "└" + strings.Repeat("─", cols))
	labels := []rune(strings.Repeat(" ", left+cols))
	col := func(t int64) int {
		if t1 == t0 {
			return 0
		}
		return int(math.Round(float64(t-t0) / float64(t1-t0) * float64(cols-1)))
	}
	place := func(c int, text string, from int) int {
		tr := []rune(text)
		if from < 0 || from+len(tr) > len(labels) {
			return -1
		}
		copy(labels[from:], tr)
		axis[left+c] = '┬'
		return from + len(tr)
	}
	firstText, lastText := clk.unix(t0), clk.unix(t1)
	used := place(0, firstText, left) // first time, left-aligned
	end := left + cols - utf8.RuneCountInString(lastText)
	if t1 != t0 && end > used {
		for _, tk := range timeTicks(t0, t1, clk.loc, cols/(utf8.RuneCountInString(firstText)+2), clk.minStep()) {
			c := col(tk.t)
			text := tk.label
			from := left + c - utf8.RuneCountInString(text)/2
			if from > used+1 && from+utf8.RuneCountInString(text) < end-1 {
				used = place(c, text, from)
			}
		}
		place(cols-1, lastText, end) // last time, right-aligned
	}
	return strings.TrimRight(string(axis), " ") + "\n" + strings.TrimRight(string(labels), " ")
}

// stripANSI removes colour escape sequences.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func seriesColors(n int) []asciigraph.AnsiColor {
	c := make([]asciigraph.AnsiColor, n)
	for i := range c {
		c[i] = graphColors[i%len(graphColors)]
	}
	return c
}

// graphLegend names the series of a chart with their colour or marker,
// wrapped to width.
func graphLegend(series []query.Quantity, width int, color bool) string {
	sp := splitLabels(series)
	var b strings.Builder
	lineW := 0
	for i, s := range series {
		mark := asciigraph.DefaultCharSet.Horizontal
		if i > 0 {
			mark = graphMarkers[(i-1)%len(graphMarkers)]
		}
		name := printable(sp.legend(s.Labels))
		itemW := 2 + utf8.RuneCountInString(name)
		item := mark + " " + name
		if color {
			item = graphColors[i%len(graphColors)].String() + "■" + asciigraph.Default.String() + " " + name
		}
		switch {
		case i == 0:
		case lineW+3+itemW > width:
			b.WriteByte('\n')
			lineW = 0
		default:
			b.WriteString("   ")
			lineW += 3
		}
		b.WriteString(item)
		lineW += itemW
	}
	return b.String()
}

// dataSpan returns the first and last timestamp of all points.
func dataSpan(series []query.Quantity) (t0, t1 int64, ok bool) {
	for _, s := range series {
		for _, p := range s.Points {
			if !ok || p.T < t0 {
				t0 = p.T
			}
			if !ok || p.T > t1 {
				t1 = p.T
			}
			ok = true
		}
	}
	return t0, t1, ok
}

func hasValue(series []query.Quantity) bool {
	for _, s := range series {
		for _, p := range s.Points {
			if finite(p.V) {
				return true
			}
		}
	}
	return false
}

// valueRange returns the range the value axis of series shows: their
// lowest and highest value, from 0 for percentages and rates, never empty.
func valueRange(series []query.Quantity) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			if finite(p.V) {
				lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1
	}
	switch series[0].Unit {
	case query.Percent, query.PerSecond, query.BytesPerSecond:
		if lo > 0 {
			lo = 0
		}
	}
	if hi == lo {
		hi = lo + math.Max(1, math.Abs(lo)*0.1)
	}
	return lo, hi
}

// columns resamples pts over [t0, t1] to n columns, placing each point by
// its time. A column with several points takes their min or max, whichever
// is further from their mean (so that spikes show); a column with only
// gaps (NaN) is a gap; a column without points between two consecutive
// points is interpolated.
func columns(pts []tsdb.Point, t0, t1 int64, n int) []float64 {
	out := make([]float64, n)
	lo := make([]float64, n)
	hi := make([]float64, n)
	sum := make([]float64, n)
	cnt := make([]int, n)
	for i := range out {
		out[i] = math.NaN()
		lo[i], hi[i] = math.Inf(1), math.Inf(-1)
	}
	col := func(t int64) int {
		if t1 == t0 || n == 1 {
			return 0
		}
		c := int(math.Round(float64(t-t0) / float64(t1-t0) * float64(n-1)))
		return max(0, min(c, n-1))
	}
	for _, p := range pts {
		if !finite(p.V) {
			continue
		}
		c := col(p.T)
		lo[c], hi[c] = math.Min(lo[c], p.V), math.Max(hi[c], p.V)
		sum[c] += p.V
		cnt[c]++
	}
	for c := range out {
		if cnt[c] == 0 {
			continue
		}
		m := sum[c] / float64(cnt[c])
		if hi[c]-m >= m-lo[c] {
			out[c] = hi[c]
		} else {
			out[c] = lo[c]
		}
	}
	// Join consecutive points that landed columns apart.
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if !finite(a.V) || !finite(b.V) {
			continue
		}
		ca, cb := col(a.T), col(b.T)
		for c := ca + 1; c < cb; c++ {
			if cnt[c] == 0 {
				f := float64(c-ca) / float64(cb-ca)
				out[c] = out[ca] + (out[cb]-out[ca])*f
			}
		}
	}
	return out
}
