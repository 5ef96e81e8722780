package sampler

import (
	"strings"
	"testing"
)

func TestVmstatFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "vmstat")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// Raw kernel counts: gopsutil's SwapMemory would multiply them by 4096.
	checkSamples(t, got, map[string]float64{
		key("node_vmstat_pgpgin"):     7344136,
		key("node_vmstat_pgpgout"):    55467604,
		key("node_vmstat_pswpin"):     1024,
		key("node_vmstat_pswpout"):    2048,
		key("node_vmstat_pgfault"):    1098314621,
		key("node_vmstat_pgmajfault"): 21452,
		key("node_vmstat_oom_kill"):   3,
	})
}

func TestParseVmstat(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]float64
		wantErr string
	}{
		{
			name: "BeforeOOMKill", // Linux < 4.13
			data: "nr_free_pages 5\npgpgin 1\npgpgout 2\npswpin 3\npswpout 4\npgfault 5\npgmajfault 6\n",
			want: map[string]float64{
				"node_vmstat_pgpgin": 1, "node_vmstat_pgpgout": 2, "node_vmstat_pswpin": 3,
				"node_vmstat_pswpout": 4, "node_vmstat_pgfault": 5, "node_vmstat_pgmajfault": 6,
			},
		},
		{name: "OnlyOthers", data: "nr_dirty 3\n", want: map[string]float64{}},
		{name: "Empty", data: "", wantErr: "empty"},
		{name: "BadValue", data: "pgfault many\n", wantErr: "pgfault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := parseVmstat(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := &run{instance: testInstance}
			convertVmstat(vs, r)
			want := map[string]float64{}
			for m, v := range tt.want {
				want[key(m)] = v
			}
			checkSamples(t, byKey(t, r.samples), want)
		})
	}
}
