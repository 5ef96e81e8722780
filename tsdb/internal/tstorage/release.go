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
