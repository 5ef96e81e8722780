package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// labelsText is the canonical text of a label set for the CSV labels
// column: name=value pairs in name order joined by ";", with "%", ";", "="
// and control characters in names and values written as %XX (so
// url.PathUnescape undoes it). No labels is "".
func labelsText(ls []tsdb.Label) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(';')
		}
		escapeLabelPart(&b, l.Name)
		b.WriteByte('=')
		escapeLabelPart(&b, l.Value)
	}
	return b.String()
}

func escapeLabelPart(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' || c == ';' || c == '=' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}

// labelSplit is how the labels of a set of series divide: the names whose
// values tell the series apart, and the labels every series has alike.
type labelSplit struct {
	varying  []string     // label names, sorted
	constant []tsdb.Label // sorted by name
}

// splitLabels finds which labels of series vary. A label missing from some
// series varies.
func splitLabels(series []query.Quantity) labelSplit {
	var sp labelSplit
	if len(series) == 0 {
		return sp
	}
	seen := map[string]bool{}
	var names []string
	for _, s := range series {
		for _, l := range s.Labels {
			if !seen[l.Name] {
				seen[l.Name] = true
				names = append(names, l.Name)
			}
		}
	}
	slices.Sort(names)
	for _, n := range names {
		v := tsdb.LabelValue(series[0].Labels, n)
		same := v != ""
		for _, s := range series[1:] {
			if w := tsdb.LabelValue(s.Labels, n); w == "" || w != v {
				same = false
				break
			}
		}
		if same {
			sp.constant = append(sp.constant, tsdb.Label{Name: n, Value: v})
		} else {
			sp.varying = append(sp.varying, n)
		}
	}
	return sp
}

// values returns the values of the varying labels of ls, in order ("" for
// a missing one).
func (sp labelSplit) values(ls []tsdb.Label) []string {
	out := make([]string, len(sp.varying))
	for i, n := range sp.varying {
		out[i] = tsdb.LabelValue(ls, n)
	}
	return out
}

// legend is the name of a series among others: the values of the varying
// labels joined by " ", or name=value pairs when a value is empty.
func (sp labelSplit) legend(ls []tsdb.Label) string {
	vals := sp.values(ls)
	parts := make([]string, 0, len(vals))
	for i, v := range vals {
		if v == "" {
			v = sp.varying[i] + "=" // missing; rare
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, " ")
}

// Legends returns the name each quantity of qs has in a chart's legend:
// the values of the labels that tell it from the others ("sda read"), or
// its name when nothing does.
func Legends(qs []query.Quantity) []string {
	sp := splitLabels(qs)
	out := make([]string, len(qs))
	for i, q := range qs {
		if out[i] = sp.legend(q.Labels); out[i] == "" {
			out[i] = q.Name
		}
	}
	return out
}

// constantText is the constant labels as "name=value, ..." ("" if none).
func (sp labelSplit) constantText() string {
	parts := make([]string, len(sp.constant))
	for i, l := range sp.constant {
		parts[i] = l.Name + "=" + l.Value
	}
	return strings.Join(parts, ", ")
}

// seriesOf returns the indexes of the series of quantity name in r.
func seriesOf(r *query.Result, name string) []int {
	var idx []int
	for i, s := range r.Quantities {
		if s.Name == name {
			idx = append(idx, i)
		}
	}
	return idx
}

// quantities returns the distinct series names of r, in order of first
// appearance (the view's column order).
func quantities(r *query.Result) []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range r.Quantities {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return names
}

// clock formats times of one period in one zone, as short as the period
// allows: "15:04" within one day, "Jan _2 15:04" across days, with seconds
// only when the times have them.
type clock struct {
	loc    *time.Location
	layout string
}

func newClock(loc *time.Location, from, to time.Time, seconds bool) clock {
	layout := "15:04"
	if seconds {
		layout = "15:04:05"
	}
	if !from.IsZero() && !to.IsZero() {
		y1, m1, d1 := from.In(loc).Date()
		// To is exclusive: a period ending at midnight is within one day.
		y2, m2, d2 := to.Add(-time.Nanosecond).In(loc).Date()
		if y1 != y2 || m1 != m2 || d1 != d2 {
			layout = "Jan _2 " + layout
		}
	}
	return clock{loc: loc, layout: layout}
}

// minStep is the shortest time between two distinct labels: a second or a
// minute.
func (c clock) minStep() int64 {
	if strings.HasSuffix(c.layout, ":05") {
		return 1
	}
	return 60
}

func (c clock) format(t time.Time) string { return t.In(c.loc).Format(c.layout) }

func (c clock) unix(sec int64) string { return c.format(time.Unix(sec, 0)) }

// hasSeconds reports whether any point of r is not on a whole minute.
func hasSeconds(series []query.Quantity) bool {
	for _, s := range series {
		for _, p := range s.Points {
			if p.T%60 != 0 {
				return true
			}
		}
	}
	return false
}

// PeriodText is a period in full, as short as that allows:
// "2024-05-01 00:00 to 14:30 +02:00", "2024-05-01 00:00 to 2024-05-02
// 00:00 +02:00", or each end with its offset when they differ.
func PeriodText(from, to time.Time, loc *time.Location) string {
	const layout = "2006-01-02 15:04 -07:00"
	switch {
	case from.IsZero() && to.IsZero():
		return "all time"
	case from.IsZero():
		return "until " + to.In(loc).Format(layout)
	case to.IsZero():
		return "since " + from.In(loc).Format(layout)
	}
	f, t := from.In(loc), to.In(loc)
	if f.Format("-07:00") != t.Format("-07:00") {
		return f.Format(layout) + " to " + t.Format(layout)
	}
	if f.Format(time.DateOnly) == t.Format(time.DateOnly) {
		return f.Format("2006-01-02 15:04") + " to " + t.Format("15:04 -07:00")
	}
	return f.Format("2006-01-02 15:04") + " to " + t.Format(layout)
}

// DurationText is a duration as people say it: "15m", "2h30m", "3d4h".
func DurationText(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	m := (d - h*time.Hour) / time.Minute
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 && days == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// stepText describes how a result was downsampled: "1m avg", or "raw".
func stepText(r *query.Result) string {
	if r.Step <= 0 {
		return "raw samples"
	}
	s := "every " + DurationText(r.Step)
	if r.Agg != "" {
		s += " " + r.Agg
	}
	return s
}

// finite reports whether v is a value (not NaN or infinite).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// commonUnit returns the unit all series share, and whether they do.
func commonUnit(series []query.Quantity) (query.Unit, bool) {
	if len(series) == 0 {
		return query.None, false
	}
	u := series[0].Unit
	for _, s := range series[1:] {
		if s.Unit != u {
			return query.None, false
		}
	}
	return u, true
}

// timeOf returns the time of a point timestamp (Unix seconds).
func timeOf(sec int64) time.Time { return time.Unix(sec, 0) }

// pairs turns name, value, name, value... into labels.
func pairs(nv []string) []tsdb.Label {
	ls := make([]tsdb.Label, 0, len(nv)/2)
	for i := 0; i+1 < len(nv); i += 2 {
		ls = append(ls, tsdb.Label{Name: nv[i], Value: nv[i+1]})
	}
	return ls
}

// printable makes s safe to print on a terminal: control characters (a
// label value can hold an escape sequence) are written as Go escapes like
// \x1b, and invalid UTF-8 as \ufffd.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
