package query

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// unevenStore returns a store recorded at uneven intervals (10 s to 50 s,
// so that no interval is a gap) for six hours from day0+3h, the intervals
// carrying bursts of activity of different lengths, and the values it
// recorded by series key.
func unevenStore(t *testing.T) (*tsdb.Store, map[string]*recorded) {
	t.Helper()
	s := newStore(t)
	gen := synth.New(synth.Host{Instance: "h1", CPUs: 2, Disks: []string{"sda"}, Mounts: []string{"/"}, Ifaces: []string{"eth0", "lo"}}, 11)
	rec := map[string]*recorded{}
	steps := []int64{10, 40, 20, 50, 30, 15, 45, 25}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at0 := day0.Add(3 * time.Hour).Unix()
	for i, ts := 0, at0; ts < at0+6*3600; i, ts = i+1, ts+steps[i%len(steps)] {
		set := gen.Next()
		for _, smp := range set {
			k := smp.Series.Key()
			if rec[k] == nil {
				rec[k] = &recorded{ser: smp.Series}
			}
			rec[k].pts = append(rec[k].pts, tsdb.Point{T: ts, V: smp.Value})
		}
		if err := w.Append(time.Unix(ts, 0), set); err != nil {
			t.Fatal(err)
		}
	}
	return s, rec
}

// recorded is a series and the points a test recorded of it.
type recorded struct {
	ser tsdb.Series
	pts []tsdb.Point
}

// statKey names a quantity of a result for comparisons.
func statKey(q Quantity) string { return q.Name + tsdb.Series{Labels: q.Labels}.Key() }

// rangeStats returns the Stats of every quantity of what over o, by key.
func rangeStats(t *testing.T, s *tsdb.Store, what string, o Options, rawOnly bool) map[string]Stats {
	t.Helper()
	e, err := newEngine(s, what, o)
	if err != nil {
		t.Fatal(err)
	}
	e.rawOnly = rawOnly
	if err := e.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]Stats{}
	for _, q := range e.result().Quantities {
		out[statKey(q)] = q.Stats
	}
	return out
}

// The average and total of every quantity of every view over a range are
// the same at raw resolution, at several steps (aligned and not, through
// the hourly summaries and not), with an automatic step and in Summarize,
// on stores with gaps, a missed run, reboots, a counter reset, two
// instances, and uneven intervals with bursts.
func TestProperty_SummaryIndependentOfStep(t *testing.T) {
	synthS := synthStore(t)
	uneven, _ := unevenStore(t)
	stores := []struct {
		name     string
		s        *tsdb.Store
		from, to time.Time
	}{
		{"synth", synthS, day0.Add(5*time.Hour + 17*time.Minute + 23*time.Second), day0.Add(35*time.Hour + 42*time.Minute + 10*time.Second)},
		{"uneven", uneven, day0.Add(3*time.Hour + 7*time.Minute + 3*time.Second), day0.Add(8*time.Hour + 51*time.Minute + 30*time.Second)},
	}
	steps := []Options{{Step: time.Minute}, {Step: 7 * time.Minute}, {Step: time.Hour}, {Step: 3 * time.Hour}, {MaxPoints: 50}, {MaxPoints: summaryPoints}}
	for _, st := range stores {
		for _, v := range append(Views(), "cpu-per-cpu", `node_disk_read_bytes_total{device="sda"}`) {
			what, perCPU := v, false
			if v == "cpu-per-cpu" {
				what, perCPU = "cpu", true
			}
			t.Run(st.name+"/"+v, func(t *testing.T) {
				base := Options{From: st.from, To: st.to, PerCPU: perCPU}
				want := rangeStats(t, st.s, what, base, true)
				if len(want) == 0 {
					t.Fatal("no quantities")
				}
				check := func(how string, got map[string]Stats) {
					t.Helper()
					for k, w := range want {
						g, ok := got[k]
						switch {
						case !ok:
							t.Errorf("%s: no %s", how, k)
						case !close(g.Avg, w.Avg):
							t.Errorf("%s: %s avg %v, at raw resolution %v", how, k, g.Avg, w.Avg)
						case !close(g.Total, w.Total):
							t.Errorf("%s: %s total %v, at raw resolution %v", how, k, g.Total, w.Total)
						}
					}
				}
				for _, so := range steps {
					o := base
					o.Step, o.MaxPoints = so.Step, so.MaxPoints
					how := fmt.Sprintf("step %s points %d", o.Step, o.MaxPoints)
					check(how, rangeStats(t, st.s, what, o, false))
					if o.Step >= time.Hour {
						check(how+" raw only", rangeStats(t, st.s, what, o, true))
					}
				}
				sum, err := Summarize(context.Background(), st.s, what, base)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]Stats{}
				for _, q := range sum.Result.Quantities {
					got[statKey(q)] = q.Stats
				}
				check(fmt.Sprintf("Summarize (step %s)", sum.Result.Step), got)
			})
		}
	}
}

