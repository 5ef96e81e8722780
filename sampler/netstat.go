package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("netstat", true, func() collector { return netstatCollector{} })
}

// netstatCollector reads the protocol counters of /proc/net/snmp,
// /proc/net/netstat and /proc/net/snmp6 as node_netstat_<Proto>_<Field>.
//
// It keeps node_exporter's default field set (--collector.netstat.fields)
// plus Tcp_AttemptFails and Tcp_EstabResets, which sar -n ETCP shows, not
// every field: the three files hold about 350 counters, almost all zero on
// most hosts. Zeros cost little in the day blocks, but every series is
// written to the head log on every run and read by every query, so all of
// them would triple the sample set (about 170 series on a 4-core host)
// for counters few people read. Anyone needing more adds a textfile.
type netstatCollector struct{}

// netstatMetrics are the kept fields. Each name is node_netstat_ followed
// by the protocol as the file spells it, an underscore and the field.
var netstatMetrics = [...]string{
	"node_netstat_Icmp6_InErrors",
	"node_netstat_Icmp6_InMsgs",
	"node_netstat_Icmp6_OutMsgs",
	"node_netstat_Icmp_InErrors",
	"node_netstat_Icmp_InMsgs",
	"node_netstat_Icmp_OutMsgs",
	"node_netstat_Ip6_InOctets",
	"node_netstat_Ip6_OutOctets",
	"node_netstat_IpExt_InOctets",
	"node_netstat_IpExt_OutOctets",
	"node_netstat_Ip_Forwarding",
	"node_netstat_TcpExt_ListenDrops",
	"node_netstat_TcpExt_ListenOverflows",
	"node_netstat_TcpExt_SyncookiesFailed",
	"node_netstat_TcpExt_SyncookiesRecv",
	"node_netstat_TcpExt_SyncookiesSent",
	"node_netstat_TcpExt_TCPSynRetrans",
	"node_netstat_TcpExt_TCPTimeouts",
	"node_netstat_Tcp_ActiveOpens",
	"node_netstat_Tcp_AttemptFails",
	"node_netstat_Tcp_CurrEstab",
	"node_netstat_Tcp_EstabResets",
	"node_netstat_Tcp_InErrs",
	"node_netstat_Tcp_InSegs",
	"node_netstat_Tcp_OutRsts",
	"node_netstat_Tcp_OutSegs",
	"node_netstat_Tcp_PassiveOpens",
	"node_netstat_Tcp_RetransSegs",
	"node_netstat_Udp6_InDatagrams",
	"node_netstat_Udp6_InErrors",
	"node_netstat_Udp6_NoPorts",
	"node_netstat_Udp6_OutDatagrams",
	"node_netstat_Udp6_RcvbufErrors",
	"node_netstat_Udp6_SndbufErrors",
	"node_netstat_UdpLite6_InErrors",
	"node_netstat_UdpLite_InErrors",
	"node_netstat_Udp_InDatagrams",
	"node_netstat_Udp_InErrors",
	"node_netstat_Udp_NoPorts",
	"node_netstat_Udp_OutDatagrams",
	"node_netstat_Udp_RcvbufErrors",
	"node_netstat_Udp_SndbufErrors",
}

// netstatMetric returns the kept metric of proto's field, or "" when the
// field is not kept.
func netstatMetric(proto, field string) string {
	return tableMetric(netstatMetrics[:], len("node_netstat_"), proto, field)
}

// netstatValue is one kept counter.
type netstatValue struct {
	metric string
	value  float64
}

func (netstatCollector) update(_ context.Context, r *run) error {
	var vals []netstatValue
	for _, name := range [...]string{"net/snmp", "net/netstat"} {
		data, ok, err := r.readProcOptional(name)
		if err != nil {
			return err
		}
		if !ok {
			continue // no IPv4 (or netstat before 2.6.x)
		}
		if vals, err = parseNetstat(vals, data); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	data, ok, err := r.readProcOptional("net/snmp6")
	if err != nil {
		return err
	}
	if ok { // absent when IPv6 is disabled
		if vals, err = parseSnmp6(vals, data); err != nil {
			return fmt.Errorf("net/snmp6: %w", err)
		}
	}
	for _, v := range vals {
		r.add(v.metric, v.value)
	}
	return nil
}

// parseNetstat appends the kept fields of /proc/net/snmp or
// /proc/net/netstat to dst. Both files are pairs of lines, a header and its
// values, with the protocol as first field:
//
//	Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens ...
//	Tcp: 1 200 120000 -1 17 ...
//
// Kernels of different ages have different fields; the header says which.
func parseNetstat(dst []netstatValue, data string) ([]netstatValue, error) {
	for data != "" {
		var header, values string
		header, data = nextLine(data)
		if strings.TrimSpace(header) == "" {
			continue
		}
		values, data = nextLine(data)
		hp, hrest := nextField(header)
		vp, vrest := nextField(values)
		if hp != vp || !strings.HasSuffix(hp, ":") {
			return dst, fmt.Errorf("parse netstat: header %q without its values line", hp)
		}
		proto := hp[:len(hp)-1]
		for {
			var name, v string
			name, hrest = nextField(hrest)
			v, vrest = nextField(vrest)
			if name == "" || v == "" {
				if name != v {
					return dst, fmt.Errorf("parse netstat: %s: header and values differ in length", proto)
				}
				break
			}
			m := netstatMetric(proto, name)
			if m == "" {
				continue
			}
			n, err := parseNetstatNumber(v)
			if err != nil {
				return dst, fmt.Errorf("parse netstat %s_%s: %w", proto, name, err)
			}
			dst = append(dst, netstatValue{m, n})
		}
	}
	return dst, nil
}

// parseSnmp6 appends the kept fields of /proc/net/snmp6 to dst: one
// "Ip6InReceives  1" per line, the protocol being the name up to and
// including its first digit (Ip6, Icmp6, Udp6, UdpLite6).
func parseSnmp6(dst []netstatValue, data string) ([]netstatValue, error) {
	for line := range lines(data) {
		var name, v string
		name, line = nextField(line)
		if name == "" {
			continue
		}
		v, _ = nextField(line)
		i := strings.IndexByte(name, '6')
		if i < 0 || v == "" {
			return dst, fmt.Errorf("parse snmp6: unexpected line %q", name)
		}
		m := netstatMetric(name[:i+1], name[i+1:])
		if m == "" {
			continue
		}
		n, err := parseNetstatNumber(v)
		if err != nil {
			return dst, fmt.Errorf("parse snmp6 %s: %w", name, err)
		}
		dst = append(dst, netstatValue{m, n})
	}
	return dst, nil
}

// parseNetstatNumber parses a value of these files: unsigned counters, and
// a few signed fields (Tcp MaxConn is -1).
func parseNetstatNumber(s string) (float64, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return float64(n), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return float64(n), err
}
