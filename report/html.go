package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

//go:embed page.html.tmpl
var pageTemplateText string

// pageTemplate is parsed on first use: package initialisation runs in
// every "srvmon record", once a minute.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(pageTemplateText))
})

// Size of the charts of an html page.
const (
	htmlChartWidth  = 560
	htmlChartHeight = 220
)

type htmlPage struct {
	Title    string
	Period   string
	Zone     string
	Overview *htmlOverview
	Damage   []string // damaged files the page could not read, as damageText
	Views    []htmlView
}

// htmlOverview is the text report's overview as a table.
type htmlOverview struct {
	Header []string
	Rows   [][]string
}

type htmlView struct {
	Name     string
	Period   string
	Step     string
	Constant string
	Partial  string // the buckets the range cuts, as the table marks them: "partial buckets (the range cuts them): 12:00"
	Charts   []template.HTML
	Zero     string // the quantities 0 all range, not drawn
	Stats    *htmlStats
	Summary  bool
	Busiest  []string
	Idle     string // instead of Busiest when there were none: "idle" or "none"
	Totals   string // the totals line, as in the text report
	Gaps     []string
	GapsText string
}

type htmlStats struct {
	LabelNames []string
	Rows       []htmlStatRow
}

type htmlStatRow struct {
	Name               string
	Labels             []string
	Avg, Min, P95, Max string
	MaxAt              string
	NoData             bool
}

// charts draws the charts of r's view, as serve's overview does (CPU
// stacked by mode), leaving out the quantities that were 0 all range by
// query's statistics; it names those instead: "nice, irq, steal". With
// all, the quantities those charts do not draw get a chart per unit too
// (a query asked for them; a report shows the view's charts).
func charts(r *query.Result, loc *time.Location, all bool) (out []template.HTML, zero string) {
	drawn := *r
	drawn.Quantities = nil
	split := splitLabels(r.Quantities)
	var zeros []string
	for _, q := range r.Quantities {
		if q.Stats.Count > 0 && q.Stats.Min == 0 && q.Stats.Max == 0 {
			zeros = append(zeros, strings.TrimSpace(q.Name+" "+split.legend(q.Labels)))
			continue
		}
		drawn.Quantities = append(drawn.Quantities, q)
	}
	specs := ViewCharts(r)
	if all {
		specs = append(specs, byUnit(&drawn, specs)...)
	}
	for _, cs := range specs {
		cr := cs.Result(&drawn)
		if len(cr.Quantities) == 0 {
			continue
		}
		out = append(out, cs.Options(htmlChartWidth, htmlChartHeight, loc).SVG(cr, cs.Title))
	}
	return out, strings.Join(zeros, ", ")
}

func newHTMLView(r *query.Result, o Options, all bool) htmlView {
	v := htmlView{
		Name:     r.View,
		Period:   PeriodText(r.From, r.To, o.Loc),
		Step:     stepText(r),
		Constant: splitLabels(r.Quantities).constantText(),
	}
	v.Charts, v.Zero = charts(r, o.Loc, all)
	v.Partial = partialText(r, o.Loc)
	return v
}

// partialText names the buckets of r that the range cuts
// (query.Result.Partial), labelled as the table labels them: "partial
// buckets (the range cuts them): 12:05, 13:00"; empty when there are none.
func partialText(r *query.Result, loc *time.Location) string {
	if len(r.Quantities) == 0 || len(r.Quantities[0].Points) == 0 {
		return ""
	}
	pts := r.Quantities[0].Points
	clk := newClock(loc, r.From, r.To, hasSeconds(r.Quantities))
	var cut []string
	for _, t := range []int64{pts[0].T, pts[len(pts)-1].T} {
		if r.Partial(t) && (len(cut) == 0 || len(pts) > 1) {
			cut = append(cut, clk.unix(t))
		}
	}
	if len(cut) == 0 {
		return ""
	}
	return "partial buckets (the range cuts them): " + strings.Join(cut, ", ")
}

