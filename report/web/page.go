package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// Size of the charts, in pixels. Queries ask for at most chartWidth points
// per series, so that a long range is downsampled on the server to about
// one point per pixel column.
const (
	chartWidth  = 480
	chartHeight = 220
)

// queryTimeout bounds the work of one request on the store.
const queryTimeout = 30 * time.Second

// sectionSpec is a part of a page: one query of a view and its charts.
type sectionSpec struct {
	id, title string
	view      string
	charts    []report.ChartSpec
	links     string // the page each device of the result links to ("" none)
	// fold is the device label by which devices down or idle all range are
	// folded away (drawn in charts shown on a click), "" for none; noun
	// names such a device.
	fold, noun string
}

// pageKind is one kind of page: the overview or the page of one device.
type pageKind struct {
	name     string // also the path: "/" + name, "/" for the overview
	param    string // the query parameter naming the device ("" for the overview)
	label    string // the device label of the view
	noun     string // "disk", "network interface", "filesystem"
	view     string
	sections []sectionSpec
}

// c is one quantity in a chart of a device page.
func c(name, as string) report.ChartCol { return report.ChartCol{Name: name, As: as} }

// overviewPage draws for each view the charts the html report draws.
var overviewPage = &pageKind{name: "overview", sections: []sectionSpec{
	{id: "cpu", title: "CPU", view: "cpu", charts: report.ViewCharts(&query.Result{View: "cpu"})},
	{id: "load", title: "Load", view: "load", charts: report.ViewCharts(&query.Result{View: "load"})},
	{id: "mem", title: "Memory", view: "mem", charts: report.ViewCharts(&query.Result{View: "mem"})},
	{id: "disk", title: "Disks", view: "disk", links: "disk", fold: "device", noun: "disk", charts: report.ViewCharts(&query.Result{View: "disk"})},
	{id: "net", title: "Network", view: "net", links: "net", fold: "device", noun: "interface", charts: report.ViewCharts(&query.Result{View: "net"})},
	{id: "fs", title: "Filesystems", view: "fs", links: "fs", charts: report.ViewCharts(&query.Result{View: "fs"})},
	{id: "pressure", title: "Pressure stalls", view: "pressure", charts: report.ViewCharts(&query.Result{View: "pressure"})},
	{id: "tcp", title: "TCP", view: "tcp", charts: report.ViewCharts(&query.Result{View: "tcp"})},
	{id: "sock", title: "Sockets", view: "sock", charts: report.ViewCharts(&query.Result{View: "sock"})},
}}

var diskPage = &pageKind{name: "disk", param: "device", label: "device", noun: "disk", view: "disk", sections: []sectionSpec{
	{id: "disk", title: "Disk", view: "disk", charts: []report.ChartSpec{
		{ID: "bytes", Title: "Throughput", Cols: []report.ChartCol{c("rbytes/s", "read"), c("wbytes/s", "write")}},
		{ID: "ops", Title: "Operations", Cols: []report.ChartCol{c("r/s", "reads"), c("w/s", "writes")}},
		{ID: "util", Title: "Utilization", Cols: []report.ChartCol{c("util", "util")}},
		{ID: "await", Title: "Average wait", Cols: []report.ChartCol{c("await", "await")}},
		{ID: "queue", Title: "Average queue size", Cols: []report.ChartCol{c("aqu-sz", "aqu-sz")}}}},
}}

var netPage = &pageKind{name: "net", param: "device", label: "device", noun: "network interface", view: "net", sections: []sectionSpec{
	{id: "net", title: "Interface", view: "net", charts: []report.ChartSpec{
		{ID: "bytes", Title: "Throughput", Cols: []report.ChartCol{c("rxbytes/s", "in"), c("txbytes/s", "out")}},
		{ID: "packets", Title: "Packets", Cols: []report.ChartCol{c("rxpck/s", "in"), c("txpck/s", "out")}},
		{ID: "errors", Title: "Errors", Cols: []report.ChartCol{c("rxerr/s", "in"), c("txerr/s", "out")}},
		{ID: "drops", Title: "Drops", Cols: []report.ChartCol{c("rxdrop/s", "in"), c("txdrop/s", "out")}}}},
}}

var fsPage = &pageKind{name: "fs", param: "mount", label: "mountpoint", noun: "filesystem", view: "fs", sections: []sectionSpec{
	{id: "fs", title: "Filesystem", view: "fs", charts: []report.ChartSpec{
		{ID: "space", Title: "Space", Cols: []report.ChartCol{c("size", "size"), c("used", "used"), c("avail", "available")}},
		{ID: "used", Title: "Used", Cols: []report.ChartCol{c("%used", "space"), c("%iused", "inodes")}}}},
}}

var pageKinds = map[string]*pageKind{"overview": overviewPage, "disk": diskPage, "net": netPage, "fs": fsPage}

func (k *pageKind) path() string {
	if k == overviewPage {
		return "/"
	}
	return "/" + k.name
}

// pickerLayout is the form of the custom range's inputs: 24-hour local
// time, one of the forms query.ParseTime reads.
const pickerLayout = "2006-01-02 15:04"

