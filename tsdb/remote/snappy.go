package remote

import (
	"encoding/binary"
	"math/bits"
)

// snappyEncode returns src compressed in the snappy block format that the
// remote-write protocol carries (github.com/google/snappy's
// format_description.txt): the uncompressed length as a uvarint, then
// literals and copies of up to 64 bytes from at most 65535 bytes back.
//
// It replaces github.com/golang/snappy, whose package init builds the
// hardware CRC-32C tables of its framing format (hash/crc32's Castagnoli
// setup, 0.27-0.6 ms) in every srvmon process, the one-shot record that
// runs every minute included, although push uses only the block format.
// The matching is snappy's own (4-byte hashes, greedy matches, skipping
// faster through input that does not repeat); the tests decode its output
// with golang/snappy and compare the ratio with its encoder's.
func snappyEncode(src []byte) []byte {
	dst := make([]byte, 0, binary.MaxVarintLen64+len(src)+len(src)/6+1)
	dst = binary.AppendUvarint(dst, uint64(len(src)))
	const minMatch, maxOffset = 4, 1<<16 - 1
	if len(src) < 2*minMatch {
		return appendSnappyLiteral(dst, src)
	}
	tableBits := 8
	for tableBits < 14 && 1<<tableBits < len(src) {
		tableBits++
	}
	table := make([]int32, 1<<tableBits) // position+1 of the last 4 bytes with each hash
	hash := func(u uint32) uint32 { return (u * 0x1e35a7bd) >> (32 - tableBits) }
	lit := 0 // start of the bytes not yet emitted
	for s := 0; s+minMatch <= len(src); {
		u := binary.LittleEndian.Uint32(src[s:])
		h := hash(u)
		cand := int(table[h]) - 1
		table[h] = int32(s + 1)
		if cand < 0 || s-cand > maxOffset || binary.LittleEndian.Uint32(src[cand:]) != u {
			s += 1 + (s-lit)>>5 // the longer nothing matched, the bigger the steps
			continue
		}
		n := minMatch + commonPrefix(src[cand+minMatch:], src[s+minMatch:])
		dst = appendSnappyLiteral(dst, src[lit:s])
		dst = appendSnappyCopy(dst, s-cand, n)
		s += n
		lit = s
		if s+minMatch <= len(src) {
			table[hash(binary.LittleEndian.Uint32(src[s-1:]))] = int32(s)
		}
	}
	return appendSnappyLiteral(dst, src[lit:])
}

// commonPrefix returns how many bytes a and b have in common at their start.
func commonPrefix(a, b []byte) int {
	n := 0
	for len(a)-n >= 8 && len(b)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// appendSnappyLiteral appends lit as a literal element.
func appendSnappyLiteral(dst, lit []byte) []byte {
	if len(lit) == 0 {
		return dst
	}
	switch n := uint32(len(lit) - 1); {
	case n < 60:
		dst = append(dst, byte(n<<2))
	case n < 1<<8:
		dst = append(dst, 60<<2, byte(n))
	case n < 1<<16:
		dst = append(dst, 61<<2, byte(n), byte(n>>8))
	case n < 1<<24:
		dst = append(dst, 62<<2, byte(n), byte(n>>8), byte(n>>16))
	default:
		dst = append(dst, 63<<2, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(dst, lit...)
}

// appendSnappyCopy appends copies of length bytes (at least 4) from offset
// bytes back (1 to 65535): 1-byte-offset copies where they fit (4 to 11
// bytes from less than 2048 back), else 2-byte-offset copies of at most 64
// bytes, split so that none is shorter than 4.
func appendSnappyCopy(dst []byte, offset, length int) []byte {
	for length >= 68 {
		dst = append(dst, 63<<2|2, byte(offset), byte(offset>>8))
		length -= 64
	}
	if length > 64 {
		dst = append(dst, 59<<2|2, byte(offset), byte(offset>>8))
		length -= 60
	}
	if length >= 12 || offset >= 2048 {
		return append(dst, byte(length-1)<<2|2, byte(offset), byte(offset>>8))
	}
	return append(dst, byte(offset>>8)<<5|byte(length-4)<<2|1, byte(offset))
}
