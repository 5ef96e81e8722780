package sampler

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func init() {
	register("sockstat", true, func() collector { return sockstatCollector{} })
}

// sockstatCollector reads the socket counts of /proc/net/sockstat and
// /proc/net/sockstat6 (sar -n SOCK and SOCK6) as node_exporter's
// node_sockstat_<PROTO>_<field> gauges. The mem fields count pages; as
// node_exporter does, they are also given in bytes (_mem_bytes).
type sockstatCollector struct{}

// sockstatMetrics are the names srvmon records: every field of both files
// on Linux 6.x, which older kernels have a subset of.
var sockstatMetrics = [...]string{
	"node_sockstat_FRAG6_inuse",
	"node_sockstat_FRAG6_memory",
	"node_sockstat_FRAG_inuse",
	"node_sockstat_FRAG_memory",
	"node_sockstat_RAW6_inuse",
	"node_sockstat_RAW_inuse",
	"node_sockstat_TCP6_inuse",
	"node_sockstat_TCP_alloc",
	"node_sockstat_TCP_inuse",
	"node_sockstat_TCP_mem",
	"node_sockstat_TCP_mem_bytes",
	"node_sockstat_TCP_orphan",
	"node_sockstat_TCP_tw",
	"node_sockstat_UDP6_inuse",
	"node_sockstat_UDPLITE6_inuse",
	"node_sockstat_UDPLITE_inuse",
	"node_sockstat_UDP_inuse",
	"node_sockstat_UDP_mem",
	"node_sockstat_UDP_mem_bytes",
	"node_sockstat_sockets_used",
}

func (sockstatCollector) update(_ context.Context, r *run) error {
	pageSize := float64(os.Getpagesize())
	for _, name := range [...]string{"net/sockstat", "net/sockstat6"} {
		data, ok, err := r.readProcOptional(name)
		if err != nil {
			return err
		}
		if !ok {
			continue // sockstat6 is missing when IPv6 is disabled
		}
		if err := parseSockstat(data, pageSize, r); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// parseSockstat emits the known fields of a sockstat file, lines of
// "PROTO: name value name value ...":
//
//	sockets: used 15
//	TCP: inuse 1 orphan 0 tw 2 alloc 1 mem 214
//
// Fields srvmon does not know (a newer kernel's) are skipped.
func parseSockstat(data string, pageSize float64, r *run) error {
	for line := range lines(data) {
		var proto string
		proto, line = nextField(line)
		if proto == "" {
			continue
		}
		proto, ok := strings.CutSuffix(proto, ":")
		if !ok {
			return fmt.Errorf("parse sockstat: unexpected line %q", proto)
		}
		for {
			var name, v string
			name, line = nextField(line)
			if name == "" {
				break
			}
			v, line = nextField(line)
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("parse sockstat %s %s: %w", proto, name, err)
			}
			if m := tableMetric(sockstatMetrics[:], len("node_sockstat_"), proto, name); m != "" {
				r.add(m, float64(n))
			}
			if name == "mem" {
				if m := tableMetric(sockstatMetrics[:], len("node_sockstat_"), proto, "mem_bytes"); m != "" {
					r.add(m, float64(n)*pageSize)
				}
			}
		}
	}
	return nil
}
