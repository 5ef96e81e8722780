package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/report/web/live"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// busyHalf is a host whose CPUs are busy half of each second.
func busyHalf(_ context.Context, at time.Time) ([]tsdb.Sample, []error) {
	s := float64(at.Unix() % 100000)
	var out []tsdb.Sample
	for _, mode := range []string{"user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle"} {
		v := 0.0
		if mode == "user" || mode == "idle" {
			v = s / 2
		}
		out = append(out, tsdb.Sample{Series: tsdb.NewSeries("srvmon_cpu_seconds_total", "instance", "h", "mode", mode), Value: v})
	}
	return out, nil
}

func newLiveServer(t *testing.T, o web.Options, lo live.Options) (*httptest.Server, *live.Hub) {
	t.Helper()
	lo.Sample = busyHalf
	hub, err := live.New(lo)
	if err != nil {
		t.Fatal(err)
	}
	return liveServer(t, o, hub), hub
}

// liveServer serves an empty store with hub as the live range.
func liveServer(t *testing.T, o web.Options, hub *live.Hub) *httptest.Server {
	t.Helper()
	o.Live = hub
	ts := httptest.NewUnstartedServer(newServer(emptyStore(t), o))
	ts.Config.RegisterOnShutdown(hub.Close)
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(hub.Close)
	return ts
}

// sse is one event or comment of a stream.
type sse struct {
	id, data, comment, retry string
}

// readSSE returns the next event (or comment block) of a stream.
func readSSE(t *testing.T, r *bufio.Reader) sse {
	t.Helper()
	var e sse
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			return e
		case strings.HasPrefix(line, ":"):
			e.comment = line
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "data: "):
			e.data = line[6:]
		case strings.HasPrefix(line, "retry: "):
			e.retry = line[7:]
		default:
			t.Fatalf("stream line %q", line)
		}
	}
}

func openStream(t *testing.T, url string, header ...string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/live", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, bufio.NewReader(resp.Body)
}

func TestLive_Stream(t *testing.T) {
	t.Parallel()
	ts, _ := newLiveServer(t, web.Options{Heartbeat: 700 * time.Millisecond}, live.Options{})
	resp, r := openStream(t, ts.URL)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if e := readSSE(t, r); e.retry == "" {
		t.Fatalf("first block %+v, want the retry interval", e)
	}
	var ids []int64
	heartbeats := 0
	for len(ids) < 3 {
		e := readSSE(t, r)
		if e.comment != "" {
			heartbeats++
			continue
		}
		var ev live.Event
		if err := json.Unmarshal([]byte(e.data), &ev); err != nil {
			t.Fatalf("event %q: %v", e.data, err)
		}
		id, _ := strconv.ParseInt(e.id, 10, 64)
		if id != ev.T || len(ids) > 0 && id <= ids[len(ids)-1] {
			t.Errorf("event id %q, t %d after %v", e.id, ev.T, ids)
		}
		if got := ev.Views["cpu"][""]["busy"]; got != 50 {
			t.Errorf("busy %v%%, want 50", got)
		}
		ids = append(ids, id)
	}
	if heartbeats == 0 {
		t.Error("no heartbeat in 2 s with a heartbeat every 0.7 s")
	}
	// A reconnection with Last-Event-ID gets what came after it only.
	resp2, r2 := openStream(t, ts.URL, "Last-Event-ID", strconv.FormatInt(ids[0], 10))
	readSSE(t, r2)
	if e := readSSE(t, r2); e.id != strconv.FormatInt(ids[1], 10) {
		t.Errorf("after reconnecting from %d the first event is %q, want %d", ids[0], e.id, ids[1])
	}
	resp2.Body.Close()
	var health struct{ Live live.Stats }
	hr, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Body.Close()
	if err := json.NewDecoder(hr.Body).Decode(&health); err != nil {
		t.Fatal(err)
	}
	if st := health.Live; !st.Sampling || st.SampleSets < 3 || st.Clients < 1 {
		t.Errorf("/healthz live %+v, want sampling, a client, 3 sample sets or more", st)
	}
}

