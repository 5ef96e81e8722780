package commands_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web/webtest"
)

// liveLong runs the live range's process tests at the lengths of the
// issue's targets (idle 30 s, CPU over 60 s, RSS over 10 minutes) instead
// of the short ones CI runs.
var liveLong = os.Getenv("SRVMON_LIVE_LONG") == "1"

// liveEvent is what the tests read of an event of /api/v1/live.
type liveEvent struct {
	T        int64                                    `json:"t"`
	Views    map[string]map[string]map[string]float64 `json:"views"`
	Recorded bool                                     `json:"recorded"` // read from the store
	recv     time.Time
}

// streamLive reads the events of serve's /api/v1/live into the returned
// channel until ctx is done or the stream ends (then it is closed).
func streamLive(t *testing.T, ctx context.Context, url string) <-chan liveEvent {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		t.Fatalf("/api/v1/live: status %d", resp.StatusCode)
	}
	out := make(chan liveEvent, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			data, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "data: ")
			if !ok {
				continue
			}
			ev := liveEvent{recv: time.Now()}
			if json.Unmarshal([]byte(data), &ev) != nil {
				return
			}
			select {
			case out <- ev:
			default: // the test reads only some; a full channel drops
			}
		}
	}()
	return out
}

// liveStats is the "live" object of serve's /healthz.
type liveStats struct {
	Clients    int    `json:"clients"`
	Sampling   bool   `json:"sampling"`
	SampleSets uint64 `json:"sample_sets"`
	Dropped    uint64 `json:"dropped"`
}

func healthLive(t *testing.T, url string) liveStats {
	t.Helper()
	_, body, err := fetch(http.DefaultClient, url+"/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Live *liveStats }
	if err := json.Unmarshal(body, &h); err != nil || h.Live == nil {
		t.Fatalf("/healthz without live stats (%v): %s", err, body)
	}
	return *h.Live
}

// cpuTicks returns the user and system CPU time of process pid, in clock
// ticks (1/100 s on Linux).
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// TestE2ELiveCost measures srvmon serve's live range as a process: no
// sample set while nobody watches, the lag from a sample set's instant to
// its event at the client, and serve's CPU (from /proc) with 1 and with 16
// clients, printed side by side. SRVMON_LIVE_LONG=1 runs the lengths of
// the targets.
func TestE2ELiveCost(t *testing.T) {
	if testing.Short() {
		t.Skip("runs srvmon serve for tens of seconds")
	}
	t.Parallel() // mostly waiting; what it measures is serve's own CPU
	bin := srvmonBinary(t)
	dir := importedStore(t, bin, time.Now().UTC().Truncate(time.Minute), 60, nil)
	srv := startServe(t, bin, dir)
	pid := srv.cmd.Process.Pid

	idle, window := 8*time.Second, 10*time.Second
	if liveLong {
		idle, window = 30*time.Second, 60*time.Second
	}
	// Idle: pages and API requests, but no live client, run no collector.
	for _, target := range []string{"/", "/?range=live", "/api/v1/query?view=cpu&last=1h", "/metrics"} {
		if code, _, err := fetch(http.DefaultClient, srv.url+target); err != nil || code != 200 {
			t.Fatalf("%s: %d %v", target, code, err)
		}
	}
	c0 := cpuTicks(t, pid)
	time.Sleep(idle)
	idleTicks := cpuTicks(t, pid) - c0
	if st := healthLive(t, srv.url); st.SampleSets != 0 || st.Sampling {
		t.Errorf("idle serve: %+v over %s; want no sample set", st, idle)
	}

	measure := func(clients int) (cpuPct float64, lags []time.Duration) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		streams := make([]<-chan liveEvent, clients)
		for i := range streams {
			streams[i] = streamLive(t, ctx, srv.url)
		}
		// The first events (the sampler starting, the backlog) are not
		// measured.
		select {
		case <-streams[0]:
		case <-time.After(5 * time.Second):
			t.Fatal("no live event in 5 s")
		}
		for len(streams[0]) > 0 {
			<-streams[0]
		}
		c0, t0 := cpuTicks(t, pid), time.Now()
		deadline := time.After(window)
		var last int64
	read:
		for {
			select {
			case ev, ok := <-streams[0]:
				if !ok {
					t.Fatal("the stream ended")
				}
				if ev.T <= last {
					t.Errorf("event at %d after one at %d", ev.T, last)
				}
				last = ev.T
				lags = append(lags, ev.recv.Sub(time.Unix(ev.T, 0)))
			case <-deadline:
				break read
			}
		}
		ticks, took := cpuTicks(t, pid)-c0, time.Since(t0)
		return float64(ticks) / 100 / took.Seconds() * 100, lags
	}
	cpu1, lags := measure(1)
	cpu16, lags16 := measure(16)
	slices.Sort(lags)
	slices.Sort(lags16)
	q := func(l []time.Duration, p float64) time.Duration {
		return l[int(p*float64(len(l)-1))].Round(time.Millisecond)
	}
	t.Logf("idle %s: %d CPU ticks, 0 sample sets; 1 client over %s: serve CPU %.2f %% of a core, lag sample->event median %s p90 %s max %s (%d events); "+
		"16 clients: CPU %.2f %% of a core, lag median %s max %s; %d sample sets",
		idle, idleTicks, window, cpu1, q(lags, .5), q(lags, .9), q(lags, 1), len(lags), cpu16, q(lags16, .5), q(lags16, 1), healthLive(t, srv.url).SampleSets)
	if len(lags) < int(window/time.Second)*2/3 {
		t.Errorf("%d events in %s", len(lags), window)
	}
	// The lag's median, not its maximum: other tests load the machine and
	// may hold serve off a core for a while now and then.
	if m := q(lags, .5); m > 100*time.Millisecond {
		t.Errorf("median lag from sample set to event %s, target 100 ms", m)
	}
	// The targets are 1 % of a core with one client and 2 % with 16 over
	// 60 s; the short run (10 s, 0.1 % resolution, other tests running)
	// only catches what is far off.
	lim1, lim16 := 1.0, 2.0
	if !liveLong {
		lim1, lim16 = 3, 6
	}
	if cpu1 > lim1 || cpu16 > lim16 {
		t.Errorf("serve's CPU %.2f %% (1 client), %.2f %% (16 clients); limits %.0f %% and %.0f %%", cpu1, cpu16, lim1, lim16)
	}
	// Sampling stops within a few seconds after the last client left.
	time.Sleep(5 * time.Second)
	n := healthLive(t, srv.url).SampleSets
	time.Sleep(3 * time.Second)
	if st := healthLive(t, srv.url); st.SampleSets != n || st.Sampling || st.Clients != 0 {
		t.Errorf("8 s after the clients left: %+v (was %d sample sets)", st, n)
	}

}

