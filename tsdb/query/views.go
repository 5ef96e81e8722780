package query

import (
	"slices"
	"sort"
	"sync"

	"github.com/srvmon/srvmon/tsdb"
)

// colKind says how a column turns samples into values.
type colKind int

const (
	// rate columns are computed from the differences of counters between
	// two consecutive samples: num and den are sums of counter increases,
	// and a den without terms is the interval's length in seconds.
	rate colKind = iota
	// level columns are computed from the values of gauges at each sample:
	// a den without terms is 1, so the average of a bucket is the mean of
	// its samples.
	level
	// delta columns are computed from Delta series (metric.Delta), whose
	// value at a sample set is what a counter counted since the sample set
	// before: num is the value and den the time since that sample set, so
	// a bucket's average is the sum of the values over the time they cover.
	delta
)

// term is one input series of a column, with its coefficient.
type term struct {
	metric string
	mode   string // value of the series' "mode" label (cpu views); "" otherwise
	coef   float64
	// optional terms count as 0 where their series is not recorded (the
	// discard counters of kernels before 4.18).
	optional bool
}

func (t term) key() string {
	if t.mode == "" {
		return t.metric
	}
	return t.metric + "\x00" + t.mode
}

// column is one quantity of a view, such as "util" of the disk view. Its
// value at one sample (level) or one interval (rate) is scale*num/den, and
// the average over a bucket is scale*Σnum/Σden: for a rate that is the
// exact average over the time the bucket covers, computed from counters.
type column struct {
	name  string
	unit  Unit
	kind  colKind
	num   []term
	den   []term  // nil: seconds (rate) or 1 (level)
	scale float64 // 0 means 1
	zero  float64 // the value when den is 0 (await with no I/O is 0, as in sar)
	clamp bool    // a negative num counts as 0 (memory used, as sysstat computes it)
	// counted says that Σnum is something counted (bytes, operations, CPU
	// seconds), in unit counts: the column's total over a range, and its
	// values with --agg sum. Gauges, await and queue sizes count nothing.
	counted bool
	counts  Unit
}

// totalUnit returns the unit of what a rate of unit u counts.
func totalUnit(u Unit) Unit {
	switch u {
	case BytesPerSecond:
		return Bytes
	case PerSecond:
		return Count
	}
	return Seconds // CPU and busy seconds, seconds per second
}

// value returns the column's value for the sums num and den.
func (c *column) value(num, den float64) float64 {
	if den == 0 {
		return c.zero
	}
	if c.scale != 0 {
		return c.scale * num / den
	}
	return num / den
}

// busy tells how Summarize ranks the intervals of a view: by the column
// named col of every series, transformed by f and combined across series
// (instances, devices) by summing or taking the maximum.
type busy struct {
	col     string
	f       func(float64) float64 // nil: the value itself
	sum     bool                  // combine by sum; else by mean (avg) or max
	mean    bool
	exclude func(labels []tsdb.Label) bool // series left out of the ranking
	desc    string                         // what the ranking measures, for Summary.BusiestBy
}

// view is a named group of columns computed from raw series.
type view struct {
	name    string
	help    string
	metrics []string // input metrics: those the columns name (inputMetrics)
	byMode  bool     // inputs are told apart by their "mode" label (cpu)
	// filterLabel is the label that Options.Devices, Mounts or Interfaces
	// select on, and filterParam which of them (as a parameter's name).
	filterLabel string
	filterParam string
	// extra labels added to every group (cpu="all").
	extra   []tsdb.Label
	columns []column
	busy    busy
	// totals are the columns of a report's totals line (Summary.Totals);
	// nil: every column that counts something.
	totals []string
}

var cpuModes = []string{"user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle"}

func cpuView(name, metric string, extra []tsdb.Label) *view {
	all := make([]term, len(cpuModes))
	for i, m := range cpuModes {
		all[i] = term{metric: metric, mode: m, coef: 1}
	}
	v := &view{name: name, byMode: true, extra: extra,
		busy:   busy{col: "idle", f: func(x float64) float64 { return 100 - x }, mean: true, desc: "100-idle"},
		totals: cpuModes} // CPU seconds by mode
	for _, m := range cpuModes {
		v.columns = append(v.columns, column{name: m, unit: Percent, kind: rate,
			num: []term{{metric: metric, mode: m, coef: 1}}, den: all, scale: 100, zero: nan, counted: true, counts: Seconds})
	}
	// busy is every mode but idle: the top of the modes stacked, 100-idle.
	v.columns = append(v.columns, column{name: "busy", unit: Percent, kind: rate, num: all[:len(all)-1], den: all, scale: 100, zero: nan, counted: true, counts: Seconds})
	v.metrics = v.inputMetrics()
	return v
}

