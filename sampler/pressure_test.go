package sampler

import (
	"strings"
	"testing"
)

func TestPressureFixture(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc"), "pressure")
	checkSamples(t, got, map[string]float64{
		key("node_pressure_cpu_waiting_seconds_total"):    172.27857,
		key("node_pressure_cpu_stalled_seconds_total"):    0,
		key("node_pressure_io_waiting_seconds_total"):     5.739326,
		key("node_pressure_io_stalled_seconds_total"):     2.922301,
		key("node_pressure_memory_waiting_seconds_total"): 1.234567,
		key("node_pressure_memory_stalled_seconds_total"): 0.765432,
	})
}

// TestPressureAbsent: a kernel without PSI (4.19 here) records nothing and
// the collector succeeds.
func TestPressureAbsent(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc-4.19"), "pressure")
	if len(got) != 0 {
		t.Errorf("samples = %v, want none", got)
	}
}

func TestParsePressure(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    psi
		wantErr string
	}{
		{name: "CPUBefore5.13", data: "some avg10=1.00 avg60=0.50 avg300=0.10 total=42\n",
			want: psi{some: 42, hasSome: true}},
		{name: "Both", data: "some avg10=0.00 avg60=0.00 avg300=0.00 total=7\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n",
			want: psi{some: 7, full: 3, hasSome: true, hasFull: true}},
		{name: "Empty", data: "", wantErr: "no some line"},
		{name: "NoTotal", data: "some avg10=0.00\n", wantErr: "without total"},
		{name: "BadTotal", data: "some total=x\n", wantErr: "some total"},
		{name: "UnknownLine", data: "most total=1\n", wantErr: "unknown line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePressure(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parsePressure = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
