package commands_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web/webtest"
	"github.com/srvmon/srvmon/tsdb/remote"
)

// The Grafana test runs the queries of Grafana's "Node Exporter Full"
// dashboard (grafana.com dashboard 1860, kept unchanged beside the checkout
// in ../shared/testdata/grafana/) the way Grafana runs them, against two
// real Prometheus servers on loopback over the same minutes:
//   - "node_exporter": scrapes Debian's prometheus-node-exporter every second;
//   - "srvmon": receives `srvmon push --label job=node` from a running
//     `srvmon record --interval 2s`.
//
// It asserts that at least 90 % of the queries that return data from
// node_exporter also return data from srvmon, that the dashboard's host
// picker finds the host on both, and that the values agree where both
// have the same series.

const (
	dashboardFile  = "../../shared/testdata/grafana/node-exporter-full.json"
	grafanaRecord  = 2 * time.Second  // srvmon record --interval
	grafanaScrape  = time.Second      // node_exporter's scrape interval
	grafanaMinStep = 2 * time.Second  // the data sources' "scrape interval" setting in Grafana
	grafanaWindow  = 60 * time.Second // how long both record
)

// bgProcess is a program the test runs in the background; it is stopped
// with SIGTERM (SIGKILL after 20 s) when the test ends.
type bgProcess struct {
	name   string
	cmd    *exec.Cmd
	out    *webtest.LockedBuffer
	exited chan struct{}
}

func startBackground(t *testing.T, name string, args ...string) *bgProcess {
	t.Helper()
	p := &bgProcess{name: name, cmd: exec.Command(args[0], args[1:]...), out: &webtest.LockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.stop)
	return p
}

func (p *bgProcess) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// waitHTTP waits up to a minute until url answers 200.
func (p *bgProcess) waitHTTP(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		select {
		case <-p.exited:
			t.Fatalf("%s exited at start:\n%s", p.name, p.out)
		default:
		}
		if code, _, err := fetch(http.DefaultClient, url); err == nil && code == 200 {
			return
		}
	}
	t.Fatalf("%s not ready after a minute:\n%s", p.name, p.out)
}

// promServer is a Prometheus server's HTTP API.
type promServer struct {
	name string
	base string // http://127.0.0.1:PORT
}

