package sampler

import (
	"strings"
	"testing"
)

func TestStatFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "stat")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checkSamples(t, got, map[string]float64{
		key("node_procs_running"):          3,
		key("node_procs_blocked"):          1,
		key("node_context_switches_total"): 38014093,
		key("node_intr_total"):             123456789,
		key("node_forks_total"):            26442,
		key("srvmon_processes"):            719,
	})
}

func TestParseLoadavgEntities(t *testing.T) {
	tests := []struct {
		data    string
		want    uint64
		wantErr bool
	}{
		{data: "0.21 0.37 0.39 1/719 19737\n", want: 719},
		{data: "0.00 0.00 0.00 12/123456 1", want: 123456},
		{data: "0.21 0.37 0.39\n", wantErr: true},
		{data: "0.21 0.37 0.39 719 19737\n", wantErr: true},
		{data: "0.21 0.37 0.39 1/x 19737\n", wantErr: true},
		{data: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseLoadavgEntities(tt.data)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseLoadavgEntities(%q) = %d, %v; want %d, error %v", tt.data, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestConvertStatMissingLine(t *testing.T) {
	st, err := parseProcStat("cpu 1 2 3 4\nctxt 5\nprocesses 6\nprocs_running 1\nprocs_blocked 0\n") // no intr
	if err != nil {
		t.Fatal(err)
	}
	r := &run{instance: testInstance}
	if err := convertStat(st, 10, r); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("error = %v, want a missing-line error", err)
	}
	if len(r.samples) != 0 {
		t.Errorf("samples = %v, want none", r.samples)
	}
}
