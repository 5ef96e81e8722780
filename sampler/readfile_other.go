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

// processCPUTime is the Linux CPU-time clock of a process; elsewhere there
// is none, and the procs collector reads every process.
func processCPUTime(int) (uint64, bool) { return 0, false }

// listPIDs returns the numeric entries of the directory dir.
func (r *run) listPIDs(dir string) ([]int, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, name := range names {
		if pid, err := strconv.Atoi(name); err == nil && pid > 0 && name[0] != '0' {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