// TestE2ELiveSoak (SRVMON_LIVE_LONG=1 only) watches the live range of a
// serve for 10 minutes, after its window (1 minute here) has filled:
// resident memory and mappings stay flat, nothing is written.
func TestE2ELiveSoak(t *testing.T) {
	if !liveLong {
		t.Skip("10 minutes; SRVMON_LIVE_LONG=1 runs it")
	}
	bin := srvmonBinary(t)
	dir := importedStore(t, bin, time.Now().UTC().Truncate(time.Minute), 60, nil)
	srv := startServe(t, bin, dir, "--live-window", "1m")
	pid := srv.cmd.Process.Pid
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := streamLive(t, ctx, srv.url)
	watch := func(d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); {
			select {
			case _, ok := <-events:
				if !ok {
					t.Fatal("the stream ended")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no event in 5 s")
			}
		}
	}
	watch(90 * time.Second)
	maps0, rss0, _ := procStats(t, pid)
	var rss []int
	for range 10 {
		watch(time.Minute)
		_, r, _ := procStats(t, pid)
		rss = append(rss, r)
	}
	maps1, rss1, written := procStats(t, pid)
	t.Logf("10 minutes live after a full window: mappings %d -> %d, RSS %d KiB -> each minute %v KiB; %d bytes written; %+v",
		maps0, maps1, rss0, rss, written, healthLive(t, srv.url))
	if maps1 > maps0+8 || rss1 > rss0+rss0/10+2048 {
		t.Errorf("memory grew: mappings %d -> %d, RSS %d -> %d KiB", maps0, maps1, rss0, rss1)
	}
	if written != 0 {
		t.Errorf("serve wrote %d bytes", written)
	}
}

