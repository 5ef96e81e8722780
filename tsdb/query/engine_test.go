package query

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

var (
	tmpRoot   string
	synthOnce sync.Once
	synthDir  string
	synthErr  error
)

func TestMain(m *testing.M) {
	var err error
	tmpRoot, err = os.MkdirTemp("", "srvmon-query-test-")
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// TempRootForBench returns the directory the test binary removes when it ends,
// for the benchmarks of the external test package.
func TempRootForBench() string { return tmpRoot }

// Events of the synthetic store, as times after day0.
var (
	synthEnd     = 36 * time.Hour // day0 00:00 to day1 12:00
	gapInHour    = [2]time.Duration{14*time.Hour + 20*time.Minute, 14*time.Hour + 50*time.Minute}
	gapAcross    = [2]time.Duration{26*time.Hour + 50*time.Minute, 27*time.Hour + 10*time.Minute}
	missedRun    = 8*time.Hour + 15*time.Minute
	rebootMid    = 20*time.Hour + 30*time.Minute // counters go on: only the boot id tells
	rebootOnHour = 30 * time.Hour                // the first sample of an hour is the new boot's
	resetAt      = 34*time.Hour + 30*time.Minute // sda's read bytes go down
	db1Until     = 24 * time.Hour                // a second instance records on day0 only
)

// synthStore returns a store with 36 hours of realistic history of two
// instances, with gaps, a missed run, reboots and a counter reset; day0 is
// a block, day1 (the store's today) a head log. It is built once.
func synthStore(t testing.TB) *tsdb.Store {
	t.Helper()
	synthOnce.Do(func() {
		synthDir = filepath.Join(tmpRoot, "synth")
		synthErr = buildSynth(synthDir)
	})
	if synthErr != nil {
		t.Fatal(synthErr)
	}
	s, err := tsdb.Open(synthDir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return day0.Add(synthEnd) }))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func buildSynth(dir string) error {
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return day0.Add(synthEnd) }))
	if err != nil {
		return err
	}
	pts := map[string][]tsdb.Point{}
	series := map[string]tsdb.Series{}
	add := func(ser tsdb.Series, k string, t time.Time, v float64) {
		if _, ok := series[k]; !ok {
			series[k] = ser
		}
		pts[k] = append(pts[k], tsdb.Point{T: t.Unix(), V: v})
	}
	small := synth.Host{Instance: "web1", CPUs: 2, Disks: []string{"sda", "vdb"}, Mounts: []string{"/"}, Ifaces: []string{"eth0", "lo"}}
	web := synth.New(small, 7)
	db := synth.New(synth.Host{Instance: "db1", CPUs: 1, Disks: []string{"sda"}, Mounts: []string{"/"}, Ifaces: []string{"eth0"}}, 8)
	keys := func(g *synth.Generator) []string {
		var ks []string
		for _, ser := range g.Series() {
			ks = append(ks, ser.Key())
		}
		return ks
	}
	webKeys, dbKeys := keys(web), keys(db)
	in := func(d time.Duration, span [2]time.Duration) bool { return d >= span[0] && d < span[1] }
	var resetOffset float64
	for m := time.Duration(0); m < synthEnd; m += time.Minute {
		t := day0.Add(m)
		set := web.Next()
		if in(m, gapInHour) || in(m, gapAcross) || m == missedRun {
			continue
		}
		for i, smp := range set {
			ser, k, v := smp.Series, webKeys[i], smp.Value
			if ser.Metric == metric.BootInfo {
				switch {
				case m >= rebootOnHour:
					ser = ser.With("boot_id", "boot-3")
				case m >= rebootMid:
					ser = ser.With("boot_id", "boot-2")
				}
				k = ser.Key()
			}
			if ser.Metric == "node_disk_read_bytes_total" && ser.Get("device") == "sda" {
				if m == resetAt {
					resetOffset = v - 4096
				}
				v -= resetOffset
			}
			add(ser, k, t, v)
		}
		if m < db1Until {
			for i, smp := range db.Next() {
				add(smp.Series, dbKeys[i], t, smp.Value)
			}
		}
	}
	_, err = s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for k, p := range pts {
			for _, x := range p {
				if err := yield(series[k], x); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return err
}

// runBoth runs a query through Run and again with the hourly summaries
// turned off.
func runBoth(t *testing.T, s *tsdb.Store, what string, o Options) (*Result, *Result) {
	t.Helper()
	fast := run(t, s, what, o)
	e, err := newEngine(s, what, o)
	if err != nil {
		t.Fatal(err)
	}
	e.rawOnly = true
	if err := e.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return fast, e.result()
}

// Every view computed from hourly summaries equals the same view computed
// from every sample, over aligned and unaligned ranges, a block and a head
// log, gaps, reboots (also one right at an hour's start), a reset and a
// second instance.
func TestRun_SummariesEqualRaw(t *testing.T) {
	s := synthStore(t)
	ranges := []struct {
		name     string
		from, to time.Time
		step     time.Duration
	}{
		{"Aligned", day0, day0.Add(synthEnd), time.Hour},
		{"Unaligned", day0.Add(17*time.Minute + 23*time.Second), day0.Add(35*time.Hour + 42*time.Minute + 10*time.Second), time.Hour},
		{"ThreeHours", day0.Add(-5 * time.Hour), day0.Add(synthEnd + 5*time.Hour), 3 * time.Hour},
	}
	if testing.Short() {
		ranges = ranges[1:2] // the unaligned range has partial hours at both ends
	}
	for _, rg := range ranges {
		for _, v := range append(Views(), "cpu-per-cpu", `node_disk_read_bytes_total{device="sda"}`) {
			o := Options{From: rg.from, To: rg.to, Step: rg.step}
			what := v
			if v == "cpu-per-cpu" {
				what, o.PerCPU = "cpu", true
			}
			t.Run(rg.name+"/"+v, func(t *testing.T) {
				fast, slow := runBoth(t, s, what, o)
				compareResults(t, v, fast, slow)
				if len(fast.Quantities) == 0 {
					t.Fatal("no series")
				}
			})
		}
	}
}

// Facts of the synthetic store the views must show: both instances,
// unmixed; a gap hour with no value; the hour holding a reset has a value.
func TestRun_SynthFacts(t *testing.T) {
	s := synthStore(t)
	o := Options{From: day0, To: day0.Add(synthEnd), Step: time.Hour}
	mem := run(t, s, "mem", o)
	for _, inst := range []string{"web1", "db1"} {
		find(t, mem, "%used", "instance", inst)
	}
	if p := find(t, mem, "used", "instance", "db1").Points; !math.IsNaN(p[30].V) || math.IsNaN(p[10].V) {
		t.Errorf("db1 recorded on day0 only, its points are %s", pointsString(p))
	}
	// Memory used per instance from its own gauges (raw resolution), as
	// sysstat computes it.
	raw := Options{From: day0.Add(10 * time.Hour), To: day0.Add(10*time.Hour + time.Minute)}
	for _, inst := range []string{"web1", "db1"} {
		g := func(name string) float64 {
			r := run(t, s, `node_memory_`+name+`_bytes{instance="`+inst+`"}`, raw)
			return r.Quantities[0].Points[0].V
		}
		want := g("MemTotal") - g("MemFree") - g("Buffers") - g("Cached") - g("Slab")
		got := find(t, run(t, s, "mem", raw), "used", "instance", inst).Points[0].V
		if !close(got, want) {
			t.Errorf("%s: mem used %g, want %g", inst, got, want)
		}
	}
	disk := run(t, s, "disk", o)
	rb := find(t, disk, "rbytes/s", "device", "sda", "instance", "web1").Points
	if v := rb[34].V; math.IsNaN(v) || v < 0 {
		t.Errorf("sda read bytes/s in the hour of the reset = %g, want the average of the other intervals", v)
	}
	// An hour with half its samples missing averages the covered time:
	// the web1 rates stay near their usual level.
	cpu := run(t, s, "cpu", o)
	idle := find(t, cpu, "idle", "instance", "web1").Points
	if v := idle[14].V; math.IsNaN(v) || math.Abs(v-idle[13].V) > 20 {
		t.Errorf("idle in the gap hour %g, the hour before %g", v, idle[13].V)
	}
	// The raw resolution marks the gap.
	gap := run(t, s, "cpu", Options{From: day0.Add(14 * time.Hour), To: day0.Add(15 * time.Hour)})
	user := find(t, gap, "user", "instance", "web1")
	marks := 0
	for _, p := range user.Points {
		if math.IsNaN(p.V) {
			marks++
			if want := day0.Add(gapInHour[0]).Unix(); p.T != want {
				t.Errorf("gap marked at %s, want %s", time.Unix(p.T, 0).UTC(), time.Unix(want, 0).UTC())
			}
		}
	}
	if marks != 1 {
		t.Errorf("%d NaN points in 14:00-15:00, want 1 (the gap):\n%s", marks, pointsString(user.Points))
	}
	// The missed run at 08:15 is bridged: one point for 08:16 covering two
	// minutes, no NaN.
	bridged := run(t, s, "cpu", Options{From: day0.Add(8 * time.Hour), To: day0.Add(9 * time.Hour)})
	for _, p := range find(t, bridged, "user", "instance", "web1").Points {
		if math.IsNaN(p.V) {
			t.Errorf("NaN at %s in the hour with one missed run", time.Unix(p.T, 0).UTC())
		}
	}
	// Reboots leave one NaN at the first sample of the new boot; the
	// interval that ends at the range's first sample started before the
	// range and is not there.
	for _, rb := range []time.Duration{rebootMid, rebootOnHour} {
		r := run(t, s, "cpu", Options{From: day0.Add(rb - 2*time.Minute), To: day0.Add(rb + 2*time.Minute)})
		user := find(t, r, "user", "instance", "web1").Points
		checkPoints(t, "user around the reboot", shift(user, int64(rb/time.Second)),
			[]want{{-60, user[0].V}, {0, nan}, {60, user[2].V}})
	}
}

func TestRun_Filters(t *testing.T) {
	s := synthStore(t)
	o := Options{From: day0, To: day0.Add(2 * time.Hour), Step: time.Hour}
	o.Devices = []string{"vdb"}
	r := run(t, s, "disk", o)
	for _, ser := range r.Quantities {
		if d := tsdb.NewSeries("x", flat(ser.Labels)...).Get("device"); d != "vdb" {
			t.Fatalf("--device vdb gave device %q", d)
		}
	}
	if len(r.Quantities) != 7 {
		t.Errorf("%d series, want the 7 disk columns of vdb", len(r.Quantities))
	}
	o.Devices = nil
	o.Interfaces = []string{"lo"}
	if r := run(t, s, "net", o); len(r.Quantities) != 8 {
		t.Errorf("--interface lo: %d series, want 8", len(r.Quantities))
	}
	o.Interfaces = nil
	o.Mounts = []string{"/"}
	if r := run(t, s, "fs", o); len(r.Quantities) != 14 { // seven columns, two instances
		t.Errorf("--mount /: %d series, want 14", len(r.Quantities))
	}
}

func TestRun_UsageErrors(t *testing.T) {
	s := synthStore(t)
	o := Options{From: day0, To: day0.Add(2 * time.Hour)}
	tests := []struct {
		name, what string
		o          func(*Options)
		want       string
	}{
		{"UnknownView", "cpuu", nil, `unknown view or metric "cpuu"`},
		{"UnknownViewHint", "cpuu", nil, "(did you mean cpu?)"},
		{"UnknownMetric", "node_lod1", nil, `unknown metric "node_lod1": the store holds no such series (did you mean node_load1?)`},
		{"BadSelector", `node_load1{instance=web1}`, nil, `invalid selector "node_load1{instance=web1}": label instance: value must be quoted`},
		{"UnknownLabel", `node_load1{devce="sda"}`, nil, `no series of node_load1 has a label "devce"; its labels are instance`},
		{"NoSuchValue", `node_load1{instance="web9"}`, nil, `no series matches node_load1{instance="web9"}`},
		{"NoSuchValueValid", `node_load1{instance="web9"}`, nil, `the node_load1 series there are node_load1{instance="db1"}, node_load1{instance="web1"}`},
		{"UnknownDevice", "disk", func(o *Options) { o.Devices = []string{"sdz"} }, `no disk device "sdz" from`},
		{"UnknownDeviceValid", "disk", func(o *Options) { o.Devices = []string{"sdz"} }, "the disk devices there are sda, vdb"},
		{"OneUnknownDevice", "disk", func(o *Options) { o.Devices = []string{"sda", "sdz"} }, `no disk device "sdz" from`},
		{"DeviceOnCPU", "cpu", func(o *Options) { o.Devices = []string{"sda"} }, "device applies to the disk view only"},
		{"PerCPUOnDisk", "disk", func(o *Options) { o.PerCPU = true }, "per-cpu applies to the cpu view only"},
		{"Agg", "cpu", func(o *Options) { o.Agg = "median" }, `invalid agg "median"; use one of avg, min, max, last, p95, sum`},
		{"Step", "cpu", func(o *Options) { o.Step = 1500 * time.Millisecond }, "invalid step 1.5s; use a whole number of seconds"},
		{"Range", "cpu", func(o *Options) { o.To = o.From }, "is not before to"},
		{"TooManyPoints", "cpu", func(o *Options) { o.Step, o.To = time.Second, o.From.AddDate(0, 0, 30) }, "invalid step 1s: cuts 720h0m0s into 2592000 points per series, more than 500000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oo := o
			if tt.o != nil {
				tt.o(&oo)
			}
			_, err := Run(context.Background(), s, tt.what, oo)
			var ue *UsageError
			var pe *param.Error
			if !errors.As(err, &ue) && !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *UsageError or a *param.Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestRun_NoData(t *testing.T) {
	s := synthStore(t)
	tests := []struct {
		name     string
		what     string
		from, to time.Time
		nearest  time.Time
	}{
		{"After", "cpu", day0.Add(48 * time.Hour), day0.Add(50 * time.Hour), day0.Add(synthEnd - time.Minute)},
		{"Before", "load", day0.Add(-50 * time.Hour), day0.Add(-48 * time.Hour), day0},
		{"InGap", "mem", day0.Add(gapInHour[0] + 5*time.Minute), day0.Add(gapInHour[1] - 10*time.Minute), day0.Add(gapInHour[0] - time.Minute)},
		{"Instance", `node_load1{instance="db1"}`, day0.Add(30 * time.Hour), day0.Add(31 * time.Hour), day0.Add(db1Until - time.Minute)},
		{"NeverStored", "node_udp_queues", day0, day0.Add(time.Hour), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), s, tt.what, Options{From: tt.from, To: tt.to})
			var nd *NoDataError
			if !errors.As(err, &nd) || !errors.Is(err, ErrNoData) {
				t.Fatalf("error %v, want a *NoDataError", err)
			}
			if !nd.Nearest.Equal(tt.nearest) {
				t.Errorf("nearest %s, want %s (%v)", nd.Nearest.UTC(), tt.nearest.UTC(), err)
			}
		})
	}
}

func TestRun_AutoStep(t *testing.T) {
	s := synthStore(t)
	tests := []struct {
		from, to  time.Time
		maxPoints int
		want      time.Duration
	}{
		{day0, day0.Add(time.Hour), 100, 0},                     // 60 samples fit
		{day0, day0.Add(24 * time.Hour), 100, 15 * time.Minute}, // 1440 do not: 96 points
		{day0, day0.Add(24 * time.Hour), 30, time.Hour},
		{day0, day0.Add(30 * 24 * time.Hour), 200, 6 * time.Hour},
		{day0, day0.Add(400 * 24 * time.Hour), 100, 5 * 24 * time.Hour}, // 4 days would be 101 epoch-aligned buckets
	}
	for _, tt := range tests {
		r := run(t, s, "load", Options{From: tt.from, To: tt.to, MaxPoints: tt.maxPoints})
		if r.Step != tt.want {
			t.Errorf("%s with MaxPoints %d: step %s, want %s", tt.to.Sub(tt.from), tt.maxPoints, r.Step, tt.want)
		}
		for _, ser := range r.Quantities {
			if len(ser.Points) > tt.maxPoints {
				t.Errorf("%s: %d points > %d", ser.Name, len(ser.Points), tt.maxPoints)
			}
		}
	}
}

func TestViews(t *testing.T) {
	want := "cpu disk files fs load mem net paging pressure proc sock softnet swap tcp temp udp"
	if got := strings.Join(Views(), " "); got != want {
		t.Errorf("Views() = %s, want %s", got, want)
	}
	for _, v := range Views() {
		if ViewHelp(v) == "" {
			t.Errorf("view %s has no help", v)
		}
		// Every metric a view reads is in the sampler's catalog, so that
		// the views work on what srvmon records.
		for _, m := range allViews()[v].metrics {
			if rawColumn(m).unit == None && !strings.HasSuffix(m, "seconds_total") && !optionalIn(allViews()[v], m) {
				t.Errorf("view %s reads %s, which the catalog does not know", v, m)
			}
		}
	}
}

// SynthStoreForTest returns the synthetic store (see synthStore) and the
// range it covers, for the tests of the external test package.
func SynthStoreForTest(t testing.TB) (*tsdb.Store, time.Time, time.Time) {
	return synthStore(t), day0, day0.Add(synthEnd)
}

// optionalIn reports whether v reads metric only as an optional term (see
// term.optional).
func optionalIn(v *view, metric string) bool {
	for _, c := range v.columns {
		for _, tm := range append(append([]term(nil), c.num...), c.den...) {
			if tm.metric == metric && tm.optional {
				return true
			}
		}
	}
	return false
}
