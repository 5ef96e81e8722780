package sampler

import (
	"testing"

	"github.com/shirou/gopsutil/v4/net"
)

func TestNetdevFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "netdev")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]float64{}
	for dev, v := range map[string][8]float64{
		"lo":   {435303245, 435303245, 1832522, 1832522, 0, 0, 0, 0},
		"eth0": {68210035552, 9315587528, 520993275, 43451486, 12, 56, 34, 78},
	} {
		for i, m := range []string{
			"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
			"node_network_receive_packets_total", "node_network_transmit_packets_total",
			"node_network_receive_errs_total", "node_network_transmit_errs_total",
			"node_network_receive_drop_total", "node_network_transmit_drop_total",
		} {
			want[key(m, "device", dev)] = v[i]
		}
	}
	checkSamples(t, got, want)
}

func TestConvertNetdev(t *testing.T) {
	r := &run{instance: testInstance}
	convertNetdev([]net.IOCountersStat{{
		Name: "wg0", BytesRecv: 1, BytesSent: 2, PacketsRecv: 3, PacketsSent: 4,
		Errin: 5, Errout: 6, Dropin: 7, Dropout: 8, Fifoin: 99, Fifoout: 99,
	}}, r)
	checkSamples(t, byKey(t, r.samples), map[string]float64{
		key("node_network_receive_bytes_total", "device", "wg0"):    1,
		key("node_network_transmit_bytes_total", "device", "wg0"):   2,
		key("node_network_receive_packets_total", "device", "wg0"):  3,
		key("node_network_transmit_packets_total", "device", "wg0"): 4,
		key("node_network_receive_errs_total", "device", "wg0"):     5,
		key("node_network_transmit_errs_total", "device", "wg0"):    6,
		key("node_network_receive_drop_total", "device", "wg0"):     7,
		key("node_network_transmit_drop_total", "device", "wg0"):    8,
	})
}
