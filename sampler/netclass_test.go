package sampler

import (
	"reflect"
	"slices"
	"syscall"
	"testing"
)

func TestNetclassFixture(t *testing.T) {
	got := collectOK(t, envCtx(t, "", "testdata/sys", ""), "netclass")
	checkSamples(t, got, map[string]float64{
		key("node_network_info", "address", "52:54:00:12:34:56", "broadcast", "ff:ff:ff:ff:ff:ff", "device", "eth0",
			"duplex", "full", "ifalias", "uplink", "operstate", "up"): 1,
		key("node_network_up", "device", "eth0"):                         1,
		key("node_network_carrier", "device", "eth0"):                    1,
		key("node_network_carrier_changes_total", "device", "eth0"):      4,
		key("node_network_carrier_up_changes_total", "device", "eth0"):   2,
		key("node_network_carrier_down_changes_total", "device", "eth0"): 2,
		key("node_network_mtu_bytes", "device", "eth0"):                  1500,
		key("node_network_speed_bytes", "device", "eth0"):                125e6,
		key("node_network_info", "address", "00:00:00:00:00:00", "broadcast", "00:00:00:00:00:00", "device", "lo",
			"operstate", "unknown"): 1,
		key("node_network_up", "device", "lo"):                    0, // operstate unknown, as node_exporter
		key("node_network_carrier", "device", "lo"):               1,
		key("node_network_carrier_changes_total", "device", "lo"): 0,
		key("node_network_mtu_bytes", "device", "lo"):             65536,
		// Down: no carrier, speed or duplex (the kernel answers EINVAL).
		key("node_network_info", "address", "62:f4:85:32:b2:68", "broadcast", "ff:ff:ff:ff:ff:ff", "device", "ifb0",
			"operstate", "down"): 1,
		key("node_network_up", "device", "ifb0"):                    0,
		key("node_network_carrier_changes_total", "device", "ifb0"): 0,
		key("node_network_mtu_bytes", "device", "ifb0"):             1500,
		// The properties node_exporter reads from sysfs too (flags in
		// hex there); dormant only for a device that is up.
		key("node_network_transmit_queue_length", "device", "eth0"): 1000,
		key("node_network_iface_id", "device", "eth0"):              2,
		key("node_network_iface_link", "device", "eth0"):            2,
		key("node_network_iface_link_mode", "device", "eth0"):       0,
		key("node_network_net_dev_group", "device", "eth0"):         0,
		key("node_network_protocol_type", "device", "eth0"):         1,
		key("node_network_dormant", "device", "eth0"):               0,
		key("node_network_flags", "device", "eth0"):                 0x1003,
		key("node_network_transmit_queue_length", "device", "ifb0"): 32,
		key("node_network_iface_id", "device", "ifb0"):              3,
		key("node_network_iface_link", "device", "ifb0"):            3,
		key("node_network_iface_link_mode", "device", "ifb0"):       0,
		key("node_network_net_dev_group", "device", "ifb0"):         0,
		key("node_network_protocol_type", "device", "ifb0"):         1,
		key("node_network_flags", "device", "ifb0"):                 0x82,
	})
	// No /sys/class/net (a container without sysfs): nothing, no error.
	if got := collectOK(t, envCtx(t, "", t.TempDir(), ""), "netclass"); len(got) != 0 {
		t.Errorf("without sysfs: %v", got)
	}
}

func TestConvertNetclass(t *testing.T) {
	r := &run{instance: testInstance}
	if err := convertNetclass(&netIface{device: "eth0", speed: "-1"}, r); err != nil {
		t.Fatal(err)
	}
	// node_exporter converts the kernel's "unknown" (-1 Mbit/s) as it is.
	if got := byKey(t, r.samples)[key("node_network_speed_bytes", "device", "eth0")]; got != -125000 {
		t.Errorf("speed = %v, want -125000", got)
	}
	if err := convertNetclass(&netIface{device: "eth0", mtu: "big"}, &run{}); err == nil {
		t.Error("a malformed mtu was accepted")
	}
}

// TestNetclassNetlinkEqualsSysfs: on this host, the rtnetlink dump gives
// every interface exactly the attributes its sysfs files give.
func TestNetclassNetlinkEqualsSysfs(t *testing.T) {
	r := newRun(t.Context(), testInstance)
	if r.sys != "/sys" {
		t.Skip("HOST_SYS is set")
	}
	for attempt := 0; ; attempt++ {
		nl, err := netlinkIfaces(r)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := sysfsIfaces(r)
		if err != nil {
			t.Fatal(err)
		}
		for i := range nl {
			nl[i].flags = 0
		}
		if len(nl) == 0 {
			t.Fatal("no interfaces")
		}
		if slices.Equal(nl, fs) {
			return
		}
		if attempt == 3 { // carrier counts may move between the reads
			t.Fatalf("netlink:\n%+v\nsysfs:\n%+v", nl, fs)
		}
	}
}

func TestParseNetlinkLinksGarbage(t *testing.T) {
	if _, err := parseNetlinkLinks([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}); err == nil {
		t.Error("garbage parsed")
	}
	if got := hexColons([]byte{0x02, 0xfc, 0, 0xab}); got != "02:fc:00:ab" {
		t.Errorf("hexColons = %q", got)
	}
}

// TestLinkAttrsAsSyscall: linkAttrs walks this host's link dump, and a
// message whose last attribute claims more bytes than there are, exactly as
// syscall.ParseNetlinkRouteAttr lists them.
func TestLinkAttrsAsSyscall(t *testing.T) {
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		t.Fatal(err)
	}
	bad := syscall.NetlinkMessage{Header: syscall.NlMsghdr{Type: syscall.RTM_NEWLINK}, Data: make([]byte, syscall.SizeofIfInfomsg+16)}
	bad.Data[syscall.SizeofIfInfomsg] = 8    // an 8-byte attribute,
	bad.Data[syscall.SizeofIfInfomsg+8] = 12 // then one of 12 bytes
	msgs = append(msgs, bad, syscall.NetlinkMessage{Header: bad.Header, Data: bad.Data[:syscall.SizeofIfInfomsg+8]})
	links := 0
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		links++
		want, wantErr := syscall.ParseNetlinkRouteAttr(m)
		var got []syscall.NetlinkRouteAttr
		attrs := linkAttrs{b: m.Data[syscall.SizeofIfInfomsg:]}
		for typ, v, ok := attrs.next(); ok; typ, v, ok = attrs.next() {
			got = append(got, syscall.NetlinkRouteAttr{Attr: syscall.RtAttr{Len: uint16(len(v) + syscall.SizeofRtAttr), Type: typ}, Value: v})
		}
		if wantErr != nil {
			if attrs.err != wantErr {
				t.Errorf("message %d: error %v, want %v", i, attrs.err, wantErr)
			}
			continue
		}
		if attrs.err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("message %d: %v, %v; want %v", i, got, attrs.err, want)
		}
	}
	if links < 3 { // this host's links and the two made up
		t.Fatalf("%d links", links)
	}
}
