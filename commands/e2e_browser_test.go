package commands_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
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
	srv := startServe(t, bin, dir, "--refresh", "2")
	shots := t.ArtifactDir()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1024),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var consoleErrors []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				consoleErrors = append(consoleErrors, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
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
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
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
	overview := []string{"cpu-cpu", "load-load", "mem-mem", "disk-disk-util", "disk-disk-bytes", "net-net-bytes", "fs-fs-used"}

	// The overview: the last hour, with the gap.
	step("load the overview", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS("figure.chart svg")))
	checkCharts("overview 1h", overview, true)
	if got := eval(`document.querySelector("nav.ranges a.active").textContent`); got != "1h" {
		t.Errorf("active range %q, want 1h", got)
	}
	screenshot("overview-1h.png")

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
	if !strings.Contains(tip, now.Format("2006-01-02")) || !strings.Contains(tip, "%") {
		t.Errorf("tooltip %q lacks the time and a value in %%", tip)
	}
	screenshot("overview-hover.png")

	// Live: the charts are fetched again and swapped in without a reload.
	eval(`(() => { window.srvmonMark = 1; document.querySelector("#charts .grid").setAttribute("data-old", "1"); return ""; })()`)
	step("live update", chromedp.Poll[chromedp.Void](`!document.querySelector("#charts .grid[data-old]") && window.srvmonMark === 1`,
		chromedp.WithPollingTimeout(15*time.Second)))
	if got := eval(`document.getElementById("live").textContent`); !strings.Contains(got, "live, every 2 s") {
		t.Errorf("live status %q", got)
	}
	checkCharts("overview after a live update", overview, true)

	// One click for each range.
	for _, rng := range []string{"6h", "24h", "7d", "30d"} {
		navigate("click "+rng, chromedp.Click(chromedp.CSS(`nav.ranges a[href="/?range=`+rng+`"]`)))
		if got := eval(`location.search`); got != "?range="+rng {
			t.Errorf("after clicking %s the page is %s", rng, got)
		}
		checkCharts("overview "+rng, overview, false)
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

	// A custom range, through the form.
	from, to := now.Add(-30*time.Hour).Local().Format("2006-01-02T15:04"), now.Add(-26*time.Hour).Local().Format("2006-01-02T15:04")
	step("fill the custom range",
		chromedp.SetValue(chromedp.CSS(`form.custom input[name="from"]`), from),
		chromedp.SetValue(chromedp.CSS(`form.custom input[name="to"]`), to))
	navigate("submit the custom range", chromedp.Click(chromedp.CSS(`form.custom button`)))
	if got := eval(`location.search`); !strings.Contains(got, "from="+strings.ReplaceAll(from, ":", "%3A")) {
		t.Errorf("custom range page %s, want from=%s", got, from)
	}
	checkCharts("custom range", overview, false)
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
	checkCharts("phone", overview, true)
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("the page is %s px wide on a 390 px phone screen", w)
	}
	screenshot("phone.png")

	time.Sleep(500 * time.Millisecond) // let late console messages arrive
	mu.Lock()
	defer mu.Unlock()
	for _, e := range consoleErrors {
		t.Errorf("console error: %s", e)
	}
}
