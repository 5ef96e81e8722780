package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb/query"
)

type apiResult struct {
	Version     int     `json:"version"`
	View        string  `json:"view"`
	From        string  `json:"from"`
	To          string  `json:"to"`
	StepSeconds float64 `json:"step_seconds"`
	Agg         string  `json:"agg"`
	Series      []struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
		Unit   string            `json:"unit"`
		Stats  struct {
			Avg   *float64 `json:"avg"`
			Total *float64 `json:"total"`
		} `json:"stats"`
		Points [][2]*float64 `json:"points"`
	} `json:"series"`
}

func decode(t *testing.T, body string) apiResult {
	t.Helper()
	var r apiResult
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("%v:\n%.500s", err, body)
	}
	return r
}

// TestQuery_SameAsSrvmonQuery checks that the API answers exactly what the
// query engine and the JSON renderer of srvmon query give for the same
// request.
func TestQuery_SameAsSrvmonQuery(t *testing.T) {
	t.Parallel()
	st := sharedStore()
	srv := newServer(st, web.Options{})
	tests := []struct {
		params string
		what   string
		o      query.Options
	}{
		{"view=cpu&last=1h", "cpu", query.Options{From: testNow.Add(-time.Hour), To: testNow, MaxPoints: 1000}},
		{"view=disk&from=2026-05-14T10:00:00Z&to=2026-05-14T12:00:00Z&step=10m&agg=max&device=sda", "disk",
			query.Options{From: testNow.Add(-330 * time.Minute), To: testNow.Add(-210 * time.Minute), Step: 10 * time.Minute, Agg: "max", Devices: []string{"sda"}}},
		{"view=cpu&per_cpu=true&last=30m&step=0", "cpu", query.Options{From: testNow.Add(-30 * time.Minute), To: testNow, PerCPU: true}},
		{"view=cpu&per-cpu=true&last=30m&step=0", "cpu", query.Options{From: testNow.Add(-30 * time.Minute), To: testNow, PerCPU: true}},
		{"view=net&last=2d&points=48&interface=eth0,lo", "net", query.Options{From: testNow.Add(-48 * time.Hour), To: testNow, MaxPoints: 48, Interfaces: []string{"eth0", "lo"}}},
		{"view=fs&last=6h&mount=/&mount=/var", "fs", query.Options{From: testNow.Add(-6 * time.Hour), To: testNow, MaxPoints: 1000, Mounts: []string{"/", "/var"}}},
		{`selector=node_filesystem_avail_bytes{mountpoint=~"/b.*"}&last=10m`, `node_filesystem_avail_bytes{mountpoint=~"/b.*"}`,
			query.Options{From: testNow.Add(-10 * time.Minute), To: testNow, MaxPoints: 1000}},
		{"selector=node_cpu_seconds_total&last=1d&step=1h&agg=avg", "node_cpu_seconds_total", query.Options{From: testNow.Add(-24 * time.Hour), To: testNow, Step: time.Hour, Agg: "avg"}},
	}
	for _, tt := range tests {
		res, err := query.Run(context.Background(), st, tt.what, tt.o)
		if err != nil {
			t.Fatalf("%s: %v", tt.params, err)
		}
		var want bytes.Buffer
		if err := report.WriteResult(&want, res, "json", report.Options{Loc: time.UTC}); err != nil {
			t.Fatal(err)
		}
		r := get(t, srv, "/api/v1/query?"+tt.params).want(t, 200)
		if r.body != want.String() {
			t.Errorf("%s: the API answers\n%.400s\nsrvmon query answers\n%.400s", tt.params, r.body, want.String())
		}
		if len(decode(t, r.body).Series) == 0 {
			t.Errorf("%s: no series", tt.params)
		}
	}
}

