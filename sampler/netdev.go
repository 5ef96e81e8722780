package sampler

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	register("netdev", true, func() collector { return netdevCollector{} })
}

// netdevCollector reads per-interface counters from /proc/net/dev: all
// sixteen of them, as node_exporter exports them.
//
// It parses the file itself: gopsutil's net.IOCounters keeps only ten of
// the sixteen (no frame, compressed, multicast, colls or carrier).
//
// node_network_receive_nohandler_total (packets dropped because no
// protocol handler took them, kernel 4.6 on) is not in /proc/net/dev:
// node_exporter 1.5 takes it from its rtnetlink dump, and so does srvmon,
// from the dump the netclass collector asks for anyway (run.linkDump: no
// extra system call when both run). With HOST_SYS pointing elsewhere (a
// fixture, a host's /sys in a container) it reads
// /sys/class/net/<device>/statistics/rx_nohandler instead, as netclass
// reads sysfs then. An interface without the counter (an older kernel)
// has no such series.
type netdevCollector struct{}

// netdevMetrics are node_exporter's names of the /proc/net/dev columns,
// in the file's order: eight receive, then eight transmit counters.
var netdevMetrics = [16]string{
	"node_network_receive_bytes_total", "node_network_receive_packets_total",
	"node_network_receive_errs_total", "node_network_receive_drop_total",
	"node_network_receive_fifo_total", "node_network_receive_frame_total",
	"node_network_receive_compressed_total", "node_network_receive_multicast_total",
	"node_network_transmit_bytes_total", "node_network_transmit_packets_total",
	"node_network_transmit_errs_total", "node_network_transmit_drop_total",
	"node_network_transmit_fifo_total", "node_network_transmit_colls_total",
	"node_network_transmit_carrier_total", "node_network_transmit_compressed_total",
}

// netDev is one interface's line of /proc/net/dev.
type netDev struct {
	device string
	v      [16]uint64
}

func (netdevCollector) update(_ context.Context, r *run) error {
	devs, err := readParsed(r, "net/dev", parseNetdev)
	if err != nil {
		return err
	}
	convertNetdev(devs, r)
	if r.sys == "/sys" {
		rib, err := r.linkDump()
		if err != nil {
			return err
		}
		nh, err := parseLinkNoHandler(rib)
		if err != nil {
			return err
		}
		for _, d := range devs {
			if v, ok := nh[d.device]; ok {
				r.add("node_network_receive_nohandler_total", float64(v), "device", d.device)
			}
		}
		return nil
	}
	for _, d := range devs {
		data, ok, err := r.readSysOptional(filepath.Join("class/net", d.device, "statistics/rx_nohandler"))
		if err != nil && !absentAttr(err) {
			return fmt.Errorf("rx_nohandler of %s: %w", d.device, err)
		}
		if !ok {
			continue
		}
		var v [1]uint64
		if err := parseUints(v[:], data); err != nil {
			return fmt.Errorf("parse rx_nohandler of %s: %w", d.device, err)
		}
		r.add("node_network_receive_nohandler_total", float64(v[0]), "device", d.device)
	}
	return nil
}

// parseNetdev parses /proc/net/dev: two header lines, then
// "name: 16 counters" per interface.
func parseNetdev(data string) ([]netDev, error) {
	var devs []netDev
	for line := range lines(data) {
		colon := strings.IndexByte(line, ':')
		if colon < 0 {
			continue // a header line
		}
		d := netDev{device: strings.TrimSpace(line[:colon])}
		rest := line[colon+1:]
		for i := range d.v {
			var f string
			f, rest = nextField(rest)
			if f == "" {
				return nil, fmt.Errorf("parse net/dev %s: %d counters, want 16", d.device, i)
			}
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("parse net/dev %s: %w", d.device, err)
			}
			d.v[i] = n
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// convertNetdev emits node_exporter's node_network_* counters per interface.
func convertNetdev(devs []netDev, r *run) {
	for i := range devs {
		for j, m := range netdevMetrics {
			r.add(m, float64(devs[i].v[j]), "device", devs[i].device)
		}
	}
}
