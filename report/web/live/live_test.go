package live

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// fakeHost is a host whose CPU counters grow by fixed shares of each
// second and whose one disk reads 4096 bytes a second; it counts its
// sample sets.
type fakeHost struct{ runs, procRuns atomic.Int64 }

func (f *fakeHost) sample(_ context.Context, at time.Time) ([]tsdb.Sample, []error) {
	f.runs.Add(1)
	s := float64(at.Unix() % 100000)
	smp := func(metric string, v float64, kv ...string) tsdb.Sample {
		return tsdb.Sample{Series: tsdb.NewSeries(metric, append([]string{"instance", "h"}, kv...)...), Value: v}
	}
	out := []tsdb.Sample{smp("srvmon_boot_info", 1, "boot_id", "b")}
	for mode, share := range map[string]float64{"user": 0.25, "system": 0.25, "idle": 0.5,
		"nice": 0, "iowait": 0, "irq": 0, "softirq": 0, "steal": 0} {
		out = append(out, smp("srvmon_cpu_seconds_total", share*s, "mode", mode))
	}
	out = append(out, smp("node_disk_read_bytes_total", 4096*s, "device", "sda"), smp("node_load1", 0.5),
		smp("node_memory_MemTotal_bytes", 1<<30))
	return out, nil
}

// procs is the fake host's processes, sampled every topEvery seconds: burn
// uses half a CPU (its CPU seconds over the interval), big holds 300 MiB
// and uses no CPU, and the remainder uses the rest of the host's process
// time (half of it is user and system: burn plus other make it).
func (f *fakeHost) procs(topEvery int64) SampleFunc {
	return func(_ context.Context, at time.Time) ([]tsdb.Sample, []error) {
		f.procRuns.Add(1)
		smp := func(metric string, v float64, pid, comm string, kv ...string) tsdb.Sample {
			start := "1000"
			if pid == query.OtherProcessPID {
				start = "0"
			}
			return tsdb.Sample{Series: tsdb.NewSeries(metric, append([]string{"instance", "h", "pid", pid, "start", start, "comm", comm}, kv...)...), Value: v}
		}
		d := float64(topEvery)
		return []tsdb.Sample{
			smp(query.ProcessInfo, 1, "100", "burn", "user", "root"),
			smp(query.ProcessCPU, 0.5*d, "100", "burn", "mode", "user"),
			smp(query.ProcessCPU, 0, "100", "burn", "mode", "system"),
			smp(query.ProcessRSS, 100<<20, "100", "burn"),
			smp(query.ProcessInfo, 1, "200", "big"),
			smp(query.ProcessCPU, 0, "200", "big", "mode", "user"),
			smp(query.ProcessCPU, 0, "200", "big", "mode", "system"),
			smp(query.ProcessRSS, 300<<20, "200", "big"),
			smp(query.ProcessCPU, 0, query.OtherProcessPID, "other", "mode", "user"),
			smp(query.ProcessCPU, 0, query.OtherProcessPID, "other", "mode", "system"),
			smp(query.ProcessRSS, 1<<20, query.OtherProcessPID, "other"),
		}, nil
	}
}

func newHub(t *testing.T, o Options) (*Hub, *fakeHost) {
	t.Helper()
	f := &fakeHost{}
	o.Sample = f.sample
	if o.Linger == 0 {
		o.Linger = 100 * time.Millisecond
	}
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h, f
}

func next(t *testing.T, c *Client) Event {
	t.Helper()
	select {
	case ev := <-c.C():
		return ev
	case <-c.Done():
		t.Fatal("client dropped")
	case <-time.After(5 * time.Second):
		t.Fatal("no event in 5 s")
	}
	return Event{}
}

