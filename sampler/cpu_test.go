package sampler

import (
	"testing"
)

func TestCPUFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "cpu")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]float64{}
	// Seconds = USER_HZ ticks / 100; user and nice keep the guest time.
	for cpu, secs := range map[string][10]float64{
		"0": {12345.67, 10, 4876.55, 432104.32, 120, 0, 60, 12.34, 6, 0.05},
		"1": {12335.68, 3.57, 4876.55, 432104.32, 3.45, 0, 7.89, 12.34, 4, 0.02},
	} {
		for i, mode := range []string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"} {
			want[key("node_cpu_seconds_total", "cpu", cpu, "mode", mode)] = secs[i]
		}
		want[key("node_cpu_guest_seconds_total", "cpu", cpu, "mode", "user")] = secs[8]
		want[key("node_cpu_guest_seconds_total", "cpu", cpu, "mode", "nice")] = secs[9]
	}
	for i, mode := range []string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"} {
		want[key("srvmon_cpu_seconds_total", "mode", mode)] = []float64{24681.35, 13.57, 9753.1, 864208.64, 123.45, 0, 67.89, 24.68}[i]
	}
	checkSamples(t, got, want)
}

func TestConvertCPU(t *testing.T) {
	tests := []struct {
		name string
		st   procStat
		want map[string]float64
	}{
		{
			name: "OnlyTotal",
			st:   procStat{total: cpuTicks{ticks: [10]uint64{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}}},
			want: map[string]float64{
				key("srvmon_cpu_seconds_total", "mode", "user"):    1,
				key("srvmon_cpu_seconds_total", "mode", "nice"):    2,
				key("srvmon_cpu_seconds_total", "mode", "system"):  3,
				key("srvmon_cpu_seconds_total", "mode", "idle"):    4,
				key("srvmon_cpu_seconds_total", "mode", "iowait"):  5,
				key("srvmon_cpu_seconds_total", "mode", "irq"):     6,
				key("srvmon_cpu_seconds_total", "mode", "softirq"): 7,
				key("srvmon_cpu_seconds_total", "mode", "steal"):   8,
			},
		},
		{
			// A KVM host: the guest time is part of user, not subtracted.
			name: "GuestIncludedInUser",
			st:   procStat{cpus: []cpuTicks{{cpu: "7", ticks: [10]uint64{5000, 30, 0, 1, 0, 0, 0, 0, 4000, 20}}}},
			want: map[string]float64{
				key("node_cpu_seconds_total", "cpu", "7", "mode", "user"):       50,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "nice"):       0.3,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "system"):     0,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "idle"):       0.01,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "iowait"):     0,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "irq"):        0,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "softirq"):    0,
				key("node_cpu_seconds_total", "cpu", "7", "mode", "steal"):      0,
				key("node_cpu_guest_seconds_total", "cpu", "7", "mode", "user"): 40,
				key("node_cpu_guest_seconds_total", "cpu", "7", "mode", "nice"): 0.2,
				key("srvmon_cpu_seconds_total", "mode", "user"):                 0,
				key("srvmon_cpu_seconds_total", "mode", "nice"):                 0,
				key("srvmon_cpu_seconds_total", "mode", "system"):               0,
				key("srvmon_cpu_seconds_total", "mode", "idle"):                 0,
				key("srvmon_cpu_seconds_total", "mode", "iowait"):               0,
				key("srvmon_cpu_seconds_total", "mode", "irq"):                  0,
				key("srvmon_cpu_seconds_total", "mode", "softirq"):              0,
				key("srvmon_cpu_seconds_total", "mode", "steal"):                0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{instance: testInstance}
			convertCPU(&tt.st, r)
			checkSamples(t, byKey(t, r.samples), tt.want)
		})
	}
}
