package check

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// benchExprs are ten checks of the kind a host's checks file holds.
var benchExprs = []string{
	"cpu.busy > 90% for 10m",
	`fs.%used{mountpoint="/"} > 90%`,
	"fs.%used > 95%",
	"mem.available < 500MiB for 5m",
	"load.load1 > 4 for 15m",
	`disk.util{device="sda"} > 80% for 5m`,
	"disk.await > 100ms for 10m",
	`net.rxbytes/s{device="eth0"} > 100MiB`,
	"net.txbytes/s > 100MiB for 5m",
	"status.age > 5m",
}

// BenchmarkCheck is what one 'srvmon check' run from cron costs on a store
// of 1 and of 30 days of minutely history (synth.DefaultHost), half a
// minute after its last sample set: open the store and evaluate ten
// checks. Target: under 0.2 s with 30 days; the two side by side show
// whether the cost grows with the history.
func BenchmarkCheck(b *testing.B) {
	for _, days := range []int{1, 30} {
		b.Run(strconv.Itoa(days)+"d", func(b *testing.B) { benchCheck(b, days) })
	}
}

func benchCheck(b *testing.B, days int) {
	dir, points, err := synth.Cached(context.Background(), days)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d days, %d points", days, points)
	var exprs []*Expr
	for _, s := range benchExprs {
		e, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		exprs = append(exprs, e)
	}
	checks := Group(exprs, nil)
	s, err := tsdb.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	_, last, _, err := s.Bounds(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	now := last.Add(30 * time.Second) // half a minute after the last run
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := tsdb.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := Evaluate(context.Background(), s, checks, Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			if r.State == Unknown {
				b.Fatalf("%s: UNKNOWN: %s", r.Check.Key(), r.Reason)
			}
		}
		s.Close()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	// On a shared machine the wall time depends on the others' load; the
	// CPU time the runs took does not.
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/run")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
