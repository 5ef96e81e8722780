//go:build !linux

package syscall

// DropPages does nothing where madvise(MADV_DONTNEED) is not used.
func DropPages(b []byte) error { return nil }
