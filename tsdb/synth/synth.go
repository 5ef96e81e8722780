// Package synth generates realistic host history, minute by minute, with the
// series srvmon records and values that move the way a real server's do:
// counters in the kernel's units (USER_HZ ticks, 512-byte sectors,
// milliseconds), memory in pages, slowly drifting gauges, mostly-zero error
// counters. Benchmarks and size tests use it to build stores through the
// real code paths without waiting a month.
package synth

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// Host describes the machine to simulate.
type Host struct {
	Instance string
	CPUs     int
	Disks    []string
	Mounts   []string
	Ifaces   []string
	// Processes, when not 0, adds the series of the process and cgroup
	// collectors with this many top processes per sample set (see
	// procs.go). Off by default: tests that count the synthetic host's
	// series or bytes keep their figures.
	Processes int
}

// DefaultHost is a small server: 4 cores, 2 disks, 3 filesystems, 3
// network interfaces (about 240 series, as srvmon records on such a host).
func DefaultHost() Host {
	return Host{Instance: "web1", CPUs: 4, Disks: []string{"sda", "nvme0n1"},
		Mounts: []string{"/", "/boot", "/var"}, Ifaces: []string{"eth0", "eth1", "lo"}}
}

type kind int

const (
	counter kind = iota // grows by a random step each minute
	gauge               // random walk within bounds
	constant
	clock // grows by exactly step each minute, plus a fresh jitter in [0, lo)
)

// model is how one series' value evolves.
type model struct {
	ser   tsdb.Series
	kind  kind
	v     float64
	step  float64 // mean increase per minute (counter) or walk scale (gauge)
	quant float64 // values are multiples of quant
	lo    float64
	hi    float64
	zero  float64    // probability that a counter does not move in a minute
	rng   *rand.Rand // nil: the generator's
}

// Generator produces sample sets for consecutive minutes.
type Generator struct {
	models []*model
	rng    *rand.Rand
	procs  *procState // nil without Host.Processes
	inst   string
	clock  time.Time // the time Next gives the processes' sample sets
}

// gib is a gibibyte, in bytes.
const gib = 1 << 30

// New returns a generator for h, deterministic for a seed.
func New(h Host, seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, 0x5eed)), inst: h.Instance, clock: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	inst := h.Instance
	add := func(m *model) {
		m.ser = m.ser.With("instance", inst)
		g.models = append(g.models, m)
	}
	addCPUFamilies(h, add)
	addMemoryFamilies(add)
	addDiskFamilies(h, add)
	addNetworkFamilies(h, add)
	addSystemFamilies(add)
	addKernelFamilies(h, add)
	// The dashboard families draw from their own source, so that the
	// values of the series above stay what they were before these joined.
	dash := rand.New(rand.NewPCG(seed, 0xda5b))
	addDashboardFamilies(h, func(m *model) { m.rng = dash; add(m) })
	addCollectorFamilies(add)
	if h.Processes > 0 {
		g.procs = newProcState(h.Processes, g.models, seed)
	}
	return g
}

// addCPUFamilies adds the CPU time per core and mode, for the host, the
// guest time and the load averages.
func addCPUFamilies(h Host, add func(*model)) {
	modes := []struct {
		mode string
		step float64 // seconds per minute per core
	}{{"user", 6}, {"nice", 0.05}, {"system", 2}, {"idle", 50}, {"iowait", 0.8}, {"irq", 0}, {"softirq", 0.3}, {"steal", 0}}
	for _, m := range modes {
		for c := 0; c < h.CPUs; c++ {
			add(&model{ser: tsdb.NewSeries("node_cpu_seconds_total", "cpu", strconv.Itoa(c), "mode", m.mode),
				kind: counter, v: 1e5 * m.step / 60, step: m.step, quant: 0.01, zero: zeroIf(m.step)})
		}
		add(&model{ser: tsdb.NewSeries("srvmon_cpu_seconds_total", "mode", m.mode), kind: counter,
			v: 4e5 * m.step / 60, step: m.step * float64(h.CPUs), quant: 0.01, zero: zeroIf(m.step)})
	}
	for c := 0; c < h.CPUs; c++ {
		for _, m := range []string{"user", "nice"} {
			add(&model{ser: tsdb.NewSeries("node_cpu_guest_seconds_total", "cpu", strconv.Itoa(c), "mode", m), kind: constant})
		}
	}
	for _, n := range []string{"node_load1", "node_load5", "node_load15"} {
		add(&model{ser: tsdb.NewSeries(n), kind: gauge, v: 0.8, step: 0.1, quant: 0.01, lo: 0, hi: 8})
	}
}

