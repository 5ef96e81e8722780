package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/report/web/webtest"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// tempDirs are the directories of the shared stores, removed by TestMain.
var tempDirs []string

// sharedStore is two days of history of the default host, ending at
// testNow, shared by the tests that only read it.
var sharedStore = sync.OnceValue(func() *tsdb.Store {
	dir, err := os.MkdirTemp("", "srvmon-web-test-")
	if err != nil {
		panic(err)
	}
	tempDirs = append(tempDirs, dir)
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return testNow }))
	if err != nil {
		panic(err)
	}
	if err := importSynthErr(s, synth.DefaultHost(), testNow.Add(-48*time.Hour+time.Minute), 48*60); err != nil {
		panic(err)
	}
	return s
})

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range tempDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

var overviewCharts = []string{"cpu-cpu", "load-load", "mem-mem", "disk-disk-util", "disk-disk-bytes", "net-net-bytes", "fs-fs-used",
	"pressure-pressure", "tcp-tcp-opens", "tcp-tcp-errors", "sock-sock"}

var (
	reSVG  = regexp.MustCompile(`(?s)<figure class="chart" id="chart-([^"]+)" data-chart="[^"]+">.*?</figure>`)
	rePath = regexp.MustCompile(`<path (?:class="area" )?d="([^"]*)"`)
	reArea = regexp.MustCompile(`<path class="area" d="`)
)

// charts returns the chart ids of a page with the number of drawn line
// segments of each of their series.
func charts(page string) map[string][]int {
	out := map[string][]int{}
	for _, m := range reSVG.FindAllStringSubmatch(page, -1) {
		var segs []int
		for _, p := range rePath.FindAllStringSubmatch(m[0], -1) {
			segs = append(segs, strings.Count(p[1], "L"))
		}
		out[m[1]] = segs
	}
	return out
}

func TestOverview(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{Refresh: 30 * time.Second})
	r := get(t, srv, "/").want(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	got := charts(r.body)
	for _, id := range overviewCharts {
		segs, ok := got[id]
		if !ok {
			t.Errorf("no chart %s", id)
			continue
		}
		if len(segs) == 0 {
			t.Errorf("chart %s has no series", id)
		}
		for i, n := range segs {
			if n < 30 {
				t.Errorf("chart %s series %d: %d segments over the last hour of minutely data, want ~59", id, i, n)
			}
		}
	}
	if len(got) != len(overviewCharts) {
		t.Errorf("%d charts, want %d: %v", len(got), len(overviewCharts), got)
	}
	if n := len(got["cpu-cpu"]); n != 8 {
		t.Errorf("CPU chart has %d series, want the 7 modes but idle and the busy total", n)
	}
	// CPU: the modes stacked as areas, the busy total a line over them.
	cpu := reSVG.FindString(r.body[strings.Index(r.body, `id="chart-cpu-cpu"`)-30:])
	if n := len(reArea.FindAllString(cpu, -1)); n != 7 {
		t.Errorf("CPU chart has %d stacked areas, want 7", n)
	}
	contains(t, "CPU chart", cpu, `<title>busy: avg `, `stroke="#b42318"`)
	if n := len(got["disk-disk-bytes"]); n != 4 {
		t.Errorf("disk throughput has %d series, want read and write of 2 disks", n)
	}
	contains(t, "overview", r.body,
		`<title>srvmon · web1 · last 1h</title>`,
		`data-refresh="30"`,
		`data-src="/api/v1/charts?page=overview&amp;range=1h"`,
		`<a href="/?range=1h" class="active" aria-current="true">1h</a>`,
		`<a href="/?range=30d">30d</a>`,
		`<a href="/disk?device=sda&amp;range=1h">sda</a>`,
		`<a href="/net?device=eth0&amp;range=1h">eth0</a>`,
		`<a href="/fs?mount=%2Fvar&amp;range=1h">/var</a>`,
		"last 1h: 2026-05-14 14:30 to 15:30 &#43;00:00",
		"newest sample 2026-05-14 15:30:00 (just now)",
		`<script src="/static/app.js?v=`,
	)
}

// TestPage_CSPClean checks that the pages hold nothing the
// Content-Security-Policy would block (and log as an error): no inline
// scripts, event handler attributes, style attributes or elements, or
// resources from elsewhere.
func TestPage_CSPClean(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	for _, target := range []string{"/", "/?range=30d", "/disk?device=sda", "/net?device=lo", "/fs?mount=/", "/?range=nope"} {
		body := get(t, srv, target).body
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`), regexp.MustCompile(`<script(?:[^>](?:[^s]|s[^r]|sr[^c]))*>`),
			regexp.MustCompile(`\son[a-z]+=`), regexp.MustCompile(`\sstyle=`), regexp.MustCompile(`<style`),
			regexp.MustCompile(`(?:src|href)="(?:https?:)?//`), regexp.MustCompile(`javascript:`),
		} {
			if m := bad.FindString(body); m != "" {
				t.Errorf("%s holds %q, which the CSP blocks", target, m)
			}
		}
	}
}

