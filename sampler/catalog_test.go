package sampler

import (
	"slices"
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
)

// counterWithoutTotal reports whether name is one of the counters exported
// under node_exporter's names that lack the _total suffix.
func counterWithoutTotal(name string) bool {
	return strings.HasPrefix(name, "node_vmstat_")
}

// TestCatalogLint checks every catalog entry against the naming rules:
// valid names, base units in the name, _total exactly on counters, help
// sentences, known collectors.
func TestCatalogLint(t *testing.T) {
	cat := Catalog()
	if !slices.IsSortedFunc(cat, func(a, b MetricInfo) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("catalog is not sorted by name")
	}
	for i, m := range cat {
		if i > 0 && cat[i-1].Name == m.Name {
			t.Errorf("%s listed twice", m.Name)
		}
		if !tsdb.ValidMetricName(m.Name) {
			t.Errorf("%s: invalid metric name", m.Name)
		}
		if !strings.HasPrefix(m.Name, "node_") && !strings.HasPrefix(m.Name, "srvmon_") {
			t.Errorf("%s: want a node_ or srvmon_ prefix", m.Name)
		}
		switch m.Kind {
		case Counter:
			if !strings.HasSuffix(m.Name, "_total") && !counterWithoutTotal(m.Name) {
				t.Errorf("%s: counter without _total", m.Name)
			}
		case Gauge:
			if strings.HasSuffix(m.Name, "_total") {
				t.Errorf("%s: gauge ending in _total", m.Name)
			}
		case Info:
			if !strings.HasSuffix(m.Name, "_info") {
				t.Errorf("%s: info metric not ending in _info", m.Name)
			}
		default:
			t.Errorf("%s: kind %v", m.Name, m.Kind)
		}
		switch m.Unit {
		case "":
			for _, u := range []string{"_seconds", "_bytes"} {
				if strings.Contains(m.Name, u) {
					t.Errorf("%s: name has %s but unit is empty", m.Name, u)
				}
			}
		case "seconds", "bytes":
			if !strings.Contains(m.Name, "_"+m.Unit) {
				t.Errorf("%s: unit %s not in the name", m.Name, m.Unit)
			}
		default:
			t.Errorf("%s: unit %q is not a base unit", m.Name, m.Unit)
		}
		if m.Help == "" || !strings.HasSuffix(m.Help, ".") {
			t.Errorf("%s: help %q is not a sentence", m.Name, m.Help)
		}
		if m.Collector != "" && !slices.Contains(Names(), m.Collector) {
			t.Errorf("%s: unknown collector %q", m.Name, m.Collector)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
		kind Kind
	}{
		{"node_cpu_seconds_total", true, Counter},
		{"node_vmstat_pgfault", true, Counter},
		{"node_load1", true, Gauge},
		{"srvmon_boot_info", true, Info},
		{"srvmon_processes", true, Gauge},
		{"node_cpu", false, 0},
		{"zzz", false, 0},
		{"", false, 0},
	}
	for _, tt := range tests {
		got, ok := Lookup(tt.name)
		if ok != tt.ok || got.Kind != tt.kind || (ok && got.Name != tt.name) {
			t.Errorf("Lookup(%q) = %+v, %v; want kind %v, %v", tt.name, got, ok, tt.kind, tt.ok)
		}
	}
}

func TestCatalogCopy(t *testing.T) {
	c := Catalog()
	c[0].Name = "changed"
	if Catalog()[0].Name == "changed" {
		t.Error("Catalog returns the package's slice")
	}
}