func counter(name string, unit Unit, metric string, coef float64) column {
	return column{name: name, unit: unit, kind: rate, num: []term{{metric: metric, coef: coef}}, counted: true, counts: totalUnit(unit)}
}

// stalled is a PSI column: the % of the interval that a stall-time counter
// (seconds) grew by.
func stalled(name, metric string) column {
	return column{name: name, unit: Percent, kind: rate, num: []term{{metric: metric, coef: 1}}, scale: 100}
}

func gauge(name string, unit Unit, metric string) column {
	return column{name: name, unit: unit, kind: level, num: []term{{metric: metric, coef: 1}}}
}

func tm(metric string, coef float64) term { return term{metric: metric, coef: coef} }

func optional(metric string) term { return term{metric: metric, coef: 1, optional: true} }

// memUsed is sysstat's kbmemused (sysstat 12.6, pr_stats.c and rd_stats.c):
// MemTotal - MemFree - Buffers - Cached - Slab, never below 0, where Cached
// is /proc/meminfo's Cached line alone (not SReclaimable).
var memUsed = []term{
	tm("node_memory_MemTotal_bytes", 1), tm("node_memory_MemFree_bytes", -1), tm("node_memory_Buffers_bytes", -1),
	tm("node_memory_Cached_bytes", -1), tm("node_memory_Slab_bytes", -1),
}

var swapUsed = []term{tm("node_memory_SwapTotal_bytes", 1), tm("node_memory_SwapFree_bytes", -1)}

var fsUsed = []term{tm("node_filesystem_size_bytes", 1), tm("node_filesystem_free_bytes", -1)}

// allViews returns the views by name. "cpu" is replaced by "cpu-per-cpu"
// when Options.PerCPU is set. They are built at first use rather than at
// package init, which every srvmon process would pay, a one-shot record
// that never queries included (BenchmarkRecordOneShot).
var allViews = sync.OnceValue(func() map[string]*view {
	views := viewTable()
	for _, v := range views {
		v.metrics = v.inputMetrics()
	}
	return views
})

// inputMetrics returns the metrics that the columns of v read, each once.
func (v *view) inputMetrics() []string {
	var metrics []string
	for _, c := range v.columns {
		for _, t := range slices.Concat(c.num, c.den) {
			if !slices.Contains(metrics, t.metric) {
				metrics = append(metrics, t.metric)
			}
		}
	}
	return metrics
}