func TestQuery_Shapes(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	r := decode(t, get(t, srv, "/api/v1/query?view=cpu&last=1h").want(t, 200).body)
	if r.Version != 1 || r.View != "cpu" || len(r.Series) != 9 || r.From != "2026-05-14T14:30:00Z" {
		t.Errorf("cpu: version %d view %q, %d series, from %s", r.Version, r.View, len(r.Series), r.From)
	}
	if n := len(r.Series[0].Points); n < 59 || n > 60 {
		t.Errorf("cpu over an hour of minutely samples: %d points", n)
	}
	// Without step or points a long range comes downsampled.
	r = decode(t, get(t, srv, "/api/v1/query?view=load&last=2d").want(t, 200).body)
	if r.StepSeconds == 0 || len(r.Series[0].Points) > 1000 {
		t.Errorf("2 days of load: step %v, %d points", r.StepSeconds, len(r.Series[0].Points))
	}
	r = decode(t, get(t, srv, "/api/v1/query?view=load&last=1h&points=6").want(t, 200).body)
	if r.StepSeconds != 600 || len(r.Series[0].Points) > 7 {
		t.Errorf("points=6: step %v, %d points", r.StepSeconds, len(r.Series[0].Points))
	}
	// Times without an offset are in the server's zone, or UTC with utc=true.
	india := newServer(sharedStore(), web.Options{Location: time.FixedZone("IST", 5*3600+1800)})
	r = decode(t, get(t, india, "/api/v1/query?view=load&from=2026-05-14T10:00&to=2026-05-14T11:00").want(t, 200).body)
	if r.From != "2026-05-14T10:00:00+05:30" {
		t.Errorf("from in the server's zone: %s", r.From)
	}
	r = decode(t, get(t, india, "/api/v1/query?view=load&from=2026-05-14T10:00&to=2026-05-14T11:00&utc=true").want(t, 200).body)
	if r.From != "2026-05-14T10:00:00Z" {
		t.Errorf("from with utc=true: %s", r.From)
	}
	// The minutes before the store's first sample are no rows (not nulls).
	r = decode(t, get(t, srv, "/api/v1/query?selector=node_load1&from=2026-05-12T15:00:00Z&to=2026-05-12T15:40:00Z&step=5m").want(t, 200).body)
	p := r.Series[0].Points
	if len(p) == 0 || len(p) >= 8 {
		t.Errorf("%d buckets of the 8 of the range, want only those from the store's first sample on", len(p))
	}
	for _, pt := range p {
		if pt[1] == nil {
			t.Errorf("a null at %v: the store holds every minute from its first sample on", *pt[0])
		}
	}
}

func TestQuery_BadRequests(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{MaxPoints: 5000, MaxRange: 60 * 24 * time.Hour})
	tests := []struct{ params, want string }{
		{"", "missing view or selector; the views are cpu, disk, "},
		{"view=nosuch", `unknown view \"nosuch\"`},
		{"view=cpu&selector=node_load1", "view and selector both given"},
		{"selector=cpu", `selector \"cpu\" is a view name`},
		{"selector=node_load1{", "invalid selector"},
		{`selector={mode="user"`, "invalid selector"},
		{"selector=" + url.QueryEscape(`node_load1{instance=~"("}`), "invalid selector"},
		{"view=cpu&from=yesterday&last=1h", "from and last both given"},
		{"view=cpu&from=soon", `invalid from \"soon\": invalid time \"soon\"`},
		{"view=cpu&to=2026-13-01", `invalid to \"2026-13-01\": invalid time`},
		{"view=cpu&from=2026-05-14&to=2026-05-13", "invalid from 2026-05-14T00:00:00Z: is not before to 2026-05-13T00:00:00Z"},
		{"view=cpu&last=100d", "range of 100d is longer than the 60d this server allows"},
		{"view=cpu&last=-", `invalid last \"-\"`},
		{"view=cpu&step=fast", `step: invalid duration \"fast\"`},
		{"view=cpu&step=1500ms", "step: invalid duration"},
		{"view=cpu&last=1h&step=1.5s", "invalid step 1.5s; use a whole number of seconds"},
		{"view=cpu&last=30d&step=1m", "step 1m cuts the range into 43200 buckets; at most 5000 points per response"},
		{"view=cpu&points=0", `invalid points \"0\"; use a whole number from 1 to 5000`},
		{"view=cpu&points=5001", "invalid points"},
		{"view=cpu&points=ten", "invalid points"},
		{"view=cpu&points=10&step=5m", "points and step both given"},
		{"view=cpu&agg=median", `invalid agg \"median\"; use one of avg, min, max, last, p95, sum`},
		{"view=cpu&per_cpu=yes", `invalid per_cpu \"yes\"`},
		{"view=cpu&per-cpu=1&per_cpu=1", "per_cpu and per-cpu both given"},
		{"view=load&per-cpu=true", "per-cpu applies to the cpu view only, not to load"},
		{"view=cpu&utc=maybe", `invalid utc \"maybe\"`},
		{"view=load&per_cpu=true", "per-cpu applies to the cpu view only, not to load"},
		{"view=cpu&device=sda", "device applies to the disk view only"},
		{"view=disk&mount=/", "mount applies to the fs view only"},
		{"view=disk&device=sda,,sdb", "empty value in device="},
		{"view=fs&mount=" + strings.Repeat("m", 5000), "mount value longer than 4096 bytes"},
		{"view=cpu&view=load", "parameter view given 2 times"},
		{"view=cpu&lastt=1h", `unknown parameter \"lastt\"`},
		{"view=disk&device=sdz&last=1h", `no disk device \"sdz\"`},
		{"selector=node_load1{nosuch=\"x\"}&last=1h", `no series of node_load1 has a label \"nosuch\"`},
		{"selector=node_nosuch_total&last=1h", `unknown metric \"node_nosuch_total\"`},
		{"view=cpu&per_cpu=true&last=2d&points=1000", "points, more than the 5000 of one response"}, // refused before reading (an estimate)
	}
	for _, tt := range tests {
		r := get(t, srv, "/api/v1/query?"+tt.params).want(t, 400)
		contains(t, tt.params, r.body, `{"error":"`, tt.want)
		if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.params, ct)
		}
	}
	// A range without samples: 404 that says where the samples are.
	r := get(t, srv, "/api/v1/query?view=cpu&from=2026-01-01&to=2026-01-02").want(t, 404)
	contains(t, "no data", r.body, "no samples of cpu from 2026-01-01T00:00:00Z to 2026-01-02T00:00:00Z; the first one after is at 2026-05-12T15:31:00Z")
}

