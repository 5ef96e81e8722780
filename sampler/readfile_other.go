//go:build !linux

package sampler

import "os"

// readFile reads a whole file.
func (r *run) readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
