package sampler

import (
	"strings"
	"testing"
)

func TestMeminfoFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "meminfo")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]float64{
		key("node_memory_HugePages_Total"): 16, // a count: not scaled
		key("node_memory_HugePages_Free"):  12,
	}
	for field, kb := range map[string]float64{
		"MemTotal": 16325080, "MemFree": 442800, "MemAvailable": 9877204, "Buffers": 500436,
		"Cached":     8536396, // raw: gopsutil would add SReclaimable
		"SwapCached": 1024, "Active": 7521620, "Inactive": 6508160, "SwapTotal": 2097148,
		"SwapFree": 2096124, "Dirty": 428, "Writeback": 4, "AnonPages": 5036316, "Mapped": 1024476,
		"Shmem": 615620, "Slab": 864364, "SReclaimable": 476404, "SUnreclaim": 387960,
		"KernelStack": 24528, "PageTables": 62640, "CommitLimit": 10259688, "Committed_AS": 19790820,
		"Hugepagesize": 2048,
	} {
		want[key("node_memory_"+field+"_bytes")] = kb * 1024
	}
	checkSamples(t, got, want)
}

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]float64 // by metric name
		wantErr string
	}{
		{
			// Kernel 3.13: no MemAvailable; unknown fields are ignored.
			name: "OldKernel",
			data: "MemTotal:  1000 kB\nMemFree:    10 kB\nBogus:  5 kB\nHugePages_Total:   3\n",
			want: map[string]float64{
				"node_memory_MemTotal_bytes":  1024000,
				"node_memory_MemFree_bytes":   10240,
				"node_memory_HugePages_Total": 3,
			},
		},
		{name: "NoMemTotal", data: "MemFree: 10 kB\n", wantErr: "no MemTotal"},
		{name: "BadValue", data: "MemTotal: 1x kB\n", wantErr: "MemTotal"},
		{name: "UnknownUnit", data: "MemTotal: 1 MB\n", wantErr: `unknown unit "MB"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mi, err := parseMeminfo(tt.data)
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
			convertMeminfo(mi, r)
			want := map[string]float64{}
			for m, v := range tt.want {
				want[key(m)] = v
			}
			checkSamples(t, byKey(t, r.samples), want)
		})
	}
}
