package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/lastrun"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestHealthz_StatusNumbers checks that /healthz carries the numbers of
// srvmon status (health.Compute over today): the recording interval, the
// runs missed today, failing collectors, push lag and damage.
func TestHealthz_StatusNumbers(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	// Ten minutes without recording after the hour: 503, ten runs missed
	// (due at :31 .. :40).
	srv := newServer(st, web.Options{Now: func() time.Time { return testNow.Add(10*time.Minute + 20*time.Second) }})
	r := get(t, srv, "/healthz").want(t, 503)
	contains(t, "/healthz", r.body, `"status":"stale"`, `"interval_seconds":60`, `"missed_runs_today":10`,
		`"failed_collectors":[]`, `"push_lag_seconds":{}`, `"damage":[]`, `is srvmon record running?`)
	srv = newServer(st, web.Options{Now: func() time.Time { return testNow.Add(20 * time.Second) }})
	r = get(t, srv, "/healthz").want(t, 200)
	contains(t, "/healthz", r.body, `"status":"ok"`, `"missed_runs_today":0`, `"problems":[]`)
}

// TestPage_RecorderStatus checks that the page says what /healthz says
// about the recorder: nothing while it is well, the missed runs once it
// stopped.
func TestPage_RecorderStatus(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	srv := newServer(st, web.Options{Now: func() time.Time { return testNow.Add(20 * time.Second) }})
	r := get(t, srv, "/").want(t, 200)
	if strings.Contains(r.body, "runs missed") || strings.Contains(r.body, "recording stopped") {
		t.Errorf("a healthy recorder: the page warns")
	}
	srv = newServer(st, web.Options{Now: func() time.Time { return testNow.Add(10*time.Minute + 20*time.Second) }})
	r = get(t, srv, "/").want(t, 200)
	contains(t, "/", r.body, "recording stopped? (stale after 5m", "10 runs missed today")
}

// TestHealthz_CollectorErrors checks that /healthz and the page carry what
// the newest record run kept of its problems (tsdb/lastrun): the error of
// a failing collector and the skipped textfiles.
func TestHealthz_CollectorErrors(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	// One more sample set in which diskstats fails.
	at := testNow.Add(time.Minute)
	g := synth.New(synth.DefaultHost(), 42)
	err := g.Minutes(at, 1, func(t time.Time, ss []tsdb.Sample) error {
		for i, s := range ss {
			if s.Series.Metric == "node_scrape_collector_success" && s.Series.Get("collector") == "diskstats" {
				ss[i].Value = 0
			}
		}
		w, err := st.Lock(context.Background())
		if err != nil {
			return err
		}
		defer w.Close()
		return w.Append(t, ss)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lastrun.Update(st.Dir(), at, map[lastrun.Key]string{
		{Kind: lastrun.Collector, Name: "diskstats"}: "open /proc/diskstats: permission denied",
		{Kind: lastrun.Collector, Name: "cpu"}:       "not failing in the store: not shown",
		{Kind: lastrun.Textfile, Name: "bad.prom"}:   "malformed: text format parsing error in line 1",
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(st, web.Options{Now: func() time.Time { return at.Add(20 * time.Second) }})
	r := get(t, srv, "/healthz").want(t, 200)
	contains(t, "/healthz", r.body, `"failed_collectors":["diskstats"]`,
		`"collector_errors":{"diskstats":"open /proc/diskstats: permission denied"}`,
		`"skipped_textfiles":{"bad.prom":"malformed: text format parsing error in line 1"}`)
	r = get(t, srv, "/").want(t, 200)
	contains(t, "/", r.body, "failing: diskstats", "1 textfile(s) skipped")
}