func TestHubEvents(t *testing.T) {
	t.Parallel()
	h, f := newHub(t, Options{})
	if n := f.runs.Load(); n != 0 {
		t.Fatalf("%d sample sets before any client", n)
	}
	c, backlog, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(backlog) != 0 {
		t.Errorf("backlog of %d events from a hub that never sampled", len(backlog))
	}
	var last int64
	for range 3 {
		ev := next(t, c)
		if ev.T <= last {
			t.Errorf("event at %d after one at %d", ev.T, last)
		}
		last = ev.T
		cpu := ev.Views["cpu"][""]
		if cpu["user"] != 25 || cpu["idle"] != 50 || cpu["busy"] != 50 {
			t.Errorf("cpu %v; want user 25, idle 50, busy 50 %%", cpu)
		}
		if got := ev.Views["disk"]["sda"]["rbytes/s"]; got != 4096*Value(ev.Interval) {
			t.Errorf("sda rbytes/s %v over %d s, want 4096 per second", got, ev.Interval)
		}
		if got := ev.Views["load"][""]["load1"]; got != 0.5 {
			t.Errorf("load1 %v, want 0.5", got)
		}
		if lag := time.Since(ev.Sampled); lag > 2*time.Second {
			t.Errorf("event received %s after its sample set", lag)
		}
	}
	b, err := json.Marshal(Event{T: 1, Views: map[string]map[string]map[string]Value{"cpu": {"": {"user": Value(nanV())}}}})
	if err != nil || string(b) != `{"t":1,"interval":0,"views":{"cpu":{"":{"user":null}}},"text":null}` {
		t.Errorf("NaN event: %s, %v", b, err)
	}
	// A second client gets the window so far, then the same events.
	c2, backlog, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(backlog) < 3 || backlog[len(backlog)-1].T != last {
		t.Errorf("backlog of %d events, the last at %d; want >= 3 up to %d", len(backlog), backlog[len(backlog)-1].T, last)
	}
	if _, b2, _ := h.Subscribe(last); len(b2) != 0 {
		t.Errorf("backlog since the last event: %d events", len(b2))
	}
	c.Close()
	c2.Close()
}

