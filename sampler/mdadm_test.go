package sampler

import (
	"testing"
)

func TestMdadmFixture(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc-md"), "mdadm")
	want := map[string]float64{}
	for _, a := range []struct {
		dev, state                     string
		active, failed, spare, require float64
		blocks, synced                 float64
	}{
		{"md3", "active", 8, 0, 0, 8, 5853468288, 5853468288},
		{"md127", "active", 1, 1, 0, 2, 312319552, 312319552},
		{"md0", "recovering", 2, 0, 1, 2, 248896, 70700},
		{"md4", "inactive", 0, 1, 1, 0, 4883648, 4883648}, // inactive: none required or active, as node_exporter 1.5
		{"md7", "active", 2, 0, 0, 2, 3906764800, 3906764800},
		{"md10", "check", 4, 0, 0, 4, 1953382400, 1008345600},
	} {
		for _, s := range mdStates {
			v := 0.0
			if s == a.state {
				v = 1
			}
			want[key("node_md_state", "device", a.dev, "state", s)] = v
		}
		want[key("node_md_disks", "device", a.dev, "state", "active")] = a.active
		want[key("node_md_disks", "device", a.dev, "state", "failed")] = a.failed
		want[key("node_md_disks", "device", a.dev, "state", "spare")] = a.spare
		want[key("node_md_disks_required", "device", a.dev)] = a.require
		want[key("node_md_blocks", "device", a.dev)] = a.blocks
		want[key("node_md_blocks_synced", "device", a.dev)] = a.synced
	}
	checkSamples(t, got, want)
	// No md driver: no /proc/mdstat, nothing recorded.
	if got := collectOK(t, fixtureCtx(t, "testdata/proc"), "mdadm"); len(got) != 0 {
		t.Errorf("without mdstat: %v", got)
	}
	if _, err := parseMdstat("md0 : broken raid1 sda[0]\n"); err == nil {
		t.Error("an unknown state was accepted")
	}
}
