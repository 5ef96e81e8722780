// Package web serves a srvmon store over HTTP, read-only: an overview page
// of the host (CPU, load, memory, disks, network, filesystems) with a page
// per device, drawn on the server as inline SVG by package report, so that
// it works offline, on a phone and without JavaScript (which only adds live
// updates and hover values); a JSON API with the selectors, ranges and
// steps of "srvmon query"; /metrics, the newest samples in the Prometheus
// exposition format with node_exporter's names; and /healthz.
//
// Everything the pages need is embedded; the Content-Security-Policy
// allows only the server's own script, styles and requests.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/srvmon/srvmon/report/web/live"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/health"
)

// Defaults of Options.
const (
	DefaultRefresh   = 60 * time.Second
	DefaultStale     = 5 * time.Minute
	DefaultMaxPoints = 50_000
	DefaultMaxRange  = 400 * 24 * time.Hour
)

// Options configure a Server. The zero value of each field means its
// default.
type Options struct {
	// Refresh is how often the page fetches new data. Defaults to 60 s,
	// the cron interval of record.
	Refresh time.Duration
	// Stale is how old the newest sample may get before /healthz answers
	// 503; series whose newest sample is older than that (counted back from
	// now) are left out of /metrics, so that Prometheus shows a gap.
	// Defaults to 5 minutes.
	Stale time.Duration
	// Auth, if not nil, requires HTTP basic authentication on every
	// endpoint.
	Auth *Auth
	// Location is the time zone of the page's labels and of dates in
	// query parameters. Defaults to time.Local.
	Location *time.Location
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// MaxPoints caps the points of one API response (all series
	// together). Defaults to 50,000.
	MaxPoints int
	// MaxRange caps the length of a queried range. Defaults to 400 days.
	MaxRange time.Duration
	// LocalOnly refuses requests whose Host is not a loopback address or
	// localhost (421), so that a web page the user visits cannot reach a
	// server on 127.0.0.1 through a DNS name of its own (DNS rebinding).
	// Set it when the server listens on loopback only.
	LocalOnly bool
	// Version is shown in the page footer.
	Version string
	// ErrorLog receives errors that end in a 500 response. Defaults to
	// discarding them.
	ErrorLog *log.Logger
	// AccessLog, if not nil, receives a line per request in the Common Log
	// Format (see accessLog), refused and unauthorised ones included.
	AccessLog io.Writer
	// Live, if not nil, serves the live range (/api/v1/live and the
	// page's "live" link) from its sampler; nil turns the live range off.
	Live *live.Hub
	// Heartbeat is how often an idle live stream gets a comment, so that
	// proxies keep it open. Defaults to 15 s.
	Heartbeat time.Duration
}

func (o *Options) setDefaults() {
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Stale <= 0 {
		o.Stale = DefaultStale
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = DefaultMaxPoints
	}
	if o.MaxRange <= 0 {
		o.MaxRange = DefaultMaxRange
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.ErrorLog == nil {
		o.ErrorLog = log.New(io.Discard, "", 0)
	}
}

// Server is the http.Handler of srvmon serve. It only reads the store and
// is safe for concurrent use.
type Server struct {
	store   *tsdb.Store
	o       Options
	handler http.Handler
	heavy   chan struct{} // slots of requests that query the store at length
}

// New returns a Server for store.
func New(store *tsdb.Store, o Options) *Server {
	o.setDefaults()
	s := &Server{store: store, o: o, heavy: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.limit(s.handleOverview))
	mux.Handle("GET /disk", s.limit(s.handleDisk))
	mux.Handle("GET /net", s.limit(s.handleNet))
	mux.Handle("GET /fs", s.limit(s.handleFS))
	mux.Handle("GET /api/v1/query", s.limit(s.handleQuery))
	mux.Handle("GET /api/v1/series", s.limit(s.handleSeries))
	mux.Handle("GET /api/v1/charts", s.limit(s.handleCharts))
	mux.Handle("GET /api/v1/top", s.limit(s.handleTop(false)))
	mux.Handle("GET /api/v1/services", s.limit(s.handleTop(true)))
	mux.HandleFunc("GET /api/v1/live", s.handleLive)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/icon.svg", http.StatusMovedPermanently)
	})
	var h http.Handler = mux
	if o.Auth != nil {
		h = o.Auth.wrap(h)
	}
	h = secure(h, o.LocalOnly)
	if o.AccessLog != nil {
		h = (&accessLog{o: &s.o}).wrap(h)
	}
	s.handler = h
	return s
}

// limit runs h when one of the slots for long requests is free, so that a
// burst of requests for long ranges queues instead of running all at once
// and slowing every one; a request that cannot get a slot before it ends
// (the client went away, the server's write timeout) gets 503.
func (s *Server) limit(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.heavy <- struct{}{}:
			defer func() { <-s.heavy }()
			h(w, r)
		case <-r.Context().Done():
			http.Error(w, "503 busy: too many requests in progress", http.StatusServiceUnavailable)
		}
	})
}