// TestHubTop checks the top processes of the live range: every
// TopInterval an event carries them, by CPU and by memory, with the
// numbers of query's Top over that interval, in report's JSON and HTML,
// without the processes' users; the window keeps only the newest top.
func TestHubTop(t *testing.T) {
	t.Parallel()
	f := &fakeHost{}
	h, err := New(Options{Sample: f.sample, Procs: f.procs(2), TopInterval: 2 * time.Second, Linger: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	c, _, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type row struct {
		Row      string  `json:"row"`
		PID      string  `json:"pid"`
		Comm     string  `json:"comm"`
		User     string  `json:"user"`
		CPU      float64 `json:"cpu_percent"`
		CPUShare float64 `json:"cpu_share_percent"`
		RSS      float64 `json:"rss_bytes"`
		MemShare float64 `json:"mem_share_percent"`
	}
	var tops []Event
	without := 0
	for len(tops) < 2 {
		ev := next(t, c)
		if ev.Top == nil {
			without++
			continue
		}
		if ev.T%2 != 0 {
			t.Errorf("a top at %d, not a multiple of the top interval", ev.T)
		}
		tops = append(tops, ev)
	}
	if without == 0 {
		t.Error("every event carries a top; want one every 2 s")
	}
	for _, ev := range tops {
		want := map[string][]string{"cpu": {"100", "200"}, "mem": {"200", "100"}}
		for _, by := range TopBy {
			var res struct {
				By   string `json:"by"`
				Rows []row  `json:"rows"`
			}
			if err := json.Unmarshal(ev.Top[by], &res); err != nil {
				t.Fatalf("top by %s: %v: %s", by, err, ev.Top[by])
			}
			if len(res.Rows) != 4 || res.Rows[0].PID != want[by][0] || res.Rows[1].PID != want[by][1] || res.Rows[2].Row != "other" {
				t.Fatalf("top by %s at %d: %+v", by, ev.T, res.Rows)
			}
			burn := res.Rows[0]
			if by == "mem" {
				burn = res.Rows[1]
			}
			if burn.Comm != "burn" || burn.CPU != 50 || burn.CPUShare != 50 || burn.RSS != 100<<20 || burn.User != "" {
				t.Errorf("burn by %s: %+v; want 50 %% of one CPU, 50 %% of the host's, 100 MiB, no user", by, burn)
			}
			if host := res.Rows[3]; host.Row != "host" || host.CPU != 50 {
				t.Errorf("host row %+v, want 50 %% CPU", host)
			}
			if html := ev.TopHTML[by]; !strings.Contains(html, "<table") || !strings.Contains(html, "burn") {
				t.Errorf("top by %s: html %q", by, html)
			}
		}
	}
	// A client that connects now gets the newest top only.
	_, backlog, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	withTop := 0
	for _, ev := range backlog {
		if strings.Contains(string(ev.JSON), `"top"`) {
			withTop++
			if ev.T < tops[len(tops)-1].T {
				t.Errorf("the backlog's top is at %d, want the newest, %d", ev.T, tops[len(tops)-1].T)
			}
		}
	}
	if withTop != 1 {
		t.Errorf("%d events of the backlog carry a top, want 1", withTop)
	}
}

func nanV() float64 { var z float64; return z / z }

// TestHubIdle checks that the sampler runs only while clients are there,
// and stops within Linger after the last one left.
func TestHubIdle(t *testing.T) {
	t.Parallel()
	h, f := newHub(t, Options{Linger: 200 * time.Millisecond})
	time.Sleep(1500 * time.Millisecond)
	if n := f.runs.Load(); n != 0 {
		t.Fatalf("%d sample sets without a client", n)
	}
	c, _, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	next(t, c)
	c.Close()
	time.Sleep(h.o.Linger + 1100*time.Millisecond) // a set may be under way when the linger ends
	n := f.runs.Load()
	st := h.Stats()
	if st.Sampling || st.Clients != 0 {
		t.Errorf("stats %+v after the last client left", st)
	}
	time.Sleep(2500 * time.Millisecond)
	if m := f.runs.Load(); m != n {
		t.Errorf("%d sample sets after sampling stopped", m-n)
	}
	// And it starts again for a new client.
	c, _, err = h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	next(t, c)
	c.Close()
}

func TestHubLimits(t *testing.T) {
	t.Parallel()
	h, _ := newHub(t, Options{MaxClients: 2, Buffer: 1})
	slow, _, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	fast, _, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Subscribe(0); !errors.Is(err, ErrTooManyClients) {
		t.Errorf("third client: %v, want ErrTooManyClients", err)
	}
	// slow reads nothing: with a buffer of one event it is dropped at the
	// second, while fast goes on.
	for range 3 {
		next(t, fast)
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("a client that read nothing for 3 events is still subscribed")
	}
	if st := h.Stats(); st.Dropped != 1 || st.Clients != 1 {
		t.Errorf("stats %+v; want 1 dropped, 1 client", st)
	}
	// Its place is free again.
	again, _, err := h.Subscribe(0)
	if err != nil {
		t.Fatalf("subscribe after a drop: %v", err)
	}
	h.Close()
	for _, c := range []*Client{fast, again} {
		select {
		case <-c.Done():
		default:
			t.Error("Close left a client's stream open")
		}
	}
	if _, _, err := h.Subscribe(0); !errors.Is(err, ErrClosed) {
		t.Errorf("subscribe after Close: %v", err)
	}
	if st := h.Stats(); st.Sampling {
		t.Error("sampling after Close")
	}
}

// recorder stands for srvmon record --interval 1s on the same store: it
// stores the fake host's sets (load1 0.7, where the hub's own say 0.5)
// with its processes, a few milliseconds after each second, until stopped.
type recorder struct {
	mu   sync.Mutex
	sets map[int64][]tsdb.Sample
	stop chan struct{}
	done chan struct{}
}

func startRecorder(t *testing.T, withProcs bool) *recorder {
	r := &recorder{sets: map[int64][]tsdb.Sample{}, stop: make(chan struct{}), done: make(chan struct{})}
	f := &fakeHost{}
	procs := f.procs(1)
	go func() {
		defer close(r.done)
		for {
			next := time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)
			select {
			case <-r.stop:
				return
			case <-time.After(time.Until(next)):
			}
			at := next.Truncate(time.Second)
			smp, _ := f.sample(context.Background(), at)
			var ps []tsdb.Sample
			if withProcs {
				ps, _ = procs(context.Background(), at)
			}
			for i := range smp {
				if smp[i].Series.Metric == "node_load1" {
					smp[i].Value = 0.7
				}
			}
			r.mu.Lock()
			r.sets[at.Unix()] = append(smp, ps...)
			r.mu.Unlock()
		}
	}()
	t.Cleanup(r.halt)
	return r
}

func (r *recorder) halt() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
}