// startPrometheusServer runs Debian's prometheus with config on a free
// loopback port, with its remote-write receiver on.
func startPrometheusServer(t *testing.T, bin, name, config string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := startBackground(t, name, bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--web.enable-remote-write-receiver", "--log.level=warn")
	p.waitHTTP(t, "http://"+addr+"/-/ready")
	return &promServer{name: name, base: "http://" + addr}
}

// promResult is the data of a Prometheus API answer.
type promResult struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

type promSeries struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`  // instant vector
	Values [][2]any          `json:"values"` // matrix
}

// api GETs path?params and returns the data of a successful answer. It
// asks again when Prometheus 2.42 fails a query with the transient
// "cannot populate chunk" fault of its out-of-order head.
func (s *promServer) api(path string, params url.Values) (json.RawMessage, error) {
	for attempt := 0; ; attempt++ {
		code, body, err := fetch(http.DefaultClient, s.base+path+"?"+params.Encode())
		if err != nil {
			return nil, err
		}
		var r struct {
			Status string          `json:"status"`
			Error  string          `json:"error"`
			Data   json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("%s %s: status %d: %w", s.name, path, code, err)
		}
		if r.Status == "success" {
			return r.Data, nil
		}
		if !strings.Contains(r.Error, "cannot populate chunk") || attempt >= 20 {
			return nil, fmt.Errorf("%s %s %s: %s", s.name, path, params.Get("query"), r.Error)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// query runs an instant query; it returns the number of series (or 1 for
// a scalar or string result) and the series.
func (s *promServer) query(q string, at time.Time) (int, []promSeries, error) {
	data, err := s.api("/api/v1/query", url.Values{"query": {q}, "time": {promTime(at)}})
	if err != nil {
		return 0, nil, err
	}
	return decodeResult(data)
}

// queryRange runs a range query.
func (s *promServer) queryRange(q string, start, end time.Time, step time.Duration) (int, error) {
	data, err := s.api("/api/v1/query_range", url.Values{"query": {q}, "start": {promTime(start)},
		"end": {promTime(end)}, "step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}})
	if err != nil {
		return 0, err
	}
	n, _, err := decodeResult(data)
	return n, err
}

func decodeResult(data json.RawMessage) (int, []promSeries, error) {
	var r promResult
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, nil, err
	}
	switch r.ResultType {
	case "scalar", "string":
		return 1, nil, nil
	}
	var ss []promSeries
	if err := json.Unmarshal(r.Result, &ss); err != nil {
		return 0, nil, err
	}
	return len(ss), ss, nil
}

// labelValues answers Grafana's label_values(selector, label) over
// [start, end] as its Prometheus data source does.
func (s *promServer) labelValues(selector, label string, start, end time.Time) ([]string, error) {
	data, err := s.api("/api/v1/label/"+label+"/values", url.Values{"match[]": {selector},
		"start": {promTime(start)}, "end": {promTime(end)}})
	if err != nil {
		return nil, err
	}
	var vs []string
	err = json.Unmarshal(data, &vs)
	return vs, err
}

func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// dashboard is what the test reads of a Grafana dashboard.
type dashboard struct {
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title    string   `json:"title"`
	Interval string   `json:"interval"`
	Panels   []panel  `json:"panels"` // a collapsed row's panels
	Targets  []target `json:"targets"`
}

type target struct {
	Expr     string `json:"expr"`
	Interval string `json:"interval"` // the query's min interval
	Instant  *bool  `json:"instant"`
	Range    *bool  `json:"range"`
	Hide     bool   `json:"hide"`
}

// panelQuery is one target with the title of its panel.
type panelQuery struct {
	panel string
	target
	minInterval string
}

func (d *dashboard) queries() []panelQuery {
	var out []panelQuery
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					continue
				}
				mi := tg.Interval
				if mi == "" {
					mi = p.Interval
				}
				out = append(out, panelQuery{panel: p.Title, target: tg, minInterval: mi})
			}
		}
	}
	walk(d.Panels)
	return out
}

// variableQuery returns the label_values(selector, label) of a query
// variable.
var reLabelValues = regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`)

func (d *dashboard) variables() (names []string, selectors, labels map[string]string, err error) {
	selectors, labels = map[string]string{}, map[string]string{}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q string
		if json.Unmarshal(v.Query, &q) != nil {
			var obj struct{ Query string }
			if err := json.Unmarshal(v.Query, &obj); err != nil {
				return nil, nil, nil, fmt.Errorf("variable %s: %w", v.Name, err)
			}
			q = obj.Query
		}
		m := reLabelValues.FindStringSubmatch(strings.TrimSpace(q))
		if m == nil {
			return nil, nil, nil, fmt.Errorf("variable %s: query %q is not label_values(selector, label)", v.Name, q)
		}
		names = append(names, v.Name)
		selectors[v.Name], labels[v.Name] = m[1], m[2]
	}
	return names, selectors, labels, nil
}

// grafanaEnv holds what Grafana fills into a query: the dashboard
// variables and the time range.
type grafanaEnv struct {
	vars      map[string]string
	from, to  time.Time
	minStep   time.Duration // the data source's scrape interval setting
	maxPoints int           // the panel's width in pixels
}

// interval returns Grafana's $__interval for a query: the time range over
// the panel's data points, rounded as Grafana's rangeutil.roundInterval
// rounds, and no less than the query's min interval (else the data
// source's scrape interval).
func (e *grafanaEnv) interval(minInterval string) (time.Duration, error) {
	lowest := e.minStep
	if minInterval != "" {
		s := e.expand(minInterval, 0)
		s = strings.TrimPrefix(s, ">")
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("min interval %q: %w", minInterval, err)
		}
		lowest = d
	}
	iv := roundInterval(e.to.Sub(e.from) / time.Duration(e.maxPoints))
	return max(iv, lowest), nil
}

