package openmetrics

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// This file writes what a Prometheus scrape reads (srvmon serve's
// /metrics): the text format 0.0.4 and the delimited protobuf format of
// io.prometheus.client.MetricFamily, byte for byte as
// prometheus/common/expfmt writes them. srvmon does not link expfmt: with
// client_model and the protobuf runtime it costs every one-shot record
// about 2.5 ms of CPU at start.

// Exposed is one sample of a scrape.
type Exposed struct {
	Labels      []tsdb.Label
	Value       float64
	TimestampMs int64
	Stamped     bool // TimestampMs is set
}

// ExposedFamily is one metric family of a scrape. Kind is the stored
// metric's type: a counter is exposed as a counter, a gauge or an info
// series as a gauge (as node_exporter exposes info series), anything else
// as untyped. Samples must not be empty.
type ExposedFamily struct {
	Name, Help string
	Kind       Kind
	Samples    []Exposed
}

// exposedTypes maps a Kind to its name in the text format and its
// MetricType number in the protobuf format.
func exposedType(k Kind) (string, uint64) {
	switch k {
	case metric.CounterType:
		return "counter", 0
	case metric.GaugeType, metric.InfoType:
		return "gauge", 1
	}
	return "untyped", 3
}

// AppendText appends fams in the text format 0.0.4.
func AppendText(b []byte, fams []ExposedFamily) []byte {
	for _, f := range fams {
		typ, _ := exposedType(f.Kind)
		b = append(b, "# HELP "...)
		b = append(b, f.Name...)
		b = append(b, ' ')
		b = appendEscaped(b, f.Help, false)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.Name...)
		b = append(b, ' ')
		b = append(b, typ...)
		b = append(b, '\n')
		for _, s := range f.Samples {
			b = appendSeries(b, tsdb.Series{Metric: f.Name, Labels: s.Labels})
			b = append(b, ' ')
			b = appendTextValue(b, s.Value)
			if s.Stamped {
				b = append(b, ' ')
				b = strconv.AppendInt(b, s.TimestampMs, 10)
			}
			b = append(b, '\n')
		}
	}
	return b
}

// appendTextValue appends v as expfmt writes a value.
func appendTextValue(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, '1')
	case v == 0:
		return append(b, '0')
	case v == -1:
		return append(b, '-', '1')
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, +1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// Field keys (number<<3 | wire type) of metrics.proto's messages.
const (
	keyFamilyName   = 1<<3 | 2
	keyFamilyHelp   = 2<<3 | 2
	keyFamilyType   = 3 << 3 // varint
	keyFamilyMetric = 4<<3 | 2
	keyMetricLabel  = 1<<3 | 2
	keyMetricGauge  = 2<<3 | 2
	keyMetricCount  = 3<<3 | 2
	keyMetricUntyp  = 5<<3 | 2
	keyMetricTime   = 6 << 3 // varint
	keyLabelName    = 1<<3 | 2
	keyLabelValue   = 2<<3 | 2
	keyValue        = 1<<3 | 1 // Gauge, Counter and Untyped: double value = 1
)

// AppendProtoDelimited appends fams as io.prometheus.client.MetricFamily
// messages, each preceded by its length as a varint.
func AppendProtoDelimited(b []byte, fams []ExposedFamily) []byte {
	var fam, met, lab []byte
	for _, f := range fams {
		_, typ := exposedType(f.Kind)
		valueKey := uint64(keyMetricUntyp)
		switch typ {
		case 0:
			valueKey = keyMetricCount
		case 1:
			valueKey = keyMetricGauge
		}
		fam = appendBytes(fam[:0], keyFamilyName, f.Name)
		fam = appendBytes(fam, keyFamilyHelp, f.Help)
		fam = binary.AppendUvarint(binary.AppendUvarint(fam, keyFamilyType), typ)
		for _, s := range f.Samples {
			met = met[:0]
			for _, l := range s.Labels {
				lab = appendBytes(lab[:0], keyLabelName, l.Name)
				lab = appendBytes(lab, keyLabelValue, l.Value)
				met = appendBytes(met, keyMetricLabel, string(lab))
			}
			var value [9]byte
			value[0] = keyValue
			binary.LittleEndian.PutUint64(value[1:], math.Float64bits(s.Value))
			met = appendBytes(met, valueKey, string(value[:]))
			if s.Stamped {
				met = binary.AppendUvarint(binary.AppendUvarint(met, keyMetricTime), uint64(s.TimestampMs))
			}
			fam = appendBytes(fam, keyFamilyMetric, string(met))
		}
		b = binary.AppendUvarint(b, uint64(len(fam)))
		b = append(b, fam...)
	}
	return b
}

// appendBytes appends a length-delimited field.
func appendBytes(b []byte, key uint64, v string) []byte {
	b = binary.AppendUvarint(b, key)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
