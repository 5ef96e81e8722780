package sampler

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// nodeExporterFamilies are the srvmon collectors whose series carry
// node_exporter's names, each with the node_exporter 1.5 collector that has
// the same measurement and the flags it needs. TestE2ENodeExporter compares
// every series such a collector produces under a name node_exporter also
// exports. To cover another family, add a line.
var nodeExporterFamilies = []struct {
	srvmon, nodeExporter string
	flags                []string
}{
	{"arp", "arp", nil},
	{"conntrack", "conntrack", nil},
	// Debian's default keeps zram devices; srvmon uses upstream's.
	{"diskstats", "diskstats", []string{`--collector.diskstats.device-exclude=^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`}},
	{"cpufreq", "cpufreq", nil},
	{"hwmon", "hwmon", nil},
	{"interrupts", "interrupts", nil},
	{"mdadm", "mdadm", nil},
	{"nfs", "nfs", nil},
	{"nfsd", "nfsd", nil},
	{"thermal", "thermal_zone", nil},
	{"entropy", "entropy", nil},
	{"filefd", "filefd", nil},
	{"meminfo", "meminfo", nil},
	{"netclass", "netclass", nil},
	// Debian's default leaves out lo; srvmon keeps it.
	{"netdev", "netdev", []string{"--collector.netdev.device-exclude=^$"}},
	// node_exporter's default field filter leaves out fields srvmon keeps.
	{"netstat", "netstat", []string{"--collector.netstat.fields=.*"}},
	{"os", "os", nil},
	{"pressure", "pressure", nil},
	{"sockstat", "sockstat", nil},
	{"softnet", "softnet", nil},
	{"timex", "timex", nil},
	{"udp_queues", "udp_queues", nil},
	{"uname", "uname", nil},
}

// neAttempts is how often TestE2ENodeExporter reads both sides before it
// calls a value different: other processes on the machine open sockets and
// files between two reads, which no reading order can rule out.
const neAttempts = 8

// TestE2ENodeExporter runs Debian's prometheus-node-exporter (1.5) on a
// loopback port beside the sampler and checks, for every series both
// export:
//   - the same label names and values (node_exporter's empty labels count
//     as absent, as Prometheus counts them; srvmon's instance label is
//     left out), for every series of the metric: a device or CPU one side
//     has and the other not fails;
//   - the same value: node_exporter's, read between two srvmon samples,
//     must lie between them (equal when the value did not move). For a
//     counter this is stricter than rates within 2 %: both ends of any
//     interval agree to the increments of a few milliseconds.
//
// It fails, rather than skips, under CI=true when node_exporter is missing.
func TestE2ENodeExporter(t *testing.T) {
	bin, err := exec.LookPath("prometheus-node-exporter")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus-node-exporter is not installed; .ci/run installs it")
		}
		t.Skip("prometheus-node-exporter is not installed")
	}
	var collectors []string
	args := []string{"--collector.disable-defaults", "--web.disable-exporter-metrics"}
	for _, f := range nodeExporterFamilies {
		if _, ok := registry[f.srvmon]; !ok {
			continue // linux-only collectors elsewhere
		}
		collectors = append(collectors, f.srvmon)
		args = append(args, "--collector."+f.nodeExporter)
		args = append(args, f.flags...)
	}
	ne := startNodeExporter(t, bin, args)
	s, err := New(collectors, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	sample := func() map[string]float64 {
		samples, errs := s.Sample(context.Background())
		for _, err := range errs {
			t.Fatalf("sample: %v", err)
		}
		m := make(map[string]float64, len(samples))
		for _, smp := range samples {
			if !strings.HasPrefix(smp.Series.Metric, "node_scrape_collector_") {
				m[neKey(smp.Series.Metric, smp.Series.Labels)] = smp.Value
			}
		}
		return m
	}

	pending := map[string]string{} // series -> why it differs, for values not yet seen equal
	checkedLabels := false
	for attempt := 0; attempt < neAttempts; attempt++ {
		before := sample()
		theirs := ne.scrape(t)
		after := sample()
		if !checkedLabels {
			checkedLabels = true
			compared, onlyOurs := checkNodeExporterLabels(t, before, after, theirs)
			t.Logf("%d series under %d names compared; srvmon-only names (newer node_exporters or srvmon's own): %v",
				len(compared), countNames(compared), onlyOurs)
			for _, k := range compared {
				pending[k] = "not compared"
			}
		}
		for k := range pending {
			v, ok := theirs[k]
			lo, hi := math.Min(before[k], after[k]), math.Max(before[k], after[k])
			slack := 1e-9 * math.Max(1, math.Abs(hi))
			switch {
			case !ok:
				pending[k] = "missing from node_exporter's scrape"
			case v >= lo-slack && v <= hi+slack:
				delete(pending, k)
			default:
				pending[k] = fmt.Sprintf("node_exporter %v, srvmon %v before and %v after", v, before[k], after[k])
			}
		}
		if len(pending) == 0 {
			t.Logf("all values agree (attempt %d)", attempt+1)
			return
		}
	}
	keys := make([]string, 0, len(pending))
	for k := range pending {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s: %s (in each of %d attempts)", k, pending[k], neAttempts)
	}
}

