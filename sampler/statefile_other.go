//go:build !linux

package sampler

import "github.com/srvmon/srvmon/tsdb/atomicfile"

// replaceStateFile replaces the file path with data (atomicfile.Replace).
func replaceStateFile(path string, data []byte) error {
	return atomicfile.Replace(path, data, 0o644)
}
