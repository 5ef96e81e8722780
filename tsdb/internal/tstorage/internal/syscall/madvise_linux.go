package syscall

import "syscall"

// DropPages tells the kernel that the pages of the mapping b are not needed
// soon (srvmon patch 9): they leave the resident set, and a later read
// faults them in again from the file.
func DropPages(b []byte) error {
	return syscall.Madvise(b, syscall.MADV_DONTNEED)
}
