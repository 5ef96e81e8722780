package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// chartState is what the page's charts drew, read in the browser.
type chartState struct {
	ID       string `json:"id"`
	Paths    int    `json:"paths"`    // series lines
	Segments int    `json:"segments"` // line segments of all series
	Subpaths int    `json:"subpaths"` // runs between gaps, all series
	NoData   bool   `json:"nodata"`
}

const readCharts = `Array.from(document.querySelectorAll("figure.chart[data-chart]")).map(f => {
	const paths = Array.from(f.querySelectorAll("svg path"));
	const d = paths.map(p => p.getAttribute("d") || "");
	return {
		id: f.getAttribute("data-chart"),
		paths: paths.length,
		segments: d.reduce((n, s) => n + (s.match(/L/g) || []).length, 0),
		subpaths: d.reduce((n, s) => n + (s.match(/M/g) || []).length, 0),
		nodata: Array.from(f.querySelectorAll("svg text")).some(t => t.textContent === "no data"),
	};
})`

// TestE2EServeBrowser loads the page of a real srvmon serve, over a store
// made with srvmon import, in Debian's chromium driven by chromedp: every
// chart draws its series (with the gap in the data as a gap), the range
// links and the custom range work, the page updates itself, shows values
// on hover, links to the device pages, and logs no console error.
// Screenshots go to the test's artifact directory (go test -artifacts).
func TestE2EServeBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	chromium := need(t, "chromium", "chromium")
	bin := srvmonBinary(t)
	now := time.Now().UTC().Truncate(time.Minute)
	gapFrom, gapTo := now.Add(-40*time.Minute), now.Add(-20*time.Minute)
	dir := importedStore(t, bin, now, 2*1440, func(ts time.Time) bool { return !ts.Before(gapFrom) && ts.Before(gapTo) })
	// ifb0: an interface that is down and moves nothing, as on hosts with
	// traffic shaping set up and unused.
	var extra []tsdb.Series
	var extraPts [][]tsdb.Point
	for _, m := range []string{"node_network_receive_bytes_total", "node_network_transmit_bytes_total", "node_network_info"} {
		ser := tsdb.NewSeries(m, "device", "ifb0", "instance", synth.DefaultHost().Instance)
		v := 0.0
		if m == "node_network_info" {
			ser, v = ser.With("operstate", "down"), 1
		}
		var pts []tsdb.Point
		for ts := now.Add(-2*24*time.Hour + time.Minute); !ts.After(now); ts = ts.Add(time.Minute) {
			if ts.Before(gapFrom) || !ts.Before(gapTo) {
				pts = append(pts, tsdb.Point{T: ts.Unix(), V: v})
			}
		}
		extra, extraPts = append(extra, ser), append(extraPts, pts)
	}
	importSeries(t, bin, dir, extra, extraPts)
	srv := startServe(t, bin, dir, "--refresh", "2")
	shots := t.ArtifactDir()

	b := startBrowser(t, chromium)
	ctx, step, eval := b.ctx, b.step, b.eval
	// navigate runs actions that end in a click on a link or a submit
	// button and waits for the new page.
	navigate := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		resp, err := chromedp.RunResponse(sctx, actions...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if resp.Status != 200 {
			t.Fatalf("%s: status %d", what, resp.Status)
		}
		step(what+": wait for the charts", chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	}
	screenshot := func(name string) {
		t.Helper()
		shot := chromedp.FullScreenshot(100)
		if strings.Contains(name, "hover") {
			shot = chromedp.CaptureScreenshot() // the viewport, pointer and all
		}
		buf, err := chromedp.Run(ctx, shot)
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join(shots, name)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}
	checkCharts := func(page string, want []string, gap bool) {
		t.Helper()
		charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartState](readCharts))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]chartState{}
		for _, c := range charts {
			got[c.ID] = c
		}
		for _, id := range want {
			c, ok := got[id]
			switch {
			case !ok:
				t.Errorf("%s: no chart %s (charts: %v)", page, id, charts)
			case c.NoData || c.Paths == 0 || c.Segments < 10*c.Paths:
				t.Errorf("%s: chart %s did not draw its series: %+v", page, id, c)
			case gap && c.Subpaths < 2*c.Paths:
				t.Errorf("%s: chart %s drew the 20-minute gap as a line: %+v", page, id, c)
			}
		}
		if len(charts) != len(want) {
			t.Errorf("%s: %d charts, want %d", page, len(charts), len(want))
		}
	}
	overview := []string{"cpu-cpu", "load-load", "mem-mem", "disk-disk-util", "disk-disk-bytes", "net-net-bytes", "fs-fs-used",
		"pressure-pressure", "tcp-tcp-opens", "tcp-tcp-errors", "sock-sock"}
	overviewAll := append(slices.Clone(overview), "net-net-bytes-folded") // with ifb0's, folded away

	// The overview: the last hour, with the gap.
	step("load the overview", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	checkCharts("overview 1h", overviewAll, true)
	if got := eval(`document.querySelector("nav.ranges a.active").textContent`); got != "1h" {
		t.Errorf("active range %q, want 1h", got)
	}
	screenshot("overview-1h.png")

	// CPU: the seven modes but idle stacked as areas, each starting where
	// the one below ends, and the busy total a line along the top.
	var cpu struct {
		Areas    int     `json:"areas"`
		Busy     bool    `json:"busy"`
		TopGap   float64 `json:"topGap"` // largest distance between the top of the stack and the busy line, in px
		Checked  int     `json:"checked"`
		AreaFill string  `json:"fill"`
	}
	cpuRes, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`(() => {
		const svg = document.querySelector('figure.chart[data-chart="cpu-cpu"] svg');
		const areas = Array.from(svg.querySelectorAll("path.area"));
		const line = Array.from(svg.querySelectorAll("path:not(.area)")).find(p => (p.querySelector("title") || {}).textContent.startsWith("busy: "));
		const pts = d => d.split(/[MLZ]/).filter(s => s).map(s => s.split(",").map(Number));
		let topGap = 0, checked = 0;
		if (areas.length && line) {
			const top = pts(areas[areas.length - 1].getAttribute("d"));
			const busy = new Map(pts(line.getAttribute("d")).map(p => [p[0].toFixed(1), p[1]]));
			for (const p of top.slice(0, top.length / 2)) { // the upper edge, left to right
				const y = busy.get(p[0].toFixed(1));
				if (y !== undefined) { topGap = Math.max(topGap, Math.abs(y - p[1])); checked++; }
			}
		}
		return {areas: areas.length, busy: !!line, topGap, checked, fill: areas.length ? areas[0].getAttribute("fill") : ""};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(cpuRes, &cpu)
	if cpu.Areas != 7 || !cpu.Busy || cpu.Checked < 30 || cpu.TopGap > 0.2 {
		t.Errorf("CPU chart: %d stacked areas (want 7), busy line %v, top of the stack within %.1f px of busy at %d points (want < 0.2 at 30 or more)",
			cpu.Areas, cpu.Busy, cpu.TopGap, cpu.Checked)
	}
	// The interface that is down is folded away, behind one click.
	if got := eval(`(() => { const d = document.querySelector("details.folded#net-folded"); return d ? d.open + " " + d.querySelector("summary").textContent : "none"; })()`); got != "false 1 idle or down interface: ifb0 (down)" {
		t.Errorf("folded interfaces: %q, want closed, ifb0 (down)", got)
	}
	if got := eval(`document.querySelector('figure.chart[data-chart="net-net-bytes"] svg').textContent.includes("ifb0") ? "drawn" : "not drawn"`); got != "not drawn" {
		t.Errorf("ifb0 is drawn in the network chart")
	}
	if got := eval(`String(document.querySelector('figure.chart[data-chart="net-net-bytes-folded"]').checkVisibility())`); got != "false" {
		t.Errorf("the folded chart is visible before the click")
	}
	step("unfold", chromedp.Click(chromedp.CSS(`details.folded#net-folded > summary`)))
	step("folded chart shown", chromedp.WaitVisible(chromedp.CSS(`figure.chart[data-chart="net-net-bytes-folded"] svg`)))
	if got := eval(`(() => { const f = document.querySelector('figure.chart[data-chart="net-net-bytes-folded"]'); return f.checkVisibility() + " " + f.querySelector("figcaption").textContent; })()`); got != "true ifb0" {
		t.Errorf("after the click, the folded chart (visible, label): %q, want visible and about ifb0", got)
	}
	// It stays open across live updates.
	eval(`(() => { document.querySelector("#charts .grid").setAttribute("data-old", "1"); return ""; })()`)
	step("live update while unfolded", chromedp.Poll[chromedp.Void](`!document.querySelector("#charts .grid[data-old]")`, chromedp.WithPollingTimeout(15*time.Second)))
	if got := eval(`String(document.querySelector("details.folded#net-folded").open)`); got != "true" {
		t.Errorf("a live update folded the interfaces the user unfolded")
	}
	screenshot("overview-unfolded.png")
	checkCharts("overview unfolded", overviewAll, true)
	step("fold again", chromedp.Click(chromedp.CSS(`details.folded#net-folded > summary`)))
	eval(`(() => { window.scrollTo(0, 0); return ""; })()`)

	// One time axis for all charts of the page: the same plot area.
	if got := eval(`Array.from(new Set(Array.from(document.querySelectorAll("figure.chart svg line.axis")).map(l => l.getAttribute("x1") + "-" + l.getAttribute("x2")))).join(" ")`); strings.Contains(got, " ") || got == "" {
		t.Errorf("the charts' time axes differ: %s", got)
	}

	// Hover: the values under the pointer.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const r = document.querySelector('figure.chart[data-chart="cpu-cpu"] svg').getBoundingClientRect();
		return [r.left + r.width * 0.6, r.top + r.height * 0.45];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // the first move fetches the hover data
		step("hover", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+float64(i), box[1]))
		time.Sleep(300 * time.Millisecond)
	}
	step("wait for the tooltip", chromedp.Poll[chromedp.Void](`(() => { const t = document.querySelector("figure.chart .tip"); return t && t.style.display === "block" && t.textContent.includes("user: "); })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	tip := eval(`document.querySelector("figure.chart .tip").textContent`)
	if !strings.Contains(tip, now.Format("2006-01-02")) || !strings.Contains(tip, "%") || !strings.Contains(tip, "busy: ") {
		t.Errorf("tooltip %q lacks the time, a value in %% and the busy total", tip)
	}
	// The hover line crosses every chart at the same time.
	if got := eval(`(() => { const c = Array.from(document.querySelectorAll("figure.chart svg line.cursor")); return c.length + " " + new Set(c.map(l => l.getAttribute("x1"))).size; })()`); got != fmt.Sprintf("%d 1", len(overviewAll)) {
		t.Errorf("hover lines (count, distinct x): %s, want one in each of the %d charts at one x", got, len(overviewAll))
	}
	screenshot("overview-hover.png")

	// Live: the charts are fetched again and swapped in without a reload.
	eval(`(() => { window.srvmonMark = 1; document.querySelector("#charts .grid").setAttribute("data-old", "1"); return ""; })()`)
	step("live update", chromedp.Poll[chromedp.Void](`!document.querySelector("#charts .grid[data-old]") && window.srvmonMark === 1`,
		chromedp.WithPollingTimeout(15*time.Second)))
	if got := eval(`document.getElementById("live").textContent`); !strings.Contains(got, "live, every 2 s") {
		t.Errorf("live status %q", got)
	}
	checkCharts("overview after a live update", overviewAll, true)

	// One click for each range.
	for _, rng := range []string{"6h", "24h", "7d", "30d"} {
		navigate("click "+rng, chromedp.Click(chromedp.CSS(`nav.ranges a[href="/?range=`+rng+`"]`)))
		if got := eval(`location.search`); got != "?range="+rng {
			t.Errorf("after clicking %s the page is %s", rng, got)
		}
		checkCharts("overview "+rng, overviewAll, false)
		if got := eval(`document.querySelector("nav.ranges a.active").textContent`); got != rng {
			t.Errorf("after clicking %s the active range is %q", rng, got)
		}
		if got := eval(`document.getElementById("period").textContent`); !strings.HasPrefix(got, "last "+rng+": ") {
			t.Errorf("period after clicking %s: %q", rng, got)
		}
		if rng == "24h" {
			screenshot("overview-24h.png")
		}
	}

	// A custom range, through the form, in 24-hour time whatever the
	// browser's locale (a datetime-local input would show 12-hour time in
	// en-US).
	if got := eval(`(() => { const i = document.querySelector('form.custom input[name="from"]'); return i.type + " " + i.value; })()`); !regexp.MustCompile(`^text \d{4}-\d\d-\d\d \d\d:\d\d$`).MatchString(got) {
		t.Errorf("the custom range's from input: %q, want a text input with a 24-hour time", got)
	}
	from, to := now.Add(-30*time.Hour).Local().Format("2006-01-02 15:04"), now.Add(-26*time.Hour).Local().Format("2006-01-02 15:04")
	step("fill the custom range",
		chromedp.SetValue(chromedp.CSS(`form.custom input[name="from"]`), from),
		chromedp.SetValue(chromedp.CSS(`form.custom input[name="to"]`), to))
	navigate("submit the custom range", chromedp.Click(chromedp.CSS(`form.custom button`)))
	if got := eval(`location.search`); !strings.Contains(got, "from="+url.QueryEscape(from)) {
		t.Errorf("custom range page %s, want from=%s", got, from)
	}
	if got := eval(`document.querySelector('form.custom input[name="to"]').value`); got != to {
		t.Errorf("the custom range page shows to=%q, want %q", got, to)
	}
	checkCharts("custom range", overviewAll, false)
	if got := eval(`document.getElementById("charts").hasAttribute("data-refresh") ? "live" : "still"`); got != "still" {
		t.Errorf("a range in the past updates itself")
	}

	// A device page from the overview's links.
	step("overview 6h", chromedp.Navigate(srv.url+"/?range=6h"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	navigate("disk page", chromedp.Click(chromedp.CSS(`a[href="/disk?device=sda&range=6h"]`)))
	if got := eval(`location.pathname + location.search`); got != "/disk?device=sda&range=6h" {
		t.Errorf("the sda link led to %s", got)
	}
	checkCharts("disk sda", []string{"bytes", "ops", "util", "await", "queue"}, false)
	screenshot("disk-sda.png")

	// A phone.
	step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	checkCharts("phone", overviewAll, true)
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("the page is %s px wide on a 390 px phone screen", w)
	}
	// Chart text as the phone shows it: the computed font size times the
	// chart's scale, at least 11 CSS px; and no text outside its chart.
	var phoneText struct {
		Smallest float64  `json:"smallest"`
		Texts    int      `json:"texts"`
		Clipped  []string `json:"clipped"`
	}
	phoneRes, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`(() => {
		let smallest = 1e9, texts = 0; const clipped = [];
		for (const svg of document.querySelectorAll("figure.chart svg")) {
			if (!svg.checkVisibility()) {
				continue; // folded away
			}
			const scale = svg.getScreenCTM().a, vb = svg.viewBox.baseVal;
			for (const t of svg.querySelectorAll("text")) {
				texts++;
				smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * scale);
				const b = t.getBBox();
				if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5) {
					clipped.push(t.textContent);
				}
			}
		}
		return {smallest, texts, clipped};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(phoneRes, &phoneText)
	if phoneText.Texts < 50 || phoneText.Smallest < 11 {
		t.Errorf("phone: smallest chart text %.2f px of %d texts, want >= 11", phoneText.Smallest, phoneText.Texts)
	}
	if len(phoneText.Clipped) > 0 {
		t.Errorf("phone: chart text cut off at the chart's edge: %q", phoneText.Clipped)
	}
	t.Logf("phone: smallest chart text %.2f CSS px", phoneText.Smallest)
	screenshot("phone.png")

	// A store younger than the range: the 1h page's axis spans the hour,
	// and the 20 minutes of data are its last third.
	young := startServe(t, bin, importedStore(t, bin, now, 20, nil))
	step("young store", chromedp.EmulateViewport(1280, 1024), chromedp.Navigate(young.url+"/?range=1h"),
		chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	spanRes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("figure.chart svg")).map(svg => {
		const a = svg.querySelector("line.axis"), p = svg.querySelector("path");
		const x1 = +a.getAttribute("x1"), x2 = +a.getAttribute("x2");
		return (+p.getAttribute("d").slice(1).split(",")[0] - x1) / (x2 - x1);
	})`))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range spanRes {
		// The first point is the end of the first interval, 41 minutes
		// into the hour, give or take the last minute.
		if f < 0.6 || f > 0.72 {
			t.Errorf("young store, 1h, chart %d: the data starts %.0f%% into the axis, want about 2/3 (the axis must span the hour)", i, 100*f)
		}
	}
	if len(spanRes) != len(overview) {
		t.Errorf("young store: %d charts, want %d", len(spanRes), len(overview))
	}
	screenshot("young-1h.png")

	b.checkConsole()
}
