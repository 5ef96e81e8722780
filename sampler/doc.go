// Package sampler reads the state of a Linux host into tsdb samples.
//
// Each measurement family is a small collector (cpu, load, meminfo, vmstat,
// diskstats, filesystem, netdev, stat, boot) registered by name in init().
// Collectors return raw values: counters are cumulative since boot and never
// turned into rates here; query and report do the rate math with the kinds
// listed in Catalog.
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