// addMemoryFamilies adds the meminfo and vmstat series.
func addMemoryFamilies(add func(*model)) {
	mem := []struct {
		name     string
		v, scale float64
		k        kind
	}{
		{"MemTotal", 16 * gib, 0, constant}, {"MemFree", 2 * gib, 8 << 20, gauge}, {"MemAvailable", 9 * gib, 8 << 20, gauge},
		{"Buffers", 300 << 20, 1 << 20, gauge}, {"Cached", 6 * gib, 4 << 20, gauge}, {"SwapCached", 0, 0, constant},
		{"Active", 7 * gib, 4 << 20, gauge}, {"Inactive", 5 * gib, 4 << 20, gauge}, {"Dirty", 1 << 20, 256 << 10, gauge},
		{"Writeback", 0, 0, constant}, {"Shmem", 200 << 20, 64 << 10, gauge}, {"Slab", 500 << 20, 256 << 10, gauge},
		{"SReclaimable", 350 << 20, 256 << 10, gauge}, {"SUnreclaim", 150 << 20, 64 << 10, gauge},
		{"PageTables", 40 << 20, 64 << 10, gauge}, {"Mapped", 800 << 20, 1 << 20, gauge},
		{"CommitLimit", 10 * gib, 0, constant}, {"Committed_AS", 8 * gib, 4 << 20, gauge},
		{"SwapTotal", 2 * gib, 0, constant}, {"SwapFree", 2*gib - 64<<20, 0, constant},
	}
	for _, m := range mem {
		add(&model{ser: tsdb.NewSeries("node_memory_" + m.name + "_bytes"), kind: m.k, v: m.v, step: m.scale,
			quant: 4096, lo: m.v / 2, hi: m.v * 1.5})
	}
	add(&model{ser: tsdb.NewSeries("node_memory_HugePages_Total"), kind: constant})
	for _, v := range []struct {
		name string
		step float64
	}{{"pgpgin", 2000}, {"pgpgout", 8000}, {"pswpin", 0}, {"pswpout", 0}, {"pgfault", 3e5}, {"pgmajfault", 2}, {"oom_kill", 0}} {
		add(&model{ser: tsdb.NewSeries("node_vmstat_" + v.name), kind: counter, v: 1e4 * v.step, step: v.step, quant: 1, zero: zeroIf(v.step)})
	}
}

// addDiskFamilies adds the counters of each disk and the sizes of each
// mount.
func addDiskFamilies(h Host, add func(*model)) {
	for _, d := range h.Disks {
		for _, c := range []struct {
			name        string
			step, quant float64
		}{
			{"reads_completed_total", 40, 1}, {"reads_merged_total", 5, 1}, {"read_bytes_total", 40 * 16384, 512},
			{"read_time_seconds_total", 0.02, 0.001}, {"writes_completed_total", 300, 1}, {"writes_merged_total", 80, 1},
			{"written_bytes_total", 300 * 8192, 512}, {"write_time_seconds_total", 0.3, 0.001},
			{"io_time_seconds_total", 0.25, 0.001}, {"io_time_weighted_seconds_total", 0.35, 0.001},
			{"discarded_sectors_total", 0, 1},
		} {
			add(&model{ser: tsdb.NewSeries("node_disk_"+c.name, "device", d), kind: counter, v: 1e4 * c.step,
				step: c.step, quant: c.quant, zero: zeroIf(c.step)})
		}
		add(&model{ser: tsdb.NewSeries("node_disk_io_now", "device", d), kind: gauge, v: 0, step: 0.3, quant: 1, lo: 0, hi: 4})
	}
	for i, mnt := range h.Mounts {
		dev := "/dev/sda" + strconv.Itoa(i+1)
		size := float64(int64(50+100*i) * gib)
		labels := []string{"device", dev, "fstype", "ext4", "mountpoint", mnt}
		add(&model{ser: tsdb.NewSeries("node_filesystem_size_bytes", labels...), kind: constant, v: size})
		add(&model{ser: tsdb.NewSeries("node_filesystem_free_bytes", labels...), kind: gauge, v: size / 2, step: 2 << 20, quant: 4096, lo: 0, hi: size})
		add(&model{ser: tsdb.NewSeries("node_filesystem_avail_bytes", labels...), kind: gauge, v: size/2 - size/20, step: 2 << 20, quant: 4096, lo: 0, hi: size})
		add(&model{ser: tsdb.NewSeries("node_filesystem_files", labels...), kind: constant, v: size / 16384})
		add(&model{ser: tsdb.NewSeries("node_filesystem_files_free", labels...), kind: gauge, v: size / 20000, step: 20, quant: 1, lo: 0, hi: size / 16384})
		add(&model{ser: tsdb.NewSeries("node_filesystem_readonly", labels...), kind: constant})
	}
}