func TestSeries(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	var reply struct {
		Version  int
		From, To string
		Series   []struct {
			Metric, Kind, Unit, Help string
			Labels                   map[string]string
		}
	}
	body := get(t, srv, "/api/v1/series?last=10m").want(t, 200).body
	if err := json.Unmarshal([]byte(body), &reply); err != nil {
		t.Fatal(err)
	}
	if reply.Version != 1 || reply.From != "2026-05-14T15:20:00Z" || reply.To != "2026-05-14T15:30:00Z" || len(reply.Series) < 150 {
		t.Errorf("series: version %d, %s to %s, %d series", reply.Version, reply.From, reply.To, len(reply.Series))
	}
	found := false
	for _, s := range reply.Series {
		if s.Metric == "node_cpu_seconds_total" && s.Labels["cpu"] == "3" && s.Labels["mode"] == "steal" {
			found = s.Kind == "counter" && s.Unit == "seconds" && s.Help != ""
		}
	}
	if !found {
		t.Errorf("node_cpu_seconds_total{cpu=3,mode=steal} missing or without kind, unit and help")
	}
	body = get(t, srv, "/api/v1/series?"+url.Values{"match": {`node_filesystem_size_bytes{mountpoint!="/"}`}}.Encode()).want(t, 200).body
	if err := json.Unmarshal([]byte(body), &reply); err != nil {
		t.Fatal(err)
	}
	if len(reply.Series) != 2 {
		t.Errorf("match: %d series, want /boot and /var: %s", len(reply.Series), body)
	}
	for params, want := range map[string]string{
		"match=node_load1{":             "invalid selector",
		"last=1h&from=today":            "from and last both given",
		"last=1y":                       "invalid last",
		"nosuch=1":                      `unknown parameter \"nosuch\"; the parameters are from, to, last, utc, match`,
		"from=2026-05-14&to=2026-05-01": "is not before to",
		"last=1000d":                    "longer than the 400d this server allows",
	} {
		contains(t, params, get(t, srv, "/api/v1/series?"+params).want(t, 400).body, want)
	}
}

// The API's averages and totals of a range are the same whatever the step
// or number of points asked, as query computes them once.
func TestQuery_StatsIndependentOfStep(t *testing.T) {
	t.Parallel()
	srv := newServer(sharedStore(), web.Options{})
	for _, view := range []string{"cpu", "disk", "net", "mem", "fs"} {
		var want map[string][2]float64
		for _, q := range []string{"step=0", "step=5m", "step=1h", "points=30", ""} {
			r := decode(t, get(t, srv, "/api/v1/query?view="+view+"&from=2026-05-13T22:17:13Z&to=2026-05-14T13:41:00Z&"+q).want(t, 200).body)
			got := map[string][2]float64{}
			for _, ser := range r.Series {
				k := ser.Name + fmt.Sprint(ser.Labels)
				v := [2]float64{-1, -1}
				if ser.Stats.Avg != nil {
					v[0] = *ser.Stats.Avg
				}
				if ser.Stats.Total != nil {
					v[1] = *ser.Stats.Total
				}
				got[k] = v
			}
			if want == nil {
				want = got
				continue
			}
			for k, w := range want {
				g := got[k]
				for i := range g {
					if math.Abs(g[i]-w[i]) > 1e-9*math.Max(1, math.Abs(w[i])) {
						t.Errorf("%s %s: %s (avg, total) %v, at step 0 %v", view, q, k, g, w)
					}
				}
			}
		}
	}
}