func TestOverview_Ranges(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	for _, rng := range []string{"1h", "6h", "24h", "7d", "30d", "90m"} {
		r := get(t, srv, "/?range="+rng).want(t, 200)
		contains(t, rng, r.body, "last "+rng+": ", `data-src="/api/v1/charts?page=overview&amp;range=`+rng+`"`)
		for id, segs := range charts(r.body) {
			for _, n := range segs {
				// Downsampled to the chart's width: the renderer keeps at
				// most four points per pixel column.
				if n == 0 || n > 4*480 {
					t.Errorf("%s: chart %s: %d segments", rng, id, n)
				}
			}
		}
		// The hover data is the downsampled series: a point per pixel
		// column at most.
		var cr struct {
			Hover map[string]struct {
				Series []struct{ T []int64 }
			}
		}
		body := get(t, srv, "/api/v1/charts?range="+rng).want(t, 200).body
		if err := json.Unmarshal([]byte(body), &cr); err != nil {
			t.Fatal(err)
		}
		for id, h := range cr.Hover {
			for _, s := range h.Series {
				if len(s.T) == 0 || len(s.T) > 480 {
					t.Errorf("%s: chart %s has %d points, want 1 to 480", rng, id, len(s.T))
				}
			}
		}
	}
	// Across days the time axis names the days.
	if body := get(t, srv, "/?range=7d").body; !regexp.MustCompile(`>May \d+</text>`).MatchString(body) {
		t.Errorf("7d: no day on the time axis")
	}
}

func TestOverview_CustomRange(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	r := get(t, srv, "/?from=2026-05-13T10:00&to=2026-05-13T16:00").want(t, 200)
	contains(t, "custom range", r.body, "2026-05-13 10:00 to 16:00 &#43;00:00", `value="2026-05-13 10:00"`, `value="2026-05-13 16:00"`)
	if strings.Contains(r.body, "data-refresh") {
		t.Errorf("a range in the past updates itself")
	}
	if len(charts(r.body)) != len(overviewCharts) {
		t.Errorf("custom range: %d charts", len(charts(r.body)))
	}
	// From a time up to now: live.
	r = get(t, srv, "/?from=-2h&to=").want(t, 200)
	contains(t, "from -2h", r.body, "data-refresh=", "2026-05-14 13:30 to 15:30")
}

func TestPage_BadParameters(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{MaxRange: 31 * 24 * time.Hour})
	tests := []struct {
		target, want string
	}{
		{"/?range=soon", `range: invalid duration &#34;soon&#34;`},
		{"/?range=-1h", "range: invalid duration"},
		{"/?range=0s", "must be longer than 0"},
		{"/?range=40d", "range of 40d is longer than the 31d this server allows"},
		{"/?range=1h&from=-2h", "range and from/to both given"},
		{"/?to=now", "to without from"},
		{"/?from=tomorrow", `invalid from &#34;tomorrow&#34;: invalid time`},
		{"/?from=2026-05-14&to=2026-05-13", "from 2026-05-14T00:00:00Z: is not before to 2026-05-13T00:00:00Z"},
		{"/?range=1h&range=6h", "parameter range given 2 times"},
		{"/?rnage=1h", `unknown parameter &#34;rnage&#34;; the parameters are range, from, to`},
		{"/?device=sda", `unknown parameter &#34;device&#34;`},
		{"/disk", "missing parameter device: name the disk"},
		{"/disk?device=", "missing parameter device"},
		{"/fs?mount=" + strings.Repeat("x", 5000), "parameter mount is longer than 4096 bytes"},
		{"/?range=%3Cscript%3E", "&lt;script&gt;"},
	}
	for _, tt := range tests {
		r := get(t, srv, tt.target).want(t, 400)
		contains(t, tt.target, r.body, tt.want, `class="error"`)
		if strings.Contains(r.body, "<script>") {
			t.Errorf("%s: unescaped parameter in the error page", tt.target)
		}
	}
}