// addNetworkFamilies adds the counters of each network interface.
func addNetworkFamilies(h Host, add func(*model)) {
	for _, iface := range h.Ifaces {
		scale := 1.0
		if iface == "eth1" {
			scale = 0.05
		}
		addNetworkCounters(iface, scale, []networkCounter{
			{"receive_bytes_total", 3e7}, {"transmit_bytes_total", 5e7}, {"receive_packets_total", 3e4},
			{"transmit_packets_total", 4e4}, {"receive_errs_total", 0}, {"transmit_errs_total", 0},
			{"receive_drop_total", 0.02}, {"transmit_drop_total", 0},
		}, add)
	}
}

// networkCounter is a counter node_network_NAME of an interface and what
// it grows by per second.
type networkCounter struct {
	name string
	step float64
}

// addNetworkCounters adds the counters of iface, their steps scaled by
// scale.
func addNetworkCounters(iface string, scale float64, counters []networkCounter, add func(*model)) {
	for _, c := range counters {
		add(&model{ser: tsdb.NewSeries("node_network_"+c.name, "device", iface), kind: counter, v: 1e4 * c.step * scale,
			step: c.step * scale, quant: 1, zero: zeroIf(c.step * scale)})
	}
}

// addSystemFamilies adds the context switches, interrupts, forks,
// processes and the boot.
func addSystemFamilies(add func(*model)) {
	for _, c := range []struct {
		name string
		step float64
	}{{"node_context_switches_total", 6e5}, {"node_intr_total", 4e5}, {"node_forks_total", 300}} {
		add(&model{ser: tsdb.NewSeries(c.name), kind: counter, v: 1e4 * c.step, step: c.step, quant: 1})
	}
	add(&model{ser: tsdb.NewSeries("node_procs_running"), kind: gauge, v: 2, step: 1, quant: 1, lo: 1, hi: 10})
	add(&model{ser: tsdb.NewSeries("node_procs_blocked"), kind: gauge, v: 0, step: 0.3, quant: 1, lo: 0, hi: 3})
	add(&model{ser: tsdb.NewSeries("srvmon_processes"), kind: gauge, v: 400, step: 3, quant: 1, lo: 300, hi: 600})
	add(&model{ser: tsdb.NewSeries("node_boot_time_seconds"), kind: constant, v: 1.7e9})
	add(&model{ser: tsdb.NewSeries(metric.BootInfo, "boot_id", "5b0c2a6e-7f0e-4f4e-9d8b-1f2e3d4c5b6a"), kind: constant, v: 1})
}

// addCollectorFamilies adds each collector's duration and success.
func addCollectorFamilies(add func(*model)) {
	for _, c := range []string{"boot", "cpu", "diskstats", "filesystem", "load", "meminfo", "netdev", "stat", "vmstat",
		"pressure", "netstat", "sockstat", "softnet", "filefd", "netclass", "conntrack", "entropy", "timex", "uname", "os",
		"hwmon", "thermal", "cpufreq", "arp", "time", "process"} {
		add(&model{ser: tsdb.NewSeries("node_scrape_collector_duration_seconds", "collector", c), kind: gauge,
			v: 0.0002, step: 0.00005, quant: 1e-6, lo: 0.00002, hi: 0.002})
		add(&model{ser: tsdb.NewSeries("node_scrape_collector_success", "collector", c), kind: constant, v: 1})
	}
}