// roundInterval is Grafana's rangeutil.roundInterval: the raw interval
// snapped to a "nice" one.
func roundInterval(d time.Duration) time.Duration {
	ms := d.Milliseconds()
	steps := []struct{ below, to int64 }{
		{10, 1}, {15, 10}, {35, 20}, {75, 50}, {150, 100}, {350, 200}, {750, 500},
		{1500, 1000}, {3500, 2000}, {7500, 5000}, {12500, 10000}, {17500, 15000},
		{25000, 20000}, {45000, 30000}, {90000, 60000}, {210000, 120000},
		{450000, 300000}, {750000, 600000}, {1050000, 900000}, {1500000, 1200000},
		{2700000, 1800000}, {5400000, 3600000}, {9000000, 7200000}, {16200000, 10800000},
		{32400000, 21600000}, {86400000, 43200000},
	}
	for _, s := range steps {
		if ms < s.below {
			return time.Duration(s.to) * time.Millisecond
		}
	}
	return 24 * time.Hour
}

// promDuration writes d as Grafana writes intervals into a query: whole
// units, "2s", "1m", "500ms".
func promDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

var reVar = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)`)

// expand replaces the dashboard variables and Grafana's built-in ones
// ($__interval, $__rate_interval, $__range ...) in s. interval 0 leaves
// the interval variables alone (they are not known yet).
func (e *grafanaEnv) expand(s string, interval time.Duration) string {
	rng := e.to.Sub(e.from)
	return reVar.ReplaceAllStringFunc(s, func(m string) string {
		sm := reVar.FindStringSubmatch(m)
		name := sm[1] + sm[2] + sm[3]
		switch name {
		case "__interval":
			if interval > 0 {
				return promDuration(interval)
			}
		case "__interval_ms":
			if interval > 0 {
				return strconv.FormatInt(interval.Milliseconds(), 10)
			}
		case "__rate_interval":
			// max($__interval + scrape interval, 4 * scrape interval)
			if interval > 0 {
				return promDuration(max(interval+e.minStep, 4*e.minStep))
			}
		case "__range":
			return fmt.Sprintf("%ds", int64(math.Round(rng.Seconds())))
		case "__range_s":
			return strconv.FormatInt(int64(math.Round(rng.Seconds())), 10)
		case "__range_ms":
			return strconv.FormatInt(rng.Milliseconds(), 10)
		default:
			if v, ok := e.vars[name]; ok {
				return v
			}
		}
		return m
	})
}

// run runs q as Grafana would for a time-series panel (a range query over
// the dashboard's range, start and end aligned to the step) and for a
// stat panel (an instant query at the end of the range), and reports
// whether any returned data.
func (e *grafanaEnv) run(s *promServer, q panelQuery) (bool, string, error) {
	iv, err := e.interval(q.minInterval)
	if err != nil {
		return false, "", err
	}
	expr := e.expand(q.Expr, iv)
	if strings.Contains(expr, "$") {
		return false, expr, fmt.Errorf("variable left in %q", expr)
	}
	instant := q.Instant != nil && *q.Instant
	rangeQ := !instant || (q.Range != nil && *q.Range)
	if instant {
		n, _, err := s.query(expr, e.to)
		if err != nil || n > 0 {
			return n > 0, expr, err
		}
	}
	if rangeQ {
		step := iv
		start := e.from.Truncate(step)
		end := e.to.Truncate(step)
		n, err := s.queryRange(expr, start, end, step)
		return n > 0, expr, err
	}
	return false, expr, nil
}

// pickVariables fills the dashboard's query variables one after the other,
// as Grafana does on load: each takes the first of its values.
func pickVariables(t *testing.T, d *dashboard, s *promServer, from, to time.Time) (map[string]string, bool) {
	t.Helper()
	names, selectors, labels, err := d.variables()
	if err != nil {
		t.Fatal(err)
	}
	env := &grafanaEnv{vars: map[string]string{}, from: from, to: to}
	ok := true
	for _, name := range names {
		sel := env.expand(selectors[name], 0)
		vs, err := s.labelValues(sel, labels[name], from, to)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(vs)
		if len(vs) == 0 {
			t.Errorf("%s: the dashboard's variable $%s, label_values(%s, %s), finds nothing", s.name, name, sel, labels[name])
			ok = false
			continue
		}
		env.vars[name] = vs[0]
	}
	return env.vars, ok
}

// TestE2EGrafanaNodeExporterFull: see the comment at the top of the file.
func TestE2EGrafanaNodeExporterFull(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two Prometheus servers and node_exporter for more than a minute")
	}
	promBin := need(t, "prometheus", "prometheus")
	neBin := need(t, "prometheus-node-exporter", "prometheus-node-exporter")
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatalf("the dashboard fixture (beside the checkout, as in CI): %v", err)
	}
	var dash dashboard
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	queries := dash.queries()
	if len(queries) < 200 {
		t.Fatalf("%s: %d queries; is it the Node Exporter Full dashboard?", dashboardFile, len(queries))
	}
	bin := srvmonBinary(t)

	// node_exporter as Debian runs it, on loopback, and a Prometheus
	// scraping it.
	neAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ne := startBackground(t, "prometheus-node-exporter", neBin, "--web.listen-address="+neAddr)
	ne.waitHTTP(t, "http://"+neAddr+"/metrics")
	promNE := startPrometheusServer(t, promBin, "node_exporter's prometheus", fmt.Sprintf(`global:
  scrape_interval: %s
  scrape_timeout: %s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['%s']
