// Package crc32c computes CRC-32C (Castagnoli), the checksum of srvmon's
// small state files, without paying for hash/crc32's hardware tables when
// the data is small.
//
// crc32.MakeTable(crc32.Castagnoli) builds two 4 KiB tables with the
// SSE4.2 instruction the first time a process asks for it: 1.5 MB of CRC
// work, 0.2-0.6 ms on the project's VM, most of what a one-shot record
// spends on its 7 KB sampler state. Up to 64 KiB this package uses a
// 256-entry table built in about a microsecond and hash/crc32's byte-wise
// loop (1-2 ns a byte); larger data, or any data once the hardware tables
// exist, goes to hash/crc32's hardware code. The checksums are the same.
package crc32c

import (
	"hash/crc32"
	"sync"
	"sync/atomic"
)

// hardwareMin is the smallest input that builds the hardware tables: below
// it the byte-wise loop costs less than building them.
const hardwareMin = 64 << 10

var (
	hardwareReady atomic.Bool
	smallTable    = sync.OnceValue(func() *crc32.Table {
		var t crc32.Table
		for i := range t {
			crc := uint32(i)
			for range 8 {
				if crc&1 == 1 {
					crc = crc>>1 ^ crc32.Castagnoli
				} else {
					crc >>= 1
				}
			}
			t[i] = crc
		}
		return &t
	})
)

// Checksum returns the CRC-32C of b, as crc32.Checksum(b,
// crc32.MakeTable(crc32.Castagnoli)).
func Checksum(b []byte) uint32 { return update(0, b) }

// update returns crc updated with b, as crc32.Update with the Castagnoli
// table.
func update(crc uint32, b []byte) uint32 {
	if len(b) < hardwareMin && !hardwareReady.Load() {
		return crc32.Update(crc, smallTable(), b)
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	hardwareReady.Store(true)
	return crc32.Update(crc, tab, b)
}
