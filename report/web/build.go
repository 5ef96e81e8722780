package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// Template data.
type (
	pageData struct {
		Title, Host, Subtitle string
		HomeHref, Path        string
		Pages                 []link
		Ranges                []link
		Hidden                []hidden
		From, To              string // values of the custom range inputs
		Period, Newest        string
		Refresh               int // seconds; 0 when the page does not update itself
		// LiveHref links to the live range (shown by live.js only: without
		// script there is none); LiveSrc, on the live range, is its stream
		// and LiveWindow the seconds it shows.
		LiveHref, LiveSrc string
		LiveWindow        int
		// LiveCharts, on a device page's live range, are its charts for
		// live.js (JSON of liveChart), LiveThing the device they draw.
		LiveCharts, LiveThing string
		Streaming             bool
		ChartsURL, APIHref    string
		UTCOffset             int
		Error                 string
		Damage                []string // damaged files of the store the page could not read
		Sections              []sectionData
		AssetVersion, Version string
	}
	link struct {
		Label, Href string
		Active      bool
	}
	hidden      struct{ Name, Value string }
	sectionData struct {
		ID, Title, Note string
		Links           []link
		Charts          []chartData
		// Folded are the charts of the devices folded away, FoldText what
		// the toggle that shows them says.
		Folded   []chartData
		FoldText string
	}
	chartData struct {
		ID      string
		Caption string // of a folded chart: the devices it draws
		SVG     template.HTML
	}
)

// hoverData is what app.js needs to show the value under the pointer: the
// time span of the chart (the page's range, which its x-axis spans) and
// each series (in drawing order) with its
// values formatted for people.
type hoverData struct {
	T0     int64         `json:"t0"`
	T1     int64         `json:"t1"`
	Series []hoverSeries `json:"series"`
}

type hoverSeries struct {
	Name string   `json:"name"`
	T    []int64  `json:"t"`
	V    []string `json:"v"` // "" where there is no value (a gap)
}

// chartsReply is the body of /api/v1/charts: the page's <main> again and
// the texts that change, for app.js to swap in.
type chartsReply struct {
	Period string               `json:"period"`
	Newest string               `json:"newest"`
	Main   string               `json:"main"`
	Hover  map[string]hoverData `json:"hover"`
}

// errNotFound marks a device page for a device the range does not have.
var errNotFound = errors.New("not found")

// build runs the queries of a page and draws its charts.
func (s *Server) build(ctx context.Context, req pageRequest) (pageData, map[string]hoverData, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	loc := s.o.Location
	kind := req.kind
	b := &pageBuild{d: s.frame(req), hover: map[string]hoverData{}}
	ctx, damage := tsdb.WithDamageLog(ctx)
	results := s.runSections(ctx, kind, req)
	for _, dm := range damage.List() {
		b.d.Damage = append(b.d.Damage, dm.String())
	}
	for i, sec := range kind.sections {
		if err := s.addSection(ctx, b, req, sec, results[i]); err != nil {
			return b.d, nil, err
		}
	}
	drawCharts(b.d.Sections, b.pending)
	d := b.d
	d.Host = strings.Join(b.hosts, ", ")
	d.Title = "srvmon"
	if d.Host != "" {
		d.Title += " · " + d.Host
	}
	if d.Subtitle != "" {
		d.Title += " · " + d.Subtitle
	}
	d.Title += " · " + rangeTitle(req)
	if kind == overviewPage {
		d.APIHref = pageHref("/api/v1/query", "view", "cpu", "from", req.from.UTC().Format(time.RFC3339), "to", req.to.UTC().Format(time.RFC3339))
	} else {
		d.APIHref = pageHref("/api/v1/query", "view", kind.view, kind.viewParam(), req.device,
			"from", req.from.UTC().Format(time.RFC3339), "to", req.to.UTC().Format(time.RFC3339))
		sibs, err := s.siblings(ctx, kind, req)
		if err != nil {
			return d, nil, err
		}
		d.Pages = append([]link{{Label: "overview", Href: d.HomeHref}}, sibs...)
	}
	snap, err := s.latest(ctx)
	if err != nil {
		return d, nil, err
	}
	d.Newest = newestText(snap.newest, s.o.Now(), loc)
	rec, err := s.recorderText(ctx, s.o.Now())
	if err != nil {
		return d, nil, err
	}
	d.Newest += rec
	return d, b.hover, nil
}

// pageBuild is a page being built: its data, the hover data of its
// charts, the hosts it shows and the charts still to draw.
type pageBuild struct {
	d       pageData
	hover   map[string]hoverData
	hosts   []string
	pending []pendingChart
}

