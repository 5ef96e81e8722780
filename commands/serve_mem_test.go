package commands_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestServeRefusedRequestsMemory (opt-in: SRVMON_MEM_TESTS=1, it builds 30
// days of a synthetic host, about 40 s) sends eight concurrent
// /api/v1/query requests for 30 days at raw resolution that the point cap
// refuses, three rounds, and prints serve's peak RSS (VmHWM) before and
// after with the points each request asked for. Target: at most 100 MB.
// SRVMON_MEM_BASELINE=/path/to/another/srvmon measures that binary too, in
// the same run, for a side-by-side figure.
func TestServeRefusedRequestsMemory(t *testing.T) {
	if os.Getenv("SRVMON_MEM_TESTS") == "" {
		t.Skip("SRVMON_MEM_TESTS=1 runs it")
	}
	dir, points, err := synth.Cached(context.Background(), 30)
	if err != nil {
		t.Fatal(err)
	}
	if base := os.Getenv("SRVMON_MEM_BASELINE"); base != "" {
		before, after := refusedRequestsPeak(t, base, dir)
		t.Logf("baseline %s: serve peak RSS %.1f MiB before, %.1f MiB after", base, float64(before)/1024, float64(after)/1024)
	}
	before, after := refusedRequestsPeak(t, srvmonBinary(t), dir)
	t.Logf("store: 30 days, %d points; serve peak RSS %.1f MiB before, %.1f MiB after 3 rounds of 8 concurrent refused requests (target 100 MB)",
		points, float64(before)/1024, float64(after)/1024)
	if after > 100*1000*1000/1024 {
		t.Errorf("serve peak RSS %.1f MiB, more than 100 MB", float64(after)/1024)
	}
}

// refusedRequestsPeak starts bin's serve on dir and returns its peak RSS
// in KiB before and after three rounds of eight concurrent requests that
// the point cap refuses.
func refusedRequestsPeak(t *testing.T, bin, dir string) (before, after int) {
	srv := startServe(t, bin, dir)
	peak := func() int {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				kib, _ := strconv.Atoi(strings.Fields(v)[0])
				return kib
			}
		}
		t.Fatal("no VmHWM")
		return 0
	}
	end := time.Now().UTC().Truncate(24 * time.Hour)
	q := url.Values{"step": {"0"}, "from": {end.AddDate(0, 0, -30).Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}
	whats := []string{"view=cpu&per_cpu=true", "view=net", "view=disk", "view=mem",
		"selector=node_cpu_seconds_total", "selector=" + url.QueryEscape(`{__name__=~"node_.*"}`), "view=fs", "view=proc"}
	before = peak()
	client := &http.Client{Timeout: 2 * time.Minute}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		codes := make([]int, len(whats))
		bodies := make([]string, len(whats))
		for i, w := range whats {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body, err := fetch(client, srv.url+"/api/v1/query?"+w+"&"+q.Encode())
				if err != nil {
					t.Error(err)
				}
				codes[i], bodies[i] = code, string(body)
			}()
		}
		wg.Wait()
		for i := range whats {
			if codes[i] != 400 || !strings.Contains(bodies[i], "more than the") {
				t.Errorf("%s: %d %.200s", whats[i], codes[i], bodies[i])
			}
			if round == 0 {
				t.Logf("%s: %.120s", whats[i], bodies[i])
			}
		}
	}
	return before, peak()
}
