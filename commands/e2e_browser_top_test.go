package commands_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestE2EServeBrowserTop clicks a point of the CPU chart of a real srvmon
// serve, in chromium, over a store with the synthetic host's processes
// (srvmon import), and finds the table of the top processes of that
// interval, with their users (the browser is on loopback), and the
// services table.
func TestE2EServeBrowserTop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	chromium := need(t, "chromium", "chromium")
	bin := srvmonBinary(t)
	now := time.Now().UTC().Truncate(time.Minute)
	h := synth.DefaultHost()
	h.Processes = 3
	series, pts := synth.New(h, 1).Points(now.Add(-119*time.Minute), 120)
	dir := filepath.Join(t.TempDir(), "store")
	importSeries(t, bin, dir, series, pts)
	srv := startServe(t, bin, dir)

	b := startBrowser(t, chromium)
	ctx, step, eval := b.ctx, b.step, b.eval

	step("load the overview", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS(`figure.chart[data-chart="cpu-cpu"] svg`)))
	if got := eval(`document.getElementById("who").innerHTML`); got != "" {
		t.Errorf("a process table before a click: %s", got)
	}
	// A point in the middle of the CPU chart's plot area (the time axis is
	// the line of class "axis").
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const svg = document.querySelector('figure.chart[data-chart="cpu-cpu"] svg');
		svg.scrollIntoView({block: "center"});
		const axis = svg.querySelector("line.axis");
		const m = svg.getScreenCTM();
		const p = svg.createSVGPoint();
		p.x = (parseFloat(axis.getAttribute("x1")) + parseFloat(axis.getAttribute("x2"))) / 2;
		p.y = parseFloat(axis.getAttribute("y1")) - 20;
		const q = p.matrixTransform(m);
		return [q.x, q.y];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	step("move to the chart", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]))
	step("click the chart", chromedp.MouseClickXY(xy[0], xy[1]))
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	err = chromedp.Do(wctx, chromedp.Poll[chromedp.Void](`!!document.querySelector("#who table.use.top tbody tr.process") && !!document.querySelector("#who table.use.services")`,
		chromedp.WithPollingTimeout(15*time.Second)))
	wcancel()
	if err != nil {
		t.Fatalf("no process table after the click (%v); #who: %s", err, eval(`(() => { const w = document.getElementById("who"); return (w.hidden ? "hidden: " : "shown: ") + w.innerHTML.slice(0, 2000); })()`))
	}

	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("#who table.use.top tbody tr")).map(r => [r.className].concat(Array.from(r.cells).map(c => c.textContent)))`))
	if err != nil {
		t.Fatal(err)
	}
	head := eval(`Array.from(document.querySelectorAll("#who table.use.top thead th")).map(c => c.textContent).join(" ")`)
	if !strings.HasPrefix(head, "PID USER COMMAND CPU%") {
		t.Fatalf("process table header %q", head)
	}
	known := map[string]string{"java": "app", "postgres": "postgres", "nginx": "www-data", "cc1": "build", "sshd": "root", "tar": "root"}
	procs := 0
	for _, r := range rows {
		if r[0] != "process" {
			continue
		}
		procs++
		// [class, PID, USER, COMMAND, CPU%, ...]
		if user, ok := known[r[3]]; !ok || r[2] != user || !strings.HasSuffix(r[4], "%") {
			t.Errorf("process row %q: not a synthetic process with its user and CPU %%", r)
		}
	}
	if procs < 3 || rows[len(rows)-1][0] != "host" || rows[len(rows)-2][0] != "other" {
		t.Errorf("process table rows %q: want the 3 or more stored processes, then other, then all processes", rows)
	}
	// The interval is the one clicked: inside the chart's range.
	caption := eval(`document.querySelector("#who table.use.top caption").textContent`)
	if !strings.Contains(caption, "Top processes by cpu") || !strings.Contains(caption, "1m in 1 sample set;") {
		t.Errorf("caption %q: want one recording interval by cpu", caption)
	}
	if got := eval(`document.querySelector("#who table.use.services tbody tr td").textContent`); !strings.Contains(got, ".s") && !strings.Contains(got, "slice") {
		t.Errorf("services table's first cell %q", got)
	}
	// Choosing a time instead: the form below the charts.
	chosen := now.Add(-30*time.Minute - 30*time.Second)
	step("choose a time", chromedp.SetValue(chromedp.CSS(`#who-at input[name="at"]`), chosen.Format(time.RFC3339)),
		chromedp.Click(chromedp.CSS(`#who-at button`)))
	step("wait for its table", chromedp.Poll[chromedp.Void](`(document.getElementById("who").getAttribute("data-at") || "").includes("T")`,
		chromedp.WithPollingTimeout(15*time.Second)))
	want := chosen.Add(-30*time.Second).In(time.Local).Format("15:04") + " to " + chosen.Add(30*time.Second).In(time.Local).Format("15:04")
	if got := eval(`document.querySelector("#who table.use.top caption").textContent`); !strings.Contains(got, want) {
		t.Errorf("chosen time %s: caption %q, want the interval %s", chosen.Format(time.RFC3339), got, want)
	}
	eval(`(() => { document.getElementById("who").scrollIntoView(); return ""; })()`)
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
		t.Errorf("screenshot: %v", err)
	} else if err := os.WriteFile(filepath.Join(t.ArtifactDir(), "top-click.png"), shot, 0o644); err != nil {
		t.Error(err)
	}
	b.checkConsole()
}
