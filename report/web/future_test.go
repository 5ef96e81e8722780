package web_test

import (
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb"
)

// TestFutureSamples checks that samples after now (a clock that was an
// hour ahead, an import) do not fool /healthz and /metrics: age is judged
// by the wall clock against the newest sample at or before now, every
// series recorded up to now stays exposed with its value of then, and both
// say that the store holds samples from the future.
func TestFutureSamples(t *testing.T) {
	t.Parallel()
	st := emptyStore(t)
	now := testNow.Unix()
	series := []tsdb.Series{
		tsdb.NewSeries("node_load1", "instance", "a"),
		tsdb.NewSeries("node_load5", "instance", "a"),
		tsdb.NewSeries("node_load15", "instance", "a"),
	}
	pts := [][]tsdb.Point{
		{{T: now - 90, V: 1}, {T: now + 3507, V: 99}}, // then an hour ahead
		{{T: now - 90, V: 2}},
		{{T: now - 90, V: 3}},
	}
	importPoints(t, st, series, pts)
	srv := newServer(st, web.Options{Stale: 5 * time.Minute})

	r := get(t, srv, "/healthz").want(t, 200)
	contains(t, "/healthz", r.body, `"status":"ok"`, `"age_seconds":90`, `"future":"2026-05-14T16:28:27Z"`, `"future_seconds":3507`)
	fams := parseText(t, get(t, srv, "/metrics").want(t, 200).body)
	for i, name := range []string{"node_load1", "node_load5", "node_load15"} {
		m := find(fams[name])
		if m == nil || m.GetGauge().GetValue() != float64(i+1) || m.GetTimestampMs() != (now-90)*1000 {
			t.Errorf("%s: %v, want %d recorded at %d", name, m, i+1, now-90)
		}
	}
	if got := fams["srvmon_last_sample_timestamp_seconds"].GetMetric()[0].GetGauge().GetValue(); got != float64(now-90) {
		t.Errorf("newest sample %v, want %d (the newest at or before now)", got, now-90)
	}
	if got := fams["srvmon_future_sample_timestamp_seconds"].GetMetric()[0].GetGauge().GetValue(); got != float64(now+3507) {
		t.Errorf("future sample %v, want %d", got, now+3507)
	}

	// Ten minutes later with nothing recorded: stale, although a sample
	// lies ahead.
	later := newServer(st, web.Options{Stale: 5 * time.Minute, Now: func() time.Time { return testNow.Add(10 * time.Minute) }})
	r = get(t, later, "/healthz").want(t, 503)
	contains(t, "/healthz ten minutes later", r.body, `"status":"stale"`, `"age_seconds":690`, `"future_seconds":2907`)

	// Recording stopped three days ago, yet a sample lies in the future:
	// the newest sample before now is still found.
	st2 := emptyStore(t)
	importPoints(t, st2, series[:1], [][]tsdb.Point{{{T: now - 72*3600, V: 7}, {T: now + 3600, V: 99}}})
	r = get(t, newServer(st2, web.Options{Stale: 5 * time.Minute}), "/healthz").want(t, 503)
	contains(t, "/healthz three days after recording stopped", r.body, `"status":"stale"`, `"age_seconds":259200`, `"future_seconds":3600`)
	fams = parseText(t, get(t, newServer(st2, web.Options{Stale: 5 * time.Minute}), "/metrics").want(t, 200).body)
	if got := fams["srvmon_last_sample_timestamp_seconds"].GetMetric()[0].GetGauge().GetValue(); got != float64(now-72*3600) {
		t.Errorf("three days after: newest sample %v, want %d", got, now-72*3600)
	}
	if _, ok := fams["node_load1"]; ok {
		t.Errorf("three days after: node_load1 exposed (its newest value before now is three days old, its future one must never show)")
	}
}