func TestDevicePages(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	tests := []struct {
		target string
		charts []string
		want   []string
	}{
		{"/disk?device=sda&range=6h", []string{"bytes", "ops", "util", "await", "queue"},
			[]string{"srvmon · web1 · disk sda · last 6h", `<a href="/disk?device=nvme0n1&amp;range=6h">nvme0n1</a>`, `class="active" aria-current="page">sda</a>`,
				`<a href="/?range=6h">overview</a>`, `<input type="hidden" name="device" value="sda">`, `<a href="/disk?device=sda&amp;range=24h">24h</a>`,
				`data-src="/api/v1/charts?device=sda&amp;page=disk&amp;range=6h"`}},
		{"/net?device=eth1", []string{"bytes", "packets", "errors", "drops"}, []string{"network interface eth1", `<a href="/net?device=lo&amp;range=1h">lo</a>`}},
		{"/fs?mount=/boot", []string{"space", "used"}, []string{"filesystem /boot", `<a href="/fs?mount=%2Fvar&amp;range=1h">/var</a>`}},
	}
	for _, tt := range tests {
		r := get(t, srv, tt.target).want(t, 200)
		got := charts(r.body)
		for _, id := range tt.charts {
			if segs := got[id]; len(segs) == 0 || segs[0] == 0 {
				t.Errorf("%s: chart %s missing or empty: %v", tt.target, id, got)
			}
		}
		if len(got) != len(tt.charts) {
			t.Errorf("%s: charts %v, want %v", tt.target, got, tt.charts)
		}
		contains(t, tt.target, r.body, tt.want...)
	}
	r := get(t, srv, "/disk?device=sdz").want(t, 404)
	contains(t, "unknown disk", r.body, "no disk device &#34;sdz&#34;", "the disk devices there are nvme0n1, sda")
	get(t, srv, "/api/v1/charts?page=disk&device=sdz").want(t, 404)
}

// TestHostileLabels checks that label values that are HTML, attribute or
// URL syntax are escaped in every context they appear in.
func TestHostileLabels(t *testing.T) {
	t.Parallel()
	h := synth.Host{Instance: `web"1<b>`, CPUs: 1, Disks: []string{`sd"a`}, Ifaces: []string{"eth0&x=1"},
		Mounts: []string{`/mnt/<script>alert(1)</script>`, `/a b/"c"/'d'?e=1&f#g`}}
	st := newStore(t, h, testNow, 2*time.Hour)
	srv := newServer(st, web.Options{})
	r := get(t, srv, "/").want(t, 200)
	for _, bad := range []string{"<script>alert", `web"1<b>`, `sd"a<`, "<b>"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("overview holds %q unescaped", bad)
		}
	}
	contains(t, "overview", r.body,
		`href="/fs?mount=%2Fmnt%2F%3Cscript%3Ealert%281%29%3C%2Fscript%3E&amp;range=1h">/mnt/&lt;script&gt;alert(1)&lt;/script&gt;</a>`,
		`href="/net?device=eth0%26x%3D1&amp;range=1h">eth0&amp;x=1</a>`,
		`web&#34;1&lt;b&gt;`)
	r = get(t, srv, "/fs?mount="+url.QueryEscape("/mnt/<script>alert(1)</script>")).want(t, 200)
	if strings.Contains(r.body, "<script>alert") {
		t.Errorf("the filesystem page holds the mount point unescaped")
	}
	contains(t, "fs page", r.body, `value="/mnt/&lt;script&gt;alert(1)&lt;/script&gt;"`)
	r = get(t, srv, "/fs?mount="+url.QueryEscape(`/a b/"c"/'d'?e=1&f#g`)).want(t, 200)
	contains(t, "fs page", r.body, "filesystem /a b/&#34;c&#34;/&#39;d&#39;?e=1&amp;f#g")
	if len(charts(r.body)) != 2 {
		t.Errorf("filesystem with a hostile name: %d charts, want 2", len(charts(r.body)))
	}
	// The charts endpoint carries the same, escaped, inside JSON.
	var cr struct{ Main string }
	json.Unmarshal([]byte(get(t, srv, "/api/v1/charts").want(t, 200).body), &cr)
	if strings.Contains(cr.Main, "<script>") || !strings.Contains(cr.Main, "&lt;script&gt;") {
		t.Errorf("charts endpoint main is not escaped")
	}
}

