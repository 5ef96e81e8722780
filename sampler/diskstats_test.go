package sampler

import (
	"regexp"
	"strings"
	"testing"
)

var diskMetrics = [17]string{
	"node_disk_reads_completed_total", "node_disk_reads_merged_total", "node_disk_read_bytes_total",
	"node_disk_read_time_seconds_total", "node_disk_writes_completed_total", "node_disk_writes_merged_total",
	"node_disk_written_bytes_total", "node_disk_write_time_seconds_total", "node_disk_io_now",
	"node_disk_io_time_seconds_total", "node_disk_io_time_weighted_seconds_total",
	"node_disk_discards_completed_total", "node_disk_discards_merged_total", "node_disk_discarded_sectors_total",
	"node_disk_discard_time_seconds_total", "node_disk_flush_requests_total", "node_disk_flush_requests_time_seconds_total",
}

func TestDiskstatsFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "diskstats")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// Bytes = sectors * 512, seconds = ms / 1000. loop0, sda1, nvme0n1p1,
	// zram0 and sdb1 are excluded.
	want := map[string]float64{}
	for dev, v := range map[string][11]float64{
		"sda":     {25354637, 34367663, 513713216512, 18492.372, 28444756, 11134226, 258916880384, 63877.96, 0, 9653.88, 82621.804},
		"nvme0n1": {47114, 4, 2377714176, 21.65, 1344184, 43356, 21372256256, 23.233, 2, 158.932, 44.862},
		"dm-0":    {1432, 0, 31646720, 2.52, 11, 0, 8192, 0.012, 0, 2.488, 2.532},
		"md0":     {6, 0, 24576, 0, 0, 0, 0, 0, 0, 0, 0},
		"sr0":     {},
	} {
		for i, m := range diskMetrics[:11] {
			want[key(m, "device", dev)] = v[i]
		}
	}
	// Discards since 4.18 (15 counters), flushes since 5.5 (17).
	for dev, v := range map[string][]float64{
		"sda":     {101, 102, 103, 0.104, 105, 0.106},
		"nvme0n1": {201, 202, 203, 0.204},
	} {
		for i, m := range diskMetrics[11 : 11+len(v)] {
			want[key(m, "device", dev)] = v[i]
		}
	}
	checkSamples(t, got, want)
}

func TestParseDiskstats(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    []diskStat
		wantErr string
	}{
		{
			name: "Kernel5.5Flush",
			data: "   8  0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
			want: []diskStat{{device: "sda", n: 17, v: [17]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}}},
		},
		{
			name: "Kernel4.18Discards",
			data: "   8  0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n",
			want: []diskStat{{device: "sda", n: 15, v: [17]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}},
		},
		{
			name: "OldPartitionLineSkipped",
			data: "8 1 sdc7 1 2 3 4\n8 0 sdc 1 2 3 4 5 6 7 8 9 10 11\n\n",
			want: []diskStat{{device: "sdc", n: 11, v: [17]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}},
		},
		{name: "Empty", data: ""},
		{name: "BadNumber", data: "8 0 sda 1 2 3 4 5 6 7 8 9 10 x\n", wantErr: "sda"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDiskstats(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %+v, want %+v", got[i], tt.want[i])
				}
			}
		})
	}
}

// TestExcludeDiskDevice checks the hand-written matcher against
// node_exporter's regular expression.
func TestExcludeDiskDevice(t *testing.T) {
	re := regexp.MustCompile(`^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`)
	tests := map[string]bool{
		"sda": false, "sda1": true, "sdz15": true, "sdaa1": false, "hda2": true, "vdb3": true,
		"xvda1": true, "xvd1": false, "xda1": false, "nvme0n1": false, "nvme0n1p1": true,
		"nvme10n12p3": true, "nvmen1p1": false, "nvme0np1": false, "nvme0n1p": false, "nvme0c0n1": false,
		"loop0": true, "loop": false, "ram15": true, "zram0": true, "zzram0": false, "fd0": true,
		"dm-0": false, "md127": false, "sr0": false, "mmcblk0": false, "mmcblk0p1": false, "": false,
		"1": false, "sd1": false, "sdA1": false, "nbd0": false, "rbd0": false, "bcache0": false,
	}
	for name, want := range tests {
		if re.MatchString(name) != want {
			t.Fatalf("test table wrong for %q", name)
		}
		if got := excludeDiskDevice(name); got != want {
			t.Errorf("excludeDiskDevice(%q) = %v, want %v", name, got, want)
		}
	}
}
