package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/query"
)

// defaultAPIPoints is the most points per series /api/v1/query returns
// without step= or points=: long ranges come downsampled unless asked
// otherwise.
const defaultAPIPoints = 1000

// maxFilterValues bounds the device, mount and interface parameters.
const maxFilterValues = 256

// queryParams are the parameters of /api/v1/query.
var queryParams = []string{"view", "selector", "from", "to", "last", "utc", "step", "agg", "points", "per_cpu", "per-cpu", "device", "mount", "interface"}

// apiQuery is a validated /api/v1/query request.
type apiQuery struct {
	what string // a view or a selector
	opts query.Options
	loc  *time.Location // of times without an offset, and of the answer's times
}

// parseQuery validates the parameters of /api/v1/query against the
// server's limits, without touching the store:
//
//	view=cpu | selector=node_load1{...}   exactly one
//	from, to, last                        as srvmon query's --from, --to, --last
//	utc=true                              times without an offset, and the answer's, in UTC
//	step=5m                               bucket width (0: every sample)
//	agg=avg|min|max|last|p95|sum
//	points=N                              at most N points per series (auto step)
//	per_cpu=true (or per-cpu)             the cpu view per core
//	device=, mount=, interface=           filters of the disk, fs and net views,
//	                                      repeated or comma-separated
func parseQuery(v url.Values, now time.Time, loc *time.Location, maxRange time.Duration, maxPoints int) (apiQuery, error) {
	var q apiQuery
	if err := checkParams(v, queryParams...); err != nil {
		return q, err
	}
	var err error
	if q.what, err = parseQueryWhat(v); err != nil {
		return q, err
	}
	if q.opts.From, q.opts.To, q.loc, err = parseRangeParams(v, now, loc, maxRange); err != nil {
		return q, err
	}
	if q.opts.Step, q.opts.MaxPoints, err = parseStepPoints(v, q.opts.To.Sub(q.opts.From), maxPoints); err != nil {
		return q, err
	}
	q.opts.Agg = v.Get("agg") // checked by query.Run, as the filters below
	if err := parseFilterParams(v, &q.opts); err != nil {
		return q, err
	}
	return q, nil
}

// parseQueryWhat returns the view or the selector a query asks for.
func parseQueryWhat(v url.Values) (string, error) {
	view, sel := v.Get("view"), v.Get("selector")
	switch {
	case view != "" && sel != "":
		return "", errors.New("view and selector both given; give one")
	case view != "":
		if !slices.Contains(query.Views(), view) {
			return "", fmt.Errorf("unknown view %q; the views are %s (or give selector=)", view, strings.Join(query.Views(), ", "))
		}
		return view, nil
	case sel != "":
		if _, err := query.ParseSelector(sel); err != nil {
			return "", err
		}
		if slices.Contains(query.Views(), strings.TrimSpace(sel)) {
			return "", fmt.Errorf("selector %q is a view name; use view=%s", sel, sel)
		}
		return sel, nil
	}
	return "", fmt.Errorf("missing view or selector; the views are %s", strings.Join(query.Views(), ", "))
}

// parseRangeParams returns the range of from=, to= and last= (as srvmon
// query's), no longer than maxRange, and the location of times without
// an offset and of the answer's (see answerLocation).
func parseRangeParams(v url.Values, now time.Time, loc *time.Location, maxRange time.Duration) (from, to time.Time, answerLoc *time.Location, err error) {
	if answerLoc, err = answerLocation(v, loc); err != nil {
		return from, to, nil, err
	}
	if from, to, err = query.ParseRange(v.Get("from"), v.Get("to"), v.Get("last"), now, answerLoc); err != nil {
		return from, to, nil, err
	}
	return from, to, answerLoc, checkSpan(from, to, maxRange)
}

// answerLocation returns the location of times without an offset and of
// the answer's times: UTC with utc=true, otherwise loc.
func answerLocation(v url.Values, loc *time.Location) (*time.Location, error) {
	utc, err := boolParam(v, "utc")
	if err != nil {
		return nil, err
	}
	if utc {
		return time.UTC, nil
	}
	return loc, nil
}

// parseStepPoints returns the step= of a query over span, or else the
// most points per series (points=, or defaultAPIPoints without step=),
// each within maxPoints.
func parseStepPoints(v url.Values, span time.Duration, maxPoints int) (step time.Duration, points int, err error) {
	if s := v.Get("step"); s != "" && s != "0" {
		d, err := query.ParseSpan(s)
		if err != nil {
			return 0, 0, fmt.Errorf("step: %w", err)
		}
		if n := span / d; n > time.Duration(maxPoints) {
			return 0, 0, fmt.Errorf("step %s cuts the range into %d buckets; at most %d points per response: use a larger step or a shorter range", s, n, maxPoints)
		}
		step = d
	}
	if p := v.Get("points"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxPoints {
			return 0, 0, fmt.Errorf("invalid points %q; use a whole number from 1 to %d", p, maxPoints)
		}
		if step > 0 {
			return 0, 0, errors.New("points and step both given; points chooses a step, so give one")
		}
		return step, n, nil
	} else if step == 0 && v.Get("step") == "" {
		return step, min(defaultAPIPoints, maxPoints), nil
	}
	return step, 0, nil
}

// parseFilterParams sets the per-CPU choice and the device, mount and
// interface filters of o.
func parseFilterParams(v url.Values, o *query.Options) error {
	if v.Has("per_cpu") && v.Has("per-cpu") {
		return errors.New("per_cpu and per-cpu both given; they are the same, give one")
	}
	for _, name := range []string{"per_cpu", "per-cpu"} {
		b, err := boolParam(v, name)
		if err != nil {
			return err
		}
		o.PerCPU = o.PerCPU || b
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"device", &o.Devices}, {"mount", &o.Mounts}, {"interface", &o.Interfaces}} {
		vals, err := splitValues(f.name, v[f.name])
		if err != nil {
			return err
		}
		*f.dst = vals
	}
	return nil
}

