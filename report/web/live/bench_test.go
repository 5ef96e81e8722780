//go:build linux

package live

import (
	"context"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/query"
)

// BenchmarkSecond is the work of one second of the live range on this
// host: a sample set with the live collectors and the views computed from
// the last sets (query.Window), which is what stands between a second's
// instant and its event leaving serve (target: 100 ms) but the write, and
// most of serve's CPU while someone watches (target: 1 % of a core, 10 ms
// a second). It reports the CPU time per second of live range (from
// getrusage, which a loaded machine inflates far less than wall time).
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
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		smp, _ := sample(context.Background(), at)
		copy(sets, sets[1:])
		sets[keep-1] = query.SampleSet{T: at, Samples: smp}
		at = at.Add(time.Second)
		vals, texts := h.compute(sets)
		if len(vals["cpu"]) == 0 {
			b.Fatal("no cpu values")
		}
		if _, err := json.Marshal(Event{T: at.Unix(), Views: vals, Text: texts}); err != nil {
			b.Fatal(err)
		}
	}
	perOp := (cpuTime(b) - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(perOp.Microseconds())/1000, "cpu-ms/op")
	b.ReportMetric(perOp.Seconds()*100, "%core-at-1/s")
}

// cpuTime returns the user and system CPU time of this process.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTop is the work of one top of the live range on this host: a
// sample set of the processes (ProcSampler) and the host, and the top by
// CPU and by memory computed and rendered (JSON and HTML) from it and the
// set before. It runs every DefaultTopInterval; the figure to add to
// BenchmarkSecond's is %core-at-top-interval.
func BenchmarkTop(b *testing.B) {
	sample, err := HostSampler("bench")
	if err != nil {
		b.Fatal(err)
	}
	procs, err := ProcSampler("bench", DefaultTopInterval)
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(Options{Sample: sample, Procs: procs})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().Truncate(time.Second)
	set := func() query.SampleSet {
		smp, _ := sample(context.Background(), at)
		ps, errs := procs(context.Background(), at)
		if len(errs) > 0 {
			b.Fatal(errs)
		}
		at = at.Add(DefaultTopInterval)
		return query.SampleSet{T: at.Add(-DefaultTopInterval), Samples: append(smp, ps...)}
	}
	sets := []query.SampleSet{set(), set()}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		sets[0], sets[1] = sets[1], set()
		js, _ := h.top(sets)
		if len(js["cpu"]) == 0 {
			b.Fatal("no top by cpu")
		}
	}
	perOp := (cpuTime(b) - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(perOp.Microseconds())/1000, "cpu-ms/op")
	b.ReportMetric(perOp.Seconds()*100/DefaultTopInterval.Seconds(), "%core-at-top-interval")
}
