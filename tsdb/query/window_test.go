package query

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// TestWindowRunEqualsRun checks that sample sets held in memory give the
// same results as the same sets in a store: one engine, one formula. The
// sets have a one-second interval with a missed second, a counter reset
// and a reboot, so that gaps, resets and reboots are compared too.
func TestWindowRunEqualsRun(t *testing.T) {
	s := newStore(t)
	var sets []SampleSet
	tm := at(10 * 3600)
	boot := "b1"
	for i := range 40 {
		tm = tm.Add(time.Second)
		if i == 17 {
			tm = tm.Add(2 * time.Second) // a missed sample set
		}
		if i == 30 {
			boot = "b2"
		}
		f := float64(i)
		user := 100 + 0.7*f
		if i == 25 {
			user = 3 // a reset
		}
		set := []tsdb.Sample{
			bootSample(boot),
			smp("srvmon_cpu_seconds_total", user, "mode", "user"),
			smp("srvmon_cpu_seconds_total", 50+0.2*f, "mode", "system"),
			smp("srvmon_cpu_seconds_total", 900+1.1*f, "mode", "idle"),
			smp("srvmon_cpu_seconds_total", 2, "mode", "nice"), smp("srvmon_cpu_seconds_total", 4+0.1*f, "mode", "iowait"),
			smp("srvmon_cpu_seconds_total", 1, "mode", "irq"), smp("srvmon_cpu_seconds_total", 1+0.01*f, "mode", "softirq"),
			smp("srvmon_cpu_seconds_total", 0, "mode", "steal"),
			smp("node_load1", 0.5+f/100), smp("node_load5", 0.4), smp("node_load15", 0.3), smp("srvmon_processes", 200+f),
			smp("node_disk_reads_completed_total", 10*f*f, "device", "sda"),
			smp("node_disk_writes_completed_total", 3*f, "device", "sda"),
			smp("node_disk_read_bytes_total", 4096*f*f, "device", "sda"),
			smp("node_disk_written_bytes_total", 512*f, "device", "sda"),
			smp("node_disk_io_time_seconds_total", 0.3*f, "device", "sda"),
			smp("node_disk_read_time_seconds_total", 0.01*f, "device", "sda"),
			smp("node_disk_write_time_seconds_total", 0.02*f, "device", "sda"),
			smp("node_disk_io_time_weighted_seconds_total", 0.5*f, "device", "sda"),
			smp("node_network_receive_bytes_total", 1500*f, "device", "eth0"),
			smp("node_network_transmit_bytes_total", 700*f, "device", "eth0"),
			smp("node_memory_MemTotal_bytes", 8e9), smp("node_memory_MemFree_bytes", 2e9-1e6*f),
			smp("node_memory_MemAvailable_bytes", 5e9), smp("node_memory_Buffers_bytes", 1e8),
			smp("node_memory_Cached_bytes", 2e9), smp("node_memory_Slab_bytes", 3e8),
		}
		appendSet(t, s, tm, set...)
		sets = append(sets, SampleSet{T: tm, Samples: set})
	}
	w := NewWindow(sets)
	from, to := sets[0].T, tm.Add(time.Second)
	for _, what := range []string{"cpu", "load", "mem", "disk", "net", `node_disk_read_bytes_total{device="sda"}`} {
		for _, o := range []Options{{From: from, To: to}, {From: sets[20].T, To: sets[22].T.Add(time.Second)}, {From: from, To: to, Step: 10 * time.Second}} {
			t.Run(fmt.Sprintf("%s/%s-%s/%s", what, o.From.Format("15:04:05"), o.To.Format("15:04:05"), o.Step), func(t *testing.T) {
				want := run(t, s, what, o)
				got, err := w.Run(what, o)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := describeStats(got), describeStats(want); g != w {
					t.Errorf("window:%s\nstore:%s", g, w)
				}
				if len(got.Quantities) == 0 {
					t.Error("no quantities")
				}
			})
		}
	}
	t.Run("NoData", func(t *testing.T) {
		_, err := w.Run("cpu", Options{From: at(0), To: at(60)})
		if !errors.Is(err, ErrNoData) {
			t.Errorf("got %v, want ErrNoData", err)
		}
	})
}

// describeStats prints r's quantities, points and statistics.
func describeStats(r *Result) string {
	s := describe(r)
	for _, q := range r.Quantities {
		s += fmt.Sprintf("\n  %s %v: %+v", q.Name, q.Labels, q.Stats)
	}
	return s
}
