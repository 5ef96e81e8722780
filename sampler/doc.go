// Package sampler reads the state of a Linux host into tsdb samples.
//
// Each measurement family is a small collector (cpu, load, meminfo, vmstat,
// diskstats, filesystem, netdev, stat, boot, pressure, netstat, sockstat,
// softnet, filefd, netclass, conntrack, entropy, timex, uname, os, arp,
// udp_queues, time, process, procs, cgroups)
// registered by name in init(), one file each, its reading of the kernel
// separate from its parsing. A collector whose file the kernel does not
// have (no PSI, no IPv6, no conntrack module) records nothing and succeeds:
// a host without a feature is not an error.
// Collectors return raw values: counters are cumulative since boot and never
// turned into rates here; query and report do the rate math with the kinds
// listed in Catalog. The one exception is procs, whose processes change from
// one sample set to the next: it stores each process's CPU and IO as deltas
// over the interval (metric.Delta), from counters it keeps in StateFile.
//
// Metric and label names are node_exporter's where node_exporter has the
// same measurement, so dashboards and alert rules written for it work on
// srvmon's data; the others are named srvmon_* in the same style.
//
// Paths under /proc, /sys and / are taken from a gopsutil common.EnvMap in
// the context (common.HostProcEnvKey, common.HostSysEnvKey,
// common.HostRootEnvKey), then from the HOST_PROC, HOST_SYS and HOST_ROOT
// environment variables, as gopsutil itself does. Tests use this to point the
// collectors at a fixture tree.
package sampler
