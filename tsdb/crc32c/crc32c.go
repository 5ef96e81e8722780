// Package crc32c computes CRC-32C (Castagnoli), the checksum of srvmon's
// small state files, without paying for hash/crc32's hardware tables when
// the data is small.
//
// crc32.MakeTable(crc32.Castagnoli) builds two 4 KiB tables with the
// SSE4.2 instruction the first time a process asks for it: 1.5 MB of CRC
// work, 0.2-0.6 ms on the project's VM, most of what a one-shot record
// spends on its 7 KB sampler state. Up to 64 KiB this package uses eight
// 256-entry tables built in Go on first use (slicing by 8: eight bytes a
// step, 0.6 ns a byte; hash/crc32's byte-wise loop with one table, used
// before, took 2.7 ns a byte, 38 µs for a 14 KB state that a one-shot
// record checks once and writes once); larger data, or any data once the
// hardware tables exist, goes to hash/crc32's hardware code. The checksums
// are the same.
package crc32c

import (
	"encoding/binary"
	"hash/crc32"
	"sync"
	"sync/atomic"
)

// hardwareMin is the smallest input that builds the hardware tables: below
// it slicing by 8 costs less than building them.
const hardwareMin = 64 << 10

var (
	hardwareReady atomic.Bool
	smallTables   = sync.OnceValue(func() *[8][256]uint32 {
		var t [8][256]uint32
		for i := range t[0] {
			crc := uint32(i)
			for range 8 {
				if crc&1 == 1 {
					crc = crc>>1 ^ crc32.Castagnoli
				} else {
					crc >>= 1
				}
			}
			t[0][i] = crc
		}
		// t[k][i] is the CRC of byte i followed by k zero bytes.
		for i := range t[0] {
			crc := t[0][i]
			for k := 1; k < 8; k++ {
				crc = t[0][crc&0xff] ^ crc>>8
				t[k][i] = crc
			}
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
		return slicingUpdate(crc, smallTables(), b)
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	hardwareReady.Store(true)
	return crc32.Update(crc, tab, b)
}

// slicingUpdate is update with the tables t, eight bytes a step.
func slicingUpdate(crc uint32, t *[8][256]uint32, b []byte) uint32 {
	crc = ^crc
	for ; len(b) >= 8; b = b[8:] {
		crc ^= binary.LittleEndian.Uint32(b)
		crc = t[0][b[7]] ^ t[1][b[6]] ^ t[2][b[5]] ^ t[3][b[4]] ^
			t[4][crc>>24] ^ t[5][crc>>16&0xff] ^ t[6][crc>>8&0xff] ^ t[7][crc&0xff]
	}
	for _, v := range b {
		crc = t[0][byte(crc)^v] ^ crc>>8
	}
	return ^crc
}