`, promDuration(grafanaScrape), promDuration(grafanaScrape), neAddr))
	// A Prometheus receiving srvmon push.
	promS := startPrometheusServer(t, promBin, "srvmon's prometheus",
		"storage:\n  tsdb:\n    out_of_order_time_window: 1h\n")

	// srvmon record on the same host over the same minutes, pushed as it
	// goes, the way a cron line would push.
	data := filepath.Join(t.TempDir(), "store")
	start := time.Now()
	// As Debian configures node_exporter's textfile directory, srvmon gets
	// one (empty: node_textfile_scrape_error is 0 on both sides); the
	// udp_queues collector, a default of node_exporter's, is opt-in in
	// srvmon (README: it costs 2-4 % of a run) and turned on here.
	textfiles := t.TempDir()
	rec := startBackground(t, "srvmon record", bin, "record", "--data", data, "--interval", promDuration(grafanaRecord),
		"--textfile-dir", textfiles, "--collectors", "default,udp_queues")
	push := func(args ...string) {
		t.Helper()
		args = append([]string{"push", "--data", data, "--url", promS.base + "/api/v1/write", "--label", "job=node"}, args...)
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("srvmon push: %v\n%s", err, out)
		}
	}
	for time.Since(start) < grafanaWindow {
		time.Sleep(10 * time.Second)
		select {
		case <-rec.exited:
			t.Fatalf("srvmon record exited:\n%s", rec.out)
		default:
		}
		push()
	}
	rec.stop()
	end := time.Now()
	if out := rec.out.String(); out != "" {
		t.Logf("srvmon record said:\n%s", out)
	}
	// push leaves the last remote.Settle (30 s) for the next run, which
	// sends them.
	time.Sleep(time.Until(end.Add(remote.Settle + time.Second)))
	push()
	// Grafana's time range: the minutes both recorded (node_exporter's
	// first scrapes came earlier), to now.
	from, to := start.Add(5*time.Second), end

	// The host picker: the dashboard's variables, as Grafana fills them.
	varsNE, okNE := pickVariables(t, &dash, promNE, from, to)
	varsS, okS := pickVariables(t, &dash, promS, from, to)
	host, _ := os.Hostname()
	if !okNE {
		t.Fatalf("the host picker finds no host in node_exporter's data (%v)", varsNE)
	}
	if !okS {
		// Go on as a user who typed the host in, to count the queries.
		t.Errorf("the host picker finds no host in srvmon's data (%v)", varsS)
		varsS = map[string]string{"job": "node", "nodename": host, "node": host}
	}
	t.Logf("variables: node_exporter %v, srvmon %v", varsNE, varsS)
	if varsS["nodename"] != host || varsS["node"] != host {
		t.Errorf("srvmon's nodename %q and instance %q, want the host name %q", varsS["nodename"], varsS["node"], host)
	}

	envNE := &grafanaEnv{vars: varsNE, from: from, to: to, minStep: grafanaMinStep, maxPoints: 1000}
	envS := &grafanaEnv{vars: varsS, from: from, to: to, minStep: grafanaMinStep, maxPoints: 1000}
	withData, both := 0, 0
	var missing []string
	for _, q := range queries {
		gotNE, expr, err := envNE.run(promNE, q)
		if err != nil {
			t.Errorf("%s: %v", q.panel, err)
			continue
		}
		if !gotNE {
			continue
		}
		withData++
		gotS, _, err := envS.run(promS, q)
		if err != nil {
			t.Errorf("%s: %v", q.panel, err)
			continue
		}
		if gotS {
			both++
		} else {
			missing = append(missing, fmt.Sprintf("%s: %s", q.panel, strings.Join(strings.Fields(expr), " ")))
		}
	}
	pct := 100 * float64(both) / float64(max(withData, 1))
	t.Logf("Node Exporter Full: %d queries; %d return data from node_exporter; %d of those (%.1f %%) also from srvmon",
		len(queries), withData, both, pct)
	if len(missing) > 0 {
		t.Logf("without data from srvmon:\n  %s", strings.Join(missing, "\n  "))
	}
	if withData < len(queries)/2 {
		t.Errorf("only %d of %d queries return data from node_exporter; the test is not testing much", withData, len(queries))
	}
	if pct < 90 {
		t.Errorf("%.1f %% of the dashboard's queries with data from node_exporter have data from srvmon, want >= 90 %%", pct)
	}

	compareValues(t, promNE, promS, from, to)
}

type point struct {
	t time.Time
	v float64
}

// comparedFamilies are the families whose values the test compares; the
// value says whether it is a gauge.
var comparedFamilies = map[string]bool{
	"node_memory_.+":                           true,
	"node_boot_time_seconds":                   true,
	"node_filesystem_(size|files)(_bytes)?":    true,
	"node_load1":                               true,
	"node_cpu_seconds_total":                   false,
	"node_context_switches_total":              false,
	"node_intr_total":                          false,
	"node_forks_total":                         false,
	"node_vmstat_.+":                           false,
	"node_network_(receive|transmit)_.+_total": false,
	"node_disk_.+_total":                       false,
}

// rawSamples returns every sample of the families on s in [from, to],
// keyed by series without instance and job.
func rawSamples(t *testing.T, s *promServer, families string, from, to time.Time) map[string][]point {
	t.Helper()
	rng := to.Sub(from).Round(time.Second)
	_, ss, err := s.query(fmt.Sprintf(`{job="node",__name__=~"%s"}[%s]`, families, promDuration(rng)), to)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]point{}
	for _, se := range ss {
		name := se.Metric["__name__"]
		var ls []string
		for k, v := range se.Metric {
			if k != "__name__" && k != "instance" && k != "job" {
				ls = append(ls, k+"="+strconv.Quote(v))
			}
		}
		sort.Strings(ls)
		key := name + "{" + strings.Join(ls, ",") + "}"
		for _, v := range se.Values {
			ts, _ := v[0].(float64)
			f, err := strconv.ParseFloat(fmt.Sprint(v[1]), 64)
			if err != nil {
				t.Fatalf("%s: value %v", key, v[1])
			}
			out[key] = append(out[key], point{time.UnixMilli(int64(math.Round(ts * 1000))), f})
		}
	}
	return out
}

// compareValues checks srvmon's values against node_exporter's at the
// same instants. node_exporter was scraped every second; for each srvmon
// sample set (timestamp t: record reads the host in the first
// milliseconds after t) the node_exporter scrapes just before t and just
// after t+1s bracket the instant srvmon read the host:
//   - a counter only grows, so srvmon's value must lie within the two
//     scrapes' values, and its rate over the whole window must be within
//     2 % of node_exporter's wherever the bracket is narrow enough for 2 %
//     to mean something;
//   - a gauge that did not move over the window must be equal; one that
//     moved must lie within the scrapes around t.
func compareValues(t *testing.T, ne, sm *promServer, from, to time.Time) {
	t.Helper()
	var fams []string
	for f := range comparedFamilies {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	pattern := strings.Join(fams, "|")
	nes, sms := rawSamples(t, ne, pattern, from, to), rawSamples(t, sm, pattern, from, to)
	isGauge := func(key string) bool {
		name := key[:strings.IndexByte(key, '{')]
		for f, g := range comparedFamilies {
			if regexp.MustCompile("^(" + f + ")$").MatchString(name) {
				return g
			}
		}
		return false
	}
	var keys []string
	onlyNE := 0
	for k := range nes {
		if _, ok := sms[k]; ok {
			keys = append(keys, k)
		} else {
			onlyNE++
		}
	}
	sort.Strings(keys)
	if l := sms["node_load1{}"]; len(l) > 0 {
		t.Logf("srvmon: %d sample sets from %s to %s; node_exporter %d scrapes", len(l), l[0].t.Format("15:04:05"), l[len(l)-1].t.Format("15:04:05"), len(nes["node_load1{}"]))
	}
	if len(keys) < 50 {
		t.Fatalf("only %d series in both to compare (%d in node_exporter's only)", len(keys), onlyNE)
	}
	var (
		counters, gauges, steady, rates int
		movedOut                        int // moving gauges with sample sets outside the scrapes around them
		bad                             []string
	)
	for _, k := range keys {
		n, s := nes[k], sms[k]
		if len(s) < 2 {
			continue
		}
		gauge := isGauge(k)
		if gauge {
			gauges++
		} else {
			counters++
		}
		nmin, nmax := minMax(n)
		smin, smax := minMax(s)
		if gauge && nmin == nmax {
			steady++
			// A gauge can move between two scrapes and back (Writeback
			// going 0, 4096, 0 while a file is flushed): most sample sets
			// must equal the steady value. A wrong field or unit would
			// match in none.
			differ := 0
			for _, p := range s {
				if p.v != nmin {
					differ++
				}
			}
			if differ*2 > len(s) {
				bad = append(bad, fmt.Sprintf("%s: steady at %g in node_exporter, %g to %g in srvmon (%d of %d sample sets differ)", k, nmin, smin, smax, differ, len(s)))
			}
			continue
		}
		outside, compared := 0, 0
		var first string
		var relDiff []float64
		for _, p := range s {
			// A scrape's timestamp is when Prometheus sent the request;
			// node_exporter reads the host up to some hundred
			// milliseconds later on a busy machine. Scrapes stamped a
			// second before t and a second after it bracket srvmon's
			// reading (a gauge gets two seconds either side).
			d := time.Second
			if gauge {
				d = 2 * time.Second
			}
			lo, hi, ok := bracket(n, p.t.Add(-d), p.t.Add(d))
			if !ok {
				continue
			}
			compared++
			if gauge {
				nv, _ := nearest(n, p.t)
				relDiff = append(relDiff, math.Abs(p.v-nv)/math.Max(math.Abs(nv), 1))
			}
			// node_exporter turns milliseconds into seconds with *0.001,
			// srvmon with /1000: the last bit can differ.
			if slack := 1e-12 * math.Abs(p.v); p.v < lo-slack || p.v > hi+slack {
				outside++
				if first == "" {
					first = fmt.Sprintf("at %s srvmon %g, node_exporter %g to %g", p.t.Format("15:04:05"), p.v, lo, hi)
				}
			}
		}
		// A gauge is not monotonic: on a busy host it can step out of the
		// range of the scrapes around it and back (a compiler's memory).
		// Half the sample sets must still lie within it, or the median
		// sample set be within 1 % of the nearest scrape; a wrong field
		// or unit would do neither.
		gaugeOK := outside*2 <= compared || (len(relDiff) > 0 && median(relDiff) <= 0.01)
		if compared == 0 || (!gauge && outside > 0) || (gauge && !gaugeOK) {
			bad = append(bad, fmt.Sprintf("%s: %d of %d sample sets outside node_exporter's values around them, first %s", k, outside, compared, first))
		}
		if gauge && outside > 0 {
			movedOut++
		}
		if gauge {
			continue
		}
		// The rate over srvmon's window, against node_exporter's
		// interpolated to the same instants: for the counters that grew
		// steadily, by 100 or more, and less than 5 % of that in the
		// scrape intervals around the window's ends (where interpolating
		// is exact enough for 2 % to mean something).
		i, j := 0, len(s)-1
		for i < j && math.IsNaN(first2(interpolate(n, s[i].t))) {
			i++
		}
		for j > i && math.IsNaN(first2(interpolate(n, s[j].t))) {
			j--
		}
		a, b := s[i], s[j]
		na, erra := interpolate(n, a.t)
		nb, errb := interpolate(n, b.t)
		inc := nb - na
		if math.IsNaN(inc) || inc < 100 || erra+errb > 0.05*inc {
			continue
		}
		rates++
		srate := (b.v - a.v) / b.t.Sub(a.t).Seconds()
		nrate := inc / b.t.Sub(a.t).Seconds()
		// Interpolating assumes the counter grew evenly inside the
		// scrape intervals around a and b; it may have grown by up to
		// erra and errb there in any way, so that much is allowed on
		// top of 2 % (a wrong field or unit is off by far more).
		if math.Abs(srate-nrate) > 0.02*nrate+(erra+errb)/b.t.Sub(a.t).Seconds() {
			bad = append(bad, fmt.Sprintf("%s: rate %g/s in srvmon, %g/s in node_exporter", k, srate, nrate))
		}
	}
	t.Logf("values compared: %d series in both (%d in node_exporter's only); %d gauges (%d steady and equal; %d moving, %d of them at times outside the scrapes around), %d counters (within the scrapes around each sample set), %d counter rates within 2 %% plus the scrapes' uncertainty",
		len(keys), onlyNE, gauges, steady, gauges-steady, movedOut, counters, rates-countPrefix(bad, "rate"))
	if rates < 5 {
		t.Errorf("only %d counters increased steadily enough to compare their rates", rates)
	}
	for _, b := range bad {
		t.Error(b)
	}
}

func countPrefix(ss []string, word string) int {
	n := 0
	for _, s := range ss {
		if strings.Contains(s, ": "+word+" ") {
			n++
		}
	}
	return n
}

func minMax(ps []point) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range ps {
		lo, hi = min(lo, p.v), max(hi, p.v)
	}
	return lo, hi
}

// bracket returns the lowest and highest value of ps from the last
// sample at or before a to the first sample at or after b.
func bracket(ps []point, a, b time.Time) (lo, hi float64, ok bool) {
	i := sort.Search(len(ps), func(i int) bool { return ps[i].t.After(a) }) - 1
	j := sort.Search(len(ps), func(i int) bool { return !ps[i].t.Before(b) })
	if i < 0 || j >= len(ps) {
		return 0, 0, false
	}
	lo, hi = minMax(ps[i : j+1])
	return lo, hi, true
}

func first2(a, _ float64) float64 { return a }

// nearest returns the value of the sample of ps closest to at.
func nearest(ps []point, at time.Time) (float64, bool) {
	if len(ps) == 0 {
		return 0, false
	}
	best := ps[0]
	for _, p := range ps[1:] {
		if p.t.Sub(at).Abs() < best.t.Sub(at).Abs() {
			best = p
		}
	}
	return best.v, true
}

// interpolate returns a counter's value at t, linearly between the
// samples around it, and how far off that can be (the increase between
// them).
func interpolate(ps []point, at time.Time) (v, uncertainty float64) {
	j := sort.Search(len(ps), func(i int) bool { return !ps[i].t.Before(at) })
	if j == 0 || j >= len(ps) {
		return math.NaN(), math.Inf(1)
	}
	a, b := ps[j-1], ps[j]
	f := at.Sub(a.t).Seconds() / b.t.Sub(a.t).Seconds()
	return a.v + f*(b.v-a.v), b.v - a.v
}
