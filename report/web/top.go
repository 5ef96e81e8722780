package web

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query"
)

// topParams are the parameters of /api/v1/top and /api/v1/services.
var topParams = []string{"from", "to", "last", "at", "utc", "by", "n", "format"}

// maxTopRows bounds n=.
const maxTopRows = 1000

// handleTop serves /api/v1/top (services false) and /api/v1/services:
// what srvmon query top (services) --format json prints, computed by the
// same code:
//
//	from, to, last    the range, as srvmon query top's (default: the last hour)
//	at                the interval between two recording runs that holds this time
//	utc=true          times without an offset, and the answer's, in UTC
//	by=cpu|mem|io     what to rank by
//	n=N               the first N rows (default: 10 processes, every service)
//	format=json|html  json (the default), or the table element the page shows
//
// The processes' user, executable and command line are left out (empty)
// unless the request is trusted (see trusted).
func (s *Server) handleTop(services bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		if err := checkParams(v, topParams...); err != nil {
			s.badRequest(w, r, err)
			return
		}
		loc, err := answerLocation(v, s.o.Location)
		if err != nil {
			s.badRequest(w, r, err)
			return
		}
		from, to, at, err := query.TopRange(v.Get("from"), v.Get("to"), v.Get("last"), v.Get("at"), s.o.Now(), loc)
		if err == nil {
			err = checkSpan(from, to, s.o.MaxRange)
		}
		if err != nil {
			s.badRequest(w, r, err)
			return
		}
		format, ctype := report.FormatJSON, "application/json; charset=utf-8"
		switch f := v.Get("format"); f {
		case "", report.FormatJSON:
		case report.FormatHTML:
			format, ctype = report.FormatHTML, "text/html; charset=utf-8"
		default:
			s.badRequest(w, r, fmt.Errorf("invalid format %q; use json or html", f))
			return
		}
		n := 0
		if p := v.Get("n"); p != "" {
			if n, err = strconv.Atoi(p); err != nil || n < 1 || n > maxTopRows {
				s.badRequest(w, r, fmt.Errorf("invalid n %q; use a whole number from 1 to %d", p, maxTopRows))
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		var buf bytes.Buffer
		ro := report.Options{Loc: loc}
		if services {
			var res *query.ServicesResult
			if res, err = query.Services(ctx, s.store, query.ServicesOptions{From: from, To: to, At: at, By: v.Get("by"), N: n}); err == nil {
				err = report.WriteServices(&buf, res, format, ro)
			}
		} else {
			var res *query.TopResult
			if res, err = query.Top(ctx, s.store, query.TopOptions{From: from, To: to, At: at, By: v.Get("by"), N: n}); err == nil {
				if !s.trusted(r) {
					res = res.WithoutDetails()
				}
				err = report.WriteTop(&buf, res, format, ro)
			}
		}
		if s.queryFailed(w, r, "top", err) {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		s.send(w, r, ctype, http.StatusOK, buf.Bytes())
	}
}

// trusted reports whether r may see process details (user, executable,
// command line, which can hold secrets): when the server requires
// authentication (every request that reaches a handler passed it) or the
// request came over loopback. Behind a reverse proxy on the same host every
// request comes over loopback: such a proxy must authenticate, or serve
// must run with --auth.
func (s *Server) trusted(r *http.Request) bool {
	if s.o.Auth != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
