package check

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// t0 is the first sample set of the episodes fixture; sets follow every
// minute.
var t0 = time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC)

// minute returns t0 plus m minutes.
func minute(m float64) time.Time { return t0.Add(time.Duration(m * float64(time.Minute))) }

const (
	mib = 1 << 20
	gib = 1 << 30
)

// gapFrom and gapTo bound the recording gap of the fixture: no sample sets
// at minutes 50 to 54.
const gapFrom, gapTo = 50, 55

// lastMinute is the fixture's last sample set.
const lastMinute = 70

// episodes builds a store of one host with 2 CPUs, recorded every minute
// from t0 to t0+70m, holding known episodes (minutes after t0; an interval
// (m-1, m] is named by its end m):
//
//   - cpu: busy 95% in the intervals 21..32 (a 12-minute plateau from 20 to
//     32) and from 56 on, 10% otherwise;
//   - fs: "/" is 80% used up to minute 30 and fills by 1 point a minute
//     after (90% at 40, 91% at 41, ...); "/boot" stays 50% used;
//   - mem: 400 MiB available at the sample sets 25..35, 2 GiB otherwise;
//   - load: load1 5 at sample sets 10..30, 1 otherwise;
//   - disk: sda 90% util in the intervals 21..28, sdb 1%;
//   - net: eth0 receives 200 MiB/s in the interval 45, 1 MiB/s otherwise;
//   - no sample sets at minutes 50 to 54 (a recording gap).
func episodes(tb testing.TB) *tsdb.Store {
	tb.Helper()
	s, err := tsdb.Create(filepath.Join(tb.TempDir(), "store"), tsdb.WithRetention(0),
		tsdbtest.WithClock(func() time.Time { return minute(lastMinute + 1) }))
	if err != nil {
		tb.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	var cpu = map[string]float64{}
	var ioSda, ioSdb, rx float64
	smp := func(name string, v float64, kv ...string) tsdb.Sample {
		return tsdb.Sample{Series: tsdb.NewSeries(name, append([]string{"instance", "h1"}, kv...)...), Value: v}
	}
	for m := 0; m <= lastMinute; m++ {
		if m >= gapFrom && m < gapTo {
			continue
		}
		if m > 0 {
			// The interval (m-1, m] (or from the last set before the gap).
			secs := 120.0
			if m == gapTo {
				secs = 120 * (gapTo - gapFrom + 1)
			}
			busy := 0.10
			if (m >= 21 && m <= 32) || m >= 56 {
				busy = 0.95
			}
			cpu["user"] += secs * busy * 0.8
			cpu["system"] += secs * busy * 0.2
			cpu["idle"] += secs * (1 - busy)
			util := 0.01
			if m >= 21 && m <= 28 {
				util = 0.90
			}
			ioSda += secs / 2 * util
			ioSdb += secs / 2 * 0.01
			rate := 1.0 * mib
			if m == 45 {
				rate = 200 * mib
			}
			rx += secs / 2 * rate
		}
		var set []tsdb.Sample
		set = append(set, smp(metric.BootInfo, 1, "boot_id", "b1"))
		for _, mode := range []string{"user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle"} {
			set = append(set, smp("srvmon_cpu_seconds_total", cpu[mode], "mode", mode))
		}
		used := 80.0
		if m > 30 {
			used = 80 + float64(m-30)
		}
		set = append(set,
			smp("node_filesystem_size_bytes", 100*gib, "mountpoint", "/", "device", "/dev/sda1", "fstype", "ext4"),
			smp("node_filesystem_free_bytes", (100-used)*gib, "mountpoint", "/", "device", "/dev/sda1", "fstype", "ext4"),
			smp("node_filesystem_avail_bytes", (100-used)*gib, "mountpoint", "/", "device", "/dev/sda1", "fstype", "ext4"),
			smp("node_filesystem_size_bytes", 1*gib, "mountpoint", "/boot", "device", "/dev/sda2", "fstype", "ext4"),
			smp("node_filesystem_free_bytes", 0.5*gib, "mountpoint", "/boot", "device", "/dev/sda2", "fstype", "ext4"),
			smp("node_filesystem_avail_bytes", 0.5*gib, "mountpoint", "/boot", "device", "/dev/sda2", "fstype", "ext4"))
		avail := 2.0 * gib
		if m >= 25 && m <= 35 {
			avail = 400 * mib
		}
		set = append(set, smp("node_memory_MemAvailable_bytes", avail), smp("node_memory_MemTotal_bytes", 8*gib))
		load := 1.0
		if m >= 10 && m <= 30 {
			load = 5
		}
		set = append(set, smp("node_load1", load),
			smp("node_disk_io_time_seconds_total", ioSda, "device", "sda"),
			smp("node_disk_io_time_seconds_total", ioSdb, "device", "sdb"),
			smp("node_network_receive_bytes_total", rx, "device", "eth0"))
		if err := w.Append(minute(float64(m)), set); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// TestEpisodes evaluates each example of the issue on the episodes
// fixture at the times its state changes, on both sides of each boundary.
func TestEpisodes(t *testing.T) {
	s := episodes(t)
	tests := []struct {
		expr  string
		at    float64 // minutes after t0 (fractions for seconds)
		state State
		since float64 // minutes after t0 when CRITICAL; -1: not checked
		value float64 // the reported value; NaN: not checked
	}{
		// The 12-minute plateau: intervals 21..32 at 95%.
		{"cpu.busy > 90% for 10m", 29, OK, -1, nan},
		{"cpu.busy > 90% for 10m", 29 + 59.0/60, OK, -1, nan}, // still the set of minute 29
		{"cpu.busy > 90% for 10m", 30, Critical, 20, 95},
		{"cpu.busy > 90% for 10m", 32, Critical, 20, 95},
		{"cpu.busy > 90% for 10m", 33, OK, -1, (95*9 + 10) / 10.0},
		{"cpu.busy > 90% for 12m", 32, Critical, 20, 95},
		{"cpu.busy > 90% for 13m", 32, OK, -1, nan},
		{"cpu.busy >= 95% for 10m", 30, Critical, 20, nan},
		{"cpu.busy > 95% for 10m", 30, OK, -1, nan},
		{"cpu.busy > 90%", 20, OK, -1, 10},
		{"cpu.busy > 90%", 21, Critical, 20, 95},
		{"cpu.busy < 50% for 10m", 19, Critical, 0, 10},
		// The filesystem filling: "/" 90% at 40, 91% at 41.
		{`fs.%used{mountpoint="/"} > 90%`, 40, OK, -1, 90},
		{`fs.%used{mountpoint="/"} > 90%`, 41, Critical, 41, 91},
		{`fs.%used{mountpoint="/"} >= 90%`, 40, Critical, 40, 90},
		{`fs.%used > 90%`, 41, Critical, 41, 91}, // the worst of / and /boot
		{`fs.%used{mountpoint="/boot"} > 90%`, 41, OK, -1, 50},
		{`fs.%used{mountpoint="/"} > 85% for 5m`, 40, OK, -1, 87.5}, // 85% at 35, 86% at 36: held 4 minutes
		{`fs.%used{mountpoint="/"} > 85% for 5m`, 41, Critical, 36, 88.5},
		// Memory: sets 25..35 at 400 MiB.
		{"mem.available < 500MiB for 5m", 29, OK, -1, nan},
		{"mem.available < 500MiB for 5m", 30, Critical, 25, 400 * mib},
		{"mem.available < 500MiB for 5m", 35, Critical, 25, 400 * mib},
		{"mem.available < 500MiB for 5m", 36, OK, -1, nan},
		// Load: sets 10..30 at 5.
		{"load.load1 > 4 for 15m", 24, OK, -1, nan},
		{"load.load1 > 4 for 15m", 25, Critical, 10, 5},
		{"load.load1 > 4 for 15m", 31, OK, -1, nan},
		// Disk: intervals 21..28 at 90% on sda.
		{`disk.util{device="sda"} > 80% for 5m`, 24, OK, -1, nan},
		{`disk.util{device="sda"} > 80% for 5m`, 25, Critical, 20, 90},
		{`disk.util{device="sda"} > 80% for 5m`, 29, OK, -1, nan},
		{`disk.util > 80% for 5m`, 25, Critical, 20, 90},
		{`disk.util{device="sdb"} > 80% for 5m`, 25, OK, -1, 1},
		// Net: interval 45 at 200 MiB/s.
		{`net.rxbytes/s{device="eth0"} > 100MiB`, 44, OK, -1, mib},
		{`net.rxbytes/s{device="eth0"} > 100MiB`, 45, Critical, 44, 200 * mib},
		{`net.rxbytes/s{device="eth0"} > 100MiB`, 46, OK, -1, mib},
		// The gap: no sets at 50..54; busy 95% again from the interval 56.
		{"cpu.busy > 90%", 52, OK, -1, 10},       // the newest set is 49's, 3 minutes old
		{"cpu.busy > 90%", 55, Unknown, -1, nan}, // the interval ending at 55 spans the gap
		{"cpu.busy > 90%", 56, Critical, 55, 95},
		{"cpu.busy > 90% for 10m", 60, Unknown, -1, nan}, // held since the gap only
		{"cpu.busy > 90% for 10m", 64, Unknown, -1, nan},
		{"cpu.busy > 90% for 10m", 65, Critical, 55, 95},
		{"cpu.busy < 50% for 10m", 60, OK, -1, nan},
		{"mem.available > 1GiB for 10m", 58, Unknown, -1, nan},
		{"mem.available > 1GiB for 10m", 65, Critical, 55, 2 * gib},
		// Recording stopped: the newest set (70) gets old.
		{"status.age > 5m", 70, OK, -1, 0},
		{"status.age > 5m", 75, OK, -1, 300},
		{"status.age > 5m", 75 + 1.0/60, Critical, 70, 301},
		{"cpu.busy > 90%", 74, Critical, 55, 95},
		{"cpu.busy > 90%", 75 + 1.0/60, Unknown, -1, nan}, // stale
		// Before the data.
		{"cpu.busy > 90% for 10m", 5, OK, -1, nan},
		{"cpu.busy < 90% for 10m", 5, Unknown, -1, nan},
	}
	for _, tt := range tests {
		_, r, where := evalAt(t, s, tt.expr, tt.at)
		if r.State != tt.state {
			t.Errorf("%s: %s (%s, value %g), want %s", where, r.State, r.Reason, r.Value, tt.state)
			continue
		}
		if tt.since >= 0 && !r.Since.Equal(minute(tt.since)) {
			t.Errorf("%s: since %s, want %s", where, r.Since.Format("15:04:05"), minute(tt.since).Format("15:04:05"))
		}
		if tt.value == tt.value && !near(r.Value, tt.value) {
			t.Errorf("%s: value %g, want %g", where, r.Value, tt.value)
		}
		if r.State == Unknown && r.Reason == "" {
			t.Errorf("%s: UNKNOWN without a reason", where)
		}
	}
}

var nan = func() float64 { var z float64; return z / z }()

func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	m := b
	if m < 0 {
		m = -m
	}
	return d <= 1e-6*max(1, m)
}

// TestEpisodes_Edge checks the value that decides a for check (the lowest
// in the window for >, the highest for <) and when it was, on both sides
// of each boundary: the condition held exactly when the edge satisfies it,
// whatever the window's average says.
func TestEpisodes_Edge(t *testing.T) {
	s := episodes(t)
	tests := []struct {
		expr   string
		at     float64 // minutes after t0
		state  State
		edge   float64
		edgeAt float64 // minutes after t0
	}{
		// Intervals 21..32 at 95%, 10% before and after.
		{"cpu.busy > 90% for 10m", 30, Critical, 95, 30}, // intervals 21..30, all 95: the newest of equals
		{"cpu.busy > 90% for 10m", 29, OK, 10, 20},       // the interval ending at 20 is in the window
		{"cpu.busy > 90% for 10m", 33, OK, 10, 33},       // the average is 86.5%, the newest interval 10%
		{"cpu.busy > 90% for 10m", 42, OK, 10, 42},
		{"cpu.busy < 50% for 10m", 25, OK, 95, 25}, // the highest
		// Levels: the window starts at the sample set at T-D.
		{"mem.available < 500MiB for 5m", 30, Critical, 400 * mib, 30},
		{"mem.available < 500MiB for 5m", 29, OK, 2 * gib, 24}, // the set of minute 24 is at T-D
		{"mem.available < 500MiB for 5m", 37, OK, 2 * gib, 37},
		{`fs.%used{mountpoint="/"} > 85% for 5m`, 40, OK, 85, 35}, // 85% at 35 is not > 85%
		{`fs.%used{mountpoint="/"} > 85% for 5m`, 41, Critical, 86, 36},
	}
	for _, tt := range tests {
		e, r, where := evalAt(t, s, tt.expr, tt.at)
		if r.State != tt.state {
			t.Errorf("%s: %s (%s), want %s", where, r.State, r.Reason, tt.state)
		}
		if !near(r.Edge, tt.edge) || !r.EdgeAt.Equal(minute(tt.edgeAt)) {
			t.Errorf("%s: edge %g at %s, want %g at %s", where, r.Edge, r.EdgeAt.UTC().Format("15:04"), tt.edge, minute(tt.edgeAt).Format("15:04"))
		}
		if held := e.Op.holds(r.Edge, e.Threshold); held != (r.State == Critical) {
			t.Errorf("%s: the edge %g satisfies the condition: %v, but the state is %s", where, r.Edge, held, r.State)
		}
	}
	// Without for there is no edge.
	e, _ := Parse("cpu.busy > 90%")
	rs, _ := Evaluate(context.Background(), s, Group([]*Expr{e}, nil), Options{Now: minute(30)})
	if rs[0].Edge == rs[0].Edge {
		t.Errorf("cpu.busy > 90%%: edge %g, want NaN", rs[0].Edge)
	}
}

// evalAt evaluates expr alone on s at minute at of the fixture and returns
// the parsed expression, its result and how to name the case.
func evalAt(t *testing.T, s *tsdb.Store, expr string, at float64) (*Expr, Result, string) {
	t.Helper()
	e, err := Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	now := minute(at)
	rs, err := Evaluate(context.Background(), s, Group([]*Expr{e}, nil), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return e, rs[0], expr + " at " + now.Format("15:04:05")
}
