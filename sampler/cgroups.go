package sampler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

func init() {
	register("cgroups", true, func() collector { return cgroupsCollector{} })
}

// cgroupsCollector records every group of the cgroup v2 hierarchy (systemd
// units and slices, containers) but its root, with the label cgroup = the
// group's path under the mount ("system.slice/nginx.service"): CPU
// (cpu.stat), memory (memory.current, memory.peak, anon and file of
// memory.stat), IO (io.stat, summed over devices), pressure (cpu, memory
// and io.pressure, some and full) and tasks (pids.current).
//
// The hierarchy is HOST_SYS/fs/cgroup when that is a cgroup2 mount (it has
// cgroup.controllers), else HOST_SYS/fs/cgroup/unified (systemd's hybrid
// layout, where the controllers stay on cgroup v1). A host records what it
// has: a file a group lacks (a controller not enabled for it, memory.peak
// before Linux 5.19) is left out. What the host lacks is said once, as a
// Note, and remembered in StateFile; it is said again only when it
// changes.
type cgroupsCollector struct{}

// cgroupFiles are the files read in every group, in the order they are
// read.
var cgroupFiles = [...]string{"cpu.stat", "memory.current", "memory.peak", "memory.stat", "io.stat",
	"cpu.pressure", "memory.pressure", "io.pressure", "pids.current"}

// cgroupPressure names the totals of the pressure files.
var cgroupPressure = map[string][2]string{
	"cpu.pressure":    {"srvmon_cgroup_pressure_cpu_waiting_seconds_total", "srvmon_cgroup_pressure_cpu_stalled_seconds_total"},
	"memory.pressure": {"srvmon_cgroup_pressure_memory_waiting_seconds_total", "srvmon_cgroup_pressure_memory_stalled_seconds_total"},
	"io.pressure":     {"srvmon_cgroup_pressure_io_waiting_seconds_total", "srvmon_cgroup_pressure_io_stalled_seconds_total"},
}

// cgroupRoot returns the directory of the cgroup2 hierarchy under HOST_SYS
// and its cgroup.controllers (the controllers enabled), or "" when the host
// has none. The file is read once, with the run's reader: os.Stat to find
// it and os.ReadFile to read it again cost a one-shot record on this
// project's VM, which has no groups, about a third of the collector.
func cgroupRoot(r *run) (root, controllers string) {
	for _, dir := range []string{"fs/cgroup", "fs/cgroup/unified"} {
		path := filepath.Join(r.sys, dir)
		if data, err := r.readText(filepath.Join(path, "cgroup.controllers")); err == nil {
			return path, data
		}
	}
	return "", ""
}

func (cgroupsCollector) update(_ context.Context, r *run) error {
	root, controllers := cgroupRoot(r)
	if root == "" {
		sayLacked(r, "no cgroup v2 hierarchy (no cgroup.controllers in "+filepath.Join(r.sys, "fs/cgroup")+" or its unified/): a cgroup v1 host; no service is recorded")
		return nil
	}
	groups, err := cgroupGroups(r, root)
	if err != nil {
		return err
	}
	lacked := map[string]int{} // file -> groups without it
	for _, g := range groups {
		if err := readCgroup(r, root, g, lacked); err != nil {
			return err
		}
	}
	var msg string
	switch {
	case len(groups) == 0:
		msg = "cgroup v2 hierarchy " + root + " has no groups below its root (controllers enabled: " + orNone(controllers) +
			"): no service is recorded"
	case len(lacked) > 0:
		files := make([]string, 0, len(lacked))
		for f := range lacked {
			files = append(files, f)
		}
		slices.Sort(files)
		msg = fmt.Sprintf("cgroup v2 hierarchy %s (controllers: %s) lacks %s in some or all groups: those values are not recorded for them",
			root, orNone(controllers), strings.Join(files, ", "))
	}
	sayLacked(r, msg)
	return nil
}

func orNone(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "none"
	}
	return s
}

// sayLacked adds msg as a note unless the state says it was said already
// (the state remembers the last message, "" when nothing was lacking).
func sayLacked(r *run, msg string) {
	st := r.keeper.get(r, "cgroups")
	if msg != st.lacked && msg != "" {
		r.notes = append(r.notes, &Note{"cgroups", msg})
	}
	st.lacked = msg
}

// cgroupGroup is a group below the root: its path relative to the root and
// which of cgroupFiles its directory holds (bit i for cgroupFiles[i]).
type cgroupGroup struct {
	rel   string
	files uint16
}