// frame returns what a page shows around its charts: links, the range
// picker and the period.
func (s *Server) frame(req pageRequest) pageData {
	loc := s.o.Location
	kind := req.kind
	d := pageData{
		HomeHref:     pageHref("/", "range", req.rng, "from", req.fromArg, "to", req.toArg),
		Path:         kind.path(),
		AssetVersion: assetVersion(),
		Version:      s.o.Version,
		ChartsURL:    pageHref("/api/v1/charts", append([]string{"page", kind.name}, req.params()...)...),
	}
	if req.live && !req.stream {
		d.Refresh = int(s.o.Refresh.Round(time.Second) / time.Second)
	}
	if s.o.Live != nil {
		d.LiveHref = pageHref(kind.path(), kind.param, req.device, "range", liveRange)
	}
	if req.stream {
		d.LiveSrc, d.LiveWindow, d.Streaming = "/api/v1/live", int(s.o.Live.Window()/time.Second), true
		if kind != overviewPage {
			d.LiveCharts, d.LiveThing = liveCharts(kind), req.device
		}
	}
	_, off := req.to.In(loc).Zone()
	d.UTCOffset = off
	for _, p := range presets {
		d.Ranges = append(d.Ranges, link{Label: p, Href: pageHref(kind.path(), kind.param, req.device, "range", p), Active: req.rng == p})
	}
	if kind.param != "" {
		d.Hidden = []hidden{{kind.param, req.device}}
		d.Subtitle = kind.noun + " " + req.device
	}
	// The custom range is typed as text in 24-hour time: a datetime-local
	// input shows the browser's locale, 12-hour in the US.
	d.From = req.from.In(loc).Format(pickerLayout)
	if !req.live {
		d.To = req.to.In(loc).Format(pickerLayout)
	}
	d.Period = report.PeriodText(req.from, req.to, loc)
	if req.stream {
		d.Period = "live, the last " + report.DurationText(req.to.Sub(req.from)) + " second by second (as recorded: " + d.Period + ")"
	} else if req.rng != "" {
		d.Period = "last " + req.rng + ": " + d.Period
	}

	return d
}

// liveChart is a chart of a device page's live range, as live.js draws
// it: the quantities Cols ([name, label]) of View for the page's device,
// on a scale from 0 to Max when Max is not 0 (percentages), the unit shown
// by the scale.
type liveChart struct {
	ID    string      `json:"id"`
	Title string      `json:"title"`
	View  string      `json:"view"`
	Cols  [][2]string `json:"cols"`
	Max   float64     `json:"max,omitempty"`
	Unit  string      `json:"unit,omitempty"`
}