// addKernelFamilies adds the series of the pressure, netstat, sockstat,
// softnet, filefd, netclass, conntrack, entropy, timex, uname, os, hwmon,
// thermal and cpufreq collectors: mostly idle error counters, busy packet counters, socket and
// file counts that wander, link state and info series that never change.
func addKernelFamilies(h Host, add func(*model)) {
	for _, p := range []struct {
		name string
		step float64 // seconds stalled per minute
	}{{"cpu_waiting", 0.6}, {"cpu_stalled", 0}, {"io_waiting", 0.2}, {"io_stalled", 0.1}, {"memory_waiting", 0.01}, {"memory_stalled", 0.005}} {
		add(&model{ser: tsdb.NewSeries("node_pressure_" + p.name + "_seconds_total"), kind: counter, v: 1e4 * p.step,
			step: p.step, quant: 1e-6, zero: zeroIf(p.step)})
	}
	addSocketFamilies(h, add)
	add(&model{ser: tsdb.NewSeries("node_filefd_allocated"), kind: gauge, v: 3000, step: 20, quant: 1, lo: 1000, hi: 9000})
	add(&model{ser: tsdb.NewSeries("node_filefd_maximum"), kind: constant, v: 9223372036854775807})
	add(&model{ser: tsdb.NewSeries("srvmon_inodes"), kind: gauge, v: 80000, step: 100, quant: 1, lo: 40000, hi: 200000})
	add(&model{ser: tsdb.NewSeries("srvmon_inodes_free"), kind: gauge, v: 2000, step: 20, quant: 1, lo: 0, hi: 10000})
	add(&model{ser: tsdb.NewSeries("srvmon_dentries"), kind: gauge, v: 150000, step: 200, quant: 1, lo: 50000, hi: 400000})
	add(&model{ser: tsdb.NewSeries("srvmon_dentries_unused"), kind: gauge, v: 100000, step: 200, quant: 1, lo: 20000, hi: 300000})
	add(&model{ser: tsdb.NewSeries("srvmon_ptys"), kind: constant, v: 2})
	addNetclassFamilies(h, add)
	add(&model{ser: tsdb.NewSeries("node_nf_conntrack_entries"), kind: gauge, v: 300, step: 10, quant: 1, lo: 0, hi: 5000})
	add(&model{ser: tsdb.NewSeries("node_nf_conntrack_entries_limit"), kind: constant, v: 262144})
	add(&model{ser: tsdb.NewSeries("node_entropy_available_bits"), kind: constant, v: 256})
	add(&model{ser: tsdb.NewSeries("node_entropy_pool_size_bits"), kind: constant, v: 256})
	add(&model{ser: tsdb.NewSeries("node_timex_sync_status"), kind: constant, v: 1})
	add(&model{ser: tsdb.NewSeries("node_timex_offset_seconds"), kind: gauge, v: 0, step: 2e-5, quant: 1e-9, lo: -1e-3, hi: 1e-3})
	add(&model{ser: tsdb.NewSeries("node_timex_frequency_adjustment_ratio"), kind: gauge, v: 1, step: 1e-8, quant: 1e-9, lo: 0.9999, hi: 1.0001})
	add(&model{ser: tsdb.NewSeries("node_timex_maxerror_seconds"), kind: gauge, v: 0.01, step: 0.002, quant: 1e-6, lo: 0, hi: 0.1})
	add(&model{ser: tsdb.NewSeries("node_timex_estimated_error_seconds"), kind: gauge, v: 1e-4, step: 1e-5, quant: 1e-6, lo: 0, hi: 1e-3})
	add(&model{ser: tsdb.NewSeries("node_timex_status"), kind: constant, v: 0x2001})
	add(&model{ser: tsdb.NewSeries("node_timex_loop_time_constant"), kind: constant, v: 7})
	add(&model{ser: tsdb.NewSeries("node_timex_tick_seconds"), kind: constant, v: 0.01})
	add(&model{ser: tsdb.NewSeries("node_timex_tai_offset_seconds"), kind: constant, v: 37})
	add(&model{ser: tsdb.NewSeries("node_uname_info", "domainname", "(none)", "machine", "x86_64", "nodename", h.Instance,
		"release", "6.1.0-18-amd64", "sysname", "Linux", "version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"), kind: constant, v: 1})
	add(&model{ser: tsdb.NewSeries("node_os_info", "id", "debian", "name", "Debian GNU/Linux", "pretty_name", "Debian GNU/Linux 12 (bookworm)",
		"version", "12 (bookworm)", "version_codename", "bookworm", "version_id", "12"), kind: constant, v: 1})
	add(&model{ser: tsdb.NewSeries("node_os_version", "id", "debian", "name", "Debian GNU/Linux"), kind: constant, v: 12})
	addSensorFamilies(h, add)
}