// checkNodeExporterLabels compares the series of each metric name both
// sides have and returns those series, and the names only srvmon has.
func checkNodeExporterLabels(t *testing.T, before, after, theirs map[string]float64) (compared, onlyOurs []string) {
	t.Helper()
	names := func(m map[string]float64) map[string][]string {
		out := map[string][]string{}
		for k := range m {
			name, _, _ := strings.Cut(k, "{")
			out[name] = append(out[name], k)
		}
		return out
	}
	ours, their := names(before), names(theirs)
	for name, series := range ours {
		ts, ok := their[name]
		if !ok {
			onlyOurs = append(onlyOurs, name)
			continue
		}
		slices.Sort(series)
		slices.Sort(ts)
		if !slices.Equal(series, ts) {
			t.Errorf("%s: srvmon has series %v, node_exporter %v", name, series, ts)
		}
		for _, k := range series {
			if _, ok := after[k]; ok && slices.Contains(ts, k) {
				compared = append(compared, k)
			}
		}
	}
	sort.Strings(onlyOurs)
	return compared, onlyOurs
}

func countNames(series []string) int {
	seen := map[string]bool{}
	for _, k := range series {
		name, _, _ := strings.Cut(k, "{")
		seen[name] = true
	}
	return len(seen)
}

// neKey is the series key of metric with labels, without instance and
// without labels whose value is empty.
func neKey(name string, labels []tsdb.Label) string {
	var kv []string
	for _, l := range labels {
		if l.Name != "instance" && l.Value != "" {
			kv = append(kv, l.Name, l.Value)
		}
	}
	return tsdb.NewSeries(name, kv...).Key()
}

// nodeExporter is a running prometheus-node-exporter.
type nodeExporter struct {
	url    string
	client *http.Client // keeps its connection open: both sides see the same sockets
}

// startNodeExporter runs bin with args on a free loopback port until the
// test ends and waits until it answers.
func startNodeExporter(t *testing.T, bin string, args []string) *nodeExporter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append(args, "--web.listen-address="+addr)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	ne := &nodeExporter{url: "http://" + addr + "/metrics", client: &http.Client{Timeout: 10 * time.Second}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := ne.client.Get(ne.url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return ne
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node_exporter did not answer on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scrape reads node_exporter's metrics as neKey -> value. Info series
// (gauges always 1) compare like any gauge.
func (ne *nodeExporter) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := ne.client.Get(ne.url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, fam := range fams {
		if _, known := metric.Lookup(name); !known {
			continue
		}
		for _, m := range fam.GetMetric() {
			var labels []tsdb.Label
			for _, lp := range m.GetLabel() {
				labels = append(labels, tsdb.Label{Name: lp.GetName(), Value: lp.GetValue()})
			}
			out[neKey(name, labels)] = neValue(fam.GetType(), m)
		}
	}
	return out
}

func neValue(typ dto.MetricType, m *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}

// TestE2ENodeExporterFixtures runs node_exporter 1.5 on fixture trees
// (--path.procfs) beside the sampler on the same trees: the series of the
// names both export must be the same, with equal values. It covers files
// this machine does not have (the NFS client and server statistics, with
// NFSv4's operation tables). It fails, rather than skips, under CI=true
// when node_exporter is missing.
func TestE2ENodeExporterFixtures(t *testing.T) {
	bin, err := exec.LookPath("prometheus-node-exporter")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus-node-exporter is not installed; .ci/run installs it")
		}
		t.Skip("prometheus-node-exporter is not installed")
	}
	for _, fx := range []struct {
		proc       string
		collectors []string // the same names on both sides
	}{
		{"testdata/proc-nfs", []string{"nfs", "nfsd"}},
		{"testdata/proc-md", []string{"mdadm"}},
		{"testdata/proc", []string{"netstat", "sockstat", "pressure", "filefd", "meminfo", "vmstat"}},
		{"testdata/proc-4.19", []string{"netstat", "sockstat"}},
	} {
		t.Run(fx.proc, func(t *testing.T) {
			abs, err := filepath.Abs(fx.proc)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"--collector.disable-defaults", "--web.disable-exporter-metrics", "--path.procfs=" + abs}
			for _, c := range fx.collectors {
				args = append(args, "--collector."+c)
			}
			theirs := startNodeExporter(t, bin, args).scrape(t)
			s, err := New(fx.collectors, Options{Instance: testInstance})
			if err != nil {
				t.Fatal(err)
			}
			samples, errs := s.Sample(fixtureCtx(t, fx.proc))
			for _, err := range errs {
				t.Fatal(err)
			}
			ours := map[string]float64{}
			for _, smp := range samples {
				if !strings.HasPrefix(smp.Series.Metric, "node_scrape_collector_") {
					ours[neKey(smp.Series.Metric, smp.Series.Labels)] = smp.Value
				}
			}
			checkNodeExporterLabels(t, ours, ours, theirs)
			n := 0
			for k, v := range ours {
				if w, ok := theirs[k]; ok {
					n++
					if v != w {
						t.Errorf("%s: srvmon %v, node_exporter %v", k, v, w)
					}
				}
			}
			if n == 0 {
				t.Fatal("no series compared")
			}
			t.Logf("%d series compared, all equal", n)
		})
	}
}