// viewTable returns the views by name, as allViews without their input
// metrics.
func viewTable() map[string]*view {
	return map[string]*view{
		"cpu": withHelp(cpuView("cpu", "srvmon_cpu_seconds_total", []tsdb.Label{{Name: "cpu", Value: "all"}}),
			"% user, nice, system, iowait, irq, softirq, steal, idle (sar -u, -P), and busy (all but idle)"),
		"load": {
			name: "load", help: "load averages 1, 5, 15 min, number of tasks (sar -q)",
			columns: []column{
				gauge("load1", Count, "node_load1"), gauge("load5", Count, "node_load5"),
				gauge("load15", Count, "node_load15"), gauge("tasks", Count, "srvmon_processes"),
			},
			busy: busy{col: "load1", desc: "load1"},
		},
		"mem": {
			name: "mem", help: "used (as sar -r), free, available, buffers, cached, % used",
			columns: []column{
				{name: "used", unit: Bytes, kind: level, num: memUsed, clamp: true},
				gauge("free", Bytes, "node_memory_MemFree_bytes"),
				gauge("available", Bytes, "node_memory_MemAvailable_bytes"),
				gauge("buffers", Bytes, "node_memory_Buffers_bytes"),
				gauge("cached", Bytes, "node_memory_Cached_bytes"),
				{name: "%used", unit: Percent, kind: level, num: memUsed, den: []term{tm("node_memory_MemTotal_bytes", 1)}, scale: 100, clamp: true},
			},
			busy: busy{col: "%used", desc: "%used"},
		},
		"swap": {
			name: "swap", help: "swap used, free, % used, cached (sar -S)",
			columns: []column{
				{name: "used", unit: Bytes, kind: level, num: swapUsed},
				gauge("free", Bytes, "node_memory_SwapFree_bytes"),
				{name: "%used", unit: Percent, kind: level, num: swapUsed, den: []term{tm("node_memory_SwapTotal_bytes", 1)}, scale: 100},
				gauge("cached", Bytes, "node_memory_SwapCached_bytes"),
			},
			busy: busy{col: "%used", desc: "%used"},
		},
		"paging": {
			name: "paging", help: "paged in/out bytes/s, faults/s, swapped pages/s (sar -B, -W)",
			columns: []column{
				counter("pgin/s", BytesPerSecond, "node_vmstat_pgpgin", 1024),
				counter("pgout/s", BytesPerSecond, "node_vmstat_pgpgout", 1024),
				counter("fault/s", PerSecond, "node_vmstat_pgfault", 1),
				counter("majflt/s", PerSecond, "node_vmstat_pgmajfault", 1),
				counter("pswpin/s", PerSecond, "node_vmstat_pswpin", 1),
				counter("pswpout/s", PerSecond, "node_vmstat_pswpout", 1),
			},
			busy: busy{col: "majflt/s", sum: true, desc: "majflt/s"},
		},
		"disk": {
			name: "disk", help: "per device: r/s, w/s, bytes/s, % util, await, queue (sar -d)",
			filterLabel: "device", filterParam: "device",
			columns: []column{
				counter("r/s", PerSecond, "node_disk_reads_completed_total", 1),
				counter("w/s", PerSecond, "node_disk_writes_completed_total", 1),
				counter("rbytes/s", BytesPerSecond, "node_disk_read_bytes_total", 1),
				counter("wbytes/s", BytesPerSecond, "node_disk_written_bytes_total", 1),
				{name: "util", unit: Percent, kind: rate, num: []term{tm("node_disk_io_time_seconds_total", 1)}, scale: 100, counted: true, counts: Seconds},
				// await as sysstat 12 computes it: the time of reads, writes
				// and discards over their number.
				{name: "await", unit: Seconds, kind: rate,
					num: []term{tm("node_disk_read_time_seconds_total", 1), tm("node_disk_write_time_seconds_total", 1),
						optional("node_disk_discard_time_seconds_total")},
					den: []term{tm("node_disk_reads_completed_total", 1), tm("node_disk_writes_completed_total", 1),
						optional("node_disk_discards_completed_total")}},
				{name: "aqu-sz", unit: Count, kind: rate, num: []term{tm("node_disk_io_time_weighted_seconds_total", 1)}},
			},
			busy:   busy{col: "util", desc: "max util"},
			totals: []string{"rbytes/s", "wbytes/s"},
		},
		"fs": {
			name: "fs", help: "per mount: size, used, available, % used (as df), % inodes used, sar -F's %fsused and %ufsused",
			filterLabel: "mountpoint", filterParam: "mount",
			columns: []column{
				gauge("size", Bytes, "node_filesystem_size_bytes"),
				{name: "used", unit: Bytes, kind: level, num: fsUsed},
				gauge("avail", Bytes, "node_filesystem_avail_bytes"),
				// df's Use%: used over what a user could fill, so that a
				// filesystem with reserved blocks reads as df says.
				{name: "%used", unit: Percent, kind: level, num: fsUsed, den: append(slices.Clone(fsUsed), tm("node_filesystem_avail_bytes", 1)), scale: 100},
				{name: "%iused", unit: Percent, kind: level,
					num:   []term{tm("node_filesystem_files", 1), tm("node_filesystem_files_free", -1)},
					den:   []term{tm("node_filesystem_files", 1)},
					scale: 100},
				// sar -F's %fsused (used over size) and %ufsused (what a user
				// cannot fill over size).
				{name: "%fsused", unit: Percent, kind: level, num: fsUsed, den: []term{tm("node_filesystem_size_bytes", 1)}, scale: 100},
				{name: "%ufsused", unit: Percent, kind: level,
					num:   []term{tm("node_filesystem_size_bytes", 1), tm("node_filesystem_avail_bytes", -1)},
					den:   []term{tm("node_filesystem_size_bytes", 1)},
					scale: 100},
			},
			busy: busy{col: "%used", desc: "%used"},
		},
		"net": {
			name: "net", help: "per interface: rx/tx bytes, packets, errors, drops /s (sar -n)",
			filterLabel: "device", filterParam: "interface",
			columns: []column{
				counter("rxbytes/s", BytesPerSecond, "node_network_receive_bytes_total", 1),
				counter("txbytes/s", BytesPerSecond, "node_network_transmit_bytes_total", 1),
				counter("rxpck/s", PerSecond, "node_network_receive_packets_total", 1),
				counter("txpck/s", PerSecond, "node_network_transmit_packets_total", 1),
				counter("rxerr/s", PerSecond, "node_network_receive_errs_total", 1),
				counter("txerr/s", PerSecond, "node_network_transmit_errs_total", 1),
				counter("rxdrop/s", PerSecond, "node_network_receive_drop_total", 1),
				counter("txdrop/s", PerSecond, "node_network_transmit_drop_total", 1),
			},
			busy:   busy{col: "rxbytes/s", sum: true, exclude: isLoopback, desc: "rx bytes/s"},
			totals: []string{"rxbytes/s", "txbytes/s"},
		},
		"pressure": {
			name: "pressure", help: "% of time some tasks (s) or all tasks (f) stalled on CPU, I/O, memory (PSI; sar -q CPU,IO,MEM)",
			columns: []column{
				stalled("%scpu", "node_pressure_cpu_waiting_seconds_total"),
				stalled("%sio", "node_pressure_io_waiting_seconds_total"),
				stalled("%fio", "node_pressure_io_stalled_seconds_total"),
				stalled("%smem", "node_pressure_memory_waiting_seconds_total"),
				stalled("%fmem", "node_pressure_memory_stalled_seconds_total"),
			},
			busy: busy{col: "%scpu", desc: "%scpu"},
		},
		"tcp": {
			name: "tcp", help: "TCP opens, segments, failures, resets, retransmits /s, established (sar -n TCP,ETCP)",
			columns: []column{
				counter("active/s", PerSecond, "node_netstat_Tcp_ActiveOpens", 1),
				counter("passive/s", PerSecond, "node_netstat_Tcp_PassiveOpens", 1),
				counter("iseg/s", PerSecond, "node_netstat_Tcp_InSegs", 1),
				counter("oseg/s", PerSecond, "node_netstat_Tcp_OutSegs", 1),
				counter("atmptf/s", PerSecond, "node_netstat_Tcp_AttemptFails", 1),
				counter("estres/s", PerSecond, "node_netstat_Tcp_EstabResets", 1),
				counter("retrans/s", PerSecond, "node_netstat_Tcp_RetransSegs", 1),
				counter("isegerr/s", PerSecond, "node_netstat_Tcp_InErrs", 1),
				counter("orsts/s", PerSecond, "node_netstat_Tcp_OutRsts", 1),
				counter("lsndrop/s", PerSecond, "node_netstat_TcpExt_ListenDrops", 1),
				gauge("estab", Count, "node_netstat_Tcp_CurrEstab"),
			},
			busy: busy{col: "retrans/s", sum: true, desc: "retrans/s"},
		},
		"udp": {
			name: "udp", help: "UDP datagrams in/out, to no port, errors, buffer errors /s (sar -n UDP,EUDP)",
			columns: []column{
				counter("idgm/s", PerSecond, "node_netstat_Udp_InDatagrams", 1),
				counter("odgm/s", PerSecond, "node_netstat_Udp_OutDatagrams", 1),
				counter("noport/s", PerSecond, "node_netstat_Udp_NoPorts", 1),
				counter("idgmerr/s", PerSecond, "node_netstat_Udp_InErrors", 1),
				counter("rcvbuferr/s", PerSecond, "node_netstat_Udp_RcvbufErrors", 1),
				counter("sndbuferr/s", PerSecond, "node_netstat_Udp_SndbufErrors", 1),
			},
			busy: busy{col: "idgmerr/s", sum: true, desc: "idgmerr/s"},
		},
		"sock": {
			name: "sock", help: "sockets in use: all, TCP, UDP, raw, IP fragments, TCP time-wait (sar -n SOCK)",
			columns: []column{
				gauge("totsck", Count, "node_sockstat_sockets_used"),
				gauge("tcpsck", Count, "node_sockstat_TCP_inuse"),
				gauge("udpsck", Count, "node_sockstat_UDP_inuse"),
				gauge("rawsck", Count, "node_sockstat_RAW_inuse"),
				gauge("ip-frag", Count, "node_sockstat_FRAG_inuse"),
				gauge("tcp-tw", Count, "node_sockstat_TCP_tw"),
			},
			busy: busy{col: "totsck", desc: "totsck"},
		},
		"softnet": {
			name: "softnet", help: "per CPU: packets processed, dropped, squeezed, RPS-steered, flow-limited /s (sar -n SOFT)",
			columns: []column{
				counter("total/s", PerSecond, "node_softnet_processed_total", 1),
				counter("dropd/s", PerSecond, "node_softnet_dropped_total", 1),
				counter("squeezd/s", PerSecond, "node_softnet_times_squeezed_total", 1),
				counter("rx_rps/s", PerSecond, "node_softnet_received_rps_total", 1),
				counter("flw_lim/s", PerSecond, "node_softnet_flow_limit_count_total", 1),
			},
			busy: busy{col: "dropd/s", sum: true, desc: "dropd/s"},
		},
		"files": {
			name: "files", help: "unused dentries, open files, inodes in use, ptys, file limit (sar -v)",
			columns: []column{
				gauge("dentunusd", Count, "srvmon_dentries_unused"),
				gauge("file-nr", Count, "node_filefd_allocated"),
				{name: "inode-nr", unit: Count, kind: level, num: []term{tm("srvmon_inodes", 1), tm("srvmon_inodes_free", -1)}},
				gauge("pty-nr", Count, "srvmon_ptys"),
				{name: "%file", unit: Percent, kind: level, num: []term{tm("node_filefd_allocated", 1)},
					den: []term{tm("node_filefd_maximum", 1)}, scale: 100},
			},
			busy: busy{col: "file-nr", desc: "file-nr"},
		},
		"temp": {
			name: "temp", help: "per sensor: temperature °C of hardware monitors and thermal zones (sar -m TEMP)",
			columns: []column{
				gauge("temp", Celsius, "node_hwmon_temp_celsius"),
				gauge("zonetemp", Celsius, "node_thermal_zone_temp"), // not "zone": that is its label, a column of its own
			},
			busy: busy{col: "temp", desc: "max temp"},
		},
		"proc": {
			name: "proc", help: "running, blocked, forks/s, cswch/s, intr/s (sar -q, -w)",
			columns: []column{
				gauge("running", Count, "node_procs_running"),
				gauge("blocked", Count, "node_procs_blocked"),
				counter("forks/s", PerSecond, "node_forks_total", 1),
				counter("cswch/s", PerSecond, "node_context_switches_total", 1),
				counter("intr/s", PerSecond, "node_intr_total", 1),
			},
			busy: busy{col: "running", desc: "running"},
		},
	}
}