// addSocketFamilies adds the netstat, sockstat and softnet series.
func addSocketFamilies(h Host, add func(*model)) {
	for _, c := range []struct {
		name string
		step float64 // per minute
	}{
		{"Tcp_ActiveOpens", 60}, {"Tcp_PassiveOpens", 120}, {"Tcp_AttemptFails", 0.5}, {"Tcp_EstabResets", 2},
		{"Tcp_InSegs", 4e4}, {"Tcp_OutSegs", 5e4}, {"Tcp_RetransSegs", 20}, {"Tcp_InErrs", 0}, {"Tcp_OutRsts", 10},
		{"TcpExt_ListenDrops", 0}, {"TcpExt_ListenOverflows", 0}, {"TcpExt_SyncookiesFailed", 0}, {"TcpExt_SyncookiesRecv", 0},
		{"TcpExt_SyncookiesSent", 0}, {"TcpExt_TCPSynRetrans", 1}, {"TcpExt_TCPTimeouts", 3},
		{"Udp_InDatagrams", 300}, {"Udp_OutDatagrams", 300}, {"Udp_NoPorts", 1}, {"Udp_InErrors", 0},
		{"Udp_RcvbufErrors", 0}, {"Udp_SndbufErrors", 0}, {"UdpLite_InErrors", 0},
		{"Udp6_InDatagrams", 5}, {"Udp6_OutDatagrams", 5}, {"Udp6_NoPorts", 0}, {"Udp6_InErrors", 0},
		{"Udp6_RcvbufErrors", 0}, {"Udp6_SndbufErrors", 0}, {"UdpLite6_InErrors", 0},
		{"Icmp_InMsgs", 2}, {"Icmp_OutMsgs", 2}, {"Icmp_InErrors", 0}, {"Icmp6_InMsgs", 1}, {"Icmp6_OutMsgs", 1}, {"Icmp6_InErrors", 0},
		{"IpExt_InOctets", 3e7}, {"IpExt_OutOctets", 5e7}, {"Ip6_InOctets", 2e4}, {"Ip6_OutOctets", 2e4},
	} {
		add(&model{ser: tsdb.NewSeries("node_netstat_" + c.name), kind: counter, v: 1e4 * c.step, step: c.step, quant: 1, zero: zeroIf(c.step)})
	}
	add(&model{ser: tsdb.NewSeries("node_netstat_Tcp_CurrEstab"), kind: gauge, v: 40, step: 3, quant: 1, lo: 5, hi: 200})
	add(&model{ser: tsdb.NewSeries("node_netstat_Ip_Forwarding"), kind: constant, v: 2})
	for _, g := range []struct {
		name     string
		v, step  float64
		constant bool
	}{
		{"sockets_used", 400, 5, false}, {"TCP_inuse", 50, 3, false}, {"TCP_orphan", 0, 0, true}, {"TCP_tw", 60, 8, false},
		{"TCP_alloc", 55, 3, false}, {"TCP_mem", 20, 2, false}, {"UDP_inuse", 6, 0, true}, {"UDP_mem", 2, 0, true},
		{"UDPLITE_inuse", 0, 0, true}, {"RAW_inuse", 0, 0, true}, {"FRAG_inuse", 0, 0, true}, {"FRAG_memory", 0, 0, true},
		{"TCP6_inuse", 4, 0, true}, {"UDP6_inuse", 2, 0, true}, {"UDPLITE6_inuse", 0, 0, true}, {"RAW6_inuse", 0, 0, true},
		{"FRAG6_inuse", 0, 0, true}, {"FRAG6_memory", 0, 0, true},
	} {
		m := &model{ser: tsdb.NewSeries("node_sockstat_" + g.name), kind: gauge, v: g.v, step: g.step, quant: 1, lo: 0, hi: 4 * g.v}
		if g.constant {
			m.kind = constant
		}
		add(m)
	}
	add(&model{ser: tsdb.NewSeries("node_sockstat_TCP_mem_bytes"), kind: gauge, v: 20 * 4096, step: 2 * 4096, quant: 4096, lo: 0, hi: 1 << 20})
	add(&model{ser: tsdb.NewSeries("node_sockstat_UDP_mem_bytes"), kind: constant, v: 2 * 4096})
	for c := 0; c < h.CPUs; c++ {
		cpu := strconv.Itoa(c)
		for _, n := range []struct {
			name string
			step float64
		}{{"processed", 2e4}, {"dropped", 0}, {"times_squeezed", 0.2}, {"received_rps", 0}, {"flow_limit_count", 0}} {
			add(&model{ser: tsdb.NewSeries("node_softnet_"+n.name+"_total", "cpu", cpu), kind: counter, v: 1e4 * n.step,
				step: n.step, quant: 1, zero: zeroIf(n.step)})
		}
	}
}

