package query

import (
	"sort"

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
)

// term is one input series of a column, with its coefficient.
type term struct {
	metric string
	mode   string // value of the series' "mode" label (cpu views); "" otherwise
	coef   float64
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
	metrics []string // input metrics
	byMode  bool     // inputs are told apart by their "mode" label (cpu)
	// filter is the label that --device, --mount or --interface select on,
	// and which of them.
	filterLabel string
	filterFlag  string
	// extra labels added to every group (cpu="all").
	extra   []tsdb.Label
	columns []column
	busy    busy
}

var cpuModes = []string{"user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle"}

func cpuView(name, metric string, extra []tsdb.Label) *view {
	all := make([]term, len(cpuModes))
	for i, m := range cpuModes {
		all[i] = term{metric: metric, mode: m, coef: 1}
	}
	v := &view{name: name, metrics: []string{metric}, byMode: true, extra: extra,
		busy: busy{col: "idle", f: func(x float64) float64 { return 100 - x }, mean: true, desc: "100-idle"}}
	for _, m := range cpuModes {
		v.columns = append(v.columns, column{name: m, unit: Percent, kind: rate,
			num: []term{{metric: metric, mode: m, coef: 1}}, den: all, scale: 100, zero: nan, counted: true, counts: Seconds})
	}
	// busy is every mode but idle: the top of the modes stacked, 100-idle.
	v.columns = append(v.columns, column{name: "busy", unit: Percent, kind: rate, num: all[:len(all)-1], den: all, scale: 100, zero: nan, counted: true, counts: Seconds})
	return v
}

func counter(name string, unit Unit, metric string, coef float64) column {
	return column{name: name, unit: unit, kind: rate, num: []term{{metric: metric, coef: coef}}, counted: true, counts: totalUnit(unit)}
}

func gauge(name string, unit Unit, metric string) column {
	return column{name: name, unit: unit, kind: level, num: []term{{metric: metric, coef: 1}}}
}

func tm(metric string, coef float64) term { return term{metric: metric, coef: coef} }

// memUsed is sysstat's kbmemused (sysstat 12.6, pr_stats.c and rd_stats.c):
// MemTotal - MemFree - Buffers - Cached - Slab, never below 0, where Cached
// is /proc/meminfo's Cached line alone (not SReclaimable).
var memUsed = []term{
	tm("node_memory_MemTotal_bytes", 1), tm("node_memory_MemFree_bytes", -1), tm("node_memory_Buffers_bytes", -1),
	tm("node_memory_Cached_bytes", -1), tm("node_memory_Slab_bytes", -1),
}

var swapUsed = []term{tm("node_memory_SwapTotal_bytes", 1), tm("node_memory_SwapFree_bytes", -1)}

var fsUsed = []term{tm("node_filesystem_size_bytes", 1), tm("node_filesystem_free_bytes", -1)}

