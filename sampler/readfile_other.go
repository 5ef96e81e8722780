//go:build !linux

package sampler

import (
	"os"
	"strconv"
)

// readFile reads a whole file.
func (r *run) readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// readText is readFile (Linux shares a slab between the strings).
func (r *run) readText(path string) (string, error) { return r.readFile(path) }

// readFileBytes reads a whole file.
func (r *run) readFileBytes(path string) ([]byte, error) {
	return os.ReadFile(path)
}

// processCPUTime is the Linux CPU-time clock of a process; elsewhere there
// is none, and the procs collector reads every process.
func processCPUTime(int) (uint64, bool) { return 0, false }

// ownThread is Linux's; elsewhere processCPUTime asks no pid.
func ownThread(int) bool { return false }

// readDir calls fn with the name and whether it is a directory of each
// entry of the directory dir.
func (r *run) readDir(dir string, fn func(name []byte, isDir bool)) error {
	entries, err := os.ReadDir(dir)
	for _, e := range entries {
		fn([]byte(e.Name()), e.IsDir())
	}
	return err
}

// listPIDs returns the numeric entries of the directory dir.
func (r *run) listPIDs(dir string) ([]int, error) {
	var pids []int
	err := r.readDir(dir, func(name []byte, _ bool) {
		if pid, err := strconv.Atoi(string(name)); err == nil && pid > 0 && name[0] != '0' {
			pids = append(pids, pid)
		}
	})
	return pids, err
}