// boolParam returns the value of a true/false parameter, false when
// missing.
func boolParam(v url.Values, name string) (bool, error) {
	p := v.Get(name)
	if p == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(p)
	if err != nil {
		return false, fmt.Errorf("invalid %s %q; use true or false", name, p)
	}
	return b, nil
}

// splitValues returns the values of a repeatable, comma-separated
// parameter. Mount points are split at commas too: one with a comma in its
// name is asked for with a selector.
func splitValues(name string, raw []string) ([]string, error) {
	var out []string
	for _, r := range raw {
		for _, s := range strings.Split(r, ",") {
			if s == "" {
				return nil, fmt.Errorf("empty value in %s=%q; give names separated by commas", name, r)
			}
			if len(s) > maxDeviceLen {
				return nil, fmt.Errorf("%s value longer than %d bytes", name, maxDeviceLen)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(out) > maxFilterValues {
		return nil, fmt.Errorf("%d values of %s; at most %d", len(out), name, maxFilterValues)
	}
	return out, nil
}

// handleQuery serves /api/v1/query: a view or raw series in the JSON
// format of srvmon query --format json.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query(), s.o.Now(), s.o.Location, s.o.MaxRange, s.o.MaxPoints)
	if err != nil {
		s.badRequest(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	// Refused before reading when the indexes say the answer is too
	// large (eight such requests cost no memory); the count below stays
	// for what the estimate misses.
	q.opts.MaxAnswer = s.o.MaxPoints
	res, err := query.Run(ctx, s.store, q.what, q.opts)
	if s.queryFailed(w, r, "query", err) {
		return
	}
	n := 0
	for _, ser := range res.Quantities {
		n += len(ser.Points)
	}
	if n > s.o.MaxPoints {
		s.badRequest(w, r, fmt.Errorf("the answer has %d points, more than the %d of one response; use a larger step, fewer points per series, a shorter range or filters", n, s.o.MaxPoints))
		return
	}
	var buf bytes.Buffer
	if err := report.WriteResult(&buf, res, report.FormatJSON, report.Options{Loc: q.loc}); err != nil {
		s.serverError(w, r, fmt.Errorf("query: %w", err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.send(w, r, "application/json; charset=utf-8", http.StatusOK, buf.Bytes())
}

// queryFailed answers the error of a query, if any, and reports whether
// there was one: 400 for a query that cannot be answered as asked, 404 for
// a range without samples, 500 (logged with what) otherwise.
func (s *Server) queryFailed(w http.ResponseWriter, r *http.Request, what string, err error) bool {
	var ue *query.UsageError
	var pe *param.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, &ue), errors.As(err, &pe), errors.As(err, new(*query.TooLargeError)):
		s.badRequest(w, r, err)
	case errors.Is(err, query.ErrNoData):
		s.sendJSON(w, r, http.StatusNotFound, apiError{Error: err.Error()})
	default:
		s.serverError(w, r, fmt.Errorf("%s: %w", what, err))
	}
	return true
}

// seriesReply is the body of /api/v1/series.
type seriesReply struct {
	Version int          `json:"version"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	Series  []seriesInfo `json:"series"`
}

// seriesInfo is one stored series, with what srvmon knows of its metric.
type seriesInfo struct {
	Key    string            `json:"key"` // as srvmon series prints it
	Metric string            `json:"metric"`
	Labels map[string]string `json:"labels"`
	Kind   string            `json:"kind,omitempty"` // counter, gauge or info
	Unit   string            `json:"unit,omitempty"`
	Help   string            `json:"help,omitempty"`
}

// handleSeries serves /api/v1/series: the series with samples in the range
// (from, to, last and utc as for /api/v1/query; default today so far),
// optionally only those that match=SELECTOR.
func (s *Server) handleSeries(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if err := checkParams(v, "from", "to", "last", "utc", "match"); err != nil {
		s.badRequest(w, r, err)
		return
	}
	var sel *query.Selector
	if m := v.Get("match"); m != "" {
		ps, err := query.ParseSelector(m)
		if err != nil {
			s.badRequest(w, r, err)
			return
		}
		sel = &ps
	}
	from, to, loc, err := parseRangeParams(v, s.o.Now(), s.o.Location, s.o.MaxRange)
	if err != nil {
		s.badRequest(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	list, err := s.store.SeriesIn(ctx, from, to)
	if err != nil {
		s.serverError(w, r, fmt.Errorf("series: %w", err))
		return
	}
	reply := seriesReply{Version: report.JSONVersion, From: from.In(loc).Format(time.RFC3339), To: to.In(loc).Format(time.RFC3339),
		Series: []seriesInfo{}}
	for _, ser := range list {
		if sel != nil && !sel.Matches(ser) {
			continue
		}
		reply.Series = append(reply.Series, infoOf(ser))
	}
	s.sendJSON(w, r, http.StatusOK, reply)
}

func infoOf(ser tsdb.Series) seriesInfo {
	si := seriesInfo{Key: ser.Key(), Metric: ser.Metric, Labels: map[string]string{}}
	for _, l := range ser.Labels {
		si.Labels[l.Name] = l.Value
	}
	if mi, ok := metric.Lookup(ser.Metric); ok {
		si.Kind, si.Unit, si.Help = mi.Kind.String(), mi.Unit, mi.Help
	}
	return si
}