// addNetclassFamilies adds the netclass series of each network interface.
func addNetclassFamilies(h Host, add func(*model)) {
	for i, iface := range h.Ifaces {
		mac := fmt.Sprintf("52:54:00:00:00:%02x", i+1)
		up, speed, mtu := 1.0, 125e6, 1500.0
		if iface == "lo" {
			mac, up, mtu = "00:00:00:00:00:00", 0, 65536
		}
		add(&model{ser: tsdb.NewSeries("node_network_info", "address", mac, "broadcast", "ff:ff:ff:ff:ff:ff", "device", iface,
			"duplex", "full", "operstate", map[bool]string{true: "up", false: "unknown"}[up == 1]), kind: constant, v: 1})
		add(&model{ser: tsdb.NewSeries("node_network_up", "device", iface), kind: constant, v: up})
		add(&model{ser: tsdb.NewSeries("node_network_carrier", "device", iface), kind: constant, v: 1})
		add(&model{ser: tsdb.NewSeries("node_network_mtu_bytes", "device", iface), kind: constant, v: mtu})
		for _, n := range []string{"carrier_changes_total", "carrier_up_changes_total", "carrier_down_changes_total"} {
			add(&model{ser: tsdb.NewSeries("node_network_"+n, "device", iface), kind: constant, v: 2})
		}
		if iface != "lo" {
			add(&model{ser: tsdb.NewSeries("node_network_speed_bytes", "device", iface), kind: constant, v: speed})
		}
	}
}

// addSensorFamilies adds the hwmon, thermal and cpufreq series.
func addSensorFamilies(h Host, add func(*model)) {
	const chip = "platform_coretemp_0"
	add(&model{ser: tsdb.NewSeries("node_hwmon_chip_names", "chip", chip, "chip_name", "coretemp"), kind: constant, v: 1})
	for c := 0; c <= h.CPUs; c++ {
		sensor, label := "temp"+strconv.Itoa(c+1), "Core "+strconv.Itoa(c-1)
		if c == 0 {
			label = "Package id 0"
		}
		add(&model{ser: tsdb.NewSeries("node_hwmon_temp_celsius", "chip", chip, "sensor", sensor), kind: gauge, v: 45, step: 1, quant: 1, lo: 30, hi: 90})
		add(&model{ser: tsdb.NewSeries("node_hwmon_sensor_label", "chip", chip, "label", label, "sensor", sensor), kind: constant, v: 1})
	}
	add(&model{ser: tsdb.NewSeries("node_thermal_zone_temp", "type", "x86_pkg_temp", "zone", "0"), kind: gauge, v: 46, step: 1, quant: 1, lo: 30, hi: 90})
	for c := 0; c < h.CPUs; c++ {
		add(&model{ser: tsdb.NewSeries("node_cpu_scaling_frequency_hertz", "cpu", strconv.Itoa(c)), kind: gauge, v: 2e9, step: 3e8, quant: 1e8, lo: 8e8, hi: 3.6e9})
	}
}

