package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
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
	fams := metricFamilies(snap, s.o.Now().Add(-s.o.Stale).Unix())
	contentType, proto := negotiateExposition(r.Header.Get("Accept"))
	var body []byte
	if proto {
		body = openmetrics.AppendProtoDelimited(nil, fams)
	} else {
		body = openmetrics.AppendText(nil, fams)
	}
	s.send(w, r, contentType, http.StatusOK, body)
}

// The exposition formats /metrics offers, spelled as expfmt spells them.
const (
	contentTypeText  = "text/plain; version=0.0.4; charset=utf-8"
	contentTypeProto = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
)

// negotiateExposition chooses the format of a scrape from its Accept
// header as expfmt.Negotiate does: delimited protobuf or text 0.0.4,
// whichever the scraper prefers (the highest q, the first of equals), text
// when it names neither. It returns the Content-Type, with the name
// escaping scheme asked for (underscores when none), and whether it is
// protobuf.
func negotiateExposition(accept string) (string, bool) {
	escaping := "underscores"
	best, proto, found := -1.0, false, false
	for _, clause := range strings.Split(accept, ",") {
		parts := strings.Split(clause, ";")
		params := map[string]string{}
		q := 1.0
		for _, p := range parts[1:] {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "q" {
				q, _ = strconv.ParseFloat(v, 32)
				continue
			}
			params[k] = v
		}
		switch e := params["escaping"]; e {
		case "allow-utf-8", "underscores", "dots", "values":
			escaping = e
		}
		var isProto bool
		switch strings.TrimSpace(parts[0]) {
		case "application/vnd.google.protobuf":
			if params["proto"] != "io.prometheus.client.MetricFamily" || params["encoding"] != "delimited" {
				continue
			}
			isProto = true
		case "text/plain":
			if v := params["version"]; v != "" && v != "0.0.4" {
				continue
			}
		default:
			continue
		}
		if q > best {
			best, proto, found = q, isProto, true
		}
	}
	if found && proto {
		return contentTypeProto + "; escaping=" + escaping, true
	}
	return contentTypeText + "; escaping=" + escaping, false
}

// metricFamilies turns the samples of a snapshot recorded at or after the
// Unix time cut into metric families sorted by name, each sample with its
// timestamp. The instance label is left out when every series has the same one (the
// usual store of one host): Prometheus sets instance to the scrape
// target, as for node_exporter, and would otherwise rename ours to
// exported_instance.
func metricFamilies(snap snapshot, cut int64) []openmetrics.ExposedFamily {
	instances := map[string]bool{}
	for _, ls := range snap.samples {
		instances[ls.series.Get("instance")] = true
	}
	dropInstance := len(instances) == 1
	byName := map[string]*openmetrics.ExposedFamily{}
	for _, ls := range snap.samples {
		if ls.point.T < cut {
			continue
		}
		name := ls.series.Metric
		mf := byName[name]
		if mf == nil {
			typ, help := metric.TypeOf(name)
			if help == "" {
				help = "Metric " + name + " as recorded by srvmon."
			}
			mf = &openmetrics.ExposedFamily{Name: name, Help: help, Kind: typ}
			byName[name] = mf
		}
		labels := ls.series.Labels
		if dropInstance {
			labels = slices.DeleteFunc(slices.Clone(labels), func(l tsdb.Label) bool { return l.Name == "instance" })
		}
		mf.Samples = append(mf.Samples, openmetrics.Exposed{Labels: labels, Value: ls.point.V, TimestampMs: ls.point.T * 1000, Stamped: true})
	}
	if !snap.future.IsZero() {
		byName[futureSampleMetric] = unixTimeFamily(futureSampleMetric,
			"Unix time of the newest sample after now (a clock that was ahead, an import); such samples are not exposed.", snap.future)
	}
	if !snap.newest.IsZero() {
		byName[lastSampleMetric] = unixTimeFamily(lastSampleMetric, "Unix time of the newest sample in the store.", snap.newest)
	}
	out := make([]openmetrics.ExposedFamily, 0, len(byName))
	for _, mf := range byName {
		out = append(out, *mf)
	}
	slices.SortFunc(out, func(a, b openmetrics.ExposedFamily) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// unixTimeFamily is a gauge family of one unstamped sample: the time t in
// Unix seconds.
func unixTimeFamily(name, help string, t time.Time) *openmetrics.ExposedFamily {
	return &openmetrics.ExposedFamily{Name: name, Help: help, Kind: metric.GaugeType,
		Samples: []openmetrics.Exposed{{Value: float64(t.Unix())}}}
}
