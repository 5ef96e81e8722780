package metric_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// counterWithoutTotal reports whether name is one of the counters exported
// under node_exporter's names that lack the _total suffix.
func counterWithoutTotal(name string) bool {
	return strings.HasPrefix(name, "node_vmstat_") || strings.HasPrefix(name, "node_netstat_")
}

// TestCatalogLint checks every catalog entry against the naming rules:
// valid names, base units in the name, _total exactly on counters, help
// sentences, known collectors.
func TestCatalogLint(t *testing.T) {
	cat := metric.Catalog()
	if !slices.IsSortedFunc(cat, func(a, b metric.Desc) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("catalog is not sorted by name")
	}
	for i, m := range cat {
		if i > 0 && cat[i-1].Name == m.Name {
			t.Errorf("%s listed twice", m.Name)
		}
		if !tsdb.ValidMetricName(m.Name) {
			t.Errorf("%s: invalid metric name", m.Name)
		}
		if !strings.HasPrefix(m.Name, "node_") && !strings.HasPrefix(m.Name, "srvmon_") && !strings.HasPrefix(m.Name, "process_") {
			t.Errorf("%s: want a node_, srvmon_ or (srvmon's own process) process_ prefix", m.Name)
		}
		switch m.Kind {
		case metric.Counter:
			if !strings.HasSuffix(m.Name, "_total") && !counterWithoutTotal(m.Name) {
				t.Errorf("%s: counter without _total", m.Name)
			}
		case metric.Gauge:
			if strings.HasSuffix(m.Name, "_total") {
				t.Errorf("%s: gauge ending in _total", m.Name)
			}
		case metric.Info:
			if !strings.HasSuffix(m.Name, "_info") {
				t.Errorf("%s: info metric not ending in _info", m.Name)
			}
		case metric.Delta:
			// An increase over an interval is no counter: readers that take
			// a _total name for one would compute rates of rates.
			if strings.HasSuffix(m.Name, "_total") {
				t.Errorf("%s: delta ending in _total", m.Name)
			}
		default:
			t.Errorf("%s: kind %v", m.Name, m.Kind)
		}
		if m.Unit == "" {
			for _, u := range metric.BaseUnits {
				if strings.Contains(m.Name, "_"+u) {
					t.Errorf("%s: name has _%s but unit is empty", m.Name, u)
				}
			}
		} else if !slices.Contains(metric.BaseUnits, m.Unit) {
			t.Errorf("%s: unit %q is not a base unit", m.Name, m.Unit)
		} else if !strings.Contains(m.Name, "_"+m.Unit) {
			t.Errorf("%s: unit %s not in the name", m.Name, m.Unit)
		}
		if m.Help == "" || !strings.HasSuffix(m.Help, ".") {
			t.Errorf("%s: help %q is not a sentence", m.Name, m.Help)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
		kind metric.Kind
	}{
		{"node_cpu_seconds_total", true, metric.Counter},
		{"node_vmstat_pgfault", true, metric.Counter},
		{"node_load1", true, metric.Gauge},
		{"srvmon_boot_info", true, metric.Info},
		{"srvmon_processes", true, metric.Gauge},
		{"srvmon_process_cpu_seconds", true, metric.Delta},
		{"srvmon_cgroup_cpu_usage_seconds_total", true, metric.Counter},
		{"node_cpu", false, 0},
		{"zzz", false, 0},
		{"", false, 0},
	}
	for _, tt := range tests {
		got, ok := metric.Lookup(tt.name)
		if ok != tt.ok || got.Kind != tt.kind || (ok && got.Name != tt.name) {
			t.Errorf("Lookup(%q) = %+v, %v; want kind %v, %v", tt.name, got, ok, tt.kind, tt.ok)
		}
	}
}

func TestCatalogCopy(t *testing.T) {
	c := metric.Catalog()
	c[0].Name = "changed"
	if metric.Catalog()[0].Name == "changed" {
		t.Error("Catalog returns the package's slice")
	}
}

// TestTypeOf checks the one mapping from a metric to its exposed type that
// export and serve's /metrics share.
func TestTypeOf(t *testing.T) {
	tests := []struct {
		name     string
		want     metric.Type
		wantHelp bool
	}{
		{"node_cpu_seconds_total", metric.CounterType, true},
		{"node_vmstat_pgfault", metric.Untyped, true}, // node_exporter's name, no _total
		{"node_load1", metric.GaugeType, true},
		{metric.BootInfo, metric.GaugeType, true}, // the text format has no info type
		{"imported_requests_total", metric.CounterType, false},
		{"imported_temperature", metric.Untyped, false},
		{"srvmon_process_read_bytes", metric.GaugeType, true}, // a delta: a gauge whose help says so
	}
	for _, tt := range tests {
		got, help := metric.TypeOf(tt.name)
		if got != tt.want || (help != "") != tt.wantHelp {
			t.Errorf("TypeOf(%q) = %v, %q; want %v, help %v", tt.name, got, help, tt.want, tt.wantHelp)
		}
	}
	// Every delta says what it is where it is exposed, and nothing else does.
	for _, d := range metric.Catalog() {
		_, help := metric.TypeOf(d.Name)
		if got := strings.HasSuffix(help, metric.DeltaHelp); got != (d.Kind == metric.Delta) {
			t.Errorf("TypeOf(%q) help %q: ends with DeltaHelp %v, kind %v", d.Name, help, got, d.Kind)
		}
	}
	if got := metric.Delta.String(); got != "delta" {
		t.Errorf("Delta.String() = %q", got)
	}
}
