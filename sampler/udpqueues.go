package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("udp_queues", false, func() collector { return udpQueuesCollector{} })
}

// udpQueuesCollector sums the send and receive queues of all UDP sockets
// (/proc/net/udp and /proc/net/udp6), as node_exporter's udp_queues
// collector does: node_udp_queues{ip="v4"|"v6", queue="tx"|"rx"}, in bytes.
// A host without IPv6 has no udp6 file and gets no v6 series; one without
// IPv4 (or a /proc without net/) none of v4.
//
// It is not a default collector: to print either file the kernel walks its
// whole UDP socket hash table (16384 buckets on a 24 GB host, more with more
// memory) however few sockets there are, about 80 µs of CPU per file, which
// made it the most expensive of record's collectors after netclass, for two
// queries of a dashboard. --collectors default,udp_queues turns it on.
type udpQueuesCollector struct{}

func (udpQueuesCollector) update(_ context.Context, r *run) error {
	for _, v := range [...]struct{ file, ip string }{{"net/udp", "v4"}, {"net/udp6", "v6"}} {
		data, ok, err := r.readProcOptional(v.file)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		tx, rx, err := parseUDPQueues(data)
		if err != nil {
			return fmt.Errorf("parse %s: %w", v.file, err)
		}
		r.add("node_udp_queues", float64(rx), "ip", v.ip, "queue", "rx")
		r.add("node_udp_queues", float64(tx), "ip", v.ip, "queue", "tx")
	}
	return nil
}

// parseUDPQueues sums the tx_queue:rx_queue column (the fifth, two hex
// numbers) of a /proc/net/udp{,6} table after its header line.
func parseUDPQueues(data string) (tx, rx uint64, err error) {
	_, data = nextLine(data)
	for line := range lines(data) {
		rest := line
		var f string
		for range 5 {
			f, rest = nextField(rest)
		}
		if f == "" {
			if strings.TrimSpace(line) == "" {
				continue
			}
			return 0, 0, fmt.Errorf("short line %q", line)
		}
		t, r, ok := strings.Cut(f, ":")
		if !ok {
			return 0, 0, fmt.Errorf("queue column %q is not tx:rx", f)
		}
		nt, err := strconv.ParseUint(t, 16, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("tx_queue: %w", err)
		}
		nr, err := strconv.ParseUint(r, 16, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("rx_queue: %w", err)
		}
		tx, rx = tx+nt, rx+nr
	}
	return tx, rx, nil
}
