package sampler

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/srvmon/srvmon/tsdb"
)

// expfmtSamples is what the textfile collector read with expfmt's parser
// before it had its own: the series and values Prometheus would scrape,
// sorted by series key, and whether expfmt refused the text.
func expfmtSamples(data string) ([]string, bool) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(data))
	if err != nil {
		return nil, false
	}
	var out []string
	add := func(name string, ls []*dto.LabelPair, extraName, extraValue string, v float64) {
		kv := []string{}
		for _, l := range ls {
			kv = append(kv, l.GetName(), l.GetValue())
		}
		if extraName != "" {
			kv = append(kv, extraName, extraValue)
		}
		out = append(out, tsdb.NewSeries(name, kv...).Key()+" "+strconv.FormatFloat(v, 'g', -1, 64))
	}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			ls := m.GetLabel()
			switch fam.GetType() {
			case dto.MetricType_COUNTER:
				add(name, ls, "", "", m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, ls, "", "", m.GetGauge().GetValue())
			case dto.MetricType_SUMMARY:
				for _, q := range m.GetSummary().GetQuantile() {
					add(name, ls, "quantile", strconv.FormatFloat(q.GetQuantile(), 'g', -1, 64), q.GetValue())
				}
				add(name+"_sum", ls, "", "", m.GetSummary().GetSampleSum())
				add(name+"_count", ls, "", "", float64(m.GetSummary().GetSampleCount()))
			case dto.MetricType_HISTOGRAM:
				for _, b := range m.GetHistogram().GetBucket() {
					add(name+"_bucket", ls, "le", strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64), float64(b.GetCumulativeCount()))
				}
				add(name+"_sum", ls, "", "", m.GetHistogram().GetSampleSum())
				add(name+"_count", ls, "", "", float64(m.GetHistogram().GetSampleCount()))
			default:
				add(name, ls, "", "", m.GetUntyped().GetValue())
			}
		}
	}
	slices.Sort(out)
	return out, true
}

// TestParsePromTextAsExpfmt: srvmon's parser of the text format reads what
// expfmt's reads into the same series and values, and refuses what it
// refuses. Cases where the two differ on purpose are marked.
func TestParsePromTextAsExpfmt(t *testing.T) {
	for _, tt := range []struct {
		data string
		note string // why srvmon differs from expfmt here; "" when it must not
	}{
		{data: "a 1\n"},
		{data: "a 1\nb 2\n\n\n"},
		{data: "# TYPE\n# HELP\n"},
		{data: "  a 1\n\t# a comment\n#\n# HELP a Some help with \\\\ and \\n.\n"},
		{data: "a{} 1\n"},
		{data: "a{b=\"c\"} 1\n"},
		{data: "a{b=\"c\",} 1\n"},
		{data: "a { b = \"c\" , d=\"e\" } 1\n"},
		{data: "a{b=\"q\\\"uo\\\\te\\nnl\"} -1.5e-3\n"},
		{data: "a{b=\"\"} 1\n"},
		{data: "a:b_c:d 7\n"},
		{data: "a +Inf\nb -Inf\nc NaN\nd 0x1F\ne .5\nf 1e308\n"},
		{data: "# TYPE a counter\na 3\n"},
		{data: "# TYPE a gauge\n# HELP a help\na{x=\"1\"} 3\na{x=\"2\"} 4\n"},
		{data: "# TYPE a untyped\na 3\n"},
		{data: "# TYPE s summary\ns{quantile=\"0.50\"} 1\ns{quantile=\"0.9\"} 2\ns_sum 3\ns_count 4\n"},
		{data: "# TYPE s summary\ns{l=\"x\",quantile=\"0.5\"} 1\ns_sum{l=\"x\"} 3\ns_count{l=\"x\"} 4\ns{l=\"y\",quantile=\"0.5\"} 5\ns_sum{l=\"y\"} 6\ns_count{l=\"y\"} 7\n"},
		{data: "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"},
		{data: "# TYPE h histogram\nh_bucket{le=\"1e1\",m=\"GET\"} 1\nh_bucket{m=\"GET\",le=\"+inf\"} 2\nh_sum{m=\"GET\"} 3\nh_count{m=\"GET\"} 2\n"},
		{data: "h_bucket{le=\"0.1\"} 1\nh_sum 2\n"}, // no TYPE: untyped series of their own names
		{data: "# TYPE x_total counter\nx_total 5\n# TYPE y gauge\ny 1\nx_total{a=\"b\"} 6\n"},
		// Refused by both.
		{data: "this is { not the format\n"},
		{data: "a\n"},
		{data: "a 1 2 3\n"},
		{data: "a one\n"},
		{data: "a 1_000\n"},
		{data: "a 0x1p3\n"},
		{data: "a 1 1.5\n"},
		{data: "1a 1\n"},
		{data: "a{b=c} 1\n"},
		{data: "a{b=\"c} 1\n"},
		{data: "a{b=\"c\" d=\"e\"} 1\n"},
		{data: "a{b=\"c\",b=\"d\"} 1\n"},
		{data: "a{b=\"\\t\"} 1\n"},
		{data: "a{b:c=\"d\"} 1\n"},
		{data: "a{1b=\"d\"} 1\n"},
		{data: "# TYPE a nosuch\na 1\n"},
		{data: "# TYPE a counter\n# TYPE a gauge\na 1\n"},
		{data: "a 1\n# TYPE a gauge\n"},
		{data: "# HELP a one\n# HELP a two\na 1\n"},
		{data: "# TYPE\n"},
		{data: "# TYPE 1a counter\n"},
		{data: "# TYPE s summary\ns{quantile=\"x\"} 1\n"},
		{data: "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n"},
		// Differences on purpose. (A timestamp is read, and a series
		// repeated is passed on twice, as by expfmt: the collector refuses
		// both files, see TestTextfile and TestParseTextfileLimits.)
		{data: "a 1", note: "a last line without its newline is read (expfmt refuses it)"},
		{data: "# TYPE s summary\ns 1\n", note: "a summary sample without quantile is refused (expfmt drops it)"},
		{data: "# TYPE h histogram\nh 1\n", note: "a histogram's bare name is refused (expfmt drops it)"},
		{data: "# TYPE h histogram\nh_bucket 1\n", note: "a bucket without le is refused (expfmt drops it)"},
	} {
		want, wantOK := expfmtSamples(tt.data)
		var got []string
		err := parsePromText(tt.data, func(s promSample) error {
			got = append(got, tsdb.NewSeries(s.name, s.kv...).Key()+" "+strconv.FormatFloat(s.value, 'g', -1, 64))
			return nil
		})
		slices.Sort(got)
		same := (err == nil) == wantOK && (!wantOK || slices.Equal(got, want))
		if same == (tt.note != "") {
			t.Errorf("%q: srvmon %v (err %v), expfmt %v (ok %v); note %q", tt.data, got, err, want, wantOK, tt.note)
		}
	}
}
