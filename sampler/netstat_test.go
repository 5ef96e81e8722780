package sampler

import (
	"slices"
	"strings"
	"testing"
)

func TestNetstatFixtures(t *testing.T) {
	t.Run("Linux6.18", func(t *testing.T) {
		got := collectOK(t, fixtureCtx(t, "testdata/proc"), "netstat")
		// Every kept field exists on a current kernel with IPv6.
		if names := metricNames(got); !slices.Equal(names, netstatMetrics[:]) {
			t.Errorf("metrics = %v, want %v", names, netstatMetrics)
		}
		for m, want := range map[string]float64{
			"node_netstat_Tcp_ActiveOpens":      28,
			"node_netstat_Tcp_PassiveOpens":     11,
			"node_netstat_Tcp_AttemptFails":     2,
			"node_netstat_Tcp_InSegs":           6557,
			"node_netstat_Tcp_OutRsts":          4,
			"node_netstat_Ip_Forwarding":        2,
			"node_netstat_Udp_InDatagrams":      29,
			"node_netstat_Udp_OutDatagrams":     30,
			"node_netstat_Icmp_InMsgs":          1,
			"node_netstat_Ip6_InOctets":         128,
			"node_netstat_Ip6_OutOctets":        880,
			"node_netstat_Icmp6_OutMsgs":        9,
			"node_netstat_Icmp6_InErrors":       1,
			"node_netstat_TcpExt_TCPTimeouts":   2,
			"node_netstat_TcpExt_ListenDrops":   0,
			"node_netstat_IpExt_InOctets":       204415462,
			"node_netstat_UdpLite6_InErrors":    0,
			"node_netstat_TcpExt_TCPSynRetrans": 0,
		} {
			if g := got[key(m)]; g != want {
				t.Errorf("%s = %v, want %v", m, g, want)
			}
		}
	})
	// Linux 4.19 with IPv6 disabled: no snmp6, fewer fields in the others.
	t.Run("Linux4.19NoIPv6", func(t *testing.T) {
		got := collectOK(t, fixtureCtx(t, "testdata/proc-4.19"), "netstat")
		var want []string
		for _, m := range netstatMetrics {
			if !strings.Contains(m, "6_") {
				want = append(want, m)
			}
		}
		if names := metricNames(got); !slices.Equal(names, want) {
			t.Errorf("metrics = %v, want %v", names, want)
		}
		for m, w := range map[string]float64{
			"node_netstat_Tcp_RetransSegs":         1301,
			"node_netstat_Tcp_EstabResets":         107,
			"node_netstat_Tcp_CurrEstab":           9,
			"node_netstat_Tcp_InErrs":              4,
			"node_netstat_Udp_NoPorts":             47,
			"node_netstat_Icmp_InErrors":           2,
			"node_netstat_TcpExt_ListenOverflows":  6,
			"node_netstat_TcpExt_TCPTimeouts":      833,
			"node_netstat_TcpExt_TCPSynRetrans":    465,
			"node_netstat_IpExt_OutOctets":         2038216640,
			"node_netstat_TcpExt_SyncookiesFailed": 0,
			"node_netstat_UdpLite_InErrors":        0,
		} {
			if g := got[key(m)]; g != w {
				t.Errorf("%s = %v, want %v", m, g, w)
			}
		}
	})
}

func TestParseNetstat(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
		want                []netstatValue
	}{
		{name: "Signed", data: "Tcp: MaxConn ActiveOpens\nTcp: -1 5\n", want: []netstatValue{{"node_netstat_Tcp_ActiveOpens", 5}}},
		{name: "UnknownProtocol", data: "MPTcpExt: MPCapableSYNRX\nMPTcpExt: 4\n"},
		{name: "NoValues", data: "Tcp: ActiveOpens\n", wantErr: "without its values"},
		{name: "Mismatch", data: "Tcp: ActiveOpens PassiveOpens\nTcp: 1\n", wantErr: "differ in length"},
		{name: "BadValue", data: "Tcp: ActiveOpens\nTcp: x\n", wantErr: "Tcp_ActiveOpens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNetstat(nil, tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("parseNetstat = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := parseSnmp6(nil, "Ip6InReceives\n"); err == nil {
		t.Error("parseSnmp6 accepted a line without a value")
	}
}

func BenchmarkNetstat(b *testing.B) {
	ctx := fixtureCtx(b, "testdata/proc")
	for b.Loop() {
		r := newRun(ctx, testInstance)
		if err := (netstatCollector{}).update(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
