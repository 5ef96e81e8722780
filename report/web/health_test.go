package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
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
