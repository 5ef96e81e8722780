package sampler

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"

	"github.com/srvmon/srvmon/tsdb"

	"github.com/srvmon/srvmon/tsdb/metric"
)

const testInstance = "web-1"

// fixtureCtx returns a context pointing HOST_PROC at dir.
func fixtureCtx(t testing.TB, dir string) context.Context {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return context.WithValue(context.Background(), common.EnvKey, common.EnvMap{common.HostProcEnvKey: abs})
}

// key returns the series key of metric{kv..., instance=testInstance}.
func key(metric string, kv ...string) string {
	return tsdb.NewSeries(metric, append(kv, "instance", testInstance)...).Key()
}

// byKey maps the samples' series keys to their values, failing the test on
// a repeated series or on a series that is not in canonical form.
func byKey(t testing.TB, samples []tsdb.Sample) map[string]float64 {
	t.Helper()
	m := make(map[string]float64, len(samples))
	for _, s := range samples {
		k := s.Series.Key()
		if _, dup := m[k]; dup {
			t.Errorf("series %s produced twice", k)
		}
		m[k] = s.Value
		canon, err := tsdb.ParseSeries(k)
		if err != nil {
			t.Errorf("series %s: %v", k, err)
		} else if !reflect.DeepEqual(canon, s.Series) {
			t.Errorf("series %s: labels not sorted or with empty values: %+v", k, s.Series.Labels)
		}
	}
	return m
}

