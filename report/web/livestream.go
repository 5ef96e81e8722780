package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/report/web/live"
)

// Defaults of the live stream.
const (
	// DefaultHeartbeat is how often an idle stream gets a comment line,
	// so that proxies and the browser keep it open.
	DefaultHeartbeat = 15 * time.Second
	// liveWriteTimeout is how long one write to a live stream may take: a
	// client that reads nothing for that long is cut off (the server's
	// WriteTimeout, meant for whole responses, does not bound a stream).
	liveWriteTimeout = 10 * time.Second
	// liveRetry is how long a browser waits before it reconnects a
	// stream that ended (EventSource's retry field).
	liveRetry = 2 * time.Second
	// liveBusyRetry is the Retry-After of a refused stream, in seconds.
	liveBusyRetry = 10
)

// handleLive serves /api/v1/live: Server-Sent Events (text/event-stream),
// one event a second while the client stays, each the JSON of a
// live.Event with its time as the id. A client that reconnects with
// Last-Event-ID gets the events it missed (those still in the window),
// a new one the window so far. The stream ends when the client falls too
// far behind (the browser reconnects) and when the server shuts down.
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	hub := s.o.Live
	if hub == nil {
		s.sendJSON(w, r, http.StatusNotFound, apiError{Error: "this srvmon serve has no live range (--live-clients 0)"})
		return
	}
	if err := checkParams(r.URL.Query()); err != nil {
		s.badRequest(w, r, err)
		return
	}
	var since int64
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
		if err != nil || n < 0 {
			s.badRequest(w, r, fmt.Errorf("invalid Last-Event-ID %q; it is the Unix time of an event", id))
			return
		}
		since = n
	}
	c, backlog, err := hub.Subscribe(since)
	switch {
	case errors.Is(err, live.ErrTooManyClients):
		w.Header().Set("Retry-After", strconv.Itoa(liveBusyRetry))
		s.sendJSON(w, r, http.StatusServiceUnavailable, apiError{Error: fmt.Sprintf("%v: this server streams to at most %d at once (--live-clients)", err, hub.MaxClients())})
		return
	case err != nil:
		w.Header().Set("Retry-After", strconv.Itoa(liveBusyRetry))
		s.sendJSON(w, r, http.StatusServiceUnavailable, apiError{Error: "the server is shutting down"})
		return
	}
	defer c.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	send := func() error {
		if err := rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		buf.Reset()
		return rc.Flush()
	}
	fmt.Fprintf(&buf, "retry: %d\n\n", liveRetry.Milliseconds())
	for _, ev := range backlog {
		writeEvent(&buf, ev)
	}
	if send() != nil {
		return
	}
	heartbeat := time.NewTicker(s.o.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case ev := <-c.C():
			writeEvent(&buf, ev)
		case <-heartbeat.C:
			buf.WriteString(": heartbeat\n\n")
		case <-c.Done():
			return // dropped (the browser reconnects) or shutting down
		case <-r.Context().Done():
			return
		}
		if send() != nil {
			return
		}
	}
}

// writeEvent appends ev as one Server-Sent Event: its time as the id, its
// JSON as the data (one line: JSON escapes newlines).
func writeEvent(buf *bytes.Buffer, ev live.Event) {
	fmt.Fprintf(buf, "id: %d\ndata: %s\n\n", ev.T, ev.JSON)
}

// EndStreams ends every live stream and stops the live sampler, for a
// server that shuts down (http.Server.Shutdown waits for handlers, and a
// stream's handler returns only then). Register it with
// http.Server.RegisterOnShutdown.
func (s *Server) EndStreams() {
	if s.o.Live != nil {
		s.o.Live.Close()
	}
}
