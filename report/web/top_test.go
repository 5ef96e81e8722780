package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// getFrom is get with the request's remote address set.
func getFrom(tb testing.TB, h http.Handler, target, remote string, header ...string) reply {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var b bytes.Buffer
	b.ReadFrom(rec.Result().Body)
	return reply{target: target, code: rec.Code, header: rec.Result().Header, body: b.String()}
}

// /api/v1/top answers what query top --format json prints (the same
// code on the same store), with the process details only for loopback or
// authenticated requests.
func TestAPITop(t *testing.T) {
	h := synth.DefaultHost()
	h.Processes = 3
	s := newStore(t, h, testNow, 2*time.Hour)
	at := testNow.Add(-47*time.Minute - 30*time.Second)
	want := func(detailed bool) string {
		r, err := query.Top(context.Background(), s, query.TopOptions{From: at.Add(-24 * time.Hour), To: at.Add(24 * time.Hour), At: at, By: "mem"})
		if err != nil {
			t.Fatal(err)
		}
		if !detailed {
			r = r.WithoutDetails()
		}
		var b bytes.Buffer
		if err := report.WriteTop(&b, r, report.FormatJSON, report.Options{Loc: time.UTC}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	target := "/api/v1/top?by=mem&at=" + url.QueryEscape(at.Format(time.RFC3339))
	srv := newServer(s, web.Options{})
	local := getFrom(t, srv, target, "127.0.0.1:40000").want(t, http.StatusOK)
	if local.body != want(true) {
		t.Errorf("loopback:\n%s\nwant\n%s", local.body, want(true))
	}
	contains(t, "loopback answer", local.body, `"user":"app"`, `"exe":"/usr/lib/jvm/java-17/bin/java"`, `"comm":"java"`)
	remote := getFrom(t, srv, target, "192.0.2.7:40000").want(t, http.StatusOK)
	if remote.body != want(false) || strings.Contains(remote.body, `"user":"app"`) || strings.Contains(remote.body, "/usr/lib/jvm") {
		t.Errorf("remote without auth shows details:\n%s", remote.body)
	}
	auth, err := web.ParseAuth("alice:" + hash(t, "pw"))
	if err != nil {
		t.Fatal(err)
	}
	authed := newServer(s, web.Options{Auth: auth})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pw"))
	if r := getFrom(t, authed, target, "192.0.2.7:40000", "Authorization", basic).want(t, http.StatusOK); r.body != want(true) {
		t.Errorf("authenticated:\n%s", r.body)
	}

	sv := getFrom(t, srv, "/api/v1/services?last=1h&by=io", "192.0.2.7:40000").want(t, http.StatusOK)
	contains(t, "services", sv.body, `"what": "services"`, `"cgroup":"system.slice/postgresql.service"`)
	getFrom(t, srv, "/api/v1/top?by=disk", "127.0.0.1:1").want(t, http.StatusBadRequest)
	getFrom(t, srv, "/api/v1/top?at=10:00&from=09:00", "127.0.0.1:1").want(t, http.StatusBadRequest)
	getFrom(t, srv, "/api/v1/top?n=0", "127.0.0.1:1").want(t, http.StatusBadRequest)
	getFrom(t, srv, "/api/v1/top?at=2020-01-01", "127.0.0.1:1").want(t, http.StatusNotFound)
}
