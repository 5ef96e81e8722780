package remote

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/remote/prompb"
)

// TestWireMatchesProtobuf checks that appendWriteRequest writes the bytes
// proto.Marshal writes for the same prompb.WriteRequest, and that they
// decode to it, over random requests holding the values proto3 treats
// specially: +0 and -0, NaN, infinities, timestamps of 0 and negative
// ones, empty label values, long strings (lengths of two-byte varints).
func TestWireMatchesProtobuf(t *testing.T) {
	prompb.Init()
	rng := rand.New(rand.NewPCG(1, 2))
	values := []float64{0, math.Copysign(0, -1), 1, -1.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, 5e-324}
	times := []int64{0, 1, -1, 1714557600, 1 << 40}
	str := func() string {
		n := []int{0, 1, 5, 127, 128, 300}[rng.IntN(6)]
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	for round := 0; round < 300; round++ {
		var ts []wireSeries
		want := &prompb.WriteRequest{}
		for range rng.IntN(4) {
			var s wireSeries
			pts := &prompb.TimeSeries{}
			for range rng.IntN(4) {
				name, value := str(), str()
				s.labels = appendLabel(s.labels, name, value)
				pts.Labels = append(pts.Labels, &prompb.Label{Name: name, Value: value})
			}
			for range rng.IntN(5) {
				v, tm := values[rng.IntN(len(values))], times[rng.IntN(len(times))]
				if rng.IntN(2) == 0 {
					v = rng.NormFloat64() * 1e6
				}
				s.pts = append(s.pts, tsdb.Point{T: tm, V: v})
				pts.Samples = append(pts.Samples, &prompb.Sample{Value: v, Timestamp: tm * 1000})
			}
			ts = append(ts, s)
			want.Timeseries = append(want.Timeseries, pts)
		}
		got := appendWriteRequest(nil, ts)
		ref, err := proto.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, ref) {
			t.Fatalf("round %d: wrote\n%x\nproto.Marshal writes\n%x", round, got, ref)
		}
		var back prompb.WriteRequest
		if err := proto.Unmarshal(got, &back); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !proto.Equal(&back, want) {
			t.Fatalf("round %d: decodes to %v, want %v", round, &back, want)
		}
	}
}