func TestLive_Refused(t *testing.T) {
	t.Parallel()
	ts, _ := newLiveServer(t, web.Options{}, live.Options{MaxClients: 1})
	resp, _ := openStream(t, ts.URL)
	if resp.StatusCode != 200 {
		t.Fatalf("first stream: %d", resp.StatusCode)
	}
	resp2, _ := openStream(t, ts.URL)
	if resp2.StatusCode != 503 || resp2.Header.Get("Retry-After") == "" {
		t.Errorf("stream over --live-clients: %d, Retry-After %q", resp2.StatusCode, resp2.Header.Get("Retry-After"))
	}
	for _, tt := range []struct {
		target, header string
		code           int
	}{{"/api/v1/live?x=1", "", 400}, {"/api/v1/live", "yesterday", 400}} {
		req := httptest.NewRequest("GET", tt.target, nil)
		if tt.header != "" {
			req.Header.Set("Last-Event-ID", tt.header)
		}
		rec := httptest.NewRecorder()
		ts.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != tt.code {
			t.Errorf("%s (Last-Event-ID %q): %d, want %d", tt.target, tt.header, rec.Code, tt.code)
		}
	}
	// Without a hub there is no live range.
	get(t, newServer(emptyStore(t), web.Options{}), "/api/v1/live").want(t, 404)
}

// TestLive_Guards checks that the stream has the authentication and Host
// checks of every other endpoint.
func TestLive_Guards(t *testing.T) {
	t.Parallel()
	a, err := web.ParseAuth("admin:" + hash(t, "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	ts, hub := newLiveServer(t, web.Options{Auth: a}, live.Options{})
	if resp, _ := openStream(t, ts.URL); resp.StatusCode != 401 {
		t.Errorf("without credentials: %d", resp.StatusCode)
	}
	if resp, _ := openStream(t, ts.URL, "Authorization", basic("admin", "wrong")); resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	if st := hub.Stats(); st.Sampling || st.SampleSets != 0 {
		t.Errorf("refused clients started the sampler: %+v", st)
	}
	if resp, _ := openStream(t, ts.URL, "Authorization", basic("admin", "s3cret")); resp.StatusCode != 200 {
		t.Errorf("with credentials: %d", resp.StatusCode)
	}
	local, _ := newLiveServer(t, web.Options{LocalOnly: true}, live.Options{})
	req, _ := http.NewRequest("GET", local.URL+"/api/v1/live", nil)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 421 {
		t.Errorf("Host evil.example on loopback: %d, want 421", resp.StatusCode)
	}
}

// TestLive_Shutdown checks that a server with open streams shuts down at
// once, its streams ended cleanly and the sampler stopped.
func TestLive_Shutdown(t *testing.T) {
	t.Parallel()
	hub, err := live.New(live.Options{Sample: busyHalf})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: newServer(emptyStore(t), web.Options{Live: hub})}
	srv.RegisterOnShutdown(srv.Handler.(*web.Server).EndStreams)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	_, r := openStream(t, "http://"+ln.Addr().String())
	readSSE(t, r) // retry
	readSSE(t, r) // an event: the sampler runs
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v after %s", err, time.Since(start))
	}
	if _, err := r.ReadString('\n'); err == nil {
		// At most an event already under way, then the end.
		for err == nil {
			_, err = r.ReadString('\n')
		}
	}
	if st := hub.Stats(); st.Sampling || st.Clients != 0 {
		t.Errorf("after shutdown: %+v", st)
	}
	t.Logf("shut down in %s", time.Since(start))
}

