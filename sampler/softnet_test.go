package sampler

import (
	"slices"
	"strings"
	"testing"
)

func TestSoftnetFixtures(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc"), "softnet")
	want := map[string]float64{}
	for cpu, v := range [][5]float64{{20, 0, 0, 0, 0}, {0x1a842, 3, 11, 5, 1}} {
		c := cpuLabel(uint64(cpu) * 2) // the second line is CPU 2: CPU 1 is offline
		want[key("node_softnet_processed_total", "cpu", c)] = v[0]
		want[key("node_softnet_dropped_total", "cpu", c)] = v[1]
		want[key("node_softnet_times_squeezed_total", "cpu", c)] = v[2]
		want[key("node_softnet_received_rps_total", "cpu", c)] = v[3]
		want[key("node_softnet_flow_limit_count_total", "cpu", c)] = v[4]
	}
	checkSamples(t, got, want)

	// Linux 4.19: no CPU column, the lines count CPUs from 0.
	got = collectOK(t, fixtureCtx(t, "testdata/proc-4.19"), "softnet")
	if got[key("node_softnet_processed_total", "cpu", "1")] != 0x49a11 || got[key("node_softnet_dropped_total", "cpu", "1")] != 2 || len(got) != 10 {
		t.Errorf("4.19 samples = %v", got)
	}
}

func TestParseSoftnet(t *testing.T) {
	// Linux 2.6.32: nine columns, no RPS.
	got, err := parseSoftnet("00000010 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000\n")
	if want := []softnetStat{{cpu: "0", processed: 16, dropped: 1, squeezed: 2}}; err != nil || !slices.Equal(got, want) {
		t.Errorf("parseSoftnet = %+v, %v; want %+v", got, err, want)
	}
	for _, tt := range []struct{ data, wantErr string }{
		{"", "empty"},
		{"1 2 3\n", "3 columns"},
		{"zz 0 0 0 0 0 0 0 0\n", "line 1"},
	} {
		if _, err := parseSoftnet(tt.data); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("parseSoftnet(%q) error = %v, want %q", tt.data, err, tt.wantErr)
		}
	}
}
