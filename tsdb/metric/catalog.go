package metric

// catalog lists every metric srvmon's collectors produce, one block per
// collector. Order does not matter (Catalog and Lookup sort a copy on first
// use); a test checks that names are unique and follow the naming rules.
// To add a collector's metrics, add its block here: see the package doc.
var catalog = []Desc{
	// boot
	{"node_boot_time_seconds", Gauge, "seconds", "Node boot time, in unixtime. Uptime is not stored: readers derive it as sample time minus this value.", "boot"},
	{BootInfo, Info, "", "Constant 1; boot_id identifies the boot the samples belong to, so that no rate spans a reboot.", "boot"},

	// cpu
	{"node_cpu_guest_seconds_total", Counter, "seconds", "Seconds the CPUs spent in guests (VMs) for each mode; also counted in node_cpu_seconds_total user and nice.", "cpu"},
	{"node_cpu_seconds_total", Counter, "seconds", "Seconds the CPUs spent in each mode.", "cpu"},
	{"srvmon_cpu_seconds_total", Counter, "seconds", "Seconds all CPUs together spent in each mode (the cpu line of /proc/stat).", "cpu"},

	// diskstats
	{"node_disk_discarded_sectors_total", Counter, "", "The total number of sectors discarded successfully.", "diskstats"},
	{"node_disk_io_now", Gauge, "", "The number of I/Os currently in progress.", "diskstats"},
	{"node_disk_io_time_seconds_total", Counter, "seconds", "Total seconds spent doing I/Os.", "diskstats"},
	{"node_disk_io_time_weighted_seconds_total", Counter, "seconds", "The weighted number of seconds spent doing I/Os.", "diskstats"},
	{"node_disk_read_bytes_total", Counter, "bytes", "The total number of bytes read successfully.", "diskstats"},
	{"node_disk_read_time_seconds_total", Counter, "seconds", "The total number of seconds spent by all reads.", "diskstats"},
	{"node_disk_reads_completed_total", Counter, "", "The total number of reads completed successfully.", "diskstats"},
	{"node_disk_reads_merged_total", Counter, "", "The total number of reads merged.", "diskstats"},
	{"node_disk_write_time_seconds_total", Counter, "seconds", "This is the total number of seconds spent by all writes.", "diskstats"},
	{"node_disk_writes_completed_total", Counter, "", "The total number of writes completed successfully.", "diskstats"},
	{"node_disk_writes_merged_total", Counter, "", "The number of writes merged.", "diskstats"},
	{"node_disk_written_bytes_total", Counter, "bytes", "The total number of bytes written successfully.", "diskstats"},

	// filesystem
	{"node_filesystem_avail_bytes", Gauge, "bytes", "Filesystem space available to non-root users in bytes.", "filesystem"},
	{"node_filesystem_device_error", Gauge, "", "Whether an error occurred while getting statistics for the given device (1) or not (0).", "filesystem"},
	{"node_filesystem_files", Gauge, "", "Filesystem total file nodes.", "filesystem"},
	{"node_filesystem_files_free", Gauge, "", "Filesystem total free file nodes.", "filesystem"},
	{"node_filesystem_free_bytes", Gauge, "bytes", "Filesystem free space in bytes.", "filesystem"},
	{"node_filesystem_readonly", Gauge, "", "Filesystem read-only status (1 when read-only).", "filesystem"},
	{"node_filesystem_size_bytes", Gauge, "bytes", "Filesystem size in bytes.", "filesystem"},

	// load
	{"node_load1", Gauge, "", "1m load average.", "load"},
	{"node_load15", Gauge, "", "15m load average.", "load"},
	{"node_load5", Gauge, "", "5m load average.", "load"},

	// meminfo
	{"node_memory_Active_bytes", Gauge, "bytes", "Memory information field Active_bytes.", "meminfo"},
	{"node_memory_AnonPages_bytes", Gauge, "bytes", "Memory information field AnonPages_bytes.", "meminfo"},
	{"node_memory_Buffers_bytes", Gauge, "bytes", "Memory information field Buffers_bytes.", "meminfo"},
	{"node_memory_Cached_bytes", Gauge, "bytes", "Memory information field Cached_bytes.", "meminfo"},
	{"node_memory_CommitLimit_bytes", Gauge, "bytes", "Memory information field CommitLimit_bytes.", "meminfo"},
	{"node_memory_Committed_AS_bytes", Gauge, "bytes", "Memory information field Committed_AS_bytes.", "meminfo"},
	{"node_memory_Dirty_bytes", Gauge, "bytes", "Memory information field Dirty_bytes.", "meminfo"},
	{"node_memory_HugePages_Free", Gauge, "", "Memory information field HugePages_Free.", "meminfo"},
	{"node_memory_HugePages_Total", Gauge, "", "Memory information field HugePages_Total.", "meminfo"},
	{"node_memory_Hugepagesize_bytes", Gauge, "bytes", "Memory information field Hugepagesize_bytes.", "meminfo"},
	{"node_memory_Inactive_bytes", Gauge, "bytes", "Memory information field Inactive_bytes.", "meminfo"},
	{"node_memory_KernelStack_bytes", Gauge, "bytes", "Memory information field KernelStack_bytes.", "meminfo"},
	{"node_memory_Mapped_bytes", Gauge, "bytes", "Memory information field Mapped_bytes.", "meminfo"},
	{"node_memory_MemAvailable_bytes", Gauge, "bytes", "Memory information field MemAvailable_bytes.", "meminfo"},
	{"node_memory_MemFree_bytes", Gauge, "bytes", "Memory information field MemFree_bytes.", "meminfo"},
	{"node_memory_MemTotal_bytes", Gauge, "bytes", "Memory information field MemTotal_bytes.", "meminfo"},
	{"node_memory_PageTables_bytes", Gauge, "bytes", "Memory information field PageTables_bytes.", "meminfo"},
	{"node_memory_SReclaimable_bytes", Gauge, "bytes", "Memory information field SReclaimable_bytes.", "meminfo"},
	{"node_memory_SUnreclaim_bytes", Gauge, "bytes", "Memory information field SUnreclaim_bytes.", "meminfo"},
	{"node_memory_Shmem_bytes", Gauge, "bytes", "Memory information field Shmem_bytes.", "meminfo"},
	{"node_memory_Slab_bytes", Gauge, "bytes", "Memory information field Slab_bytes.", "meminfo"},
	{"node_memory_SwapCached_bytes", Gauge, "bytes", "Memory information field SwapCached_bytes.", "meminfo"},
	{"node_memory_SwapFree_bytes", Gauge, "bytes", "Memory information field SwapFree_bytes.", "meminfo"},
	{"node_memory_SwapTotal_bytes", Gauge, "bytes", "Memory information field SwapTotal_bytes.", "meminfo"},
	{"node_memory_Writeback_bytes", Gauge, "bytes", "Memory information field Writeback_bytes.", "meminfo"},

	// netdev
	{"node_network_receive_bytes_total", Counter, "bytes", "Network device statistic receive_bytes.", "netdev"},
	{"node_network_receive_drop_total", Counter, "", "Network device statistic receive_drop.", "netdev"},
	{"node_network_receive_errs_total", Counter, "", "Network device statistic receive_errs.", "netdev"},
	{"node_network_receive_packets_total", Counter, "", "Network device statistic receive_packets.", "netdev"},
	{"node_network_transmit_bytes_total", Counter, "bytes", "Network device statistic transmit_bytes.", "netdev"},
	{"node_network_transmit_drop_total", Counter, "", "Network device statistic transmit_drop.", "netdev"},
	{"node_network_transmit_errs_total", Counter, "", "Network device statistic transmit_errs.", "netdev"},
	{"node_network_transmit_packets_total", Counter, "", "Network device statistic transmit_packets.", "netdev"},

	// stat
	{"node_context_switches_total", Counter, "", "Total number of context switches.", "stat"},
	{"node_forks_total", Counter, "", "Total number of forks.", "stat"},
	{"node_intr_total", Counter, "", "Total number of interrupts serviced.", "stat"},
	{"node_procs_blocked", Gauge, "", "Number of processes blocked waiting for I/O to complete.", "stat"},
	{"node_procs_running", Gauge, "", "Number of processes in runnable state.", "stat"},
	{"srvmon_processes", Gauge, "", "Number of kernel scheduling entities (processes and threads) that exist, from /proc/loadavg.", "stat"},

	// vmstat
	{"node_vmstat_oom_kill", Counter, "", "Raw /proc/vmstat oom_kill: processes killed by the OOM killer since boot.", "vmstat"},
	{"node_vmstat_pgfault", Counter, "", "Raw /proc/vmstat pgfault: page faults (minor and major) since boot.", "vmstat"},
	{"node_vmstat_pgmajfault", Counter, "", "Raw /proc/vmstat pgmajfault: major page faults (needing I/O) since boot.", "vmstat"},
	{"node_vmstat_pgpgin", Counter, "", "Raw /proc/vmstat pgpgin: kibibytes paged in from block devices since boot.", "vmstat"},
	{"node_vmstat_pgpgout", Counter, "", "Raw /proc/vmstat pgpgout: kibibytes paged out to block devices since boot.", "vmstat"},
	{"node_vmstat_pswpin", Counter, "", "Raw /proc/vmstat pswpin: pages swapped in since boot.", "vmstat"},
	{"node_vmstat_pswpout", Counter, "", "Raw /proc/vmstat pswpout: pages swapped out since boot.", "vmstat"},

	// the sampler itself (Collector "")
	{"srvmon_collector_duration_seconds", Gauge, "seconds", "Seconds a collector took, rounded to microseconds.", ""},
	{"srvmon_collector_success", Gauge, "", "Whether a collector succeeded (1) or failed (0).", ""},
}
