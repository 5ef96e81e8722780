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