// presets are the ranges the page offers with one click.
var presets = []string{"1h", "6h", "24h", "7d", "30d"}

// defaultRange is the range of a page without range parameters.
const defaultRange = "1h"

// maxDeviceLen bounds a device or mount point parameter.
const maxDeviceLen = 4096

// pageRequest is what a page (or its charts) was asked for.
type pageRequest struct {
	kind     *pageKind
	device   string // the device or mount point of a device page
	rng      string // the preset or span of "range", "" for from/to
	from, to time.Time
	fromArg  string // the from and to parameters as given
	toArg    string
	live     bool // the range ends now: the page updates itself
}

// parsePageRequest validates the parameters of a page: range=SPAN (1h, 6h,
// 24h, 7d, 30d or any span), or from=TIME and optionally to=TIME, in the
// forms of srvmon query; device= or mount= for a device page. Unknown
// parameters are errors, so that a typo does not silently show something
// else.
func (s *Server) parsePageRequest(v url.Values, kind *pageKind) (pageRequest, error) {
	req := pageRequest{kind: kind}
	allowed := []string{"range", "from", "to"}
	if kind.param != "" {
		allowed = append(allowed, kind.param)
	}
	if err := checkParams(v, allowed...); err != nil {
		return req, err
	}
	if kind.param != "" {
		req.device = v.Get(kind.param)
		if req.device == "" {
			return req, fmt.Errorf("missing parameter %s: name the %s, as the overview links do", kind.param, kind.noun)
		}
		if len(req.device) > maxDeviceLen {
			return req, fmt.Errorf("parameter %s is longer than %d bytes", kind.param, maxDeviceLen)
		}
	}
	req.rng, req.fromArg, req.toArg = v.Get("range"), v.Get("from"), v.Get("to")
	if req.rng != "" && (req.fromArg != "" || req.toArg != "") {
		return req, errors.New("range and from/to both given; use range=6h (up to now) or from and to (a custom range)")
	}
	if req.rng == "" && req.fromArg == "" {
		if req.toArg != "" {
			return req, errors.New("to without from; give from=TIME too, or range=6h")
		}
		req.rng = defaultRange
	}
	now := s.o.Now()
	var err error
	if req.rng != "" {
		var d time.Duration
		if d, err = query.ParseSpan(req.rng); err != nil {
			return req, fmt.Errorf("range: %w", err)
		}
		req.from, req.to = now.Add(-d), now
	} else {
		req.from, req.to, err = query.ParseRange(req.fromArg, req.toArg, "", now, s.o.Location)
		if err != nil {
			return req, err
		}
	}
	if err := s.checkSpan(req.from, req.to); err != nil {
		return req, err
	}
	req.live = req.toArg == ""
	return req, nil
}

// checkSpan enforces Options.MaxRange.
func (s *Server) checkSpan(from, to time.Time) error {
	if to.Sub(from) > s.o.MaxRange {
		return fmt.Errorf("range of %s is longer than the %s this server allows", report.DurationText(to.Sub(from)), report.DurationText(s.o.MaxRange))
	}
	return nil
}

// checkParams returns an error naming the first parameter of v not in
// allowed, or one given more than once.
func checkParams(v url.Values, allowed ...string) error {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unknown parameter %q; the parameters are %s", k, strings.Join(allowed, ", "))
		}
		if len(v[k]) > 1 && !multiValued[k] {
			return fmt.Errorf("parameter %s given %d times; give it once", k, len(v[k]))
		}
	}
	return nil
}

// multiValued are the parameters that may repeat.
var multiValued = map[string]bool{"device": true, "mount": true, "interface": true}