// TestLive_Page checks the page's side of the live range: a link that
// the script shows, the range itself (the stream for the script, the
// recorded minutes without it), none without a hub.
func TestLive_Page(t *testing.T) {
	t.Parallel()
	hub, err := live.New(live.Options{Sample: busyHalf, Window: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	srv := newServer(st, web.Options{Live: hub})
	r := get(t, srv, "/").want(t, 200)
	contains(t, "overview", r.body, `<a href="/?range=live" id="livelink" hidden>live</a>`, `/static/live.js?v=`, `data-refresh="60"`)
	r = get(t, srv, "/?range=live").want(t, 200)
	contains(t, "live range", r.body, `data-live="/api/v1/live" data-live-window="120"`, "<noscript>", "live, the last 2m second by second",
		`id="livelink" hidden class="active"`, `<figure class="chart"`)
	if strings.Contains(r.body, "data-refresh") {
		t.Error("the live range polls the charts too")
	}
	if st := hub.Stats(); st.SampleSets != 0 || st.Sampling {
		t.Errorf("pages started the sampler: %+v", st)
	}
	get(t, srv, "/static/live.js").want(t, 200)
	// Without a hub: no link, no live range.
	plain := newServer(st, web.Options{})
	if r := get(t, plain, "/").want(t, 200); strings.Contains(r.body, "livelink") || strings.Contains(r.body, "live.js") {
		t.Error("a server without a live range links to it")
	}
	get(t, plain, "/?range=live").want(t, 400)
	get(t, plain, "/disk?device=sda&range=live").want(t, 400)
}

// TestLive_DevicePages checks the live range of the disk, network and
// filesystem pages: like the overview's, with the page's own charts of
// its device for the script (the quantities the recorded charts draw,
// percentages on a scale to 100), the recorded minutes without it, and
// the links between pages kept on the live range.
func TestLive_DevicePages(t *testing.T) {
	t.Parallel()
	hub, err := live.New(live.Options{Sample: busyHalf, Window: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	srv := newServer(st, web.Options{Live: hub})
	for _, tc := range []struct{ page, thing, link string }{
		{"/disk?device=sda", "sda", `/disk?device=sda&amp;range=live`},
		{"/net?device=eth0", "eth0", `/net?device=eth0&amp;range=live`},
		{"/fs?mount=/var", "/var", `/fs?mount=%2Fvar&amp;range=live`},
	} {
		r := get(t, srv, tc.page).want(t, 200)
		contains(t, tc.page, r.body, `<a href="`+tc.link+`" id="livelink" hidden>live</a>`)
		r = get(t, srv, tc.page+"&range=live").want(t, 200)
		contains(t, tc.page+" live", r.body, `data-live="/api/v1/live" data-live-window="120"`, `data-live-thing="`+tc.thing+`"`,
			"<noscript>", "live, the last 2m second by second", `id="livelink" hidden class="active"`, `<figure class="chart"`)
		if strings.Contains(r.body, "data-refresh") {
			t.Errorf("%s: the live range polls the charts too", tc.page)
		}
		// The charts for the script: the page's own.
		m := regexp.MustCompile(`data-live-charts="([^"]*)"`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("%s: no data-live-charts", tc.page)
		}
		var charts []struct {
			ID, View string
			Cols     [][2]string
			Max      float64
		}
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &charts); err != nil {
			t.Fatalf("%s: data-live-charts %q: %v", tc.page, m[1], err)
		}
		byID := map[string]string{}
		for _, c := range charts {
			byID[c.ID] = fmt.Sprintf("%s %v %g", c.View, c.Cols, c.Max)
		}
		want := map[string]map[string]string{
			"sda":  {"bytes": "disk [[rbytes/s read] [wbytes/s write]] 0", "util": "disk [[util util]] 100", "queue": "disk [[aqu-sz aqu-sz]] 0"},
			"eth0": {"bytes": "net [[rxbytes/s in] [txbytes/s out]] 0", "drops": "net [[rxdrop/s in] [txdrop/s out]] 0"},
			"/var": {"space": "fs [[size size] [used used] [avail available]] 0", "used": "fs [[%used space] [%iused inodes]] 100"},
		}[tc.thing]
		for id, w := range want {
			if byID[id] != w {
				t.Errorf("%s: live chart %s is %q, want %q", tc.page, id, byID[id], w)
			}
		}
	}
	// The overview's live range links the device pages' live ranges.
	r := get(t, srv, "/?range=live").want(t, 200)
	contains(t, "overview live", r.body, `href="/disk?device=sda&amp;range=live"`)
	get(t, srv, "/disk?device=nosuch&range=live").want(t, 404)
	if st := hub.Stats(); st.SampleSets != 0 || st.Sampling {
		t.Errorf("pages started the sampler: %+v", st)
	}
}

// TestLive_OutlivesServerTimeouts checks that a stream lasts longer than
// the server's read and write timeouts, which bound whole requests.
func TestLive_OutlivesServerTimeouts(t *testing.T) {
	t.Parallel()
	hub, err := live.New(live.Options{Sample: busyHalf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	ts := httptest.NewUnstartedServer(newServer(emptyStore(t), web.Options{Live: hub}))
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = 700*time.Millisecond, 700*time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	_, r := openStream(t, ts.URL)
	readSSE(t, r)
	start := time.Now()
	for n := 0; n < 3; {
		if e := readSSE(t, r); e.data != "" {
			n++
		}
	}
	if d := time.Since(start); d < 1400*time.Millisecond {
		t.Errorf("3 events in %s", d)
	}
}