// cgroupGroups returns the groups below root, parents before children,
// with the files each has: the listing that finds the children says which
// files a group lacks (a controller not enabled for it), so that they are
// not opened (on systemd's hybrid layout five of the nine, at an open and
// a stat each, were most of the collector's cost).
func cgroupGroups(r *run, root string) ([]cgroupGroup, error) {
	var out []cgroupGroup
	var walk func(rel string) error
	walk = func(rel string) error {
		var files uint16
		var children []string
		err := r.readDir(filepath.Join(root, rel), func(name []byte, isDir bool) {
			if isDir {
				children = append(children, string(name))
			} else if i := slices.Index(cgroupFiles[:], string(name)); i >= 0 {
				files |= 1 << i
			}
		})
		if err != nil {
			if rel != "" && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if rel != "" {
			out = append(out, cgroupGroup{rel, files})
		}
		slices.Sort(children)
		for _, child := range children {
			if rel != "" {
				child = rel + "/" + child
			}
			if err := walk(child); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk("")
}

// readCgroup records one group; a file it lacks is counted in lacked. A
// group removed while it is read records what was read.
func readCgroup(r *run, root string, g cgroupGroup, lacked map[string]int) error {
	dir := root + "/" + g.rel + "/"
	for i, file := range cgroupFiles {
		if g.files&(1<<i) == 0 {
			lacked[file]++
			continue
		}
		data, err := r.readFile(dir + file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV) {
				return nil // the group went away
			}
			return err
		}
		if err := convertCgroupFile(r, g.rel, file, data); err != nil {
			return fmt.Errorf("%s%s: %w", dir, file, err)
		}
	}
	return nil
}

// usecToTicks turns a cgroup file's microseconds into seconds rounded down
// to 10 ms, the clock tick /proc/stat counts in: the store keeps a value as
// an integer of its finest decimal, and microseconds that change every
// sample set cost it about 13 bits a point more for precision no reader
// uses (10 ms is 0.017 % of a CPU-minute). Rounding down keeps counters
// monotonic.
func usecToTicks(us uint64) float64 { return float64(us/10_000) / 100 }

// convertCgroupFile emits the values of one file of group rel.
func convertCgroupFile(r *run, rel, file, data string) error {
	switch file {
	case "cpu.stat":
		kv, err := keyValues(data, "usage_usec", "user_usec", "system_usec")
		if err != nil {
			return err
		}
		if v, ok := kv["usage_usec"]; ok {
			r.add("srvmon_cgroup_cpu_usage_seconds_total", usecToTicks(v), "cgroup", rel)
		}
		if v, ok := kv["system_usec"]; ok {
			r.add("srvmon_cgroup_cpu_seconds_total", usecToTicks(v), "cgroup", rel, "mode", "system")
		}
		if v, ok := kv["user_usec"]; ok {
			r.add("srvmon_cgroup_cpu_seconds_total", usecToTicks(v), "cgroup", rel, "mode", "user")
		}
	case "memory.current", "memory.peak", "pids.current":
		v, err := strconv.ParseUint(strings.TrimSpace(data), 10, 64)
		if err != nil {
			return err
		}
		name := map[string]string{"memory.current": "srvmon_cgroup_memory_bytes", "memory.peak": "srvmon_cgroup_memory_peak_bytes",
			"pids.current": "srvmon_cgroup_pids"}[file]
		r.add(name, float64(v), "cgroup", rel)
	case "memory.stat":
		kv, err := keyValues(data, "anon", "file")
		if err != nil {
			return err
		}
		if v, ok := kv["anon"]; ok {
			r.add("srvmon_cgroup_memory_anon_bytes", float64(v), "cgroup", rel)
		}
		if v, ok := kv["file"]; ok {
			r.add("srvmon_cgroup_memory_file_bytes", float64(v), "cgroup", rel)
		}
	case "io.stat":
		read, written, err := parseIOStat(data)
		if err != nil {
			return err
		}
		r.add("srvmon_cgroup_io_read_bytes_total", float64(read), "cgroup", rel)
		r.add("srvmon_cgroup_io_written_bytes_total", float64(written), "cgroup", rel)
	default:
		names := cgroupPressure[file]
		p, err := parsePressure(data)
		if err != nil {
			return err
		}
		r.add(names[0], usecToTicks(p.some), "cgroup", rel)
		if p.hasFull {
			r.add(names[1], usecToTicks(p.full), "cgroup", rel)
		}
	}
	return nil
}

// keyValues returns the values of the wanted keys of a "key value" file
// (cpu.stat, memory.stat); a missing key is left out.
func keyValues(data string, want ...string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(want))
	for data != "" && len(out) < len(want) {
		var line, k, v string
		line, data = nextLine(data)
		k, line = nextField(line)
		if !slices.Contains(want, k) {
			continue
		}
		v, _ = nextField(line)
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = n
	}
	return out, nil
}

// parseIOStat sums rbytes and wbytes of io.stat over its devices:
//
//	8:0 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
func parseIOStat(data string) (read, written uint64, err error) {
	for data != "" {
		var line string
		line, data = nextLine(data)
		_, line = nextField(line) // MAJ:MIN
		for line != "" {
			var f string
			f, line = nextField(line)
			dst, v := cutEither(f, "rbytes=", &read, "wbytes=", &written)
			if dst == nil {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("parse io.stat: %w", err)
			}
			*dst += n
		}
	}
	return read, written, nil
}