// TestE2ELiveAgreesWithRecord runs record --interval 1s beside serve and
// compares the live range's values with what srvmon query --step 0
// computes from record's samples for the same seconds. Both sample the
// same counters with the same collectors at the same whole-second ticks
// and compute with the same engine (query.Window), but two processes
// cannot read a counter at the same instant: each set is read some
// milliseconds after its tick, more on a loaded machine. So the test asks
// for: the same seconds, and for CPU the same average over the seconds
// both have, to 3 percentage points. Rates telescope: the average over n
// consecutive seconds is (counter(end) - counter(start)) / n seconds,
// whatever happened in between, so the two processes' averages differ only
// by what the counters moved in the offsets at the two ends: at most
// 2 x offset / n of full scale, under 3 points for offsets up to 300 ms
// over 20 s. A second formula (or a different interval, mode set or
// rounding) would differ by far more than that on a busy second.
func TestE2ELiveAgreesWithRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("runs record and serve for half a minute")
	}
	t.Parallel() // mostly waiting
	bin := srvmonBinary(t)
	dir := t.TempDir() + "/store"
	recOut := startRecord(t, bin, dir, "--interval", "1s", "--collectors", "boot,cpu,load,meminfo,stat")
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("record wrote no store in 10 s: %s", recOut.String())
		}
	}
	srv := startServe(t, bin, dir)
	sctx, scancel := context.WithCancel(context.Background())
	events := streamLive(t, sctx, srv.url)
	const n = 20
	live := map[int64]liveEvent{}
	var first, last int64
	for len(live) < n {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if first == 0 {
				first = ev.T
			}
			live[ev.T], last = ev, ev.T
		case <-time.After(5 * time.Second):
			t.Fatal("no event in 5 s")
		}
	}
	scancel()
	time.Sleep(2 * time.Second) // record's set of the last second is in
	out, err := exec.Command(bin, "query", "cpu", "--data", dir, "--step", "0", "--format", "json",
		"--from", time.Unix(first, 0).UTC().Format(time.RFC3339), "--to", time.Unix(last+1, 0).UTC().Format(time.RFC3339)).CombinedOutput()
	if err != nil {
		t.Fatalf("query: %v\n%s", err, out)
	}
	var res struct {
		Series []struct {
			Name   string        `json:"name"`
			Points [][2]*float64 `json:"points"`
		} `json:"series"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("query's JSON: %v\n%s", err, out)
	}
	recorded := map[string]map[int64]float64{}
	for _, s := range res.Series {
		recorded[s.Name] = map[int64]float64{}
		for _, p := range s.Points {
			if p[0] != nil && p[1] != nil {
				recorded[s.Name][int64(*p[0])] = *p[1]
			}
		}
	}
	var common []int64
	for ts := range live {
		if _, ok := recorded["busy"][ts]; ok {
			common = append(common, ts)
		}
	}
	slices.Sort(common)
	// record skips a second now and then on a loaded machine; the live
	// sampler too: most seconds must be in both.
	if len(common) < n*3/4 {
		t.Fatalf("%d of %d live seconds recorded; record's output:\n%s", len(common), n, recOut.String())
	}
	// serve finds the recorder within probeEvery + probeSets seconds
	// (report/web/live: 5 + 3) and takes its seconds from the store from
	// then on: those are the recorder's own sample sets, equal to query's
	// to the last bit (but the float formatting).
	fromStore := 0
	for _, ts := range common {
		if !live[ts].Recorded {
			continue
		}
		fromStore++
		for _, mode := range []string{"busy", "user", "system", "idle"} {
			if l, r := live[ts].Views["cpu"][""][mode], recorded[mode][ts]; math.Abs(l-r) > 1e-9 {
				t.Errorf("second %d, read from the store: cpu %s live %v, query %v", ts, mode, l, r)
			}
		}
	}
	var lags []time.Duration
	for _, ts := range common {
		if ev := live[ts]; ev.Recorded {
			lags = append(lags, ev.recv.Sub(time.Unix(ts, 0)).Round(time.Millisecond))
		}
	}
	slices.Sort(lags)
	t.Logf("%d of %d common seconds read from the store; their events came %v after their second (record's collectors, then serve's read)", fromStore, len(common), lags)
	if fromStore < len(common)/3 {
		t.Errorf("%d of %d seconds read from the store while record --interval 1s ran; want a third or more", fromStore, len(common))
	}
	// Averages over the seconds both have (nearly all, consecutive).
	for _, mode := range []string{"busy", "user", "system", "idle"} {
		var lsum, rsum float64
		for _, ts := range common {
			lsum += live[ts].Views["cpu"][""][mode]
			rsum += recorded[mode][ts]
		}
		la, ra := lsum/float64(len(common)), rsum/float64(len(common))
		t.Logf("%s: live %.2f %%, recorded %.2f %% over %d seconds", mode, la, ra, len(common))
		if d := la - ra; d > 3 || d < -3 {
			t.Errorf("cpu %s: live %.2f %%, query %.2f %% on average over %d common seconds", mode, la, ra, len(common))
		}
	}
}

// startRecord runs srvmon record --data dir with args until the end of the
// test (then SIGTERM, and waits for it) and returns what it writes.
func startRecord(t *testing.T, bin, dir string, args ...string) *webtest.LockedBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rec := exec.CommandContext(ctx, bin, append([]string{"record", "--data", dir}, args...)...)
	out := &webtest.LockedBuffer{}
	rec.Stdout, rec.Stderr = out, out
	rec.Cancel = func() error { return rec.Process.Signal(syscall.SIGTERM) }
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		rec.Wait()
	})
	return out
}
