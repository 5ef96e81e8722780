package sampler

import (
	"testing"

	"github.com/shirou/gopsutil/v4/load"
)

func TestLoadFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "load")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checkSamples(t, got, map[string]float64{
		key("node_load1"):  0.21,
		key("node_load5"):  0.37,
		key("node_load15"): 0.39,
	})
}

func TestConvertLoad(t *testing.T) {
	r := &run{instance: testInstance}
	convertLoad(&load.AvgStat{Load1: 12.5, Load5: 0, Load15: 100.01}, r)
	checkSamples(t, byKey(t, r.samples), map[string]float64{
		key("node_load1"):  12.5,
		key("node_load5"):  0,
		key("node_load15"): 100.01,
	})
}

// TestLoadFallsBackToGopsutil checks that a /proc/loadavg that cannot be
// parsed is not recorded as numbers, and that without the file the
// collector still records the three averages: gopsutil's fallback,
// sysinfo(2), answers as it did when the collector called gopsutil alone.
func TestLoadFallsBackToGopsutil(t *testing.T) {
	for name, content := range map[string]string{"garbage": "a b c 1/2 3\n", "short": "0.5 0.25\n", "empty": ""} {
		r := &run{files: map[string]string{"loadavg": content}}
		if _, ok := parseLoadAvg(r); ok {
			t.Errorf("%s loadavg %q: parsed", name, content)
		}
	}
	r := &run{files: map[string]string{"loadavg": "0.21 0.37 0.39 1/719 19737\n"}}
	if avg, ok := parseLoadAvg(r); !ok || *avg != (load.AvgStat{Load1: 0.21, Load5: 0.37, Load15: 0.39}) {
		t.Errorf("parseLoadAvg = %+v, %v; want 0.21 0.37 0.39", avg, ok)
	}
	got, errs := collect(t, fixtureCtx(t, t.TempDir()), "load")
	if len(errs) > 0 || len(got) != 3 {
		t.Fatalf("no loadavg file: %d samples, errors %v; want the 3 averages from sysinfo(2)", len(got), errs)
	}
}