// liveCharts returns the charts of kind's page (its recorded charts, one
// list) for live.js, in JSON.
func liveCharts(kind *pageKind) string {
	var out []liveChart
	for _, sec := range kind.sections {
		units := map[string]query.Unit{}
		for _, c := range query.Columns(sec.view) {
			units[c.Name] = c.Unit
		}
		for _, cs := range sec.charts {
			lc := liveChart{ID: cs.ID, Title: cs.Title, View: sec.view, Max: 100, Unit: "%"}
			for _, col := range cs.Cols {
				lc.Cols = append(lc.Cols, [2]string{col.Name, col.As})
				if units[col.Name] != query.Percent {
					lc.Max, lc.Unit = 0, ""
				}
			}
			out = append(out, lc)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}

// addSection adds the section sec of a page, with the result of its query.
func (s *Server) addSection(ctx context.Context, b *pageBuild, req pageRequest, sec sectionSpec, result sectionResult) error {
	kind := req.kind
	sd := sectionData{ID: sec.id, Title: sec.title}
	res, err := result.res, result.err
	var ue *query.UsageError
	switch {
	case errors.As(err, &ue) && kind != overviewPage:
		return fmt.Errorf("%w: %s", errNotFound, ue.Msg)
	case errors.Is(err, query.ErrNoData) || errors.As(err, &ue):
		sd.Note = "No samples in this range. " + err.Error()
		b.d.Sections = append(b.d.Sections, sd)
		return nil
	case err != nil:
		return err
	}
	for _, ser := range res.Quantities {
		if h := (tsdb.Series{Labels: ser.Labels}).Get("instance"); h != "" && !slices.Contains(b.hosts, h) {
			b.hosts = append(b.hosts, h)
		}
	}
	if sec.links != "" {
		sd.Links = deviceLinks(res, pageKinds[sec.links], req)
	}
	var folded *query.Result
	var foldedNames string
	if sec.fold != "" {
		var down map[string]bool
		if sec.view == "net" {
			if down, err = s.downInterfaces(ctx, req); err != nil {
				return err
			}
		}
		f := foldDevices(res, sec.fold, down)
		res, folded = f.split(res)
		sd.FoldText = f.summary(sec.noun)
		foldedNames = strings.Join(f.names, ", ")
	}
	for _, cs := range sec.charts {
		id := sec.id + "-" + cs.ID
		if kind != overviewPage {
			id = cs.ID
		}
		opts := cs.Options(chartWidth, chartHeight, s.o.Location)
		add := func(list *[]chartData, id string, res *query.Result) {
			cr := cs.Result(res)
			b.pending = append(b.pending, pendingChart{section: len(b.d.Sections), id: id, title: cs.Title, res: cr, opts: opts})
			*list = append(*list, chartData{ID: id})
			b.hover[id] = hoverOf(cr)
		}
		add(&sd.Charts, id, res)
		if folded != nil && len(folded.Quantities) > 0 {
			add(&sd.Folded, id+"-folded", folded)
			sd.Folded[len(sd.Folded)-1].Caption = foldedNames
		}
	}
	b.d.Sections = append(b.d.Sections, sd)
	return nil
}

// pendingChart is a chart of a page waiting to be drawn.
type pendingChart struct {
	section int // index into the page's sections
	id      string
	title   string
	res     *query.Result
	opts    report.ChartOptions
}

// drawCharts draws the charts of a page with one left edge of the plot
// area, so that the charts share their time axis: one time is at one x
// in every chart, above one another, and one hover line can cross them
// all.
func drawCharts(sections []sectionData, charts []pendingChart) {
	left := 0
	for _, pc := range charts {
		left = max(left, pc.opts.LeftOf(pc.res, pc.title))
	}
	for _, pc := range charts {
		pc.opts.PlotLeft = left
		sec := &sections[pc.section]
		for _, list := range [][]chartData{sec.Charts, sec.Folded} {
			for i := range list {
				if list[i].ID == pc.id {
					list[i].SVG = pc.opts.SVG(pc.res, pc.title)
				}
			}
		}
	}
}

type sectionResult struct {
	res *query.Result
	err error
}

// runSections runs the queries of the sections of a page, at most
// GOMAXPROCS at a time: the store is safe for concurrent reads.
func (s *Server) runSections(ctx context.Context, kind *pageKind, req pageRequest) []sectionResult {
	out := make([]sectionResult, len(kind.sections))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, sec := range kind.sections {
		o := query.Options{From: req.from, To: req.to, MaxPoints: chartWidth}
		switch kind {
		case diskPage:
			o.Devices = []string{req.device}
		case netPage:
			o.Interfaces = []string{req.device}
		case fsPage:
			o.Mounts = []string{req.device}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i].res, out[i].err = query.Run(ctx, s.store, sec.view, o)
		}()
	}
	wg.Wait()
	return out
}

// siblings links the pages of the other devices of the same kind that have
// samples in the range.
func (s *Server) siblings(ctx context.Context, kind *pageKind, req pageRequest) ([]link, error) {
	list, err := s.store.SeriesIn(ctx, req.from, req.to)
	if err != nil {
		return nil, err
	}
	metric := map[*pageKind]string{diskPage: "node_disk_io_time_seconds_total", netPage: "node_network_receive_bytes_total",
		fsPage: "node_filesystem_size_bytes"}[kind]
	var names []string
	for _, ser := range list {
		if ser.Metric != metric {
			continue
		}
		if v := ser.Get(kind.label); v != "" && !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	slices.Sort(names)
	var links []link
	for _, n := range names {
		links = append(links, link{Label: n, Href: pageHref(kind.path(), append([]string{kind.param, n}, req.params()[2:]...)...), Active: n == req.device})
	}
	return links, nil
}

// deviceLinks links the device pages of the devices in res.
func deviceLinks(res *query.Result, kind *pageKind, req pageRequest) []link {
	var names []string
	for _, ser := range res.Quantities {
		if v := (tsdb.Series{Labels: ser.Labels}).Get(kind.label); v != "" && !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	links := make([]link, len(names))
	for i, n := range names {
		links[i] = link{Label: n, Href: pageHref(kind.path(), append([]string{kind.param, n}, req.params()...)...)}
	}
	return links
}

// hoverOf returns the hover data of a chart's result: the values
// formatted as the renderer formats them, each series named as in the
// chart's legend.
func hoverOf(r *query.Result) hoverData {
	h := hoverData{T0: r.From.Unix(), T1: r.To.Unix()}
	names := report.Legends(r.Quantities)
	for j, ser := range r.Quantities {
		hs := hoverSeries{Name: names[j], T: make([]int64, len(ser.Points)), V: make([]string, len(ser.Points))}
		for i, p := range ser.Points {
			hs.T[i] = p.T
			if !math.IsNaN(p.V) {
				hs.V[i] = report.Humanize(p.V, ser.Unit)
			}
		}
		h.Series = append(h.Series, hs)
	}
	return h
}

func rangeTitle(req pageRequest) string {
	if req.stream {
		return liveRange
	}
	if req.rng != "" {
		return "last " + req.rng
	}
	return req.fromArg + " to " + req.toArg
}

// newestText says when the newest sample was taken.
func newestText(newest, now time.Time, loc *time.Location) string {
	if newest.IsZero() {
		return "no samples recorded"
	}
	age := now.Sub(newest).Round(time.Second)
	ago := report.DurationText(age) + " ago"
	if age < 0 {
		ago = "in the future by " + report.DurationText(-age)
	} else if age < time.Second {
		ago = "just now"
	}
	return "newest sample " + newest.In(loc).Format("2006-01-02 15:04:05") + " (" + ago + ")"
}
