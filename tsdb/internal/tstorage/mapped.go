package tstorage

// srvmon patch 6: DiskData gives read-only access to the mapped data files
// of a storage's disk partitions, so that srvmon can check each series'
// bytes against its own checksum where tstorage decodes them, without a
// system call per series.

// DiskData returns the mapped data file of each disk partition, in the
// storage's partition order. The slices must not be modified, and are
// valid until Release.
func (s *storage) DiskData() [][]byte {
	var out [][]byte
	it := s.partitionList.newIterator()
	for it.next() {
		if d, ok := it.value().(*diskPartition); ok {
			out = append(out, d.mappedFile)
		}
	}
	return out
}