// pageHref returns path with the query parameters of nameValues (name,
// value pairs; empty values are left out).
func pageHref(path string, nameValues ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(nameValues); i += 2 {
		if nameValues[i+1] != "" {
			q.Set(nameValues[i], nameValues[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// params returns the query parameters that reproduce req.
func (req pageRequest) params() []string {
	p := []string{}
	if req.kind.param != "" {
		p = append(p, req.kind.param, req.device)
	}
	if req.rng != "" {
		return append(p, "range", req.rng)
	}
	return append(p, "from", req.fromArg, "to", req.toArg)
}

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
	d := pageData{
		HomeHref:     pageHref("/", "range", req.rng, "from", req.fromArg, "to", req.toArg),
		Path:         kind.path(),
		AssetVersion: assetVersion(),
		Version:      s.o.Version,
		ChartsURL:    pageHref("/api/v1/charts", append([]string{"page", kind.name}, req.params()...)...),
	}
	if req.live {
		d.Refresh = int(s.o.Refresh.Round(time.Second) / time.Second)
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
	if req.rng != "" {
		d.Period = "last " + req.rng + ": " + d.Period
	}

	hover := map[string]hoverData{}
	var hosts []string
	var pending []pendingChart
	ctx, damage := tsdb.WithDamageLog(ctx)
	results := s.runSections(ctx, kind, req)
	for _, dm := range damage.List() {
		d.Damage = append(d.Damage, dm.String())
	}
	for i, sec := range kind.sections {
		sd := sectionData{ID: sec.id, Title: sec.title}
		res, err := results[i].res, results[i].err
		var ue *query.UsageError
		switch {
		case errors.As(err, &ue) && kind != overviewPage:
			return d, nil, fmt.Errorf("%w: %s", errNotFound, ue.Msg)
		case errors.Is(err, query.ErrNoData) || errors.As(err, &ue):
			sd.Note = "No samples in this range. " + err.Error()
			d.Sections = append(d.Sections, sd)
			continue
		case err != nil:
			return d, nil, err
		}
		for _, ser := range res.Quantities {
			if h := (tsdb.Series{Labels: ser.Labels}).Get("instance"); h != "" && !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
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
					return d, nil, err
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
			opts := cs.Options(chartWidth, chartHeight, loc)
			add := func(list *[]chartData, id string, res *query.Result) {
				cr := cs.Result(res)
				pending = append(pending, pendingChart{section: len(d.Sections), id: id, title: cs.Title, res: cr, opts: opts})
				*list = append(*list, chartData{ID: id})
				hover[id] = hoverOf(cr)
			}
			add(&sd.Charts, id, res)
			if folded != nil && len(folded.Quantities) > 0 {
				add(&sd.Folded, id+"-folded", folded)
				sd.Folded[len(sd.Folded)-1].Caption = foldedNames
			}
		}
		d.Sections = append(d.Sections, sd)
	}
	drawCharts(d.Sections, pending)
	d.Host = strings.Join(hosts, ", ")
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
	return d, hover, nil
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

// viewParam is the API parameter that selects the device of a device page.
func (k *pageKind) viewParam() string {
	switch k {
	case diskPage:
		return "device"
	case netPage:
		return "interface"
	case fsPage:
		return "mount"
	}
	return ""
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

// servePage serves a page of kind.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, kind *pageKind) {
	req, err := s.parsePageRequest(r.URL.Query(), kind)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, err)
		return
	}
	d, _, err := s.build(r.Context(), req)
	if errors.Is(err, errNotFound) {
		s.errorPage(w, r, http.StatusNotFound, errors.New(strings.TrimPrefix(err.Error(), errNotFound.Error()+": ")))
		return
	}
	if err != nil {
		s.serverError(w, r, fmt.Errorf("page: %w", err))
		return
	}
	var buf bytes.Buffer
	if err := pageTemplate().Execute(&buf, d); err != nil {
		s.serverError(w, r, fmt.Errorf("page: %w", err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.send(w, r, "text/html; charset=utf-8", http.StatusOK, buf.Bytes())
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, overviewPage)
}
func (s *Server) handleDisk(w http.ResponseWriter, r *http.Request) { s.servePage(w, r, diskPage) }
func (s *Server) handleNet(w http.ResponseWriter, r *http.Request)  { s.servePage(w, r, netPage) }
func (s *Server) handleFS(w http.ResponseWriter, r *http.Request)   { s.servePage(w, r, fsPage) }

// errorPage answers code with a small page that says what was wrong and
// links back to the overview.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, err error) {
	d := pageData{
		Title: fmt.Sprintf("srvmon · %d %s", code, http.StatusText(code)), HomeHref: "/", Path: r.URL.Path,
		AssetVersion: assetVersion(), Version: s.o.Version, Error: err.Error(), Period: http.StatusText(code),
	}
	for _, p := range presets {
		d.Ranges = append(d.Ranges, link{Label: p, Href: pageHref("/", "range", p)})
	}
	var buf bytes.Buffer
	if terr := pageTemplate().Execute(&buf, d); terr != nil {
		s.serverError(w, r, terr)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.send(w, r, "text/html; charset=utf-8", code, buf.Bytes())
}

// handleCharts serves /api/v1/charts: the charts of a page again, for the
// page's live updates. page= names the page (overview, disk, net, fs);
// the other parameters are the page's.
func (s *Server) handleCharts(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	name := v.Get("page")
	if name == "" {
		name = "overview"
	}
	kind, ok := pageKinds[name]
	if !ok || len(v["page"]) > 1 {
		s.badRequest(w, r, fmt.Errorf("unknown page %q; the pages are overview, disk, net and fs", name))
		return
	}
	v.Del("page")
	req, err := s.parsePageRequest(v, kind)
	if err != nil {
		s.badRequest(w, r, err)
		return
	}
	d, hover, err := s.build(r.Context(), req)
	if errors.Is(err, errNotFound) {
		s.sendJSON(w, r, http.StatusNotFound, apiError{Error: strings.TrimPrefix(err.Error(), errNotFound.Error()+": ")})
		return
	}
	if err != nil {
		s.serverError(w, r, fmt.Errorf("charts: %w", err))
		return
	}
	var main bytes.Buffer
	if err := pageTemplate().ExecuteTemplate(&main, "sections", d); err != nil {
		s.serverError(w, r, fmt.Errorf("charts: %w", err))
		return
	}
	s.sendJSON(w, r, http.StatusOK, chartsReply{Period: d.Period, Newest: d.Newest, Main: main.String(), Hover: hover})
}
