package sampler

import (
	"os"
	"testing"
)

func TestSockstatFixtures(t *testing.T) {
	page := float64(os.Getpagesize())
	t.Run("Linux6.18", func(t *testing.T) {
		got := collectOK(t, fixtureCtx(t, "testdata/proc"), "sockstat")
		checkSamples(t, got, map[string]float64{
			key("node_sockstat_sockets_used"):   153,
			key("node_sockstat_TCP_inuse"):      12,
			key("node_sockstat_TCP_orphan"):     1,
			key("node_sockstat_TCP_tw"):         40,
			key("node_sockstat_TCP_alloc"):      14,
			key("node_sockstat_TCP_mem"):        214,
			key("node_sockstat_TCP_mem_bytes"):  214 * page,
			key("node_sockstat_UDP_inuse"):      3,
			key("node_sockstat_UDP_mem"):        5,
			key("node_sockstat_UDP_mem_bytes"):  5 * page,
			key("node_sockstat_UDPLITE_inuse"):  0,
			key("node_sockstat_RAW_inuse"):      1,
			key("node_sockstat_FRAG_inuse"):     0,
			key("node_sockstat_FRAG_memory"):    0,
			key("node_sockstat_TCP6_inuse"):     0,
			key("node_sockstat_UDP6_inuse"):     0,
			key("node_sockstat_UDPLITE6_inuse"): 0,
			key("node_sockstat_RAW6_inuse"):     0,
			key("node_sockstat_FRAG6_inuse"):    0,
			key("node_sockstat_FRAG6_memory"):   0,
		})
	})
	t.Run("NoIPv6", func(t *testing.T) {
		got := collectOK(t, fixtureCtx(t, "testdata/proc-4.19"), "sockstat")
		if len(got) != 14 || got[key("node_sockstat_sockets_used")] != 231 || got[key("node_sockstat_TCP_mem_bytes")] != 3*page {
			t.Errorf("samples = %v, want the 14 IPv4 series", got)
		}
	})
}

func TestParseSockstat(t *testing.T) {
	r := &run{instance: testInstance}
	// A field a newer kernel might add is skipped; a malformed value is not.
	if err := parseSockstat("TCP: inuse 1 zombies 2\n", 4096, r); err != nil {
		t.Fatal(err)
	}
	checkSamples(t, byKey(t, r.samples), map[string]float64{key("node_sockstat_TCP_inuse"): 1})
	for _, bad := range []string{"TCP inuse 1\n", "TCP: inuse\n", "TCP: inuse -1\n"} {
		if err := parseSockstat(bad, 4096, &run{}); err == nil {
			t.Errorf("parseSockstat(%q) succeeded", bad)
		}
	}
}
