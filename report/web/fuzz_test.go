package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/query"
)

// FuzzParseQuery checks the parameter parsers of /api/v1/query and of the
// pages: whatever the query string, they return an error or a request
// within the server's limits, never panic.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"view=cpu&last=1h",
		"view=disk&from=2026-05-14T10:00:00Z&to=2026-05-14T12:00:00Z&step=10m&agg=max&device=sda",
		"view=cpu&per_cpu=true&last=30m&step=0", "view=cpu&per-cpu=1&utc=true&from=10:00",
		"view=net&last=2d&points=48&interface=eth0,lo",
		"selector=node_filesystem_avail_bytes%7Bmountpoint%3D~%22%2Fb.*%22%7D&last=10m",
		"selector=node_load1{&last=1h",
		"view=cpu&step=1.5s",
		"view=cpu&last=30d&step=1m",
		"view=fs&mount=/&mount=/var&from=-6h&to=now",
		"view=cpu&from=13:00&to=+1h",
		"range=6h", "range=1h&from=-2h", "from=2026-05-13T10:00&to=2026-05-13T16:00", "device=sda&range=7d",
		"view=cpu&points=9223372036854775807", "view=cpu&last=99999999999h", "view=cpu&step=0.0000001s",
		"%zz", "view=cpu&from=1e308h", "range=.5s", "view=cpu;last=1h",
	} {
		f.Add(seed)
	}
	now := time.Date(2026, 5, 14, 15, 30, 0, 0, time.UTC)
	loc := time.FixedZone("X", 5*3600+1800)
	const maxRange, maxPoints = 400 * 24 * time.Hour, 50_000
	srv := New(nil, Options{Now: func() time.Time { return now }, Location: loc, MaxRange: maxRange, MaxPoints: maxPoints})
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseQuery(v, now, loc, maxRange, maxPoints)
		if err == nil {
			o := q.opts
			if q.what == "" || !o.From.Before(o.To) || o.To.Sub(o.From) > maxRange {
				t.Fatalf("%q: accepted %q from %s to %s", raw, q.what, o.From, o.To)
			}
			if o.Step < 0 || o.Step%time.Second != 0 || (o.Step > 0 && o.To.Sub(o.From)/o.Step > maxPoints) {
				t.Fatalf("%q: accepted step %s over %s", raw, o.Step, o.To.Sub(o.From))
			}
			if o.MaxPoints < 0 || o.MaxPoints > maxPoints || (o.Step == 0 && o.MaxPoints == 0 && v.Get("step") != "0") {
				t.Fatalf("%q: accepted points %d with step %s", raw, o.MaxPoints, o.Step)
			}
			if o.Agg != "" && !slices.Contains(query.Aggregations(), o.Agg) {
				t.Fatalf("%q: accepted agg %q", raw, o.Agg)
			}
			for _, f := range [][]string{o.Devices, o.Mounts, o.Interfaces} {
				for _, d := range f {
					if d == "" || len(d) > maxDeviceLen || strings.Contains(d, ",") {
						t.Fatalf("%q: accepted filter value %q", raw, d)
					}
				}
			}
			if (len(o.Devices) > 0 && q.what != "disk") || (len(o.Mounts) > 0 && q.what != "fs") ||
				(len(o.Interfaces) > 0 && q.what != "net") || (o.PerCPU && q.what != "cpu") {
				t.Fatalf("%q: accepted a filter of another view: %+v", raw, q)
			}
		} else if err.Error() == "" {
			t.Fatalf("%q: empty error", raw)
		}
		for _, kind := range []*pageKind{overviewPage, diskPage, fsPage} {
			req, err := srv.parsePageRequest(v, kind)
			if err != nil {
				continue
			}
			if !req.from.Before(req.to) || req.to.Sub(req.from) > maxRange {
				t.Fatalf("%q: page range %s to %s", raw, req.from, req.to)
			}
			if kind.param != "" && (req.device == "" || len(req.device) > maxDeviceLen) {
				t.Fatalf("%q: page device %q", raw, req.device)
			}
			if req.live != (v.Get("to") == "") {
				t.Fatalf("%q: live %v", raw, req.live)
			}
		}
	})
}
