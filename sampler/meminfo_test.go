package sampler

import (
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb/metric"
)

// TestMeminfoFixture reads a 5.x /proc/meminfo: every field is exported,
// under node_exporter's names.
func TestMeminfoFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "meminfo")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]float64{
		key("node_memory_HugePages_Total"): 16, // counts: not scaled
		key("node_memory_HugePages_Free"):  12,
		key("node_memory_HugePages_Rsvd"):  0,
		key("node_memory_HugePages_Surp"):  0,
	}
	for field, kb := range map[string]float64{
		"MemTotal": 16325080, "MemFree": 442800, "MemAvailable": 9877204, "Buffers": 500436,
		"Cached":     8536396, // raw: gopsutil would add SReclaimable
		"SwapCached": 1024, "Active": 7521620, "Inactive": 6508160,
		"Active_anon": 4905096, "Inactive_anon": 702972, "Active_file": 2616524, "Inactive_file": 5805188,
		"Unevictable": 45044, "Mlocked": 16, "SwapTotal": 2097148,
		"SwapFree": 2096124, "Dirty": 428, "Writeback": 4, "AnonPages": 5036316, "Mapped": 1024476,
		"Shmem": 615620, "KReclaimable": 476404, "Slab": 864364, "SReclaimable": 476404, "SUnreclaim": 387960,
		"KernelStack": 24528, "PageTables": 62640, "NFS_Unstable": 0, "Bounce": 0, "WritebackTmp": 0,
		"CommitLimit": 10259688, "Committed_AS": 19790820,
		"VmallocTotal": 34359738367, "VmallocUsed": 78244, "VmallocChunk": 0, "Percpu": 7936,
		"HardwareCorrupted": 0, "AnonHugePages": 0, "Hugepagesize": 2048, "Hugetlb": 32768,
		"DirectMap4k": 540320, "DirectMap2M": 12025856, "DirectMap1G": 4194304,
	} {
		want[key("node_memory_"+field+"_bytes")] = kb * 1024
	}
	checkSamples(t, got, want)
	for k := range got {
		if _, ok := metric.Lookup(k[:strings.IndexByte(k, '{')]); !ok {
			t.Errorf("%s is not in the catalog", k)
		}
	}
}

// TestMeminfoFieldsInCatalog: every field of the table has its catalog
// entry, and the table's names follow node_exporter's rules.
func TestMeminfoFieldsInCatalog(t *testing.T) {
	for _, f := range meminfoFields {
		hasUnit := !strings.HasPrefix(f.field, "HugePages_")
		if got := meminfoMetric(f.field, hasUnit); got != f.metric {
			t.Errorf("%s: table says %s, the rules %s", f.field, f.metric, got)
		}
		mi, ok := metric.Lookup(f.metric)
		if !ok || mi.Kind != metric.Gauge || mi.Collector != "meminfo" {
			t.Errorf("%s: catalog %+v, %v", f.metric, mi, ok)
		}
	}
}

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]float64 // by metric name
		wantErr string
	}{
		{
			// Kernel 3.13: no MemAvailable. Fields of newer kernels are
			// exported under node_exporter's rules.
			name: "OldKernelAndNewFields",
			data: "MemTotal:  1000 kB\nMemFree:    10 kB\nNew(thing):  5 kB\nOdd-Count:   3\nHugePages_Total:   3\n",
			want: map[string]float64{
				"node_memory_MemTotal_bytes":  1024000,
				"node_memory_MemFree_bytes":   10240,
				"node_memory_New_thing_bytes": 5120,
				"node_memory_Odd_Count":       3,
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
