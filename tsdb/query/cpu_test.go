package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
)

// procStat returns a /proc/stat with the given cpu lines (USER_HZ ticks:
// user nice system idle iowait irq softirq steal guest guest_nice).
func procStat(total [10]int, cpus ...[10]int) string {
	line := func(name string, v [10]int) string {
		return fmt.Sprintf("%s %d %d %d %d %d %d %d %d %d %d\n", name, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])
	}
	s := line("cpu ", total)
	for i, c := range cpus {
		s += line(fmt.Sprintf("cpu%d", i), c)
	}
	return s + "intr 1000 0 0\nctxt 5000\nbtime 1700000000\nprocesses 300\nprocs_running 1\nprocs_blocked 0\n"
}

func add(a, b [10]int) [10]int {
	for i := range a {
		a[i] += b[i]
	}
	return a
}

// sampleProc samples the cpu and boot collectors over a fixture /proc
// holding stat (HOST_PROC, as gopsutil reads it).
func sampleProc(t *testing.T, stat string) []tsdb.Sample {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sys/kernel/random"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sys/kernel/random/boot_id"), []byte("3c1e4b0a-0000-4000-8000-000000000001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	smp, err := sampler.New([]string{"cpu", "boot"}, sampler.Options{Instance: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: dir})
	samples, errs := smp.Sample(ctx)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return samples
}

// CPU % from two /proc/stat snapshots a minute apart equals the shares of
// the tick deltas computed by hand, with guest time (already inside user)
// not counted twice.
func TestRun_CPUFromProcStat(t *testing.T) {
	//                user  nice system idle   iowait irq softirq steal guest gnice
	cpu0 := [10]int{50000, 300, 20000, 900000, 4000, 100, 700, 50, 0, 0}
	cpu1 := [10]int{40000, 200, 10000, 950000, 3000, 80, 500, 30, 0, 0}
	d0 := [10]int{1000, 60, 400, 4300, 100, 40, 80, 20, 500, 0} // 6000 ticks: 60 s of one CPU; 500 of the user ticks were a guest's
	d1 := [10]int{200, 0, 200, 5300, 200, 20, 40, 40, 100, 0}   // 6000 ticks
	s := newStore(t)
	t0 := at(12 * 3600)
	appendSet(t, s, t0, sampleProc(t, procStat(add(cpu0, cpu1), cpu0, cpu1))...)
	appendSet(t, s, t0.Add(time.Minute), sampleProc(t, procStat(add(add(cpu0, cpu1), add(d0, d1)), add(cpu0, d0), add(cpu1, d1)))...)

	o := Options{From: t0, To: t0.Add(61 * time.Second)}
	all := run(t, s, "cpu", o)
	// By hand: all CPUs together moved 12000 ticks; user 1200, nice 60,
	// system 600, iowait 300, irq 60, softirq 120, steal 60, idle 9600.
	// busy is every mode but idle: 2400 ticks, 20%.
	wantAll := map[string]float64{"user": 10, "nice": 0.5, "system": 5, "iowait": 2.5, "irq": 0.5, "softirq": 1, "steal": 0.5, "idle": 80, "busy": 20}
	if len(all.Quantities) != len(wantAll) {
		t.Fatalf("%d series, want %d:%s", len(all.Quantities), len(wantAll), describe(all))
	}
	for i, name := range append(slices.Clone(cpuModes), "busy") {
		s := all.Quantities[i]
		if s.Name != name || s.Unit != Percent {
			t.Errorf("series %d is %s (%s), want %s (percent)", i, s.Name, s.Unit, name)
		}
		if got := tsdb.NewSeries("x", flat(s.Labels)...).Key(); got != `x{cpu="all",instance="h1"}` {
			t.Errorf("%s labels %s", name, got)
		}
		checkPoints(t, name, s.Points, []want{{12*3600 + 60, wantAll[name]}})
	}

	per := run(t, s, "cpu", Options{From: o.From, To: o.To, PerCPU: true})
	want0 := map[string]float64{"user": 1000.0 / 60, "nice": 1, "system": 400.0 / 60, "iowait": 100.0 / 60, "irq": 40.0 / 60, "softirq": 80.0 / 60, "steal": 20.0 / 60, "idle": 4300.0 / 60}
	want1 := map[string]float64{"user": 200.0 / 60, "nice": 0, "system": 200.0 / 60, "iowait": 200.0 / 60, "irq": 20.0 / 60, "softirq": 40.0 / 60, "steal": 40.0 / 60, "idle": 5300.0 / 60}
	for _, name := range cpuModes {
		checkPoints(t, name+" cpu0", find(t, per, name, "cpu", "0").Points, []want{{12*3600 + 60, want0[name]}})
		checkPoints(t, name+" cpu1", find(t, per, name, "cpu", "1").Points, []want{{12*3600 + 60, want1[name]}})
	}
	// Columns first, then cores in numeric order.
	if per.Quantities[0].Name != "user" || per.Quantities[1].Name != "user" || tsdb.NewSeries("x", flat(per.Quantities[1].Labels)...).Get("cpu") != "1" {
		t.Errorf("per-cpu order:%s", describe(per))
	}
}
