package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/encoding/protodelim"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// parseText parses the text exposition format.
func parseText(tb testing.TB, text string) map[string]*dto.MetricFamily {
	tb.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		tb.Fatalf("parse /metrics: %v\n%s", err, text)
	}
	return fams
}

// labelsOf returns the labels of m as name=value pairs.
func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// find returns the metric of f with the given labels, or nil.
func find(f *dto.MetricFamily, nameValues ...string) *dto.Metric {
	for _, m := range f.GetMetric() {
		ls := labelsOf(m)
		match := len(ls) == len(nameValues)/2
		for i := 0; i+1 < len(nameValues); i += 2 {
			if ls[nameValues[i]] != nameValues[i+1] {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}

// lastSynth returns the last value of each series of n minutes of synth.
func lastSynth(h synth.Host, n int) map[string]float64 {
	g := synth.New(h, 42)
	var last []tsdb.Sample
	for i := 0; i < n; i++ {
		last = g.Next()
	}
	out := map[string]float64{}
	for _, s := range last {
		out[s.Series.Key()] = s.Value
	}
	return out
}

func TestMetrics_NewestSampleOfEverySeries(t *testing.T) {
	t.Parallel()
	h := synth.DefaultHost()
	st := newStore(t, h, testNow, 3*time.Hour)
	srv := newServer(st, web.Options{})
	r := get(t, srv, "/metrics").want(t, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format 0.0.4", ct)
	}
	fams := parseText(t, r.body)
	want := lastSynth(h, 180)
	// Every series of the store is there with its newest value.
	n := 0
	for _, f := range fams {
		n += len(f.GetMetric())
	}
	if n != len(want)+1 {
		t.Errorf("%d series in /metrics, want the %d of the store plus %s", n, len(want), "srvmon_last_sample_timestamp_seconds")
	}
	cpu := fams["node_cpu_seconds_total"]
	if cpu.GetType() != dto.MetricType_COUNTER {
		t.Errorf("node_cpu_seconds_total is %v, want COUNTER", cpu.GetType())
	}
	if !strings.HasPrefix(cpu.GetHelp(), "Seconds the CPUs spent in each mode.") {
		t.Errorf("node_cpu_seconds_total help %q", cpu.GetHelp())
	}
	m := find(cpu, "cpu", "1", "mode", "user")
	if m == nil {
		t.Fatalf("no node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} (the instance label must be left out):\n%s", r.body)
	}
	key := tsdb.NewSeries("node_cpu_seconds_total", "cpu", "1", "mode", "user", "instance", "web1").Key()
	if got := m.GetCounter().GetValue(); got != want[key] {
		t.Errorf("node_cpu_seconds_total{cpu=1,mode=user} = %v, want the newest sample %v", got, want[key])
	}
	for name, typ := range map[string]dto.MetricType{
		"node_load1":                           dto.MetricType_GAUGE,
		"node_memory_MemTotal_bytes":           dto.MetricType_GAUGE,
		"node_vmstat_pgpgin":                   dto.MetricType_UNTYPED, // as node_exporter exposes it
		"node_filesystem_avail_bytes":          dto.MetricType_GAUGE,
		"srvmon_boot_info":                     dto.MetricType_GAUGE,
		"node_network_receive_bytes_total":     dto.MetricType_COUNTER,
		"srvmon_last_sample_timestamp_seconds": dto.MetricType_GAUGE,
	} {
		if f, ok := fams[name]; !ok || f.GetType() != typ {
			t.Errorf("%s: type %v (present: %v), want %v", name, f.GetType(), ok, typ)
		}
	}
	if m := find(fams["node_filesystem_avail_bytes"], "device", "/dev/sda3", "fstype", "ext4", "mountpoint", "/var"); m == nil {
		t.Errorf("no node_filesystem_avail_bytes for /var with node_exporter's labels")
	}
	if got := fams["srvmon_last_sample_timestamp_seconds"].GetMetric()[0].GetGauge().GetValue(); got != float64(testNow.Unix()) {
		t.Errorf("srvmon_last_sample_timestamp_seconds = %v, want %d", got, testNow.Unix())
	}
	if strings.Contains(r.body, "instance=") {
		t.Errorf("/metrics has an instance label although the store holds one host")
	}
	// Every sample carries the time it was recorded (a cron-fed store
	// changes once a minute, whatever the scrape interval), except the
	// time of the newest sample, which is about now.
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			want := testNow.UnixMilli()
			if f.GetName() == "srvmon_last_sample_timestamp_seconds" {
				if m.TimestampMs != nil {
					t.Errorf("%s has a timestamp", f.GetName())
				}
				continue
			}
			if m.TimestampMs == nil || m.GetTimestampMs() != want {
				t.Fatalf("%s%v: timestamp %v, want the recording time %d", f.GetName(), labelsOf(m), m.TimestampMs, want)
			}
		}
	}
	if !strings.Contains(r.body, fmt.Sprintf("node_load1 %s %d\n", strconv.FormatFloat(fams["node_load1"].GetMetric()[0].GetGauge().GetValue(), 'g', -1, 64), testNow.UnixMilli())) {
		t.Errorf("node_load1 line lacks its timestamp in milliseconds:\n%s", r.body)
	}
}

func TestMetrics_Gzip(t *testing.T) {
	t.Parallel()
	srv := newServer(newStore(t, synth.DefaultHost(), testNow, time.Hour), web.Options{})
	r := get(t, srv, "/metrics", "Accept-Encoding", "gzip").want(t, 200)
	if r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Prometheus asks for gzip; got Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if fams := parseText(t, string(b)); len(fams["node_cpu_seconds_total"].GetMetric()) != 32 {
		t.Errorf("gzipped /metrics lacks node_cpu_seconds_total")
	}
}

func TestMetrics_Protobuf(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	srv := newServer(st, web.Options{})
	r := get(t, srv, "/metrics", "Accept",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3").want(t, 200)
	if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "encoding=delimited") {
		t.Fatalf("Content-Type %q, want delimited protobuf", ct)
	}
	rd := bytes.NewReader([]byte(r.body))
	found := false
	for {
		var mf dto.MetricFamily
		if err := protodelim.UnmarshalFrom(rd, &mf); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if mf.GetName() == "node_load1" && len(mf.GetMetric()) == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no node_load1 in the protobuf exposition")
	}
}

// TestMetrics_HostileLabels checks that label values with quotes,
// backslashes, newlines and non-ASCII text come out escaped and parse back
// to themselves.
func TestMetrics_HostileLabels(t *testing.T) {
	t.Parallel()
	st := emptyStore(t)
	hostile := []string{`a"b`, `c\d`, "e\nf", `</script><script>alert(1)</script>`, "ü€𝄞\t", `{x="y"} 1`}
	var series []tsdb.Series
	var pts [][]tsdb.Point
	for i, v := range hostile {
		series = append(series, tsdb.NewSeries("node_filesystem_avail_bytes", "mountpoint", v, "device", "d", "fstype", "ext4"))
		pts = append(pts, []tsdb.Point{{T: testNow.Unix() - 60, V: 1}, {T: testNow.Unix(), V: float64(i)}})
	}
	importPoints(t, st, series, pts)
	srv := newServer(st, web.Options{})
	r := get(t, srv, "/metrics").want(t, 200)
	fams := parseText(t, r.body)
	f := fams["node_filesystem_avail_bytes"]
	for i, v := range hostile {
		m := find(f, "mountpoint", v, "device", "d", "fstype", "ext4")
		if m == nil {
			t.Errorf("mountpoint %q did not round-trip:\n%s", v, r.body)
			continue
		}
		if m.GetGauge().GetValue() != float64(i) {
			t.Errorf("mountpoint %q = %v, want %d", v, m.GetGauge().GetValue(), i)
		}
	}
}

func TestMetrics_StaleSeriesDropOut(t *testing.T) {
	t.Parallel()
	st := emptyStore(t)
	now := testNow.Unix()
	series := []tsdb.Series{
		tsdb.NewSeries("node_load1", "instance", "a"),
		tsdb.NewSeries("node_disk_io_now", "device", "sdb", "instance", "a"),      // unplugged 10 min ago
		tsdb.NewSeries("node_disk_io_now", "device", "sda", "instance", "a"),      // current
		tsdb.NewSeries("node_network_up_unknown", "device", "x", "instance", "b"), // another instance
	}
	pts := [][]tsdb.Point{
		{{T: now - 120, V: 1}, {T: now, V: 2}},
		{{T: now - 900, V: 3}, {T: now - 600, V: 4}},
		{{T: now - 60, V: 5}},
		{{T: now - 30, V: math.Inf(1)}},
	}
	importPoints(t, st, series, pts)
	srv := newServer(st, web.Options{Stale: 5 * time.Minute})
	r := get(t, srv, "/metrics").want(t, 200)
	fams := parseText(t, r.body)
	if m := find(fams["node_disk_io_now"], "device", "sdb", "instance", "a"); m != nil {
		t.Errorf("sdb, last recorded 10 minutes ago, is still exposed")
	}
	if m := find(fams["node_disk_io_now"], "device", "sda", "instance", "a"); m == nil || m.GetTimestampMs() != (now-60)*1000 {
		t.Errorf("sda: want its recording time %d ms: %v", (now-60)*1000, m)
	}
	// Four minutes later, only sda (recorded 5 minutes before) is gone:
	// the cut counts from now, not from the newest sample.
	later := newServer(st, web.Options{Stale: 5 * time.Minute, Now: func() time.Time { return testNow.Add(4*time.Minute + 30*time.Second) }})
	fl := parseText(t, get(t, later, "/metrics").want(t, 200).body)
	if m := find(fl["node_disk_io_now"], "device", "sda", "instance", "a"); m != nil {
		t.Errorf("sda, recorded 5.5 minutes ago, is still exposed with --stale 5m")
	}
	if m := find(fl["node_load1"], "instance", "a"); m == nil {
		t.Errorf("node_load1, recorded 4.5 minutes ago, is missing with --stale 5m")
	}
	if m := find(fams["node_disk_io_now"], "device", "sda", "instance", "a"); m == nil || m.GetGauge().GetValue() != 5 {
		t.Errorf("sda missing or wrong (with two instances the instance label stays):\n%s", r.body)
	}
	if m := find(fams["node_load1"], "instance", "a"); m == nil || m.GetGauge().GetValue() != 2 {
		t.Errorf("node_load1 missing or not the newest value:\n%s", r.body)
	}
	f := fams["node_network_up_unknown"]
	if f.GetType() != dto.MetricType_UNTYPED || !math.IsInf(f.GetMetric()[0].GetUntyped().GetValue(), 1) {
		t.Errorf("a metric srvmon does not know must be untyped with its value (+Inf): %v", f)
	}
}

// TestMetrics_LooksBackWhenRecordingStopped checks that /metrics and
// /healthz find the newest samples of a store whose recording stopped
// days ago.
func TestMetrics_LooksBackWhenRecordingStopped(t *testing.T) {
	t.Parallel()
	end := testNow.Add(-10 * 24 * time.Hour)
	st := newStore(t, synth.DefaultHost(), end, 2*time.Hour)
	srv := newServer(st, web.Options{})
	fams := parseText(t, get(t, srv, "/metrics").want(t, 200).body)
	if got := fams["srvmon_last_sample_timestamp_seconds"].GetMetric()[0].GetGauge().GetValue(); got != float64(end.Unix()) {
		t.Errorf("newest sample %v, want %d", got, end.Unix())
	}
	// Every series is older than --stale: none is exposed, so that
	// Prometheus shows a gap rather than the last values.
	if len(fams) != 1 {
		t.Errorf("a store that stopped recording 10 days ago exposes %d families, want only srvmon_last_sample_timestamp_seconds", len(fams))
	}
	r := get(t, srv, "/healthz").want(t, 503)
	contains(t, "/healthz", r.body, `"status":"stale"`, `"age_seconds":864000`, end.Format(time.RFC3339))
}

func TestMetrics_EmptyStore(t *testing.T) {
	t.Parallel()
	srv := newServer(emptyStore(t), web.Options{})
	r := get(t, srv, "/metrics").want(t, 200)
	if strings.TrimSpace(r.body) != "" {
		t.Errorf("empty store: /metrics = %q, want nothing", r.body)
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	tests := []struct {
		name   string
		now    time.Time
		code   int
		status string
		age    string
	}{
		{"Fresh", testNow.Add(42 * time.Second), 200, "ok", `"age_seconds":42`},
		{"AtTheLimit", testNow.Add(5 * time.Minute), 200, "ok", `"age_seconds":300`},
		{"Stale", testNow.Add(5*time.Minute + time.Second), 503, "stale", `"age_seconds":301`},
		{"LongStopped", testNow.Add(30 * time.Hour), 503, "stale", `"age_seconds":108000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(st, web.Options{Now: func() time.Time { return tt.now }})
			r := get(t, srv, "/healthz").want(t, tt.code)
			contains(t, "/healthz", r.body, `"status":"`+tt.status+`"`, tt.age, `"newest":"2026-05-14T15:30:00Z"`, `"stale_after_seconds":300`)
		})
	}
	r := get(t, newServer(emptyStore(t), web.Options{}), "/healthz").want(t, 503)
	contains(t, "/healthz of an empty store", r.body, `"status":"empty"`)
}
