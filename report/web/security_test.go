package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestSecurityHeaders checks the headers of every kind of response.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(newStore(t, synth.DefaultHost(), testNow, time.Hour), web.Options{})
	for _, r := range []reply{
		get(t, srv, "/").want(t, 200),
		get(t, srv, "/api/v1/query?view=nosuch").want(t, 400),
		get(t, srv, "/metrics").want(t, 200),
		get(t, srv, "/nosuch").want(t, 404),
		get(t, srv, "/static/app.js").want(t, 200),
		do(t, srv, "POST", "/api/v1/query").want(t, 405),
	} {
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", r.target, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") && strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("%s: inline scripts allowed: %q", r.target, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", r.target)
		}
	}
}

// TestReadOnly checks that every method but GET and HEAD is refused.
func TestReadOnly(t *testing.T) {
	t.Parallel()
	srv := newServer(emptyStore(t), web.Options{})
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"} {
		for _, target := range []string{"/", "/api/v1/query", "/metrics", "/healthz"} {
			r := do(t, srv, m, target).want(t, 405)
			if r.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q", m, target, r.header.Get("Allow"))
			}
		}
	}
	r := do(t, srv, "HEAD", "/healthz").want(t, 503)
	if r.body != "" {
		t.Errorf("HEAD has a body: %q", r.body)
	}
}

// TestLocalOnly checks the DNS rebinding guard: on loopback, requests for
// another host name are refused.
func TestLocalOnly(t *testing.T) {
	t.Parallel()
	srv := newServer(emptyStore(t), web.Options{LocalOnly: true})
	for host, code := range map[string]int{
		"127.0.0.1:8080": 503, "localhost:8080": 503, "LOCALHOST": 503, "[::1]:8080": 503, "127.1.2.3": 503,
		"evil.example:8080": 421, "evil.example": 421, "127.0.0.1.evil.example": 421, "10.0.0.1:8080": 421, "": 421,
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != code {
			t.Errorf("Host %q: %d, want %d", host, rec.Code, code)
		}
		if code == 421 && !strings.Contains(rec.Body.String(), "answers for localhost only") {
			t.Errorf("Host %q: %q", host, rec.Body.String())
		}
	}
	// Without LocalOnly any host is served.
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Host = "srvmon.example.com"
	rec := httptest.NewRecorder()
	newServer(emptyStore(t), web.Options{}).ServeHTTP(rec, req)
	if rec.Code != 503 {
		t.Errorf("without LocalOnly: %d", rec.Code)
	}
}