// allViews are the views by name. "cpu" is replaced by "cpu-per-cpu" when
// Options.PerCPU is set.
var allViews = map[string]*view{
	"cpu": withHelp(cpuView("cpu", "srvmon_cpu_seconds_total", []tsdb.Label{{Name: "cpu", Value: "all"}}),
		"% user, nice, system, iowait, irq, softirq, steal, idle (sar -u, -P), and busy (all but idle)"),
	"load": {
		name: "load", help: "load averages 1, 5, 15 min, number of tasks (sar -q)",
		metrics: []string{"node_load1", "node_load5", "node_load15", "srvmon_processes"},
		columns: []column{
			gauge("load1", Count, "node_load1"), gauge("load5", Count, "node_load5"),
			gauge("load15", Count, "node_load15"), gauge("tasks", Count, "srvmon_processes"),
		},
		busy: busy{col: "load1", desc: "load1"},
	},
	"mem": {
		name: "mem", help: "used (as sar -r), free, available, buffers, cached, % used",
		metrics: []string{"node_memory_MemTotal_bytes", "node_memory_MemFree_bytes", "node_memory_MemAvailable_bytes",
			"node_memory_Buffers_bytes", "node_memory_Cached_bytes", "node_memory_Slab_bytes"},
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
		metrics: []string{"node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes", "node_memory_SwapCached_bytes"},
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
		metrics: []string{"node_vmstat_pgpgin", "node_vmstat_pgpgout", "node_vmstat_pgfault", "node_vmstat_pgmajfault",
			"node_vmstat_pswpin", "node_vmstat_pswpout"},
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
		metrics: []string{"node_disk_reads_completed_total", "node_disk_writes_completed_total", "node_disk_read_bytes_total",
			"node_disk_written_bytes_total", "node_disk_io_time_seconds_total", "node_disk_read_time_seconds_total",
			"node_disk_write_time_seconds_total", "node_disk_io_time_weighted_seconds_total"},
		filterLabel: "device", filterFlag: "--device",
		columns: []column{
			counter("r/s", PerSecond, "node_disk_reads_completed_total", 1),
			counter("w/s", PerSecond, "node_disk_writes_completed_total", 1),
			counter("rbytes/s", BytesPerSecond, "node_disk_read_bytes_total", 1),
			counter("wbytes/s", BytesPerSecond, "node_disk_written_bytes_total", 1),
			{name: "util", unit: Percent, kind: rate, num: []term{tm("node_disk_io_time_seconds_total", 1)}, scale: 100, counted: true, counts: Seconds},
			{name: "await", unit: Seconds, kind: rate,
				num: []term{tm("node_disk_read_time_seconds_total", 1), tm("node_disk_write_time_seconds_total", 1)},
				den: []term{tm("node_disk_reads_completed_total", 1), tm("node_disk_writes_completed_total", 1)}},
			{name: "aqu-sz", unit: Count, kind: rate, num: []term{tm("node_disk_io_time_weighted_seconds_total", 1)}},
		},
		busy: busy{col: "util", desc: "max util"},
	},
	"fs": {
		name: "fs", help: "per mount: size, used, available, % used, % inodes (sar -F)",
		metrics: []string{"node_filesystem_size_bytes", "node_filesystem_free_bytes", "node_filesystem_avail_bytes",
			"node_filesystem_files", "node_filesystem_files_free"},
		filterLabel: "mountpoint", filterFlag: "--mount",
		columns: []column{
			gauge("size", Bytes, "node_filesystem_size_bytes"),
			{name: "used", unit: Bytes, kind: level, num: fsUsed},
			gauge("avail", Bytes, "node_filesystem_avail_bytes"),
			{name: "%used", unit: Percent, kind: level, num: fsUsed, den: []term{tm("node_filesystem_size_bytes", 1)}, scale: 100},
			{name: "%iused", unit: Percent, kind: level,
				num:   []term{tm("node_filesystem_files", 1), tm("node_filesystem_files_free", -1)},
				den:   []term{tm("node_filesystem_files", 1)},
				scale: 100},
		},
		busy: busy{col: "%used", desc: "%used"},
	},
	"net": {
		name: "net", help: "per interface: rx/tx bytes, packets, errors, drops /s (sar -n)",
		metrics: []string{"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
			"node_network_receive_packets_total", "node_network_transmit_packets_total",
			"node_network_receive_errs_total", "node_network_transmit_errs_total",
			"node_network_receive_drop_total", "node_network_transmit_drop_total"},
		filterLabel: "device", filterFlag: "--interface",
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
		busy: busy{col: "rxbytes/s", sum: true, exclude: isLoopback, desc: "rx bytes/s"},
	},
	"proc": {
		name: "proc", help: "running, blocked, forks/s, cswch/s, intr/s (sar -q, -w)",
		metrics: []string{"node_procs_running", "node_procs_blocked", "node_forks_total", "node_context_switches_total", "node_intr_total"},
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

// perCPUView is the cpu view with one group per core.
var perCPUView = cpuView("cpu", "node_cpu_seconds_total", nil)

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
	names := make([]string, 0, len(allViews))
	for n := range allViews {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ViewHelp returns a one-line description of the view name, or "" for an
// unknown name.
func ViewHelp(name string) string {
	if v, ok := allViews[name]; ok {
		return v.help
	}
	return ""
}
