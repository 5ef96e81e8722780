package sampler

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v4/net"
)

func init() {
	register("netdev", true, func() collector { return netdevCollector{} })
}

// netdevCollector reads per-interface counters through gopsutil
// (/proc/net/dev).
type netdevCollector struct{}

func (netdevCollector) update(ctx context.Context, r *run) error {
	stats, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return fmt.Errorf("read network counters: %w", err)
	}
	convertNetdev(stats, r)
	return nil
}

// convertNetdev emits node_exporter's node_network_* counters per interface.
func convertNetdev(stats []net.IOCountersStat, r *run) {
	for i := range stats {
		s := &stats[i]
		d := s.Name
		r.add("node_network_receive_bytes_total", float64(s.BytesRecv), "device", d)
		r.add("node_network_transmit_bytes_total", float64(s.BytesSent), "device", d)
		r.add("node_network_receive_packets_total", float64(s.PacketsRecv), "device", d)
		r.add("node_network_transmit_packets_total", float64(s.PacketsSent), "device", d)
		r.add("node_network_receive_errs_total", float64(s.Errin), "device", d)
		r.add("node_network_transmit_errs_total", float64(s.Errout), "device", d)
		r.add("node_network_receive_drop_total", float64(s.Dropin), "device", d)
		r.add("node_network_transmit_drop_total", float64(s.Dropout), "device", d)
	}
}
