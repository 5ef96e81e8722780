package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/srvmon/srvmon/tsdb/query"
)

// textTable is a table before rendering: a header and rows of cells, each
// column aligned left or right.
type textTable struct {
	header []string
	right  []bool // per column: align right (numbers)
	rows   [][]string
}

// widths returns the display width of each column.
func (t *textTable) widths() []int {
	w := make([]int, len(t.header))
	for i, h := range t.header {
		w[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			w[i] = max(w[i], utf8.RuneCountInString(c))
		}
	}
	return w
}

// colGap is the space between two columns.
const colGap = "  "

// render writes t with tablewriter: no borders, columns two spaces apart,
// no trailing spaces.
func (t *textTable) render(w io.Writer) error {
	aligns := make(tw.Alignment, len(t.header))
	for i := range aligns {
		aligns[i] = tw.AlignLeft
		if t.right[i] {
			aligns[i] = tw.AlignRight
		}
	}
	// Cells are padded with a space on either side and nothing between
	// them: columns are two spaces apart, and every line starts with a
	// space that writeTrimmed removes.
	var buf bytes.Buffer
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithAlignment(aligns),
	)
	table.Header(anySlice(t.header)...)
	for _, r := range t.rows {
		row := make([]string, len(r))
		for i, c := range r {
			row[i] = printable(c)
		}
		if err := table.Append(row); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return writeTrimmed(w, buf.Bytes())
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// writeTrimmed writes text to w without the first space and the trailing
// spaces of its lines.
func writeTrimmed(w io.Writer, text []byte) error {
	bw := bufio.NewWriter(w)
	for line := range bytes.Lines(text) {
		line = bytes.TrimPrefix(line, []byte(" "))
		bw.Write(bytes.TrimRight(line, " \t\r\n"))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// thing is the label set of one row group of a result table: a device, a
// CPU, or the whole host.
type thing struct {
	key    string
	labels []string // values of the varying labels
	series []int    // per quantity: index into Result.Series, or -1
}

// resultGrid arranges the series of a result as sar does: one column per
// quantity, one row per time and thing.
type resultGrid struct {
	names  []string
	units  []query.Unit
	split  labelSplit
	things []*thing
}

func newResultGrid(r *query.Result) *resultGrid {
	g := &resultGrid{names: quantities(r), split: splitLabels(r.Quantities)}
	col := map[string]int{}
	for i, n := range g.names {
		col[n] = i
	}
	g.units = make([]query.Unit, len(g.names))
	byKey := map[string]*thing{}
	for i, s := range r.Quantities {
		key := labelsText(s.Labels)
		th := byKey[key]
		if th == nil {
			th = &thing{key: key, labels: g.split.values(s.Labels), series: slices.Repeat([]int{-1}, len(g.names))}
			byKey[key] = th
			g.things = append(g.things, th)
		}
		c := col[s.Name]
		if th.series[c] < 0 {
			th.series[c] = i
			g.units[c] = s.Unit
		}
	}
	return g
}

// writeResultTable writes r as one table (or, when it is wider than
// o.Width, several with the same rows and a share of the columns each), a
// row per time and thing, gaps as rows without values, and an "Average:"
// row per thing.
func writeResultTable(w io.Writer, r *query.Result, o Options) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "%s  %s  (%s)\n", r.View, PeriodText(r.From, r.To, o.Loc), stepText(r))
	if len(r.Quantities) == 0 {
		fmt.Fprintln(bw, "no data")
		return bw.err
	}
	g := newResultGrid(r)
	if c := g.split.constantText(); c != "" {
		fmt.Fprintln(bw, printable(c))
	}
	if bw.err != nil {
		return bw.err
	}
	clk := newClock(o.Loc, r.From, r.To, hasSeconds(r.Quantities))
	full := g.newTextTable()
	partial := g.appendTimeRows(full, r, clk)
	g.appendOverallRows(full, r)
	for i, part := range splitColumns(full, g.fixedColumns(), o.Width) {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		if bw.err != nil {
			return bw.err
		}
		if err := part.render(w); err != nil {
			return err
		}
	}
	if partial {
		fmt.Fprintln(bw, "* a partial bucket: the range cuts it")
	}
	return bw.err
}

// fixedColumns is how many columns every part of a split table repeats:
// the time and the varying labels.
func (g *resultGrid) fixedColumns() int { return 1 + len(g.split.varying) }

// newTextTable returns the table of the grid without rows: the time, the
// varying labels, then the quantities, aligned right.
func (g *resultGrid) newTextTable() *textTable {
	t := &textTable{header: append([]string{"time"}, g.split.varying...)}
	t.header = append(t.header, g.names...)
	t.right = make([]bool, len(t.header))
	for i := g.fixedColumns(); i < len(t.right); i++ {
		t.right[i] = true
	}
	return t
}

// valuesByTime returns every timestamp of r, sorted, and per thing and
// quantity the values by time.
func (g *resultGrid) valuesByTime(r *query.Result) ([]int64, [][]map[int64]float64) {
	var times []int64
	values := make([][]map[int64]float64, len(g.things))
	for ti, th := range g.things {
		values[ti] = make([]map[int64]float64, len(g.names))
		for c, si := range th.series {
			if si < 0 {
				continue
			}
			m := make(map[int64]float64, len(r.Quantities[si].Points))
			for _, p := range r.Quantities[si].Points {
				m[p.T] = p.V
				times = append(times, p.T)
			}
			values[ti][c] = m
		}
	}
	slices.Sort(times)
	return slices.Compact(times), values
}

// appendTimeRows appends to t a row per time and thing that has a value
// then, and reports whether one of them is a partial bucket (its time
// marked with "*").
func (g *resultGrid) appendTimeRows(t *textTable, r *query.Result, clk clock) (partial bool) {
	times, values := g.valuesByTime(r)
	for _, ts := range times {
		label, cut := clk.unix(ts), r.Partial(ts)
		if cut {
			label += "*"
		}
		for ti, th := range g.things {
			row := make([]string, 0, len(t.header))
			row = append(row, label)
			row = append(row, th.labels...)
			has := false
			for c := range g.names {
				v, ok := values[ti][c][ts]
				has = has || ok
				if ok {
					row = append(row, Humanize(v, g.units[c]))
				} else {
					row = append(row, "")
				}
			}
			if has {
				t.rows = append(t.rows, row)
				partial = partial || cut
			}
		}
	}
	return partial
}

// appendOverallRows appends to t the row of each thing's overall value
// (query's Stats.Overall, labelled as r.Agg makes it).
func (g *resultGrid) appendOverallRows(t *textTable, r *query.Result) {
	for _, th := range g.things {
		row := append([]string{overallLabel(r.Agg)}, th.labels...)
		for c, si := range th.series {
			if si < 0 {
				row = append(row, "")
				continue
			}
			row = append(row, Humanize(r.Quantities[si].Stats.Overall, g.units[c]))
		}
		t.rows = append(t.rows, row)
	}
}

// splitColumns splits t into tables no wider than width, each with the
// first nfixed columns and as many of the others as fit (at least one).
func splitColumns(t *textTable, nfixed, width int) []*textTable {
	ws := t.widths()
	total := 0
	for _, w := range ws {
		total += w + len(colGap)
	}
	if total-len(colGap) <= width || len(ws) <= nfixed+1 {
		return []*textTable{t}
	}
	fixed := 0
	for _, w := range ws[:nfixed] {
		fixed += w + len(colGap)
	}
	var parts [][]int
	var cur []int
	used := fixed
	for c := nfixed; c < len(ws); c++ {
		need := ws[c] + len(colGap)
		if len(cur) > 0 && used+need-len(colGap) > width {
			parts = append(parts, cur)
			cur, used = nil, fixed
		}
		cur = append(cur, c)
		used += need
	}
	parts = append(parts, cur)
	out := make([]*textTable, len(parts))
	for i, cols := range parts {
		keep := append(seq(nfixed), cols...)
		p := &textTable{}
		for _, c := range keep {
			p.header = append(p.header, t.header[c])
			p.right = append(p.right, t.right[c])
		}
		for _, r := range t.rows {
			row := make([]string, len(keep))
			for j, c := range keep {
				row[j] = r[c]
			}
			p.rows = append(p.rows, row)
		}
		out[i] = p
	}
	return out
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// overallLabel names the summary row of a table of a result aggregated by
// agg (query.Stats.Overall): "Average:" as sar says, or what it is.
func overallLabel(agg string) string {
	switch agg {
	case "min":
		return "Min:"
	case "max":
		return "Max:"
	case "last":
		return "Last:"
	case "p95":
		return "P95:"
	case "sum":
		return "Total:"
	}
	return "Average:"
}

// errWriter remembers the first write error, so that a run of Fprintf
// calls needs one check.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// writeSummaryText writes each summary as sar's averages would be, one
// view after the other: a title with the period, a table of avg, min, p95,
// max and the time of the max per series, the busiest intervals and the
// gaps.
func writeSummaryText(w io.Writer, ss []*query.Summary, o Options) error {
	bw := &errWriter{w: w}
	if dm := summariesDamage(ss); len(dm) > 0 {
		fmt.Fprintln(bw, damageHeadline(len(dm)))
		for _, d := range dm {
			fmt.Fprintln(bw, "  "+damageText(d, o.Loc))
		}
		fmt.Fprintln(bw)
	}
	if len(ss) > 1 {
		writeOverview(bw, ss, o)
	}
	for i, s := range ss {
		if i > 0 || len(ss) > 1 {
			fmt.Fprintln(bw)
		}
		if err := writeOneSummary(bw, s, o); err != nil {
			return err
		}
	}
	return bw.err
}

func writeOneSummary(bw *errWriter, s *query.Summary, o Options) error {
	r := &s.Result
	fmt.Fprintf(bw, "%s  %s\n", r.View, PeriodText(r.From, r.To, o.Loc))
	split := splitLabels(r.Quantities)
	if c := split.constantText(); c != "" {
		fmt.Fprintln(bw, printable(c))
	}
	clk := newClock(o.Loc, r.From, r.To, intervalSeconds(s.Busiest, s.Gaps))
	if len(r.Quantities) == 0 {
		fmt.Fprintln(bw, "no data")
	} else {
		t := &textTable{header: append(append([]string{"series"}, split.varying...), "avg", "min", "p95", "max", "max at")}
		t.right = make([]bool, len(t.header))
		for i := 1 + len(split.varying); i < len(t.header)-1; i++ {
			t.right[i] = true
		}
		for _, ser := range r.Quantities {
			st := ser.Stats
			row := append([]string{ser.Name}, split.values(ser.Labels)...)
			if st.Count == 0 {
				row = append(row, "", "", "", "", "no data")
			} else {
				row = append(row, Humanize(st.Avg, ser.Unit), Humanize(st.Min, ser.Unit),
					Humanize(st.P95, ser.Unit), Humanize(st.Max, ser.Unit), maxAtText(st, clk))
			}
			t.rows = append(t.rows, row)
		}
		if bw.err != nil {
			return bw.err
		}
		if err := t.render(bw); err != nil {
			return err
		}
	}
	if withConsumers(s) {
		// An episode per line, with who used the host then.
		for i, in := range s.Busiest[:min(5, len(s.Busiest))] {
			lead := "busiest: "
			if i > 0 {
				lead = strings.Repeat(" ", len(lead))
			}
			fmt.Fprintln(bw, lead+episodeText(in, busiestUnit(s), clk)+printable(consumersText(in)))
		}
		if len(s.Busiest) > 5 {
			fmt.Fprintf(bw, "         and %d more\n", len(s.Busiest)-5)
		}
	} else {
		fmt.Fprintln(bw, "busiest: "+busiestText(s, clk, 5))
	}
	if t := totalsText(s); t != "" {
		fmt.Fprintln(bw, "totals:  "+printable(t))
	}
	fmt.Fprintln(bw, "gaps:    "+gapsText(s.Gaps, clk, 5))
	return bw.err
}

// writeOverview answers "how was this box, and when was it worst?" in a
// line per view, before the views' details: the busiest interval by the
// measure query.Summarize ranks the view by, the next one, and the gaps.
func writeOverview(bw *errWriter, ss []*query.Summary, o Options) {
	r0 := &ss[0].Result
	fmt.Fprintf(bw, "overview  %s\n", PeriodText(r0.From, r0.To, o.Loc))
	t := overviewTable(ss, o)
	if bw.err == nil {
		t.render(bw)
	}
}

// overviewTable is the overview of the text and html reports: per view the
// worst episode, when, the next one, and the gaps.
func overviewTable(ss []*query.Summary, o Options) *textTable {
	r0 := &ss[0].Result
	var all []query.Interval
	for _, s := range ss {
		all = append(append(all, s.Busiest...), s.Gaps...)
	}
	clk := newClock(o.Loc, r0.From, r0.To, intervalSeconds(all))
	t := &textTable{header: []string{"view", "by", "worst", "when", "next", "gaps"}, right: []bool{false, false, true, false, false, false}}
	for _, s := range ss {
		row := []string{s.Result.View, s.BusiestBy, "", "no data", "", ""}
		if len(s.Result.Quantities) > 0 {
			// Query found no busy interval: the view was idle all period.
			row[2], row[3] = "idle", ""
		}
		u := busiestUnit(s)
		if len(s.Busiest) > 0 {
			b := s.Busiest[0]
			row[2] = Humanize(b.Value, u)
			row[3] = episodeWhen(b, clk)
			if len(s.Busiest) > 1 {
				row[4] = episodeText(s.Busiest[1], u, clk)
			}
		}
		row[5] = "none"
		if len(s.Gaps) > 0 {
			var total time.Duration
			for _, g := range s.Gaps {
				total += g.To.Sub(g.From)
			}
			row[5] = fmt.Sprintf("%d (%s)", len(s.Gaps), DurationText(total))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

func maxAtText(st query.Stats, clk clock) string {
	if st.MaxAt.IsZero() {
		return ""
	}
	return clk.format(st.MaxAt)
}

// busiestText lists at most n of the busy episodes of s: "13:05-13:10
// 98.1%, 14:00-14:30 87.0% (peak 14:10), ...", or "idle" when there were
// none.
func busiestText(s *query.Summary, clk clock, n int) string {
	iv, u := s.Busiest, busiestUnit(s)
	if len(iv) == 0 {
		if len(s.Result.Quantities) == 0 {
			return "none"
		}
		return "idle"
	}
	parts := make([]string, 0, min(n, len(iv)))
	for _, in := range iv[:min(n, len(iv))] {
		parts = append(parts, episodeText(in, u, clk))
	}
	if len(iv) > n {
		parts = append(parts, fmt.Sprintf("and %d more", len(iv)-n))
	}
	return strings.Join(parts, ", ")
}

// withConsumers reports whether an episode of s names its top consumers.
func withConsumers(s *query.Summary) bool {
	for _, in := range s.Busiest {
		if len(in.Top) > 0 {
			return true
		}
	}
	return false
}

// consumersText names the top consumers of a busy episode with their
// shares of the host: ": make 61.0%, cc1 22.0%", or "" when unknown.
func consumersText(in query.Interval) string {
	if len(in.Top) == 0 {
		return ""
	}
	seen := map[string]int{}
	for _, c := range in.Top {
		seen[c.Comm]++
	}
	parts := make([]string, len(in.Top))
	for i, c := range in.Top {
		name := c.Comm
		if seen[c.Comm] > 1 { // two processes of one command: which is which
			name += "[" + c.PID + "]"
		}
		parts[i] = name + " " + Humanize(c.Share, query.Percent)
	}
	return ": " + strings.Join(parts, ", ")
}

// episodeText is a busy episode: when, and its peak value.
func episodeText(in query.Interval, u query.Unit, clk clock) string {
	return episodeWhen(in, clk) + " " + Humanize(in.Value, u)
}

// episodeWhen is when a busy episode was, with the time of its peak when
// it spans more than its peak's interval: "14:00-14:30 (peak 14:10)".
func episodeWhen(in query.Interval, clk clock) string {
	t := intervalText(in, clk)
	if !in.PeakAt.IsZero() && !in.PeakAt.Equal(in.To) {
		t += " (peak " + in.PeakAt.In(clk.loc).Format(strings.TrimPrefix(clk.layout, "Jan _2 ")) + ")"
	}
	return t
}

// intervalSeconds reports whether an end of one of the intervals is not
// on a whole minute: then times are printed with seconds.
func intervalSeconds(lists ...[]query.Interval) bool {
	for _, l := range lists {
		for _, in := range l {
			if in.From.Unix()%60 != 0 || in.To.Unix()%60 != 0 {
				return true
			}
		}
	}
	return false
}

// gapsText counts the gaps, sums their length and lists at most n: "2
// (17m without samples): 03:00-03:15, 04:00-04:02".
func gapsText(gaps []query.Interval, clk clock, n int) string {
	if len(gaps) == 0 {
		return "none"
	}
	var total float64
	for _, g := range gaps {
		total += g.To.Sub(g.From).Seconds()
	}
	parts := make([]string, 0, min(n, len(gaps)))
	for _, g := range gaps[:min(n, len(gaps))] {
		parts = append(parts, intervalText(g, clk))
	}
	if len(gaps) > n {
		parts = append(parts, fmt.Sprintf("and %d more", len(gaps)-n))
	}
	return fmt.Sprintf("%d (%s without samples): %s", len(gaps),
		DurationText(time.Duration(total*float64(time.Second))), strings.Join(parts, ", "))
}

// intervalText is "13:05-13:10", with the date of the end only when it
// differs from the start's: "Apr  1 23:50-Apr  2 00:10".
func intervalText(in query.Interval, clk clock) string {
	from, to := in.From.In(clk.loc), in.To.In(clk.loc)
	end := clk.format(to)
	if from.Format(time.DateOnly) == to.Format(time.DateOnly) {
		end = to.Format(strings.TrimPrefix(clk.layout, "Jan _2 "))
	}
	return clk.format(from) + "-" + end
}

// busiestUnit is the unit of the values of s's busiest intervals, as
// query.Summarize gives it; for summaries without one, the unit all the
// series share, or none.
func busiestUnit(s *query.Summary) query.Unit {
	for _, iv := range s.Busiest {
		if iv.Unit != "" {
			return iv.Unit
		}
	}
	u, _ := commonUnit(s.Result.Quantities)
	return u
}

// totalsText lists what the summary's counted quantities counted over the
// period (query.Summary.Totals): "sda rbytes 1.20 GiB, sda wbytes 3.40 GiB".
func totalsText(s *query.Summary) string {
	split := splitLabels(s.Result.Quantities)
	parts := make([]string, 0, len(s.Totals))
	for _, i := range s.Totals {
		q := s.Result.Quantities[i]
		name := strings.TrimSuffix(q.Name, "/s")
		if l := strings.Join(split.values(q.Labels), " "); l != "" {
			name = l + " " + name
		}
		parts = append(parts, name+" "+Humanize(q.Stats.Total, q.Stats.TotalUnit))
	}
	return strings.Join(parts, ", ")
}
