// The remote-write 1.0 request in protobuf wire format, written by hand:
// prometheus.WriteRequest{repeated TimeSeries timeseries = 1}, TimeSeries
// {repeated Label labels = 1; repeated Sample samples = 2}, Label{string
// name = 1; string value = 2}, Sample{double value = 1; int64 timestamp =
// 2}. Linking the protobuf runtime for these four messages cost every
// srvmon process, a one-shot record each minute included, about 700 KB of
// code and a dozen package inits; wire_test.go checks that the bytes are
// those proto.Marshal writes for the same request (prompb, the generated
// messages, serves the tests as the reference decoder).

package remote

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/srvmon/srvmon/tsdb"
)

// Wire tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 bytes).
const (
	tagTimeSeries = 1<<3 | 2 // WriteRequest.timeseries
	tagLabel      = 1<<3 | 2 // TimeSeries.labels
	tagSample     = 2<<3 | 2 // TimeSeries.samples
	tagName       = 1<<3 | 2 // Label.name
	tagValue      = 2<<3 | 2 // Label.value
	tagSampleV    = 1<<3 | 1 // Sample.value
	tagSampleT    = 2 << 3   // Sample.timestamp (wire type 0)
)

// wireSeries is one TimeSeries of a request: its labels already encoded
// (appendLabel, once per series) and its points (seconds), sent as
// samples with millisecond timestamps.
type wireSeries struct {
	labels []byte
	pts    []tsdb.Point
}

// appendLabel appends the TimeSeries.labels field of the label name=value.
// Empty strings are left out, as proto3 leaves out default values.
func appendLabel(dst []byte, name, value string) []byte {
	dst = append(dst, tagLabel)
	dst = binary.AppendUvarint(dst, uint64(stringFieldSize(name)+stringFieldSize(value)))
	dst = appendString(dst, tagName, name)
	return appendString(dst, tagValue, value)
}

func appendString(dst []byte, tag byte, s string) []byte {
	if s == "" {
		return dst
	}
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func stringFieldSize(s string) int {
	if s == "" {
		return 0
	}
	return 1 + uvarintSize(uint64(len(s))) + len(s)
}

// sampleSize is the size of a Sample message: proto3 leaves out a value
// whose bits are all 0 (+0, not -0) and a timestamp of 0.
func sampleSize(v float64, ms int64) int {
	n := 0
	if math.Float64bits(v) != 0 {
		n += 1 + 8
	}
	if ms != 0 {
		n += 1 + uvarintSize(uint64(ms))
	}
	return n
}

// appendWriteRequest appends the WriteRequest of ts to dst.
func appendWriteRequest(dst []byte, ts []wireSeries) []byte {
	for _, s := range ts {
		size := len(s.labels)
		for _, pt := range s.pts {
			m := sampleSize(pt.V, pt.T*1000)
			size += 1 + uvarintSize(uint64(m)) + m
		}
		dst = append(dst, tagTimeSeries)
		dst = binary.AppendUvarint(dst, uint64(size))
		dst = append(dst, s.labels...)
		for _, pt := range s.pts {
			ms := pt.T * 1000
			dst = append(dst, tagSample)
			dst = binary.AppendUvarint(dst, uint64(sampleSize(pt.V, ms)))
			if b := math.Float64bits(pt.V); b != 0 {
				dst = append(dst, tagSampleV)
				dst = binary.LittleEndian.AppendUint64(dst, b)
			}
			if ms != 0 {
				dst = append(dst, tagSampleT)
				dst = binary.AppendUvarint(dst, uint64(ms))
			}
		}
	}
	return dst
}

// uvarintSize is the length of x as a varint.
func uvarintSize(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }
