package web

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query"
)

// pickerLayout is the form of the custom range's inputs: 24-hour local
// time, one of the forms query.ParseTime reads.
const pickerLayout = "2006-01-02 15:04"

// presets are the ranges the page offers with one click.
var presets = []string{"1h", "6h", "24h", "7d", "30d"}

// defaultRange is the range of a page without range parameters.
const defaultRange = "1h"

// maxDeviceLen bounds a device or mount point parameter.
const maxDeviceLen = 4096

// pageRequest is what a page (or its charts) was asked for.
type pageRequest struct {
	kind     *pageKind
	device   string // the device or mount point of a device page
	rng      string // the preset or span of "range", "" for from/to
	from, to time.Time
	fromArg  string // the from and to parameters as given
	toArg    string
	live     bool // the range ends now: the page updates itself
	// stream is the live range (range=live): the page's script follows
	// /api/v1/live second by second; without it the page shows the last
	// Live.Window as recorded.
	stream bool
}

// liveRange is the range parameter of the live range.
const liveRange = "live"

// parsePageRequest validates the parameters of a page: range=SPAN (1h, 6h,
// 24h, 7d, 30d or any span), or from=TIME and optionally to=TIME, in the
// forms of srvmon query; device= or mount= for a device page. Unknown
// parameters are errors, so that a typo does not silently show something
// else.
func (s *Server) parsePageRequest(v url.Values, kind *pageKind) (pageRequest, error) {
	req := pageRequest{kind: kind}
	allowed := []string{"range", "from", "to"}
	if kind.param != "" {
		allowed = append(allowed, kind.param)
	}
	if err := checkParams(v, allowed...); err != nil {
		return req, err
	}
	if kind.param != "" {
		req.device = v.Get(kind.param)
		if req.device == "" {
			return req, fmt.Errorf("missing parameter %s: name the %s, as the overview links do", kind.param, kind.noun)
		}
		if len(req.device) > maxDeviceLen {
			return req, fmt.Errorf("parameter %s is longer than %d bytes", kind.param, maxDeviceLen)
		}
	}
	req.rng, req.fromArg, req.toArg = v.Get("range"), v.Get("from"), v.Get("to")
	if req.rng != "" && (req.fromArg != "" || req.toArg != "") {
		return req, errors.New("range and from/to both given; use range=6h (up to now) or from and to (a custom range)")
	}
	if req.rng == "" && req.fromArg == "" {
		if req.toArg != "" {
			return req, errors.New("to without from; give from=TIME too, or range=6h")
		}
		req.rng = defaultRange
	}
	now := s.o.Now()
	var err error
	if req.rng == liveRange && s.o.Live != nil {
		req.stream = true
		req.from, req.to, req.live = now.Add(-s.o.Live.Window()), now, true
		return req, nil
	}
	if req.rng != "" {
		var d time.Duration
		if d, err = query.ParseSpan(req.rng); err != nil {
			return req, fmt.Errorf("range: %w", err)
		}
		req.from, req.to = now.Add(-d), now
	} else {
		req.from, req.to, err = query.ParseRange(req.fromArg, req.toArg, "", now, s.o.Location)
		if err != nil {
			return req, err
		}
	}
	if err := checkSpan(req.from, req.to, s.o.MaxRange); err != nil {
		return req, err
	}
	req.live = req.toArg == ""
	return req, nil
}

// checkSpan enforces the server's longest range, Options.MaxRange.
func checkSpan(from, to time.Time, maxRange time.Duration) error {
	if to.Sub(from) > maxRange {
		return fmt.Errorf("range of %s is longer than the %s this server allows", report.DurationText(to.Sub(from)), report.DurationText(maxRange))
	}
	return nil
}

// checkParams returns an error naming the first parameter of v not in
// allowed, or one given more than once.
func checkParams(v url.Values, allowed ...string) error {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unknown parameter %q; the parameters are %s", k, strings.Join(allowed, ", "))
		}
		if len(v[k]) > 1 && !multiValued[k] {
			return fmt.Errorf("parameter %s given %d times; give it once", k, len(v[k]))
		}
	}
	return nil
}

// multiValued are the parameters that may repeat.
var multiValued = map[string]bool{"device": true, "mount": true, "interface": true}

// pageHref returns path with the query parameters of nameValues (name,
// value pairs; empty values are left out).
func pageHref(path string, nameValues ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(nameValues); i += 2 {
		if nameValues[i+1] != "" {
			q.Set(nameValues[i], nameValues[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// params returns the query parameters that reproduce req.
func (req pageRequest) params() []string {
	p := []string{}
	if req.kind.param != "" {
		p = append(p, req.kind.param, req.device)
	}
	if req.rng != "" {
		return append(p, "range", req.rng)
	}
	return append(p, "from", req.fromArg, "to", req.toArg)
}
