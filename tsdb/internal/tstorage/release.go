//go:build !windows && !plan9

package tstorage

// srvmon patch 5: Release unmaps a storage opened for reading.
//
// Upstream never unmaps a disk partition, not even in Close (which also
// writes: it flushes a new, empty partition). A long-running reader whose
// blocks are replaced (a late sample compacted into a new generation of a
// day) kept every old generation's mapping for as long as it ran.

import (
	"fmt"
	"sync"
	gosyscall "syscall"

	"github.com/nakabonne/tstorage/internal/syscall"
)

var releaseMu sync.Mutex

// Release stops the storage's retention goroutine and unmaps the data
// files of its disk partitions, writing nothing. Nothing of the storage
// may be used afterwards, and no Select may be running.
func (s *storage) Release() error {
	releaseMu.Lock()
	defer releaseMu.Unlock()
	select {
	case <-s.doneCh:
		return nil // released or closed already
	default:
	}
	close(s.doneCh)
	var err error
	it := s.partitionList.newIterator()
	for it.next() {
		d, ok := it.value().(*diskPartition)
		if !ok || d.mappedFile == nil {
			continue
		}
		if uerr := gosyscall.Munmap(d.mappedFile); uerr != nil && err == nil {
			err = fmt.Errorf("unmap %s: %w", d.dirPath, uerr)
		}
		d.mappedFile = nil
	}
	return err
}

// srvmon patch 9: DropPages lets the kernel take the pages of the storage's
// mapped data files out of the process' resident set; a later Select reads
// them again (from the page cache). A reader that goes through many
// partitions once (a month of days) then holds the pages of one at a time
// instead of all it has read. Reads may run meanwhile.
func (s *storage) DropPages() error {
	releaseMu.Lock()
	defer releaseMu.Unlock()
	it := s.partitionList.newIterator()
	for it.next() {
		d, ok := it.value().(*diskPartition)
		if !ok || d.mappedFile == nil {
			continue
		}
		if err := syscall.DropPages(d.mappedFile); err != nil {
			return fmt.Errorf("drop pages of %s: %w", d.dirPath, err)
		}
	}
	return nil
}