// perCPUView returns the cpu view with one group per core (built at first
// use, as allViews).
var perCPUView = sync.OnceValue(func() *view { return cpuView("cpu", "node_cpu_seconds_total", nil) })

func withHelp(v *view, help string) *view { v.help = help; return v }

func isLoopback(labels []tsdb.Label) bool {
	for _, l := range labels {
		if l.Name == "device" && l.Value == "lo" {
			return true
		}
	}
	return false
}

// Views returns the names of the views Run and Summarize compute, sorted.
func Views() []string {
	names := make([]string, 0, len(allViews()))
	for n := range allViews() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ViewHelp returns a one-line description of the view name, or "" for an
// unknown name.
func ViewHelp(name string) string {
	if v, ok := allViews()[name]; ok {
		return v.help
	}
	return ""
}

// Column names one column of a view and its unit.
type Column struct {
	Name string
	Unit Unit
	// Rate says that the column's value belongs to the interval between two
	// samples (computed from counters); otherwise it is a level, the value
	// of gauges at one sample.
	Rate bool
}

// Columns returns the columns of the view name in the order query prints
// them, or nil for an unknown view.
func Columns(name string) []Column {
	v, ok := allViews()[name]
	if !ok {
		return nil
	}
	out := make([]Column, len(v.columns))
	for i, c := range v.columns {
		out[i] = Column{Name: c.name, Unit: c.unit, Rate: c.kind == rate}
	}
	return out
}
