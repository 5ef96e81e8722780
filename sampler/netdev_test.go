package sampler

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestNetdevFixture(t *testing.T) {
	got, errs := collect(t, envCtx(t, "testdata/proc", "testdata/sys", ""), "netdev")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]float64{}
	for dev, v := range map[string][16]float64{
		"lo":   {435303245, 1832522, 0, 0, 0, 0, 0, 0, 435303245, 1832522},
		"eth0": {68210035552, 520993275, 12, 34, 0, 0, 0, 0, 9315587528, 43451486, 56, 78},
	} {
		for i, m := range netdevMetrics {
			want[key(m, "device", dev)] = v[i]
		}
	}
	// rx_nohandler from sysfs: eth0 has the file, lo not (no series).
	want[key("node_network_receive_nohandler_total", "device", "eth0")] = 7
	checkSamples(t, got, want)
}

func TestParseNetdev(t *testing.T) {
	data := "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
		"wg0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n" +
		"  veth-a.1:17 2 3 4 5 6 7 8 9 10 11 12 13 14 15 18446744073709551615\n"
	devs, err := parseNetdev(data)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{instance: testInstance}
	convertNetdev(devs, r)
	want := map[string]float64{}
	for i, m := range netdevMetrics {
		want[key(m, "device", "wg0")] = float64(i + 1)
		want[key(m, "device", "veth-a.1")] = float64(i + 1)
	}
	want[key("node_network_receive_bytes_total", "device", "veth-a.1")] = 17
	want[key("node_network_transmit_compressed_total", "device", "veth-a.1")] = 18446744073709551615
	checkSamples(t, byKey(t, r.samples), want)

	for _, bad := range []string{"eth0: 1 2 3\n", "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n"} {
		if _, err := parseNetdev(bad); err == nil || !strings.Contains(err.Error(), "eth0") {
			t.Errorf("parseNetdev(%q) error = %v, want one naming eth0", bad, err)
		}
	}
}

// TestLinkNoHandler reads rx_nohandler from this host's rtnetlink dump and
// from sysfs: the same interfaces, the same counts (read before sysfs, so
// never more).
func TestLinkNoHandler(t *testing.T) {
	r := newRun(t.Context(), testInstance)
	rib, err := r.linkDump()
	if err != nil {
		t.Skip(err)
	}
	got, err := parseLinkNoHandler(rib)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("/sys/class/net/*/statistics/rx_nohandler")
	if len(files) == 0 {
		t.Skip("no rx_nohandler in sysfs")
	}
	for _, f := range files {
		dev := filepath.Base(filepath.Dir(filepath.Dir(f)))
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
		if v, ok := got[dev]; !ok || v > want {
			t.Errorf("%s: netlink %d (present %v), sysfs %d", dev, v, ok, want)
		}
	}
	if len(got) != len(files) {
		t.Errorf("netlink has %d interfaces, sysfs %d", len(got), len(files))
	}
	// The dump is kept for the rest of the run (netclass, then netdev).
	if _, ok := r.files[linkDumpKey]; !ok {
		t.Error("linkDump did not keep the dump for the run")
	}
}
