package sampler

import (
	"slices"
	"testing"
)

func TestARPFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "arp")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checkSamples(t, got, map[string]float64{
		key("node_arp_entries", "device", "eth0"): 2,
		key("node_arp_entries", "device", "wg0"):  1,
	})
}

func TestParseARP(t *testing.T) {
	const header = "IP address       HW type     Flags       HW address            Mask     Device\n"
	devs, counts, err := parseARP(header)
	if err != nil || len(devs) != 0 {
		t.Errorf("header only: %v %v %v", devs, counts, err)
	}
	devs, counts, err = parseARP(header + "1.2.3.4 0x1 0x2 aa:bb * br0\n\n1.2.3.5 0x1 0x2 aa:bc * eth1\n1.2.3.6 0x1 0x2 aa:bd * br0")
	if err != nil || !slices.Equal(devs, []string{"br0", "eth1"}) || !slices.Equal(counts, []int{2, 1}) {
		t.Errorf("got %v %v %v", devs, counts, err)
	}
	for _, bad := range []string{"", "1.2.3.4 0x1 0x2 aa:bb * br0\n", header + "1.2.3.4 0x1\n"} {
		if _, _, err := parseARP(bad); err == nil {
			t.Errorf("parseARP(%q): no error", bad)
		}
	}
}
