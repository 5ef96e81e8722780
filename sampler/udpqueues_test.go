package sampler

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUDPQueuesFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "udp_queues")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checkSamples(t, got, map[string]float64{
		key("node_udp_queues", "ip", "v4", "queue", "tx"): 0x100 + 1,
		key("node_udp_queues", "ip", "v4", "queue", "rx"): 0xa00 + 2,
		key("node_udp_queues", "ip", "v6", "queue", "tx"): 0,
		key("node_udp_queues", "ip", "v6", "queue", "rx"): 0x10,
	})
}

// TestUDPQueuesNoIPv6: a kernel without IPv6 has no udp6 file: v4 only,
// no error.
func TestUDPQueuesNoIPv6(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	udp, err := os.ReadFile("testdata/proc/net/udp")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "net", "udp"), udp, 0o644); err != nil {
		t.Fatal(err)
	}
	got, errs := collect(t, fixtureCtx(t, dir), "udp_queues")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(got) != 2 {
		t.Errorf("got %v, want the two v4 series", got)
	}
	// Without /proc/net/udp either: nothing, and no error.
	os.Remove(filepath.Join(dir, "net", "udp"))
	if got, errs := collect(t, fixtureCtx(t, dir), "udp_queues"); len(errs) != 0 || len(got) != 0 {
		t.Errorf("got %v, errors %v; want neither", got, errs)
	}
}

func TestParseUDPQueues(t *testing.T) {
	tx, rx, err := parseUDPQueues("header\n 1: a b 07 0000000A:0000000B x\n\n 2: a b 07 00000001:00000001 x\n")
	if err != nil || tx != 11 || rx != 12 {
		t.Errorf("got %v %v %v", tx, rx, err)
	}
	for _, bad := range []string{"h\n 1: a b 07\n", "h\n 1: a b 07 0000000A x\n", "h\n 1: a b 07 zz:00 x\n", "h\n 1: a b 07 00:zz x\n"} {
		if _, _, err := parseUDPQueues(bad); err == nil {
			t.Errorf("parseUDPQueues(%q): no error", bad)
		}
	}
}
