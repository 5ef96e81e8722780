package live

import (
	"context"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/query"
)

// BenchmarkSecond is the work of one second of the live range on this
// host: a sample set with the live collectors and the views computed from
// the last sets (query.Window), which is what stands between a second's
// instant and its event leaving serve (target: 100 ms), and most of
// serve's CPU while someone watches (target: 1 % of a core, 10 ms a
// second).
func BenchmarkSecond(b *testing.B) {
	sample, err := HostSampler("bench")
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(Options{Sample: sample})
	if err != nil {
		b.Fatal(err)
	}
	var sets []query.SampleSet
	at := time.Now().Truncate(time.Second)
	for range keep {
		smp, _ := sample(context.Background(), at)
		sets = append(sets, query.SampleSet{T: at, Samples: smp})
		at = at.Add(time.Second)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		smp, _ := sample(context.Background(), at)
		copy(sets, sets[1:])
		sets[keep-1] = query.SampleSet{T: at, Samples: smp}
		at = at.Add(time.Second)
		if vals, _ := h.compute(sets); len(vals["cpu"]) == 0 {
			b.Fatal("no cpu values")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1e4, "%core-at-1/s")
}