// collect runs the named collectors once with ctx and returns their samples
// by key, without the sampler's own metrics.
func collect(t testing.TB, ctx context.Context, names ...string) (map[string]float64, []error) {
	t.Helper()
	s, err := New(names, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.Sample(ctx)
	samples = slices.DeleteFunc(samples, func(s tsdb.Sample) bool {
		return strings.HasPrefix(s.Series.Metric, "node_scrape_collector_")
	})
	return byKey(t, samples), errs
}

// checkSamples compares got with want, key by key.
func checkSamples(t *testing.T, got, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("missing %s", k)
		} else if g != w {
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s = %v", k, g)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		names   []string
		opts    Options
		wantErr string
		want    []string
	}{
		{name: "Default", names: Default(), opts: Options{Instance: "a"}, want: Default()},
		{name: "SortedAndUnique", names: []string{"stat", "cpu", "stat"}, opts: Options{Instance: "a"}, want: []string{"cpu", "stat"}},
		{name: "Unknown", names: []string{"cpu", "gpu"}, opts: Options{Instance: "a"}, wantErr: `unknown collector "gpu" (valid: arp, boot, cgroups, conntrack, cpu,`},
		{name: "NoInstance", names: []string{"cpu"}, wantErr: "instance is required"},
		{name: "NoCollectors", opts: Options{Instance: "a"}, wantErr: "no collectors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.names, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range s.collectors {
				got = append(got, c.name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("collectors = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNamesAndDefault(t *testing.T) {
	want := []string{"arp", "boot", "cgroups", "conntrack", "cpu", "cpufreq", "diskstats", "entropy", "filefd", "filesystem", "hwmon", "load", "mdadm", "meminfo", "netclass", "netdev", "netstat", "nfs", "nfsd", "os", "pressure", "process", "procs", "sockstat", "softnet", "stat", "thermal", "time", "timex", "uname", "vmstat"}
	if got := Default(); !slices.Equal(got, want) {
		t.Errorf("Default() = %v, want %v", got, want)
	}
	// textfile is enabled by Options.TextfileDir, not by default.
	want = slices.Insert(want, slices.Index(want, "stat")+1, "textfile")
	want = slices.Insert(want, slices.Index(want, "load"), "interrupts")
	// udp_queues is opt-in: the kernel's cost of /proc/net/udp.
	want = slices.Insert(want, slices.Index(want, "uname"), "udp_queues")
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

// TestSampleHost runs every collector against the real host and checks the
// invariants readers rely on.
func TestSampleHost(t *testing.T) {
	s, err := New(Names(), Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.Sample(context.Background())
	for _, err := range errs {
		if note := (*Note)(nil); errors.As(err, &note) {
			t.Logf("note: %v", err) // what the host lacks (cgroups on a v1 host)
			continue
		}
		t.Errorf("Sample: %v", err)
	}
	all := byKey(t, samples)      // no series twice, labels canonical
	produced := map[string]bool{} // collectors with at least one sample
	for _, smp := range samples {
		name := smp.Series.Metric
		if !tsdb.ValidMetricName(name) {
			t.Errorf("invalid metric name %q", name)
		}
		if got := smp.Series.Get("instance"); got != testInstance {
			t.Errorf("%s: instance = %q, want %q", smp.Series, got, testInstance)
		}
		info, ok := metric.Lookup(name)
		if !ok {
			t.Errorf("%s: metric not in the catalog", name)
			continue
		}
		produced[info.Collector] = true
		if strings.HasSuffix(name, "_total") && info.Kind != metric.Counter {
			t.Errorf("%s ends in _total but is a %v in the catalog", name, info.Kind)
		}
		if info.Kind == metric.Info && smp.Value != 1 {
			t.Errorf("%s: info metric has value %v", smp.Series, smp.Value)
		}
	}
	for _, name := range Names() {
		for _, m := range []string{"node_scrape_collector_success", "node_scrape_collector_duration_seconds"} {
			if _, ok := all[key(m, "collector", name)]; !ok {
				t.Errorf("no %s for collector %s", m, name)
			}
		}
		// A host may have no block device diskstats keeps, no sensors and
		// no cpufreq (a VM), and an empty ARP table (a container without
		// neighbours); textfile has no directory here; a host on cgroup v1
		// has no cgroup v2 groups (a note says so).
		if !produced[name] && !slices.Contains([]string{"diskstats", "textfile", "hwmon", "thermal", "cpufreq", "arp", "mdadm", "nfs", "nfsd", "cgroups"}, name) {
			t.Errorf("collector %s produced nothing on this host", name)
		}
	}
}

// TestCatalogCollectors checks that every collector the metric catalog
// names exists.
func TestCatalogCollectors(t *testing.T) {
	for _, m := range metric.Catalog() {
		if m.Collector != "" && !slices.Contains(Names(), m.Collector) {
			t.Errorf("%s: unknown collector %q", m.Name, m.Collector)
		}
	}
}

// TestSampleFailingCollector removes a file from a copy of the fixture tree:
// its collector fails, the others still report.
func TestSampleFailingCollector(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/proc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "meminfo")); err != nil {
		t.Fatal(err)
	}
	s, err := New([]string{"cpu", "meminfo", "vmstat"}, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.Sample(fixtureCtx(t, dir))
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", errs)
	}
	if !errors.Is(errs[0], fs.ErrNotExist) || !strings.Contains(errs[0].Error(), `collector "meminfo"`) {
		t.Errorf("error = %v, want a not-exist error naming collector meminfo", errs[0])
	}
	got := byKey(t, samples)
	for k, want := range map[string]float64{
		key("node_scrape_collector_success", "collector", "cpu"):     1,
		key("node_scrape_collector_success", "collector", "meminfo"): 0,
		key("node_scrape_collector_success", "collector", "vmstat"):  1,
		key("node_vmstat_pgpgin"):                                    7344136,
		key("srvmon_cpu_seconds_total", "mode", "user"):              24681.35,
	} {
		if g, ok := got[k]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, want)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "node_memory_") {
			t.Errorf("failed collector produced %s", k)
		}
	}
	if _, ok := got[key("node_scrape_collector_duration_seconds", "collector", "meminfo")]; !ok {
		t.Error("no duration for the failed collector")
	}
}

func TestSampleCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(fixtureCtx(t, "testdata/proc"))
	cancel()
	s, err := New([]string{"cpu", "load"}, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.Sample(ctx)
	if len(errs) != 2 || !errors.Is(errs[0], context.Canceled) || !errors.Is(errs[1], context.Canceled) {
		t.Errorf("errors = %v, want two context.Canceled", errs)
	}
	got := byKey(t, samples)
	if len(got) != 4 || got[key("node_scrape_collector_success", "collector", "cpu")] != 0 {
		t.Errorf("samples = %v, want only the self metrics, success 0", got)
	}
}

func TestRoundMicro(t *testing.T) {
	tests := []struct {
		d    int64 // nanoseconds
		want float64
	}{
		{0, 0},
		{1_499, 0.000001},
		{1_500, 0.000002},
		{123_456_789, 0.123457},
		{2_000_000_000, 2},
	}
	for _, tt := range tests {
		if got := roundMicro(time.Duration(tt.d)); got != tt.want {
			t.Errorf("roundMicro(%dns) = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func BenchmarkSample(b *testing.B) {
	s, err := New(Default(), Options{Instance: testInstance})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, errs := s.Sample(ctx)
		for _, err := range errs {
			// A note (what the host lacks, said once) is not a failure.
			if _, ok := err.(*Note); !ok {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCollectors runs each collector alone.
func BenchmarkCollectors(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			s, err := New([]string{name}, Options{Instance: testInstance})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Sample(context.Background())
			}
		})
	}
}