// writeResultHTML writes r as a self-contained page: a chart per quantity.
func writeResultHTML(w io.Writer, r *query.Result, o Options) error {
	p := htmlPage{
		Title:  o.Title,
		Period: PeriodText(r.From, r.To, o.Loc),
		Zone:   zoneText(pageTime(r.From), o.Loc),
		Views:  []htmlView{newHTMLView(r, o, true)},
	}
	if p.Title == "" {
		p.Title = "srvmon " + r.View + hostSuffix([]*query.Result{r})
	}
	return writePage(w, p)
}

// writeSummaryHTML writes the summaries as one self-contained page (inline
// CSS and SVG, no scripts, nothing fetched) that a mail reader can show.
func writeSummaryHTML(w io.Writer, ss []*query.Summary, o Options) error {
	var p htmlPage
	rs := make([]*query.Result, len(ss))
	for i, s := range ss {
		rs[i] = &s.Result
		r := &s.Result
		v := newHTMLView(r, o, false)
		v.Summary = true
		clk := newClock(o.Loc, r.From, r.To, intervalSeconds(s.Busiest, s.Gaps))
		split := splitLabels(r.Quantities)
		v.Stats = &htmlStats{LabelNames: split.varying}
		for _, ser := range r.Quantities {
			st := ser.Stats
			row := htmlStatRow{Name: ser.Name, Labels: split.values(ser.Labels), NoData: st.Count == 0}
			if !row.NoData {
				row.Avg, row.Min, row.P95, row.Max = Humanize(st.Avg, ser.Unit), Humanize(st.Min, ser.Unit),
					Humanize(st.P95, ser.Unit), Humanize(st.Max, ser.Unit)
				row.MaxAt = maxAtText(st, clk)
			}
			v.Stats.Rows = append(v.Stats.Rows, row)
		}
		if len(v.Stats.Rows) == 0 {
			v.Stats = nil
		}
		unit := busiestUnit(s)
		for _, iv := range s.Busiest {
			v.Busiest = append(v.Busiest, episodeWhen(iv, clk)+": "+Humanize(iv.Value, unit)+consumersText(iv))
		}
		v.Idle = busiestText(s, clk, 0)
		v.Totals = totalsText(s)
		for _, g := range s.Gaps {
			v.Gaps = append(v.Gaps, intervalText(g, clk)+" ("+DurationText(g.To.Sub(g.From))+")")
		}
		v.GapsText = "none"
		if n := len(s.Gaps); n > 0 {
			v.GapsText = strings.SplitN(gapsText(s.Gaps, clk, 0), ":", 2)[0]
		}
		p.Views = append(p.Views, v)
	}
	for _, d := range summariesDamage(ss) {
		p.Damage = append(p.Damage, damageText(d, o.Loc))
	}
	if len(ss) > 1 {
		t := overviewTable(ss, o)
		p.Overview = &htmlOverview{Header: t.header, Rows: t.rows}
	}
	if len(ss) > 0 {
		r := &ss[0].Result
		p.Period = PeriodText(r.From, r.To, o.Loc)
		p.Zone = zoneText(pageTime(r.From), o.Loc)
	} else {
		p.Period, p.Zone = "nothing to report", zoneText(time.Unix(0, 0), o.Loc)
	}
	p.Title = o.Title
	if p.Title == "" {
		p.Title = "srvmon report" + hostSuffix(rs)
	}
	return writePage(w, p)
}

func writePage(w io.Writer, p htmlPage) error {
	if err := pageTemplate().Execute(w, p); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	return nil
}

// pageTime is the time whose zone offset a page states.
func pageTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0)
	}
	return t
}

// hostSuffix is " for HOST" when every series of rs has the same instance
// label, else "".
func hostSuffix(rs []*query.Result) string {
	host := ""
	for _, r := range rs {
		for _, s := range r.Quantities {
			v := tsdb.LabelValue(s.Labels, "instance")
			if v == "" || (host != "" && v != host) {
				return ""
			}
			host = v
		}
	}
	if host == "" {
		return ""
	}
	return " for " + host
}