// localHost reports whether the host of a Host header is localhost or a
// loopback address.
func localHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ServeHTTP serves the pages, the API, /metrics and /healthz.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// csp allows the page its own script, styles and API requests only, and
// inline SVG, which is markup, not script.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure sets the security headers of every response, including errors
// and 401s, refuses methods other than GET and HEAD and, with localOnly,
// requests for other hosts than this one.
func secure(h http.Handler, localOnly bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			hd.Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed: srvmon serve is read-only; use GET", http.StatusMethodNotAllowed)
			return
		}
		if localOnly && !localHost(r.Host) {
			http.Error(w, "421 misdirected request: this srvmon serve listens on loopback and answers for localhost only; "+
				"reach it as 127.0.0.1 or localhost, or have srvmon serve listen on another address (with authentication)", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// apiError is the body of every API error response.
type apiError struct {
	Error string `json:"error"`
}

// badRequest answers 400 with err as a JSON error.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, err error) {
	s.sendJSON(w, r, http.StatusBadRequest, apiError{Error: err.Error()})
}

// serverError logs err and answers 500 without details, or 503 if the
// client went away or the request timed out.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		http.Error(w, "503 request cancelled", http.StatusServiceUnavailable)
		return
	}
	s.o.ErrorLog.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	http.Error(w, "500 internal server error (see the server's log)", http.StatusInternalServerError)
}

// healthBody is the body of /healthz: the verdict of health.Compute (what
// srvmon status prints) over today.
type healthBody struct {
	Status     string  `json:"status"`           // "ok", "stale", "empty" or "damaged"
	Newest     string  `json:"newest,omitempty"` // RFC 3339 time of the newest sample
	AgeSeconds float64 `json:"age_seconds"`      // how long ago that was
	StaleAfter float64 `json:"stale_after_seconds"`
	// Future is the RFC 3339 time of the newest sample after now, when
	// the store holds samples from the future (a clock that was ahead, an
	// import): they never count as the newest sample.
	Future          string  `json:"future,omitempty"`
	FutureSeconds   float64 `json:"future_seconds,omitempty"` // how far ahead of now that is
	IntervalSeconds float64 `json:"interval_seconds"`         // the recording interval seen
	MissedToday     int     `json:"missed_runs_today"`
	// FailedCollectors are the collectors failing in the newest sample set.
	FailedCollectors []string `json:"failed_collectors"`
	// CollectorErrors are the errors of the failing collectors by name, as
	// the newest record run kept them (absent for a collector without one).
	CollectorErrors map[string]string `json:"collector_errors"`
	// SkippedTextfiles are the textfiles the newest record run skipped,
	// by file name: "REASON: what is wrong".
	SkippedTextfiles map[string]string `json:"skipped_textfiles"`
	// PushLagSeconds is the lag of each push receiver, by URL.
	PushLagSeconds map[string]float64 `json:"push_lag_seconds"`
	// Damage is what the server's reads found damaged, a file each.
	Damage   []string `json:"damage"`
	Problems []string `json:"problems"` // why the status is not ok
	// Live are the counters of the live range: clients now, whether its
	// sampler runs, the sample sets it took (none while nobody watches).
	Live *live.Stats `json:"live,omitempty"`
}

// handleHealth answers 200 when the newest sample at or before now (by the
// wall clock) is at most Options.Stale old and the server's reads found
// no damage, else 503, with the numbers of health.Compute over today;
// samples from the future are reported, never counted.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	now := s.o.Now()
	rep, err := health.Compute(r.Context(), s.store, health.Options{Now: now, Location: s.o.Location, Stale: s.o.Stale, Days: 1, SkipDisk: true})
	if err != nil {
		s.serverError(w, r, fmt.Errorf("healthz: %w", err))
		return
	}
	h := healthBody{Status: "ok", StaleAfter: rep.StaleAfterSeconds, IntervalSeconds: rep.IntervalSeconds,
		FailedCollectors: []string{}, CollectorErrors: map[string]string{}, SkippedTextfiles: map[string]string{},
		PushLagSeconds: map[string]float64{}, Damage: rep.Damage, Problems: rep.Problems}
	switch {
	case rep.Newest.IsZero():
		h.Status = "empty"
	case rep.Stale:
		h.Status = "stale"
	case len(rep.Damage) > 0:
		h.Status = "damaged"
	}
	code := http.StatusOK
	if !rep.OK() {
		code = http.StatusServiceUnavailable
	}
	if !rep.Newest.IsZero() {
		h.Newest = rep.Newest.UTC().Format(time.RFC3339)
		h.AgeSeconds = rep.AgeSeconds
	}
	if !rep.Future.IsZero() {
		h.Future = rep.Future.UTC().Format(time.RFC3339)
		h.FutureSeconds = rep.Future.Sub(now).Round(time.Second).Seconds()
	}
	for _, d := range rep.Missed {
		h.MissedToday += d.Missed
	}
	for _, c := range rep.FailedCollectors {
		h.FailedCollectors = append(h.FailedCollectors, c.Name)
		if c.LastError != "" {
			h.CollectorErrors[c.Name] = c.LastError
		}
	}
	for _, tf := range rep.SkippedTextfiles {
		h.SkippedTextfiles[tf.File] = tf.Error
	}
	for _, p := range rep.Push {
		h.PushLagSeconds[p.URL] = p.LagSeconds
	}
	if s.o.Live != nil {
		st := s.o.Live.Stats()
		h.Live = &st
	}
	s.sendJSON(w, r, code, h)
}
