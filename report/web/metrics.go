package web

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/srvmon/srvmon/tsdb/metric"
)

// lastSampleMetric is the one series /metrics adds to what the store
// holds: when the newest sample was recorded, for alerting on a stopped
// cron job.
const lastSampleMetric = "srvmon_last_sample_timestamp_seconds"

// futureSampleMetric says that the store holds samples after now.
const futureSampleMetric = "srvmon_future_sample_timestamp_seconds"

// handleMetrics serves the newest sample of every current series in the
// Prometheus exposition format the scraper asks for (text 0.0.4 by
// default) with node_exporter's names, types and labels. Each sample
// carries the time it was recorded: a store fed by cron changes once a
// minute, and a scrape every few seconds must not stamp one value with
// several times (rate() would see a counter stand still, then jump).
// Series whose newest sample is older than Options.Stale (counted back from
// now) are left out, so that Prometheus shows a gap when recording stops;
// srvmon_last_sample_timestamp_seconds, without a timestamp, stays.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	snap, err := s.latest(r.Context())
	if err != nil {
		s.serverError(w, r, fmt.Errorf("metrics: %w", err))
		return
	}
	format := expfmt.Negotiate(r.Header)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range metricFamilies(snap, s.o.Now().Add(-s.o.Stale).Unix()) {
		if err := enc.Encode(mf); err != nil {
			s.serverError(w, r, fmt.Errorf("metrics: encode %s: %w", mf.GetName(), err))
			return
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		if err := c.Close(); err != nil {
			s.serverError(w, r, fmt.Errorf("metrics: %w", err))
			return
		}
	}
	s.send(w, r, string(format), http.StatusOK, buf.Bytes())
}

// metricFamilies turns the samples of a snapshot recorded at or after the
// Unix time cut into metric families sorted by name, each sample with its
// timestamp. The instance label is left out when every series has the same one (the
// usual store of one host): Prometheus sets instance to the scrape
// target, as for node_exporter, and would otherwise rename ours to
// exported_instance.
func metricFamilies(snap snapshot, cut int64) []*dto.MetricFamily {
	instances := map[string]bool{}
	for _, ls := range snap.samples {
		instances[ls.series.Get("instance")] = true
	}
	dropInstance := len(instances) == 1
	byName := map[string]*dto.MetricFamily{}
	for _, ls := range snap.samples {
		if ls.point.T < cut {
			continue
		}
		name := ls.series.Metric
		mf := byName[name]
		if mf == nil {
			typ, help := exposedType(name)
			mf = &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: typ.Enum()}
			byName[name] = mf
		}
		m := &dto.Metric{TimestampMs: proto.Int64(ls.point.T * 1000)}
		for _, l := range ls.series.Labels {
			if dropInstance && l.Name == "instance" {
				continue
			}
			m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(l.Name), Value: proto.String(l.Value)})
		}
		v := proto.Float64(ls.point.V)
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			m.Counter = &dto.Counter{Value: v}
		case dto.MetricType_GAUGE:
			m.Gauge = &dto.Gauge{Value: v}
		default:
			m.Untyped = &dto.Untyped{Value: v}
		}
		mf.Metric = append(mf.Metric, m)
	}
	if !snap.future.IsZero() {
		byName[futureSampleMetric] = &dto.MetricFamily{
			Name:   proto.String(futureSampleMetric),
			Help:   proto.String("Unix time of the newest sample after now (a clock that was ahead, an import); such samples are not exposed."),
			Type:   dto.MetricType_GAUGE.Enum(),
			Metric: []*dto.Metric{{Gauge: &dto.Gauge{Value: proto.Float64(float64(snap.future.Unix()))}}},
		}
	}
	if !snap.newest.IsZero() {
		byName[lastSampleMetric] = &dto.MetricFamily{
			Name:   proto.String(lastSampleMetric),
			Help:   proto.String("Unix time of the newest sample in the store."),
			Type:   dto.MetricType_GAUGE.Enum(),
			Metric: []*dto.Metric{{Gauge: &dto.Gauge{Value: proto.Float64(float64(snap.newest.Unix()))}}},
		}
	}
	out := make([]*dto.MetricFamily, 0, len(byName))
	for _, mf := range byName {
		out = append(out, mf)
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out
}

// exposedType returns the type and help of a metric in the text format:
// metric.TypeOf's type (an info series is a gauge there, as in
// node_exporter) and a help text for metrics the catalog does not know.
func exposedType(name string) (dto.MetricType, string) {
	typ, help := metric.TypeOf(name)
	if help == "" {
		help = "Metric " + name + " as recorded by srvmon."
	}
	switch typ {
	case metric.CounterType:
		return dto.MetricType_COUNTER, help
	case metric.GaugeType, metric.InfoType:
		return dto.MetricType_GAUGE, help
	}
	return dto.MetricType_UNTYPED, help
}
