// The HTTP server around the handler: its settings as a user gives them,
// its timeouts, the live range's hub, and a graceful shutdown.

package web

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/report/web/live"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
)

// DefaultListen is where a server listens unless told otherwise: this host
// only.
const DefaultListen = "127.0.0.1:8080"

// MaxLiveClients is the most live streams a server may be told to allow.
const MaxLiveClients = 1000

// Timeouts of the HTTP server: a slow or stuck client cannot hold a
// connection (or the memory of its request) for long.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// Settings are a server's settings as a user gives them, zero for the
// defaults; Check fills those in and refuses what cannot work.
type Settings struct {
	Listen      string        // host:port; "" means DefaultListen
	Refresh     time.Duration // see Options.Refresh; 0 means DefaultRefresh
	Stale       time.Duration // see Options.Stale; 0 means DefaultStale
	LiveClients int           // the most live streams at once; 0 turns the live range off
	LiveWindow  time.Duration // history of the live range; 0 means live.DefaultWindow
}

// Check fills in the defaults of s and returns a *param.Error naming the
// first setting that is wrong (parameters listen, refresh, stale,
// live-clients, live-window).
func (s *Settings) Check() error {
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.Refresh == 0 {
		s.Refresh = DefaultRefresh
	}
	if s.Stale == 0 {
		s.Stale = DefaultStale
	}
	if s.Refresh < time.Second {
		return &param.Error{Param: "refresh", Value: s.Refresh.String(), Valid: "use at least 1 second, like 60 or 30s"}
	}
	if s.Stale < time.Second {
		return &param.Error{Param: "stale", Value: s.Stale.String(), Valid: "use at least 1 second, like 300 or 5m"}
	}
	if s.LiveClients < 0 || s.LiveClients > MaxLiveClients {
		return &param.Error{Param: "live-clients", Value: strconv.Itoa(s.LiveClients),
			Valid: fmt.Sprintf("use 0 (no live range) to %d", MaxLiveClients)}
	}
	if s.LiveWindow == 0 {
		s.LiveWindow = live.DefaultWindow
	}
	if s.LiveWindow < 10*time.Second || s.LiveWindow > time.Hour || s.LiveWindow%time.Second != 0 {
		return &param.Error{Param: "live-window", Value: s.LiveWindow.String(),
			Valid: "use whole seconds from 10s to 1h, like 300 or 5m"}
	}
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		return &param.Error{Param: "listen", Value: strconv.Quote(s.Listen), Reason: err.Error(),
			Valid: "use HOST:PORT like 127.0.0.1:8080 or :8080"}
	}
	return nil
}

// StartLive starts the hub of the live range that s asks for, sampling
// this host (or reading store while a recorder stores a sample set every
// second), or returns nil when s turns the live range off. warn gets
// what goes wrong while it samples. The caller closes the hub.
func StartLive(s Settings, store *tsdb.Store, warn func(error)) (*live.Hub, error) {
	if s.LiveClients <= 0 {
		return nil, nil
	}
	instance, err := os.Hostname()
	if err != nil {
		instance = "localhost"
	}
	sample, err := live.HostSampler(instance)
	if err != nil {
		return nil, err
	}
	procs, err := live.ProcSampler(instance, live.DefaultTopInterval)
	if err != nil {
		return nil, err
	}
	return live.New(live.Options{Sample: sample, Procs: procs, Recorded: live.StoreSource(store), Window: s.LiveWindow, MaxClients: s.LiveClients, Warn: warn})
}

// IsLoopback reports whether addr is on a loopback interface only.
func IsLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Serve serves handler on ln until ctx is done, then shuts down gracefully:
// it stops accepting connections and waits up to 10 s for the requests in
// progress. A handler with an EndStreams method (a *Server) has it called
// when the server shuts down, so that its streams end instead of holding
// the shutdown. errLog gets the HTTP server's own errors.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, errLog *log.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errLog,
	}
	if es, ok := handler.(interface{ EndStreams() }); ok {
		srv.RegisterOnShutdown(es.EndStreams)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