func (r *recorder) read(_ context.Context, from, to time.Time, _ bool) ([]query.SampleSet, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []query.SampleSet
	for t := from.Unix(); t < to.Unix(); t++ {
		if s, ok := r.sets[t]; ok {
			out = append(out, query.SampleSet{T: time.Unix(t, 0), Samples: s})
		}
	}
	return out, nil
}

// TestHubFromStore checks that a hub takes its seconds from the store
// while a recorder stores one every second: the recorder's values, no
// sample set of its own, the recorder's processes in the top; and that it
// samples the host again when the recorder stops.
func TestHubFromStore(t *testing.T) {
	t.Parallel()
	t.Run("RecorderProcs", func(t *testing.T) { t.Parallel(); testHubFromStore(t, true) })
	t.Run("OwnProcs", func(t *testing.T) { t.Parallel(); testHubFromStore(t, false) })
}

// testHubFromStore runs TestHubFromStore with a recorder that stores its
// processes, or one that does not (the hub then samples the processes
// itself, every TopInterval, for the top).
func testHubFromStore(t *testing.T, withProcs bool) {
	rec := startRecorder(t, withProcs)
	f := &fakeHost{}
	h, err := New(Options{Sample: f.sample, Procs: f.procs(5), Recorded: rec.read, Linger: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	c, _, err := h.Subscribe(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ev Event
	procRuns := int64(-1) // the hub's process sample sets at its first second from the store
	deadline := time.Now().Add(15 * time.Second)
	for !ev.Recorded || ev.Top == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no event with the recorder's top in 15 s; stats %+v", h.Stats())
		}
		ev = next(t, c)
		if ev.Recorded && procRuns < 0 {
			procRuns = f.procRuns.Load()
		}
		if ev.Recorded && ev.Views["load"][""]["load1"] != 0.7 {
			t.Errorf("a recorded second with load1 %v, want the recorder's 0.7", ev.Views["load"][""]["load1"])
		}
	}
	runs := f.runs.Load()
	var cpu struct {
		Rows []struct {
			Comm string  `json:"comm"`
			CPU  float64 `json:"cpu_percent"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(ev.Top["cpu"], &cpu); err != nil || len(cpu.Rows) == 0 || cpu.Rows[0].Comm != "burn" || cpu.Rows[0].CPU != 50 {
		t.Errorf("the recorder's top by cpu: %+v (%v); want burn at 50 %%", cpu.Rows, err)
	}
	for range 2 {
		if ev = next(t, c); !ev.Recorded || ev.Views["cpu"][""]["busy"] != 50 {
			t.Errorf("second %d: recorded %v, busy %v", ev.T, ev.Recorded, ev.Views["cpu"][""]["busy"])
		}
	}
	if n := f.runs.Load(); n != runs {
		t.Errorf("%d sample sets of the hub's own while the recorder ran", n-runs)
	}
	if n := f.procRuns.Load() - procRuns; withProcs && n != 0 {
		t.Errorf("the hub sampled the processes %d times while the recorder stored them", n)
	}
	if st := h.Stats(); !st.FromStore || st.StoreSets < 3 {
		t.Errorf("stats %+v; want from_store and 3 store sets or more", st)
	}
	rec.halt()
	for ev = next(t, c); ev.Recorded; ev = next(t, c) {
	}
	if n := f.runs.Load(); n == runs || ev.Views["load"][""]["load1"] != 0.5 {
		t.Errorf("after the recorder stopped: %d sample sets of the hub's, load1 %v (want the hub's 0.5)", n-runs, ev.Views["load"][""]["load1"])
	}
}
