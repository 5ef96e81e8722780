package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/report/web/live"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// procHost is a 2-CPU host whose counters follow the time: make uses 0.8 s
// of CPU a second (0.6 user, 0.2 system), cc1 0.3 s and 600 MiB, the rest
// of the processes 0.1 s; it keeps every sample set it gave, host and
// processes, by time.
type procHost struct {
	mu   sync.Mutex
	sets map[int64][]tsdb.Sample
}

func (h *procHost) keep(at time.Time, s []tsdb.Sample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sets[at.Unix()] = append(h.sets[at.Unix()], s...)
}

func (h *procHost) sample(_ context.Context, at time.Time) ([]tsdb.Sample, []error) {
	s := float64(at.Unix() % 100000)
	smp := func(metric string, v float64, kv ...string) tsdb.Sample {
		return tsdb.Sample{Series: tsdb.NewSeries(metric, append([]string{"instance", "h"}, kv...)...), Value: v}
	}
	out := []tsdb.Sample{smp("srvmon_boot_info", 1, "boot_id", "b"), smp("node_memory_MemTotal_bytes", 4<<30)}
	for mode, perSec := range map[string]float64{"user": 0.95, "system": 0.25, "idle": 0.8,
		"nice": 0, "iowait": 0, "irq": 0, "softirq": 0, "steal": 0} {
		out = append(out, smp("srvmon_cpu_seconds_total", perSec*s, "mode", mode))
	}
	h.keep(at, out)
	return out, nil
}

// procs returns the processes' sample function for sets every secs seconds.
func (h *procHost) procs(secs float64) live.SampleFunc {
	return func(_ context.Context, at time.Time) ([]tsdb.Sample, []error) {
		var out []tsdb.Sample
		add := func(pid, comm string, user, sys, rss float64) {
			start := "1000"
			if pid == query.OtherProcessPID {
				start = "0"
			}
			id := []string{"instance", "h", "pid", pid, "start", start, "comm", comm}
			with := func(kv ...string) []string { return append(append([]string{}, id...), kv...) }
			out = append(out,
				tsdb.Sample{Series: tsdb.NewSeries(query.ProcessInfo, with("user", "alice", "exe", "/usr/bin/"+comm)...), Value: 1},
				tsdb.Sample{Series: tsdb.NewSeries(query.ProcessCPU, with("mode", "user")...), Value: user * secs},
				tsdb.Sample{Series: tsdb.NewSeries(query.ProcessCPU, with("mode", "system")...), Value: sys * secs},
				tsdb.Sample{Series: tsdb.NewSeries(query.ProcessRSS, id...), Value: rss},
				tsdb.Sample{Series: tsdb.NewSeries(query.ProcessRead, id...), Value: 4096 * secs},
				tsdb.Sample{Series: tsdb.NewSeries(query.ProcessWritten, id...), Value: 0},
			)
		}
		add("100", "make", 0.6, 0.2, 100<<20)
		add("200", "cc1", 0.3, 0, 600<<20)
		add(query.OtherProcessPID, "other", 0.05, 0.05, 50<<20)
		h.keep(at, out)
		return out, nil
	}
}

// TestLive_Top reads the top processes from /api/v1/live and checks them
// against what srvmon query top --format json computes from a store that
// holds the same sample sets (query.Top, report's JSON): byte for byte,
// by CPU and by memory, without the processes' users and executables.
func TestLive_Top(t *testing.T) {
	t.Parallel()
	h := &procHost{sets: map[int64][]tsdb.Sample{}}
	hub, err := live.New(live.Options{Sample: h.sample, Procs: h.procs(2), TopInterval: 2 * time.Second, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	ts := liveServer(t, web.Options{}, hub)
	_, r := openStream(t, ts.URL)
	var ev live.Event
	for ev.Top == nil {
		e := readSSE(t, r)
		if e.data == "" {
			continue
		}
		ev = live.Event{}
		if err := json.Unmarshal([]byte(e.data), &ev); err != nil {
			t.Fatalf("event %q: %v", e.data, err)
		}
	}
	// The store: the two sample sets of the top's interval.
	st, err := tsdb.Create(filepath.Join(t.TempDir(), "store"), tsdb.WithRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.mu.Lock()
	for _, at := range []int64{ev.T - 2, ev.T} {
		w, err := st.Lock(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Append(time.Unix(at, 0), h.sets[at]); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	h.mu.Unlock()
	for _, by := range live.TopBy {
		res, err := query.Top(context.Background(), st, query.TopOptions{From: time.Unix(ev.T-2, 0).UTC(), To: time.Unix(ev.T+1, 0).UTC(), By: by})
		if err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		if err := report.WriteTop(&want, res.WithoutDetails(), report.FormatJSON, report.Options{Loc: time.UTC}); err != nil {
			t.Fatal(err)
		}
		if err := json.Compact(&got, ev.Top[by]); err != nil {
			t.Fatal(err)
		}
		var w bytes.Buffer
		json.Compact(&w, want.Bytes())
		if got.String() != w.String() {
			t.Errorf("top by %s at %d:\nlive:  %s\nquery: %s", by, ev.T, got.String(), w.String())
		}
		if res.Processes[0].CPU == 0 || len(res.Processes) != 2 {
			t.Errorf("top by %s: %+v", by, res.Processes)
		}
		if bytes.Contains(got.Bytes(), []byte("alice")) {
			t.Errorf("top by %s shows the processes' user to every client: %s", by, got.String())
		}
	}
	// make: 0.8 s a second of a 2-CPU host is 80 % of one CPU.
	var cpu struct {
		Rows []struct {
			Comm string  `json:"comm"`
			CPU  float64 `json:"cpu_percent"`
		} `json:"rows"`
	}
	json.Unmarshal(ev.Top["cpu"], &cpu)
	if len(cpu.Rows) == 0 || cpu.Rows[0].Comm != "make" || cpu.Rows[0].CPU < 79.99 || cpu.Rows[0].CPU > 80.01 {
		t.Errorf("top by cpu %+v, want make first at 80 %%", cpu.Rows)
	}
}
