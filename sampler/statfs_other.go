//go:build !linux

package sampler

import "errors"

// statfs is only implemented on Linux.
func statfs(string) (fsStat, error) {
	return fsStat{}, errors.New("statfs: not supported on this system")
}