// The average over a range equals the one computed by hand from the
// counters (and gauges) at the samples the range holds: for rates, the
// counters' difference between the first and last sample over the time
// between them; for ratios, the ratio of those differences; for gauges,
// the sums over the samples.
func TestProperty_AverageByHand(t *testing.T) {
	s, rec := unevenStore(t)
	from, to := day0.Add(3*time.Hour+7*time.Minute+3*time.Second), day0.Add(8*time.Hour+51*time.Minute+30*time.Second)
	a, b := from.Unix(), to.Unix()
	// in returns the recorded points of a series in [from, to).
	in := func(metric string, kv ...string) []tsdb.Point {
		var out []tsdb.Point
		found := 0
		for _, r := range rec {
			if r.ser.Metric != metric || len(kv) == 2 && r.ser.Get(kv[0]) != kv[1] {
				continue
			}
			found++
			for _, p := range r.pts {
				if p.T >= a && p.T < b {
					out = append(out, p)
				}
			}
		}
		if found != 1 || len(out) < 2 {
			t.Fatalf("%s%v: %d series, %d points in the range", metric, kv, found, len(out))
		}
		return out
	}
	delta := func(metric string, kv ...string) float64 {
		p := in(metric, kv...)
		return p[len(p)-1].V - p[0].V
	}
	sum := func(metric string, kv ...string) float64 {
		var v float64
		for _, p := range in(metric, kv...) {
			v += p.V
		}
		return v
	}
	pts := in("node_load1")
	seconds := float64(pts[len(pts)-1].T - pts[0].T)
	cpuAll := 0.0
	for _, m := range cpuModes {
		cpuAll += delta("srvmon_cpu_seconds_total", "mode", m)
	}
	fsUsed := sum("node_filesystem_size_bytes", "mountpoint", "/") - sum("node_filesystem_free_bytes", "mountpoint", "/")
	memUsed := sum("node_memory_MemTotal_bytes") - sum("node_memory_MemFree_bytes") - sum("node_memory_Buffers_bytes") -
		sum("node_memory_Cached_bytes") - sum("node_memory_Slab_bytes")
	cases := []struct {
		view, name, device string
		want               float64
	}{
		{"disk", "r/s", "sda", delta("node_disk_reads_completed_total", "device", "sda") / seconds},
		{"disk", "rbytes/s", "sda", delta("node_disk_read_bytes_total", "device", "sda") / seconds},
		{"disk", "util", "sda", 100 * delta("node_disk_io_time_seconds_total", "device", "sda") / seconds},
		{"disk", "aqu-sz", "sda", delta("node_disk_io_time_weighted_seconds_total", "device", "sda") / seconds},
		{"disk", "await", "sda", (delta("node_disk_read_time_seconds_total", "device", "sda") + delta("node_disk_write_time_seconds_total", "device", "sda") +
			delta("node_disk_discard_time_seconds_total", "device", "sda")) /
			(delta("node_disk_reads_completed_total", "device", "sda") + delta("node_disk_writes_completed_total", "device", "sda") +
				delta("node_disk_discards_completed_total", "device", "sda"))},
		{"net", "rxbytes/s", "eth0", delta("node_network_receive_bytes_total", "device", "eth0") / seconds},
		{"net", "txpck/s", "eth0", delta("node_network_transmit_packets_total", "device", "eth0") / seconds},
		{"cpu", "user", "", 100 * delta("srvmon_cpu_seconds_total", "mode", "user") / cpuAll},
		{"cpu", "busy", "", 100 * (cpuAll - delta("srvmon_cpu_seconds_total", "mode", "idle")) / cpuAll},
		{"mem", "%used", "", 100 * memUsed / sum("node_memory_MemTotal_bytes")},
		{"fs", "%used", "", 100 * fsUsed / (fsUsed + sum("node_filesystem_avail_bytes", "mountpoint", "/"))},
		{"load", "load1", "", sum("node_load1") / float64(len(pts))},
	}
	for _, c := range cases {
		for _, o := range []Options{{}, {Step: 10 * time.Minute}, {Step: time.Hour}, {MaxPoints: 100}} {
			o.From, o.To = from, to
			r := run(t, s, c.view, o)
			var kv []string
			if c.device != "" {
				kv = []string{"device", c.device}
			}
			got := find(t, r, c.name, kv...).Stats.Avg
			if !close(got, c.want) || math.IsNaN(c.want) {
				t.Errorf("%s %s at step %s: avg %v, by hand %v", c.view, c.name, r.Step, got, c.want)
			}
		}
	}
	// Totals: what the counters counted between the range's first and last
	// samples.
	r := run(t, s, "disk", Options{From: from, To: to, Agg: "sum", Step: time.Hour})
	if got, want := find(t, r, "rbytes/s", "device", "sda").Stats.Total, delta("node_disk_read_bytes_total", "device", "sda"); !close(got, want) {
		t.Errorf("bytes read: total %v, by hand %v", got, want)
	}
	var hourly float64
	for _, p := range find(t, r, "rbytes/s", "device", "sda").Points {
		if !math.IsNaN(p.V) {
			hourly += p.V
		}
	}
	if want := delta("node_disk_read_bytes_total", "device", "sda"); !close(hourly, want) {
		t.Errorf("bytes read: the hours' sums add up to %v, by hand %v", hourly, want)
	}
}
