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
	{"node_disk_discard_time_seconds_total", Counter, "seconds", "This is the total number of seconds spent by all discards.", "diskstats"},
	{"node_disk_discards_completed_total", Counter, "", "The total number of discards completed successfully.", "diskstats"},
	{"node_disk_discards_merged_total", Counter, "", "The total number of discards merged.", "diskstats"},
	{"node_disk_flush_requests_time_seconds_total", Counter, "seconds", "This is the total number of seconds spent by all flush requests.", "diskstats"},
	{"node_disk_flush_requests_total", Counter, "", "The total number of flush requests completed successfully.", "diskstats"},

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
	{"node_memory_Active_anon_bytes", Gauge, "bytes", "Memory information field Active_anon_bytes.", "meminfo"},
	{"node_memory_Active_file_bytes", Gauge, "bytes", "Memory information field Active_file_bytes.", "meminfo"},
	{"node_memory_AnonHugePages_bytes", Gauge, "bytes", "Memory information field AnonHugePages_bytes.", "meminfo"},
	{"node_memory_Balloon_bytes", Gauge, "bytes", "Memory information field Balloon_bytes.", "meminfo"},
	{"node_memory_Bounce_bytes", Gauge, "bytes", "Memory information field Bounce_bytes.", "meminfo"},
	{"node_memory_CmaFree_bytes", Gauge, "bytes", "Memory information field CmaFree_bytes.", "meminfo"},
	{"node_memory_CmaTotal_bytes", Gauge, "bytes", "Memory information field CmaTotal_bytes.", "meminfo"},
	{"node_memory_DirectMap1G_bytes", Gauge, "bytes", "Memory information field DirectMap1G_bytes.", "meminfo"},
	{"node_memory_DirectMap2M_bytes", Gauge, "bytes", "Memory information field DirectMap2M_bytes.", "meminfo"},
	{"node_memory_DirectMap4M_bytes", Gauge, "bytes", "Memory information field DirectMap4M_bytes.", "meminfo"},
	{"node_memory_DirectMap4k_bytes", Gauge, "bytes", "Memory information field DirectMap4k_bytes.", "meminfo"},
	{"node_memory_EarlyMemtestBad_bytes", Gauge, "bytes", "Memory information field EarlyMemtestBad_bytes.", "meminfo"},
	{"node_memory_FileHugePages_bytes", Gauge, "bytes", "Memory information field FileHugePages_bytes.", "meminfo"},
	{"node_memory_FilePmdMapped_bytes", Gauge, "bytes", "Memory information field FilePmdMapped_bytes.", "meminfo"},
	{"node_memory_HardwareCorrupted_bytes", Gauge, "bytes", "Memory information field HardwareCorrupted_bytes.", "meminfo"},
	{"node_memory_HighFree_bytes", Gauge, "bytes", "Memory information field HighFree_bytes.", "meminfo"},
	{"node_memory_HighTotal_bytes", Gauge, "bytes", "Memory information field HighTotal_bytes.", "meminfo"},
	{"node_memory_HugePages_Rsvd", Gauge, "", "Memory information field HugePages_Rsvd.", "meminfo"},
	{"node_memory_HugePages_Surp", Gauge, "", "Memory information field HugePages_Surp.", "meminfo"},
	{"node_memory_Hugetlb_bytes", Gauge, "bytes", "Memory information field Hugetlb_bytes.", "meminfo"},
	{"node_memory_Inactive_anon_bytes", Gauge, "bytes", "Memory information field Inactive_anon_bytes.", "meminfo"},
	{"node_memory_Inactive_file_bytes", Gauge, "bytes", "Memory information field Inactive_file_bytes.", "meminfo"},
	{"node_memory_KReclaimable_bytes", Gauge, "bytes", "Memory information field KReclaimable_bytes.", "meminfo"},
	{"node_memory_LowFree_bytes", Gauge, "bytes", "Memory information field LowFree_bytes.", "meminfo"},
	{"node_memory_LowTotal_bytes", Gauge, "bytes", "Memory information field LowTotal_bytes.", "meminfo"},
	{"node_memory_Mlocked_bytes", Gauge, "bytes", "Memory information field Mlocked_bytes.", "meminfo"},
	{"node_memory_MmapCopy_bytes", Gauge, "bytes", "Memory information field MmapCopy_bytes.", "meminfo"},
	{"node_memory_NFS_Unstable_bytes", Gauge, "bytes", "Memory information field NFS_Unstable_bytes.", "meminfo"},
	{"node_memory_Percpu_bytes", Gauge, "bytes", "Memory information field Percpu_bytes.", "meminfo"},
	{"node_memory_Quicklists_bytes", Gauge, "bytes", "Memory information field Quicklists_bytes.", "meminfo"},
	{"node_memory_SecPageTables_bytes", Gauge, "bytes", "Memory information field SecPageTables_bytes.", "meminfo"},
	{"node_memory_ShadowCallStack_bytes", Gauge, "bytes", "Memory information field ShadowCallStack_bytes.", "meminfo"},
	{"node_memory_ShmemHugePages_bytes", Gauge, "bytes", "Memory information field ShmemHugePages_bytes.", "meminfo"},
	{"node_memory_ShmemPmdMapped_bytes", Gauge, "bytes", "Memory information field ShmemPmdMapped_bytes.", "meminfo"},
	{"node_memory_Unaccepted_bytes", Gauge, "bytes", "Memory information field Unaccepted_bytes.", "meminfo"},
	{"node_memory_Unevictable_bytes", Gauge, "bytes", "Memory information field Unevictable_bytes.", "meminfo"},
	{"node_memory_VmallocChunk_bytes", Gauge, "bytes", "Memory information field VmallocChunk_bytes.", "meminfo"},
	{"node_memory_VmallocTotal_bytes", Gauge, "bytes", "Memory information field VmallocTotal_bytes.", "meminfo"},
	{"node_memory_VmallocUsed_bytes", Gauge, "bytes", "Memory information field VmallocUsed_bytes.", "meminfo"},
	{"node_memory_WritebackTmp_bytes", Gauge, "bytes", "Memory information field WritebackTmp_bytes.", "meminfo"},
	{"node_memory_Zswap_bytes", Gauge, "bytes", "Memory information field Zswap_bytes.", "meminfo"},
	{"node_memory_Zswapped_bytes", Gauge, "bytes", "Memory information field Zswapped_bytes.", "meminfo"},

	// netdev
	{"node_network_receive_bytes_total", Counter, "bytes", "Network device statistic receive_bytes.", "netdev"},
	{"node_network_receive_drop_total", Counter, "", "Network device statistic receive_drop.", "netdev"},
	{"node_network_receive_errs_total", Counter, "", "Network device statistic receive_errs.", "netdev"},
	{"node_network_receive_packets_total", Counter, "", "Network device statistic receive_packets.", "netdev"},
	{"node_network_transmit_bytes_total", Counter, "bytes", "Network device statistic transmit_bytes.", "netdev"},
	{"node_network_transmit_drop_total", Counter, "", "Network device statistic transmit_drop.", "netdev"},
	{"node_network_transmit_errs_total", Counter, "", "Network device statistic transmit_errs.", "netdev"},
	{"node_network_transmit_packets_total", Counter, "", "Network device statistic transmit_packets.", "netdev"},
	{"node_network_receive_compressed_total", Counter, "", "Network device statistic receive_compressed.", "netdev"},
	{"node_network_receive_fifo_total", Counter, "", "Network device statistic receive_fifo.", "netdev"},
	{"node_network_receive_frame_total", Counter, "", "Network device statistic receive_frame.", "netdev"},
	{"node_network_receive_multicast_total", Counter, "", "Network device statistic receive_multicast.", "netdev"},
	{"node_network_receive_nohandler_total", Counter, "", "Network device statistic receive_nohandler.", "netdev"},
	{"node_network_transmit_carrier_total", Counter, "", "Network device statistic transmit_carrier.", "netdev"},
	{"node_network_transmit_colls_total", Counter, "", "Network device statistic transmit_colls.", "netdev"},
	{"node_network_transmit_compressed_total", Counter, "", "Network device statistic transmit_compressed.", "netdev"},
	{"node_network_transmit_fifo_total", Counter, "", "Network device statistic transmit_fifo.", "netdev"},

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
	{"node_scrape_collector_duration_seconds", Gauge, "seconds", "Seconds a collector took, rounded to microseconds.", ""},
	{"node_scrape_collector_success", Gauge, "", "Whether a collector succeeded (1) or failed (0).", ""},

	// pressure
	{"node_pressure_cpu_stalled_seconds_total", Counter, "seconds", "Total time in seconds no process could make progress for CPU time (the full line of /proc/pressure/cpu).", "pressure"},
	{"node_pressure_cpu_waiting_seconds_total", Counter, "seconds", "Total time in seconds that some processes have waited for CPU time (the some line of /proc/pressure/cpu).", "pressure"},
	{"node_pressure_io_stalled_seconds_total", Counter, "seconds", "Total time in seconds no process could make progress due to IO congestion (the full line of /proc/pressure/io).", "pressure"},
	{"node_pressure_io_waiting_seconds_total", Counter, "seconds", "Total time in seconds that some processes have waited due to IO congestion (the some line of /proc/pressure/io).", "pressure"},
	{"node_pressure_memory_stalled_seconds_total", Counter, "seconds", "Total time in seconds no process could make progress for memory (the full line of /proc/pressure/memory).", "pressure"},
	{"node_pressure_memory_waiting_seconds_total", Counter, "seconds", "Total time in seconds that some processes have waited for memory (the some line of /proc/pressure/memory).", "pressure"},

	// netstat
	{"node_netstat_Icmp6_InErrors", Counter, "", "Statistic Icmp6InErrors.", "netstat"},
	{"node_netstat_Icmp6_InMsgs", Counter, "", "Statistic Icmp6InMsgs.", "netstat"},
	{"node_netstat_Icmp6_OutMsgs", Counter, "", "Statistic Icmp6OutMsgs.", "netstat"},
	{"node_netstat_Icmp_InErrors", Counter, "", "Statistic IcmpInErrors.", "netstat"},
	{"node_netstat_Icmp_InMsgs", Counter, "", "Statistic IcmpInMsgs.", "netstat"},
	{"node_netstat_Icmp_OutMsgs", Counter, "", "Statistic IcmpOutMsgs.", "netstat"},
	{"node_netstat_Ip6_InOctets", Counter, "", "Statistic Ip6InOctets.", "netstat"},
	{"node_netstat_Ip6_OutOctets", Counter, "", "Statistic Ip6OutOctets.", "netstat"},
	{"node_netstat_IpExt_InOctets", Counter, "", "Statistic IpExtInOctets.", "netstat"},
	{"node_netstat_IpExt_OutOctets", Counter, "", "Statistic IpExtOutOctets.", "netstat"},
	{"node_netstat_Ip_Forwarding", Gauge, "", "Statistic IpForwarding: 1 when the host forwards IPv4 packets, 2 when not.", "netstat"},
	{"node_netstat_TcpExt_ListenDrops", Counter, "", "Statistic TcpExtListenDrops.", "netstat"},
	{"node_netstat_TcpExt_ListenOverflows", Counter, "", "Statistic TcpExtListenOverflows.", "netstat"},
	{"node_netstat_TcpExt_SyncookiesFailed", Counter, "", "Statistic TcpExtSyncookiesFailed.", "netstat"},
	{"node_netstat_TcpExt_SyncookiesRecv", Counter, "", "Statistic TcpExtSyncookiesRecv.", "netstat"},
	{"node_netstat_TcpExt_SyncookiesSent", Counter, "", "Statistic TcpExtSyncookiesSent.", "netstat"},
	{"node_netstat_TcpExt_TCPSynRetrans", Counter, "", "Statistic TcpExtTCPSynRetrans.", "netstat"},
	{"node_netstat_TcpExt_TCPTimeouts", Counter, "", "Statistic TcpExtTCPTimeouts.", "netstat"},
	{"node_netstat_Tcp_ActiveOpens", Counter, "", "Statistic TcpActiveOpens.", "netstat"},
	{"node_netstat_Tcp_AttemptFails", Counter, "", "Statistic TcpAttemptFails.", "netstat"},
	{"node_netstat_Tcp_CurrEstab", Gauge, "", "Statistic TcpCurrEstab: TCP connections currently established or in CLOSE-WAIT.", "netstat"},
	{"node_netstat_Tcp_EstabResets", Counter, "", "Statistic TcpEstabResets.", "netstat"},
	{"node_netstat_Tcp_InErrs", Counter, "", "Statistic TcpInErrs.", "netstat"},
	{"node_netstat_Tcp_InSegs", Counter, "", "Statistic TcpInSegs.", "netstat"},
	{"node_netstat_Tcp_OutRsts", Counter, "", "Statistic TcpOutRsts.", "netstat"},
	{"node_netstat_Tcp_OutSegs", Counter, "", "Statistic TcpOutSegs.", "netstat"},
	{"node_netstat_Tcp_PassiveOpens", Counter, "", "Statistic TcpPassiveOpens.", "netstat"},
	{"node_netstat_Tcp_RetransSegs", Counter, "", "Statistic TcpRetransSegs.", "netstat"},
	{"node_netstat_Udp6_InDatagrams", Counter, "", "Statistic Udp6InDatagrams.", "netstat"},
	{"node_netstat_Udp6_InErrors", Counter, "", "Statistic Udp6InErrors.", "netstat"},
	{"node_netstat_Udp6_NoPorts", Counter, "", "Statistic Udp6NoPorts.", "netstat"},
	{"node_netstat_Udp6_OutDatagrams", Counter, "", "Statistic Udp6OutDatagrams.", "netstat"},
	{"node_netstat_Udp6_RcvbufErrors", Counter, "", "Statistic Udp6RcvbufErrors.", "netstat"},
	{"node_netstat_Udp6_SndbufErrors", Counter, "", "Statistic Udp6SndbufErrors.", "netstat"},
	{"node_netstat_UdpLite6_InErrors", Counter, "", "Statistic UdpLite6InErrors.", "netstat"},
	{"node_netstat_UdpLite_InErrors", Counter, "", "Statistic UdpLiteInErrors.", "netstat"},
	{"node_netstat_Udp_InDatagrams", Counter, "", "Statistic UdpInDatagrams.", "netstat"},
	{"node_netstat_Udp_InErrors", Counter, "", "Statistic UdpInErrors.", "netstat"},
	{"node_netstat_Udp_NoPorts", Counter, "", "Statistic UdpNoPorts.", "netstat"},
	{"node_netstat_Udp_OutDatagrams", Counter, "", "Statistic UdpOutDatagrams.", "netstat"},
	{"node_netstat_Udp_RcvbufErrors", Counter, "", "Statistic UdpRcvbufErrors.", "netstat"},
	{"node_netstat_Udp_SndbufErrors", Counter, "", "Statistic UdpSndbufErrors.", "netstat"},

	// sockstat
	{"node_sockstat_FRAG6_inuse", Gauge, "", "Number of FRAG6 sockets in state inuse.", "sockstat"},
	{"node_sockstat_FRAG6_memory", Gauge, "", "Bytes of memory FRAG6 reassembly queues use.", "sockstat"},
	{"node_sockstat_FRAG_inuse", Gauge, "", "Number of FRAG sockets in state inuse.", "sockstat"},
	{"node_sockstat_FRAG_memory", Gauge, "", "Bytes of memory FRAG reassembly queues use.", "sockstat"},
	{"node_sockstat_RAW6_inuse", Gauge, "", "Number of RAW6 sockets in state inuse.", "sockstat"},
	{"node_sockstat_RAW_inuse", Gauge, "", "Number of RAW sockets in state inuse.", "sockstat"},
	{"node_sockstat_TCP6_inuse", Gauge, "", "Number of TCP6 sockets in state inuse.", "sockstat"},
	{"node_sockstat_TCP_alloc", Gauge, "", "Number of TCP sockets in state alloc.", "sockstat"},
	{"node_sockstat_TCP_inuse", Gauge, "", "Number of TCP sockets in state inuse.", "sockstat"},
	{"node_sockstat_TCP_mem", Gauge, "", "Pages of memory TCP sockets use.", "sockstat"},
	{"node_sockstat_TCP_mem_bytes", Gauge, "bytes", "Bytes of memory TCP sockets use.", "sockstat"},
	{"node_sockstat_TCP_orphan", Gauge, "", "Number of TCP sockets in state orphan.", "sockstat"},
	{"node_sockstat_TCP_tw", Gauge, "", "Number of TCP sockets in state tw.", "sockstat"},
	{"node_sockstat_UDP6_inuse", Gauge, "", "Number of UDP6 sockets in state inuse.", "sockstat"},
	{"node_sockstat_UDPLITE6_inuse", Gauge, "", "Number of UDPLITE6 sockets in state inuse.", "sockstat"},
	{"node_sockstat_UDPLITE_inuse", Gauge, "", "Number of UDPLITE sockets in state inuse.", "sockstat"},
	{"node_sockstat_UDP_inuse", Gauge, "", "Number of UDP sockets in state inuse.", "sockstat"},
	{"node_sockstat_UDP_mem", Gauge, "", "Pages of memory UDP sockets use.", "sockstat"},
	{"node_sockstat_UDP_mem_bytes", Gauge, "bytes", "Bytes of memory UDP sockets use.", "sockstat"},
	{"node_sockstat_sockets_used", Gauge, "", "Number of IPv4 sockets in use.", "sockstat"},

	// softnet
	{"node_softnet_dropped_total", Counter, "", "Number of packets dropped because the CPU's backlog queue was full.", "softnet"},
	{"node_softnet_flow_limit_count_total", Counter, "", "Number of packets dropped by the flow limit.", "softnet"},
	{"node_softnet_processed_total", Counter, "", "Number of packets processed by the CPU.", "softnet"},
	{"node_softnet_received_rps_total", Counter, "", "Number of packets steered to the CPU by receive packet steering (RPS).", "softnet"},
	{"node_softnet_times_squeezed_total", Counter, "", "Number of times packet processing ran out of quota with work left.", "softnet"},

	// filefd
	{"node_filefd_allocated", Gauge, "", "File descriptor statistics: allocated.", "filefd"},
	{"node_filefd_maximum", Gauge, "", "File descriptor statistics: maximum.", "filefd"},
	{"srvmon_dentries", Gauge, "", "Number of directory cache entries (nr_dentry of /proc/sys/fs/dentry-state).", "filefd"},
	{"srvmon_dentries_unused", Gauge, "", "Number of unused directory cache entries (nr_unused of /proc/sys/fs/dentry-state).", "filefd"},
	{"srvmon_inodes", Gauge, "", "Number of inodes the kernel has allocated (nr_inodes of /proc/sys/fs/inode-nr).", "filefd"},
	{"srvmon_inodes_free", Gauge, "", "Number of allocated inodes that are free (nr_free_inodes of /proc/sys/fs/inode-nr).", "filefd"},
	{"srvmon_ptys", Gauge, "", "Number of pseudo-terminals in use (/proc/sys/kernel/pty/nr).", "filefd"},

	// netclass
	{"node_network_carrier", Gauge, "", "Whether the interface has a carrier (1) or not (0).", "netclass"},
	{"node_network_carrier_changes_total", Counter, "", "Number of times the carrier changed.", "netclass"},
	{"node_network_carrier_down_changes_total", Counter, "", "Number of times the carrier went down.", "netclass"},
	{"node_network_carrier_up_changes_total", Counter, "", "Number of times the carrier came up.", "netclass"},
	{"node_network_info", Info, "", "Non-numeric data from /sys/class/net/<iface>, value is always 1.", "netclass"},
	{"node_network_mtu_bytes", Gauge, "bytes", "Maximum transmission unit of the interface in bytes.", "netclass"},
	{"node_network_speed_bytes", Gauge, "bytes", "Link speed in bytes per second (-125000 when the driver does not know it).", "netclass"},
	{"node_network_dormant", Gauge, "", "Network device property: dormant.", "netclass"},
	{"node_network_flags", Gauge, "", "Network device property: flags.", "netclass"},
	{"node_network_iface_id", Gauge, "", "Network device property: iface_id.", "netclass"},
	{"node_network_iface_link", Gauge, "", "Network device property: iface_link.", "netclass"},
	{"node_network_iface_link_mode", Gauge, "", "Network device property: iface_link_mode.", "netclass"},
	{"node_network_net_dev_group", Gauge, "", "Network device property: net_dev_group.", "netclass"},
	{"node_network_protocol_type", Gauge, "", "Network device property: protocol_type.", "netclass"},
	{"node_network_transmit_queue_length", Gauge, "", "Network device property: transmit_queue_length.", "netclass"},
	{"node_network_up", Gauge, "", "Value is 1 if operstate is 'up', 0 otherwise.", "netclass"},

	// conntrack
	{"node_nf_conntrack_entries", Gauge, "", "Number of currently allocated flow entries for connection tracking.", "conntrack"},
	{"node_nf_conntrack_entries_limit", Gauge, "", "Maximum size of connection tracking table.", "conntrack"},

	// entropy
	{"node_entropy_available_bits", Gauge, "", "Bits of available entropy.", "entropy"},
	{"node_entropy_pool_size_bits", Gauge, "", "Bits of entropy pool.", "entropy"},

	// timex
	{"node_timex_estimated_error_seconds", Gauge, "seconds", "Estimated error in seconds.", "timex"},
	{"node_timex_frequency_adjustment_ratio", Gauge, "", "Local clock frequency adjustment.", "timex"},
	{"node_timex_loop_time_constant", Gauge, "", "Phase-locked loop time constant.", "timex"},
	{"node_timex_maxerror_seconds", Gauge, "seconds", "Maximum error in seconds.", "timex"},
	{"node_timex_offset_seconds", Gauge, "seconds", "Time offset in between local system and reference clock.", "timex"},
	{"node_timex_status", Gauge, "", "Value of the status array bits.", "timex"},
	{"node_timex_sync_status", Gauge, "", "Is clock synchronized to a reliable server (1 = yes, 0 = no).", "timex"},
	{"node_timex_tai_offset_seconds", Gauge, "seconds", "International Atomic Time (TAI) offset.", "timex"},
	{"node_timex_tick_seconds", Gauge, "seconds", "Seconds between clock ticks.", "timex"},
	{"node_timex_pps_calibration_total", Counter, "", "Pulse per second count of calibration intervals.", "timex"},
	{"node_timex_pps_error_total", Counter, "", "Pulse per second count of calibration errors.", "timex"},
	{"node_timex_pps_frequency_hertz", Gauge, "hertz", "Pulse per second frequency.", "timex"},
	{"node_timex_pps_jitter_seconds", Gauge, "seconds", "Pulse per second jitter.", "timex"},
	{"node_timex_pps_jitter_total", Counter, "", "Pulse per second count of jitter limit exceeded events.", "timex"},
	{"node_timex_pps_shift_seconds", Gauge, "seconds", "Pulse per second interval duration.", "timex"},
	{"node_timex_pps_stability_exceeded_total", Counter, "", "Pulse per second count of stability limit exceeded events.", "timex"},
	{"node_timex_pps_stability_hertz", Gauge, "hertz", "Pulse per second stability, average of recent frequency changes.", "timex"},

	// uname
	{"node_uname_info", Info, "", "Labeled system information as provided by the uname system call.", "uname"},

	// os
	{"node_os_info", Info, "", "Constant 1, labeled by the fields of os-release (build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id).", "os"},
	{"node_os_version", Gauge, "", "The major.minor part of the OS version (VERSION_ID of os-release).", "os"},

	// textfile
	{"srvmon_textfile_mtime_seconds", Gauge, "seconds", "Modification time of a textfile the textfile collector used, in unixtime.", "textfile"},
	{"srvmon_textfile_scrape_error", Gauge, "", "1 when the textfile collector skipped a file (without labels: any file; with file and reason: that one), else 0.", "textfile"},
	{"node_textfile_scrape_error", Gauge, "", "1 if there was an error opening or reading a file (srvmon: any file skipped), 0 otherwise.", "textfile"},

	// hwmon
	{"node_hwmon_chip_names", Gauge, "", "Constant 1; chip_name is the name the driver gives the chip.", "hwmon"},
	{"node_hwmon_fan_rpm", Gauge, "", "Hardware monitor for fan revolutions per minute (input).", "hwmon"},
	{"node_hwmon_in_volts", Gauge, "volts", "Hardware monitor for voltage (input).", "hwmon"},
	{"node_hwmon_sensor_label", Gauge, "", "Constant 1; label is the sensor's label from the driver.", "hwmon"},
	{"node_hwmon_temp_celsius", Gauge, "celsius", "Hardware monitor for temperature (input).", "hwmon"},

	// thermal
	{"node_thermal_zone_temp", Gauge, "", "Zone temperature in Celsius.", "thermal"},

	// cpufreq
	{"node_cpu_scaling_frequency_hertz", Gauge, "hertz", "Current scaled CPU thread frequency in hertz.", "cpufreq"},
	// time
	{"node_time_seconds", Gauge, "seconds", "System time in seconds since epoch (1970): the sample set's timestamp.", "time"},

	// arp
	{"node_arp_entries", Gauge, "", "ARP entries by device.", "arp"},

	// udp_queues
	{"node_udp_queues", Gauge, "", "Number of allocated memory in the kernel for UDP datagrams in bytes.", "udp_queues"},

	// process
	{"process_cpu_seconds_total", Counter, "seconds", "Total user and system CPU time spent in seconds by the srvmon process that took the sample set.", "process"},
	{"process_max_fds", Gauge, "", "Maximum number of open file descriptors of the srvmon process that took the sample set.", "process"},
	{"process_open_fds", Gauge, "", "Number of open file descriptors of the srvmon process that took the sample set.", "process"},
	{"process_resident_memory_bytes", Gauge, "bytes", "Resident memory size in bytes of the srvmon process that took the sample set.", "process"},
	{"process_start_time_seconds", Gauge, "seconds", "Start time of the srvmon process that took the sample set since unix epoch in seconds.", "process"},
	{"process_virtual_memory_bytes", Gauge, "bytes", "Virtual memory size in bytes of the srvmon process that took the sample set.", "process"},
	{"process_virtual_memory_max_bytes", Gauge, "bytes", "Maximum amount of virtual memory available in bytes to the srvmon process that took the sample set.", "process"},

	// mdadm
	{"node_md_blocks", Gauge, "", "Total number of blocks on device.", "mdadm"},
	{"node_md_blocks_synced", Gauge, "", "Number of blocks synced on device.", "mdadm"},
	{"node_md_disks", Gauge, "", "Number of active/failed/spare disks of device.", "mdadm"},
	{"node_md_disks_required", Gauge, "", "Total number of disks of device.", "mdadm"},
	{"node_md_state", Gauge, "", "Indicates the state of md-device (1 for the state it is in).", "mdadm"},

	// interrupts
	{"node_interrupts_total", Counter, "", "Interrupt details.", "interrupts"},

	// nfs
	{"node_nfs_connections_total", Counter, "", "Total number of NFSd TCP connections.", "nfs"},
	{"node_nfs_packets_total", Counter, "", "Total NFSd network packets (sent+received) by protocol type.", "nfs"},
	{"node_nfs_requests_total", Counter, "", "Number of NFS procedures invoked.", "nfs"},
	{"node_nfs_rpc_authentication_refreshes_total", Counter, "", "Number of RPC authentication refreshes performed.", "nfs"},
	{"node_nfs_rpc_retransmissions_total", Counter, "", "Number of RPC transmissions performed.", "nfs"},
	{"node_nfs_rpcs_total", Counter, "", "Total number of RPCs performed.", "nfs"},

	// nfsd
	{"node_nfsd_connections_total", Counter, "", "Total number of NFSd TCP connections.", "nfsd"},
	{"node_nfsd_disk_bytes_read_total", Counter, "bytes", "Total NFSd bytes read.", "nfsd"},
	{"node_nfsd_disk_bytes_written_total", Counter, "bytes", "Total NFSd bytes written.", "nfsd"},
	{"node_nfsd_file_handles_stale_total", Counter, "", "Total number of NFSd stale file handles.", "nfsd"},
	{"node_nfsd_packets_total", Counter, "", "Total NFSd network packets (sent+received) by protocol type.", "nfsd"},
	{"node_nfsd_read_ahead_cache_not_found_total", Counter, "", "Total number of NFSd read ahead cache not found.", "nfsd"},
	{"node_nfsd_read_ahead_cache_size_blocks", Gauge, "", "How large the read ahead cache is in blocks.", "nfsd"},
	{"node_nfsd_reply_cache_hits_total", Counter, "", "Total number of NFSd Reply Cache hits (client lost server response).", "nfsd"},
	{"node_nfsd_reply_cache_misses_total", Counter, "", "Total number of NFSd Reply Cache an operation that requires caching (idempotent).", "nfsd"},
	{"node_nfsd_reply_cache_nocache_total", Counter, "", "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/...).", "nfsd"},
	{"node_nfsd_requests_total", Counter, "", "Total number NFSd Requests by method and protocol.", "nfsd"},
	{"node_nfsd_rpc_errors_total", Counter, "", "Total number of NFSd RPC errors by error type.", "nfsd"},
	{"node_nfsd_server_rpcs_total", Counter, "", "Total number of NFSd RPCs.", "nfsd"},
	{"node_nfsd_server_threads", Gauge, "", "Total number of NFSd kernel threads that are running.", "nfsd"},

	// procs: the top processes of each sample set (by CPU over the interval,
	// by resident memory and by IO; their union), each with the identity
	// labels pid, start (start time, unix seconds) and comm, plus a
	// remainder with pid="other", start="0", comm="other" so that the parts
	// add up to the host's totals. See sampler/procs.go.
	{"srvmon_process_info", Info, "", "Constant 1 per top process; exe, user (name, or uid when unknown) and ppid describe it, cmdline (truncated) only with record --proc-cmdline.", "procs"},
	{"srvmon_process_cpu_seconds", Delta, "seconds", "CPU seconds the process used in user or system mode over the interval (other: the host's user+nice+system time from /proc/stat minus the top processes').", "procs"},
	{"srvmon_process_read_bytes", Delta, "bytes", "Bytes the process caused to be read from storage over the interval (read_bytes of /proc/PID/io; absent when unreadable).", "procs"},
	{"srvmon_process_written_bytes", Delta, "bytes", "Bytes the process caused to be written to storage over the interval (write_bytes of /proc/PID/io; absent when unreadable).", "procs"},
	{"srvmon_process_resident_memory_bytes", Gauge, "bytes", "Resident memory of the process (other: all processes' resident memory minus the top processes').", "procs"},
	{"srvmon_process_threads", Gauge, "", "Threads of the process (other: all processes' threads minus the top processes').", "procs"},

	// cgroups: every cgroup v2 group under the cgroup2 mount (label cgroup,
	// the path under the mount, such as system.slice/nginx.service).
	{"srvmon_cgroup_cpu_usage_seconds_total", Counter, "seconds", "CPU seconds used by the group's tasks (usage_usec of cpu.stat).", "cgroups"},
	{"srvmon_cgroup_cpu_seconds_total", Counter, "seconds", "CPU seconds used by the group's tasks in user or system mode (user_usec, system_usec of cpu.stat).", "cgroups"},
	{"srvmon_cgroup_memory_bytes", Gauge, "bytes", "Memory used by the group and its descendants (memory.current).", "cgroups"},
	{"srvmon_cgroup_memory_peak_bytes", Gauge, "bytes", "Highest memory use of the group since it was created (memory.peak).", "cgroups"},
	{"srvmon_cgroup_memory_anon_bytes", Gauge, "bytes", "Anonymous memory of the group (anon of memory.stat).", "cgroups"},
	{"srvmon_cgroup_memory_file_bytes", Gauge, "bytes", "File-backed memory (page cache) of the group (file of memory.stat).", "cgroups"},
	{"srvmon_cgroup_io_read_bytes_total", Counter, "bytes", "Bytes the group read, summed over devices (rbytes of io.stat).", "cgroups"},
	{"srvmon_cgroup_io_written_bytes_total", Counter, "bytes", "Bytes the group wrote, summed over devices (wbytes of io.stat).", "cgroups"},
	{"srvmon_cgroup_pressure_cpu_waiting_seconds_total", Counter, "seconds", "Total time in seconds some of the group's tasks waited for CPU time (the some line of cpu.pressure).", "cgroups"},
	{"srvmon_cgroup_pressure_cpu_stalled_seconds_total", Counter, "seconds", "Total time in seconds none of the group's tasks could make progress for CPU time (the full line of cpu.pressure).", "cgroups"},
	{"srvmon_cgroup_pressure_memory_waiting_seconds_total", Counter, "seconds", "Total time in seconds some of the group's tasks waited for memory (the some line of memory.pressure).", "cgroups"},
	{"srvmon_cgroup_pressure_memory_stalled_seconds_total", Counter, "seconds", "Total time in seconds none of the group's tasks could make progress for memory (the full line of memory.pressure).", "cgroups"},
	{"srvmon_cgroup_pressure_io_waiting_seconds_total", Counter, "seconds", "Total time in seconds some of the group's tasks waited for IO (the some line of io.pressure).", "cgroups"},
	{"srvmon_cgroup_pressure_io_stalled_seconds_total", Counter, "seconds", "Total time in seconds none of the group's tasks could make progress for IO (the full line of io.pressure).", "cgroups"},
	{"srvmon_cgroup_pids", Gauge, "", "Tasks (processes and threads) in the group (pids.current).", "cgroups"},
}
