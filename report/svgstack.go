package report

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// ChartOptions are the settings of an SVG chart. The zero value draws as
// chartSVG does with its defaults.
type ChartOptions struct {
	// Width and Height are the chart's size in pixels (0: 640x240).
	Width, Height int
	// Loc is the zone of the time axis. Defaults to time.Local.
	Loc *time.Location
	// Stacked draws the series as areas stacked in their order (CPU time by
	// mode), except those whose legend text is in Lines, which are drawn
	// as lines over the stack (the busy total).
	Stacked bool
	Lines   []string
	// PlotLeft is the least left edge of the plot area, in pixels: charts
	// drawn one above the other with the same PlotLeft and width share
	// their time axis.
	PlotLeft int
}

// lineColor is the colour of the lines drawn over a stack.
const lineColor = "#b42318"

// color returns the colour of series i.
func (c *svgChart) color(i int) string {
	if c.o.Stacked && c.isLine(i) {
		return lineColor
	}
	return svgColors[i%len(svgColors)]
}

// isLine reports whether series i of a stacked chart is drawn as a line.
func (c *svgChart) isLine(i int) bool {
	if len(c.o.Lines) == 0 {
		return false
	}
	sp := splitLabels(c.series)
	text := sp.legend(c.series[i].Labels)
	if text == "" {
		text = c.series[i].Name
	}
	return slices.Contains(c.o.Lines, text)
}

// stackRange is the value range of a stacked chart: from 0 to the highest
// top of the stack or line.
func (c *svgChart) stackRange() (lo, hi float64) {
	var stack []float64
	for i, s := range c.series {
		if c.isLine(i) {
			for _, p := range s.Points {
				if finite(p.V) {
					hi = math.Max(hi, p.V)
				}
			}
			continue
		}
		stack = stackOn(stack, s.Points)
	}
	for _, v := range stack {
		hi = math.Max(hi, v)
	}
	if hi <= 0 {
		hi = 1
	}
	return 0, hi
}

// stackOn returns the tops of a stack after adding pts to below (the tops
// of the series under it, by point index; nil for the first). A gap adds
// nothing.
func stackOn(below []float64, pts []tsdb.Point) []float64 {
	top := make([]float64, len(pts))
	for j, p := range pts {
		if j < len(below) {
			top[j] = below[j]
		}
		if finite(p.V) {
			top[j] += p.V
		}
	}
	return top
}

// area draws pts stacked on below as an SVG path: a closed shape per run
// of values between gaps, from the tops of below up to their sum. It
// returns the path and the new tops.
func (c *svgChart) area(pts []tsdb.Point, below []float64) (string, []float64) {
	top := stackOn(below, pts)
	base := func(j int) float64 {
		if j < len(below) {
			return below[j]
		}
		return 0
	}
	var b strings.Builder
	for j := 0; j < len(pts); {
		if !finite(pts[j].V) {
			j++
			continue
		}
		k := j
		for k < len(pts) && finite(pts[k].V) {
			k++
		}
		for i := j; i < k; i++ {
			if i == j {
				b.WriteString("M")
			} else {
				b.WriteString("L")
			}
			b.WriteString(num(c.x(pts[i].T)) + "," + num(c.y(top[i])))
		}
		for i := k - 1; i >= j; i-- {
			b.WriteString("L" + num(c.x(pts[i].T)) + "," + num(c.y(base(i))))
		}
		b.WriteString("Z")
		j = k
	}
	return b.String(), top
}