func TestCharts(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	r := get(t, srv, "/api/v1/charts?page=net&device=eth0&range=6h").want(t, 200)
	var cr struct {
		Period, Newest, Main string
		Hover                map[string]struct {
			T0, T1 int64
			Series []struct {
				Name string
				T    []int64
				V    []string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.body), &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Period != "last 6h: 2026-05-14 09:30 to 15:30 +00:00" || !strings.HasPrefix(cr.Newest, "newest sample 2026-05-14 15:30:00") {
		t.Errorf("period %q, newest %q", cr.Period, cr.Newest)
	}
	if len(charts(cr.Main)) != 4 || strings.Contains(cr.Main, "<html") {
		t.Errorf("main is not the four charts alone:\n%.500s", cr.Main)
	}
	h := cr.Hover["bytes"]
	if len(h.Series) != 2 || h.Series[0].Name != "in" || h.Series[1].Name != "out" {
		t.Fatalf("hover of bytes: %+v", h.Series)
	}
	s := h.Series[0]
	// The hover spans the range, as the x-axis does, whatever the data.
	if len(s.T) != len(s.V) || len(s.T) < 60 || h.T0 != testNow.Add(-6*time.Hour).Unix() || h.T1 != testNow.Unix() {
		t.Errorf("hover series: %d times, %d values, t0 %d t1 %d, want the range %d to %d", len(s.T), len(s.V), h.T0, h.T1,
			testNow.Add(-6*time.Hour).Unix(), testNow.Unix())
	}
	if !strings.HasSuffix(s.V[len(s.V)-1], "B/s") {
		t.Errorf("hover values are not humanised: %q", s.V[len(s.V)-1])
	}
	for target, want := range map[string]string{
		"/api/v1/charts?page=nosuch":           `unknown page \"nosuch\"`,
		"/api/v1/charts?page=disk":             "missing parameter device",
		"/api/v1/charts?page=fs&mount=/&x=1":   `unknown parameter \"x\"`,
		"/api/v1/charts?range=1y":              `unknown unit \"y\"`,
		"/api/v1/charts?page=disk&page=net":    "unknown page",
		"/api/v1/charts?from=2026-05-14&to=10": `invalid to \"10\": invalid time`,
	} {
		r := get(t, srv, target).want(t, 400)
		contains(t, target, r.body, `{"error":"`, want)
	}
}

func TestGzip(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	plain := get(t, srv, "/?range=24h").want(t, 200)
	zipped := get(t, srv, "/?range=24h", "Accept-Encoding", "br;q=1.0, gzip;q=0.8").want(t, 200)
	if zipped.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding %q and %q", zipped.header.Get("Content-Encoding"), plain.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, []byte(plain.body)) {
		t.Errorf("gzip body differs from the plain one")
	}
	t.Logf("24h overview: %d bytes, %d gzipped", len(plain.body), len(zipped.body))
	if len(zipped.body)*3 > len(plain.body) {
		t.Errorf("gzip saved little: %d of %d bytes", len(zipped.body), len(plain.body))
	}
	if r := get(t, srv, "/", "Accept-Encoding", "gzip;q=0"); r.header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	srv := newServer(emptyStore(t), web.Options{})
	js := get(t, srv, "/static/app.js").want(t, 200)
	if !strings.Contains(js.header.Get("Content-Type"), "javascript") || !strings.Contains(js.body, "data-refresh") {
		t.Errorf("app.js: %q", js.header.Get("Content-Type"))
	}
	css := get(t, srv, "/static/style.css").want(t, 200)
	if !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %q", css.header.Get("Content-Type"))
	}
	for _, target := range []string{"/static/", "/static/nosuch.js", "/static/../page.html", "/static/%2e%2e/page.html"} {
		if r := get(t, srv, target); r.code != 404 && r.code != 301 && r.code != 307 {
			t.Errorf("%s: %d", target, r.code)
		} else if strings.Contains(r.body, "{{") {
			t.Errorf("%s served the template", target)
		}
	}
	get(t, srv, "/favicon.ico").want(t, 301)
}

// TestEmptyStore checks that the pages say there is nothing instead of
// failing.
func TestEmptyStore(t *testing.T) {
	t.Parallel()
	srv := newServer(emptyStore(t), web.Options{})
	r := get(t, srv, "/").want(t, 200)
	contains(t, "empty overview", r.body, "No samples in this range.", "the store holds none at all", "no samples recorded")
	get(t, srv, "/api/v1/query?view=cpu").want(t, 404)
	r = get(t, srv, "/api/v1/series").want(t, 200)
	contains(t, "series of an empty store", r.body, `"series":[]`)
}

// TestStoreErrors checks the 500 path: a store that cannot be read gives a
// 500 without details and a line in the error log.
func TestStoreErrors(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	var logBuf webtest.LockedBuffer
	srv := newServer(st, web.Options{ErrorLog: newLogger(&logBuf)})
	get(t, srv, "/healthz").want(t, 200)
	if err := os.RemoveAll(st.Dir()); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/", "/disk?device=sda", "/api/v1/query?view=cpu", "/api/v1/series", "/api/v1/charts", "/metrics", "/healthz"} {
		r := get(t, srv, target).want(t, 500)
		if strings.Contains(r.body, st.Dir()) {
			t.Errorf("%s: the 500 response tells the store's path: %s", target, r.body)
		}
	}
	if n := strings.Count(logBuf.String(), "no such file or directory"); n < 7 {
		t.Errorf("error log has %d errors, want 7:\n%s", n, logBuf.String())
	}
}
