package openmetrics_test

import (
	"bytes"
	"math"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// TestExpositionAsExpfmt: the text and delimited protobuf that srvmon
// writes for /metrics are byte for byte what expfmt's encoders write for
// the same families (expfmt is linked by this test only).
func TestExpositionAsExpfmt(t *testing.T) {
	fams := []openmetrics.ExposedFamily{
		{Name: "a_total", Help: `counts \ things` + "\nand more \"quoted\"", Kind: metric.CounterType, Samples: []openmetrics.Exposed{
			{Labels: []tsdb.Label{{Name: "cpu", Value: "0"}, {Name: "mode", Value: "idle"}}, Value: 12345.67, TimestampMs: 1700000000000, Stamped: true},
			{Labels: []tsdb.Label{{Name: "cpu", Value: `q"b\s` + "\nü€𝄞"}}, Value: 0, TimestampMs: -5, Stamped: true},
		}},
		{Name: "b", Help: "", Kind: metric.GaugeType, Samples: []openmetrics.Exposed{
			{Value: 1}, {Value: -1, Stamped: true}, {Value: math.NaN()}, {Value: math.Inf(1)}, {Value: math.Inf(-1)},
			{Value: 1e21}, {Value: 1e-7}, {Value: math.Copysign(0, -1)}, {Value: math.SmallestNonzeroFloat64}, {Value: math.MaxFloat64}, {Value: 123456789},
		}},
		{Name: "c_info", Help: "info", Kind: metric.InfoType, Samples: []openmetrics.Exposed{{Labels: []tsdb.Label{{Name: "v", Value: "1"}}, Value: 1}}},
		{Name: "d", Help: "untyped", Kind: metric.Untyped, Samples: []openmetrics.Exposed{{Value: 2.5, TimestampMs: 1, Stamped: true}}},
	}
	var wantText, wantProto bytes.Buffer
	textEnc := expfmt.NewEncoder(&wantText, expfmt.NewFormat(expfmt.TypeTextPlain))
	protoEnc := expfmt.NewEncoder(&wantProto, expfmt.NewFormat(expfmt.TypeProtoDelim))
	for _, f := range fams {
		mf := dtoFamily(f)
		if err := textEnc.Encode(mf); err != nil {
			t.Fatal(err)
		}
		if err := protoEnc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if got := openmetrics.AppendText(nil, fams); !bytes.Equal(got, wantText.Bytes()) {
		t.Errorf("text:\n%s\nexpfmt:\n%s", got, wantText.Bytes())
	}
	if got := openmetrics.AppendProtoDelimited(nil, fams); !bytes.Equal(got, wantProto.Bytes()) {
		t.Errorf("protobuf:\n% x\nexpfmt:\n% x", got, wantProto.Bytes())
	}
}

// dtoFamily is f as client_model's MetricFamily, typed as /metrics types it.
func dtoFamily(f openmetrics.ExposedFamily) *dto.MetricFamily {
	typ := dto.MetricType_UNTYPED
	switch f.Kind {
	case metric.CounterType:
		typ = dto.MetricType_COUNTER
	case metric.GaugeType, metric.InfoType:
		typ = dto.MetricType_GAUGE
	}
	mf := &dto.MetricFamily{Name: proto.String(f.Name), Help: proto.String(f.Help), Type: typ.Enum()}
	for _, s := range f.Samples {
		m := &dto.Metric{}
		if s.Stamped {
			m.TimestampMs = proto.Int64(s.TimestampMs)
		}
		for _, l := range s.Labels {
			m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(l.Name), Value: proto.String(l.Value)})
		}
		v := proto.Float64(s.Value)
		switch typ {
		case dto.MetricType_COUNTER:
			m.Counter = &dto.Counter{Value: v}
		case dto.MetricType_GAUGE:
			m.Gauge = &dto.Gauge{Value: v}
		default:
			m.Untyped = &dto.Untyped{Value: v}
		}
		mf.Metric = append(mf.Metric, m)
	}
	return mf
}
