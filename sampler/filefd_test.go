package sampler

import (
	"strings"
	"testing"
)

func TestFilefdFixtures(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc"), "filefd", "conntrack", "entropy")
	checkSamples(t, got, map[string]float64{
		key("node_filefd_allocated"):           1978,
		key("node_filefd_maximum"):             2466126,
		key("srvmon_inodes"):                   49093,
		key("srvmon_inodes_free"):              0,
		key("srvmon_dentries"):                 57162,
		key("srvmon_dentries_unused"):          55772,
		key("srvmon_ptys"):                     3,
		key("node_nf_conntrack_entries"):       17,
		key("node_nf_conntrack_entries_limit"): 262144,
		key("node_entropy_available_bits"):     256,
		key("node_entropy_pool_size_bits"):     256,
	})
	// Linux 4.19 without the conntrack module and without pty/nr in the
	// fixture; file-max is LONG_MAX there.
	got = collectOK(t, fixtureCtx(t, "testdata/proc-4.19"), "filefd", "conntrack", "entropy")
	checkSamples(t, got, map[string]float64{
		key("node_filefd_allocated"):       1344,
		key("node_filefd_maximum"):         9223372036854775807,
		key("srvmon_inodes"):               48104,
		key("srvmon_inodes_free"):          512,
		key("srvmon_dentries"):             61025,
		key("srvmon_dentries_unused"):      40134,
		key("node_entropy_available_bits"): 183,
		key("node_entropy_pool_size_bits"): 4096,
	})
}

func TestParseUints(t *testing.T) {
	var v [3]uint64
	if err := parseUints(v[:], "\n1\t2 3\n4"); err != nil || v != [3]uint64{1, 2, 3} {
		t.Errorf("parseUints = %v, %v", v, err)
	}
	for _, bad := range []string{"", "1 2", "1 x 3", "1 -2 3"} {
		if err := parseUints(v[:], bad); err == nil {
			t.Errorf("parseUints(%q) succeeded", bad)
		}
	}
	if _, errs := collect(t, fixtureCtx(t, t.TempDir()), "filefd"); len(errs) != 1 || !strings.Contains(errs[0].Error(), "file-nr") {
		t.Errorf("without file-nr: errors = %v, want one naming file-nr", errs)
	}
}