// addDashboardFamilies adds what node_exporter dashboards read beyond the
// basics: the rest of meminfo (mostly constant or zero), the rest of the
// netdev and diskstats counters (mostly idle), ARP entries, node_time_seconds
// (the sample time) and the process_* of a record run from cron (a new
// process each minute).
func addDashboardFamilies(h Host, add func(*model)) {
	for _, m := range []struct {
		name     string
		v, scale float64
		k        kind
	}{
		{"Active_anon", 3 * gib, 4 << 20, gauge}, {"Inactive_anon", 1 * gib, 1 << 20, gauge},
		{"Active_file", 4 * gib, 4 << 20, gauge}, {"Inactive_file", 4 * gib, 4 << 20, gauge},
		{"Unevictable", 40 << 20, 0, constant}, {"Mlocked", 16 << 10, 0, constant},
		{"AnonPages", 3 * gib, 4 << 20, gauge}, {"KReclaimable", 350 << 20, 256 << 10, gauge},
		{"KernelStack", 20 << 20, 64 << 10, gauge}, {"SecPageTables", 0, 0, constant},
		{"NFS_Unstable", 0, 0, constant}, {"Bounce", 0, 0, constant}, {"WritebackTmp", 0, 0, constant},
		{"VmallocTotal", 32 << 40, 0, constant}, {"VmallocUsed", 80 << 20, 64 << 10, gauge},
		{"VmallocChunk", 0, 0, constant}, {"Percpu", 8 << 20, 0, constant}, {"HardwareCorrupted", 0, 0, constant},
		{"AnonHugePages", 0, 0, constant}, {"ShmemHugePages", 0, 0, constant}, {"ShmemPmdMapped", 0, 0, constant},
		{"FileHugePages", 0, 0, constant}, {"FilePmdMapped", 0, 0, constant}, {"Hugepagesize", 2 << 20, 0, constant},
		{"Hugetlb", 0, 0, constant}, {"Zswap", 0, 0, constant}, {"Zswapped", 0, 0, constant},
		{"DirectMap4k", 500 << 20, 0, constant}, {"DirectMap2M", 12 * gib, 0, constant}, {"DirectMap1G", 4 * gib, 0, constant},
	} {
		add(&model{ser: tsdb.NewSeries("node_memory_" + m.name + "_bytes"), kind: m.k, v: m.v, step: m.scale,
			quant: 4096, lo: m.v / 2, hi: m.v * 1.5})
	}
	for _, n := range []string{"Free", "Rsvd", "Surp"} {
		add(&model{ser: tsdb.NewSeries("node_memory_HugePages_" + n), kind: constant})
	}
	for _, iface := range h.Ifaces {
		addNetworkCounters(iface, 1, []networkCounter{
			{"receive_fifo_total", 0}, {"receive_frame_total", 0}, {"receive_compressed_total", 0},
			{"receive_multicast_total", 3}, {"transmit_fifo_total", 0}, {"transmit_colls_total", 0},
			{"transmit_carrier_total", 0}, {"transmit_compressed_total", 0},
		}, add)
	}
	for _, d := range h.Disks {
		for _, c := range []struct {
			name        string
			step, quant float64
		}{
			{"discards_completed_total", 0.5, 1}, {"discards_merged_total", 0, 1}, {"discard_time_seconds_total", 0.001, 0.001},
			{"flush_requests_total", 20, 1}, {"flush_requests_time_seconds_total", 0.02, 0.001},
		} {
			add(&model{ser: tsdb.NewSeries("node_disk_"+c.name, "device", d), kind: counter, v: 1e4 * c.step,
				step: c.step, quant: c.quant, zero: zeroIf(c.step)})
		}
	}
	if len(h.Ifaces) > 0 {
		add(&model{ser: tsdb.NewSeries("node_arp_entries", "device", h.Ifaces[0]), kind: gauge, v: 3, step: 0.2, quant: 1, lo: 1, hi: 8})
	}
	add(&model{ser: tsdb.NewSeries("node_time_seconds"), kind: clock, v: 1.7e9, step: 60, quant: 1})
	// A record run from cron: its own CPU seconds (a few ticks), memory
	// in pages, and a start time a fraction of a second into its minute.
	add(&model{ser: tsdb.NewSeries("process_cpu_seconds_total"), kind: gauge, v: 0.01, step: 0.01, quant: 0.01, lo: 0, hi: 0.03})
	add(&model{ser: tsdb.NewSeries("process_max_fds"), kind: constant, v: 1024})
	add(&model{ser: tsdb.NewSeries("process_open_fds"), kind: constant, v: 12})
	add(&model{ser: tsdb.NewSeries("process_resident_memory_bytes"), kind: gauge, v: 12 << 20, step: 100 << 10, quant: 4096, lo: 10 << 20, hi: 14 << 20})
	add(&model{ser: tsdb.NewSeries("process_start_time_seconds"), kind: clock, v: 1.7e9, step: 60, quant: 0.01, lo: 0.3})
	add(&model{ser: tsdb.NewSeries("process_virtual_memory_bytes"), kind: gauge, v: 1.7 * gib, step: 1 << 20, quant: 4096, lo: 1.6 * gib, hi: 1.8 * gib})
	add(&model{ser: tsdb.NewSeries("process_virtual_memory_max_bytes"), kind: constant, v: math.MaxUint64})
}

func zeroIf(step float64) float64 {
	switch {
	case step == 0:
		return 1
	case step < 1:
		return 0.9
	}
	return 0
}

// Series returns the series the generator produces in every sample set, in
// generation order (the process series, which come and go, are not among
// them).
func (g *Generator) Series() []tsdb.Series {
	out := make([]tsdb.Series, len(g.models))
	for i, m := range g.models {
		out[i] = m.ser
	}
	return out
}

// Next advances every series by one minute and returns the samples. The
// process series (Host.Processes) are those of minutes from 2024-05-01
// 00:00 UTC on; Minutes gives them its times.
func (g *Generator) Next() []tsdb.Sample {
	t := g.clock
	g.clock = g.clock.Add(time.Minute)
	return g.nextAt(t)
}

