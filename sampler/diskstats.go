package sampler

import (
	"context"
	"fmt"
	"strconv"
)

func init() {
	register("diskstats", true, func() collector { return diskstatsCollector{} })
}

// diskstatsCollector reads per-device I/O counters from /proc/diskstats.
//
// It parses the file itself: gopsutil's disk.IOCounters also looks up udev
// data and sysfs attributes (serial number, label) for every device, several
// extra files per device that srvmon does not use, and it drops devices whose
// counters are all zero.
type diskstatsCollector struct{}

// diskStat is one line of /proc/diskstats: the device and its counters,
// in kernel order (Documentation/admin-guide/iostats.rst): eleven on every
// kernel, four more for discards since 4.18 and two for flushes since 5.5.
type diskStat struct {
	device string
	n      int // how many of v the line had: 11, 15 or 17
	v      [17]uint64
}

// Indexes into diskStat.v.
const (
	dsReadsCompleted = iota
	dsReadsMerged
	dsSectorsRead
	dsReadTimeMs
	dsWritesCompleted
	dsWritesMerged
	dsSectorsWritten
	dsWriteTimeMs
	dsIONow
	dsIOTimeMs
	dsIOTimeWeightedMs
	dsDiscardsCompleted
	dsDiscardsMerged
	dsSectorsDiscarded
	dsDiscardTimeMs
	dsFlushes
	dsFlushTimeMs
)

// sectorSize is the unit of the sector counters: always 512 bytes, whatever
// the device's block size.
const sectorSize = 512

func (diskstatsCollector) update(_ context.Context, r *run) error {
	stats, err := readParsed(r, "diskstats", parseDiskstats)
	if err != nil {
		return err
	}
	convertDiskstats(stats, r)
	return nil
}

// parseDiskstats parses /proc/diskstats, skipping the devices
// excludeDiskDevice names. Lines with fewer than eleven counters (partitions
// on kernels before 2.6.25) are skipped too. node_exporter exports
// discarded sectors as a count, not as bytes; so does srvmon.
func parseDiskstats(data string) ([]diskStat, error) {
	var stats []diskStat
	var f []string
	for line := range lines(data) {
		f = fields(f, line)
		if len(f) < 14 || excludeDiskDevice(f[2]) {
			continue
		}
		ds := diskStat{device: f[2], n: 11}
		switch {
		case len(f) >= 3+17:
			ds.n = 17
		case len(f) >= 3+15:
			ds.n = 15
		}
		for i := range ds.n {
			n, err := strconv.ParseUint(f[3+i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("parse diskstats %s: %w", ds.device, err)
			}
			ds.v[i] = n
		}
		stats = append(stats, ds)
	}
	return stats, nil
}

// convertDiskstats emits node_exporter's node_disk_* series for each device.
func convertDiskstats(stats []diskStat, r *run) {
	for i := range stats {
		d := stats[i].device
		v := &stats[i].v
		r.add("node_disk_reads_completed_total", float64(v[dsReadsCompleted]), "device", d)
		r.add("node_disk_reads_merged_total", float64(v[dsReadsMerged]), "device", d)
		r.add("node_disk_read_bytes_total", float64(v[dsSectorsRead]*sectorSize), "device", d)
		r.add("node_disk_read_time_seconds_total", msToSeconds(v[dsReadTimeMs]), "device", d)
		r.add("node_disk_writes_completed_total", float64(v[dsWritesCompleted]), "device", d)
		r.add("node_disk_writes_merged_total", float64(v[dsWritesMerged]), "device", d)
		r.add("node_disk_written_bytes_total", float64(v[dsSectorsWritten]*sectorSize), "device", d)
		r.add("node_disk_write_time_seconds_total", msToSeconds(v[dsWriteTimeMs]), "device", d)
		r.add("node_disk_io_now", float64(v[dsIONow]), "device", d)
		r.add("node_disk_io_time_seconds_total", msToSeconds(v[dsIOTimeMs]), "device", d)
		r.add("node_disk_io_time_weighted_seconds_total", msToSeconds(v[dsIOTimeWeightedMs]), "device", d)
		if stats[i].n >= 15 {
			r.add("node_disk_discards_completed_total", float64(v[dsDiscardsCompleted]), "device", d)
			r.add("node_disk_discards_merged_total", float64(v[dsDiscardsMerged]), "device", d)
			r.add("node_disk_discarded_sectors_total", float64(v[dsSectorsDiscarded]), "device", d)
			r.add("node_disk_discard_time_seconds_total", msToSeconds(v[dsDiscardTimeMs]), "device", d)
		}
		if stats[i].n >= 17 {
			r.add("node_disk_flush_requests_total", float64(v[dsFlushes]), "device", d)
			r.add("node_disk_flush_requests_time_seconds_total", msToSeconds(v[dsFlushTimeMs]), "device", d)
		}
	}
}

// msToSeconds converts milliseconds to seconds, rounded to the nearest
// float64.
func msToSeconds(ms uint64) float64 { return float64(ms) / 1000 }

// excludeDiskDevice reports whether name matches node_exporter's default
// device exclude, ^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$:
// partitions of sd/hd/vd/xvd and NVMe disks, RAM disks, loop and floppy
// devices. It is written out by hand so that no regexp is compiled.
func excludeDiskDevice(name string) bool {
	// Every alternative ends in a non-digit, so the trailing \d+ is the
	// longest run of digits at the end.
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if i == len(name) {
		return false
	}
	p := name[:i]
	switch p {
	case "ram", "zram", "loop", "fd":
		return true
	}
	if len(p) == 3 && (p[0] == 'h' || p[0] == 's' || p[0] == 'v') && p[1] == 'd' && isLower(p[2]) {
		return true
	}
	if len(p) == 4 && p[:3] == "xvd" && isLower(p[3]) {
		return true
	}
	// nvme\d+n\d+p
	if len(p) < 8 || p[:4] != "nvme" || p[len(p)-1] != 'p' {
		return false
	}
	rest := p[4 : len(p)-1] // \d+n\d+
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	if n == 0 || n == len(rest) || rest[n] != 'n' {
		return false
	}
	return len(rest) > n+1 && isDigits(rest[n+1:])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