func (g *Generator) nextAt(t time.Time) []tsdb.Sample {
	out := make([]tsdb.Sample, len(g.models))
	for i, m := range g.models {
		rng := g.rng
		if m.rng != nil {
			rng = m.rng
		}
		switch m.kind {
		case counter:
			if m.zero < 1 && rng.Float64() >= m.zero {
				inc := m.step * (0.5 + rng.ExpFloat64()*0.5)
				m.v += math.Max(m.quant, math.Round(inc/m.quant)*m.quant)
			}
		case gauge:
			m.v += rng.NormFloat64() * m.step
			m.v = math.Min(math.Max(m.v, m.lo), m.hi)
		case clock:
			m.v += m.step
		}
		v := m.v
		if m.kind == clock && m.lo > 0 {
			v += rng.Float64() * m.lo
		}
		if m.quant > 0 {
			v = math.Round(v/m.quant) * m.quant
			if m.quant < 1 { // print-exact decimals, as the kernel's counters are
				digits := math.Round(-math.Log10(m.quant))
				p := math.Pow(10, digits)
				v = math.Round(v*p) / p
			}
		}
		out[i] = tsdb.Sample{Series: m.ser, Value: v}
	}
	if g.procs != nil {
		out = append(out, g.procs.samples(t, g.inst, out)...)
	}
	return out
}

// Minutes calls fn for n consecutive minutes starting at start.
func (g *Generator) Minutes(start time.Time, n int, fn func(t time.Time, samples []tsdb.Sample) error) error {
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * time.Minute)
		if err := fn(t, g.nextAt(t)); err != nil {
			return err
		}
	}
	return nil
}

// Points returns the series of n consecutive minutes from start and the
// points of each: those of Series, then those that come and go
// (Host.Processes) in order of first appearance.
func (g *Generator) Points(start time.Time, n int) ([]tsdb.Series, [][]tsdb.Point) {
	series := slices.Clip(g.Series())
	pts := make([][]tsdb.Point, len(series))
	extra := map[string]int{}
	g.Minutes(start, n, func(t time.Time, ss []tsdb.Sample) error {
		for i, smp := range ss {
			p := tsdb.Point{T: t.Unix(), V: smp.Value}
			if i < len(g.models) {
				pts[i] = append(pts[i], p)
				continue
			}
			k := smp.Series.Key()
			j, ok := extra[k]
			if !ok {
				j = len(series)
				extra[k] = j
				series = append(series, smp.Series)
				pts = append(pts, nil)
			}
			pts[j] = append(pts[j], p)
		}
		return nil
	})
	return series, pts
}

// Build fills the store in dir (created if needed) with days of history of
// h ending at the start of the UTC day of end, one Import per day, so that
// every day goes through the store's real write path: staging, head log,
// compaction into a block. It returns the number of points written.
func Build(ctx context.Context, dir string, h Host, end time.Time, days int, opts ...tsdb.Option) (int, error) {
	s, err := tsdb.Create(dir, opts...)
	if err != nil {
		return 0, err
	}
	g := New(h, 1)
	first := end.UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
	total := 0
	for d := 0; d < days; d++ {
		day := first.AddDate(0, 0, d)
		ser, pts := g.Points(day, 1440)
		n, err := s.Import(ctx, func(yield func(tsdb.Series, tsdb.Point) error) error {
			for i, ser := range ser {
				for _, p := range pts[i] {
					if err := yield(ser, p); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("build day %s: %w", day.Format(time.DateOnly), err)
		}
		total += n.Samples
	}
	return total, nil
}

// Cached returns a store of DefaultHost history of the given number of days
// ending today (UTC), built with Build under the temp directory the first
// time and reused until the day changes (benchmarks share it), and the
// number of points it holds.
func Cached(ctx context.Context, days int) (dir string, points int, err error) {
	today := time.Now().UTC().Format(time.DateOnly)
	dir = filepath.Join(os.TempDir(), "srvmon-bench", fmt.Sprintf("v4-%s-%dd", today, days))
	marker := filepath.Join(dir, ".points")
	if data, err := os.ReadFile(marker); err == nil {
		n, err := strconv.Atoi(string(data))
		return dir, n, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", 0, err
	}
	n, err := Build(ctx, dir, DefaultHost(), time.Now(), days)
	if err != nil {
		return "", 0, err
	}
	return dir, n, os.WriteFile(marker, []byte(strconv.Itoa(n)), 0o644)
}
