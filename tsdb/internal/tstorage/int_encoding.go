package tstorage

// srvmon patch 10: integer value encodings.
//
// Gorilla's XOR of consecutive float64s is cheap for a value that does not
// change (one bit) but costs 15 to 40 bits whenever an integer value moves:
// a per-process CPU series whose delta goes 0, 37, 0, 112 paid some 40
// bits a point, five times what the numbers hold. Most of srvmon's series
// are integers once scaled (tick counts, bytes, pages), so PartitionWriter
// also encodes every series whose values are all integers as integers, in
// two ways (three with patch 11's packing, see packing), and keeps the
// smallest:
//
//   - encIntRaw: each value divided by the greatest common divisor of the
//     series' values (4096 for page-sized byte counts), as a variable-bit
//     integer (0 in one bit, small numbers in a few);
//   - encIntDelta: the same of each value's difference from the one
//     before: a counter costs what it moved.
//
// Timestamps are encoded as Gorilla encodes them, or, when every interval
// of the series is the same (a recorder that missed no run), not at all
// after the first two: encRegular added to the encoding. Gorilla spends a
// bit a point on them then, a quarter of a day of srvmon's series that
// barely change. The series' encoding is
// stored in meta.json ("encoding"; absent means Gorilla), so partitions
// written before the patch read as before; upstream tstorage cannot read a
// series with an integer encoding.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// A series' value encoding (diskMetric.Encoding).
const (
	encGorilla  = 0
	encIntRaw   = 1
	encIntDelta = 2
	// encIntPacked (srvmon patch 11): each value, or its difference from
	// the one before, minus the smallest of them, in a fixed number of
	// bits (packing); see choosePacking.
	encIntPacked = 3
	encRegular   = 4 // a flag: the timestamps are t0 + k×(t1-t0)
)

// maxExactInt is the largest integer magnitude a float64 holds exactly.
const maxExactInt = 1 << 53

// intValues is the state of an integer encoding of one series.
type intValues struct {
	mode uint8 // encIntRaw or encIntDelta
	mul  int64 // the values' common divisor, at least 1
	prev int64 // the previous value divided by mul
	// regular: every interval is the first one, and only the first two
	// timestamps are written.
	regular bool
	pack    packing // encIntPacked's parameters
}

// packing is how encIntPacked writes the values after the first (srvmon
// patch 11). Gorilla's and the variable-bit encodings spend a prefix on
// every value and round its width up to the next of a few: a busy
// service's CPU counter growing 1 to 10 s a minute (in µs, 24 bits) cost
// 34 bits a point, a pressure counter that stays put half the time 10 bits
// where it moves by 17. Packed, every x (the value over the divisor, or its
// difference from the one before, with delta) is x - base in width bits;
// with flagged, x == base is one 0 bit and any other a 1 bit and then
// those bits. A counter that moves the same each time, or a value that
// never changes, costs nothing a point.
type packing struct {
	delta, flagged bool
	base           int64
	width          uint8
}

// choosePacking returns the packing of points (integers over mul) that
// takes the fewest bits, and how many.
func choosePacking(points []DataPoint, mul int64) (packing, int) {
	best, bestBits := packing{}, -1
	for _, delta := range []bool{false, true} {
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		prev := int64(points[0].Value) / mul
		for _, p := range points[1:] {
			x := int64(p.Value) / mul
			if delta {
				x, prev = x-prev, x
			}
			if x < lo {
				lo = x
			}
			if x > hi {
				hi = x
			}
		}
		if len(points) < 2 {
			lo, hi = 0, 0
		}
		width := uint8(bits.Len64(uint64(hi - lo)))
		plain, atBase := int(width)*(len(points)-1), 0
		prev = int64(points[0].Value) / mul
		for _, p := range points[1:] {
			x := int64(p.Value) / mul
			if delta {
				x, prev = x-prev, x
			}
			if x == lo {
				atBase++
			}
		}
		flagged := len(points) - 1 + (len(points)-1-atBase)*int(width)
		for _, c := range []packing{{delta, false, lo, width}, {delta, true, lo, width}} {
			n := plain
			if c.flagged {
				n = flagged
			}
			if bestBits < 0 || n < bestBits {
				best, bestBits = c, n
			}
		}
	}
	return best, bestBits
}

// writeParams writes the packing after the first value.
func (p packing) write(b *bstream) {
	var flags byte
	if p.delta {
		flags |= 1
	}
	if p.flagged {
		flags |= 2
	}
	b.writeByte(flags)
	var buf [binary.MaxVarintLen64]byte
	for _, c := range buf[:binary.PutVarint(buf[:], p.base)] {
		b.writeByte(c)
	}
	b.writeByte(p.width)
}

// readPacking reads what packing.write wrote.
func readPacking(br *bstreamReader) (packing, error) {
	flags, err := br.ReadByte()
	if err != nil {
		return packing{}, err
	}
	base, err := binary.ReadVarint(br)
	if err != nil {
		return packing{}, err
	}
	width, err := br.ReadByte()
	if err != nil {
		return packing{}, err
	}
	if flags > 3 || width > 64 {
		return packing{}, fmt.Errorf("bad integer packing %d/%d", flags, width)
	}
	return packing{delta: flags&1 != 0, flagged: flags&2 != 0, base: base, width: width}, nil
}

// regularTimes tells whether points are three or more with every interval
// the same.
func regularTimes(points []DataPoint) bool {
	if len(points) < 3 {
		return false
	}
	step := points[1].Timestamp - points[0].Timestamp
	for i := 2; i < len(points); i++ {
		if points[i].Timestamp-points[i-1].Timestamp != step {
			return false
		}
	}
	return true
}

// intDivisor returns the greatest common divisor of the points' values
// (1 when they are all 0), and false when a value is not an integer a
// float64 holds exactly (or is -0, whose sign an integer loses).
func intDivisor(points []DataPoint) (int64, bool) {
	var g uint64
	for _, p := range points {
		v := p.Value
		if v != math.Trunc(v) || math.Abs(v) > maxExactInt || (v == 0 && math.Signbit(v)) {
			return 0, false
		}
		a := uint64(math.Abs(v))
		for a != 0 {
			g, a = a, g%a
		}
	}
	if g == 0 {
		g = 1
	}
	return int64(g), true
}

// first writes the divisor and the first value, as varints.
func (iv *intValues) first(b *bstream, v float64) {
	var buf [binary.MaxVarintLen64]byte
	for _, c := range buf[:binary.PutUvarint(buf[:], uint64(iv.mul))] {
		b.writeByte(c)
	}
	n := int64(v) / iv.mul
	for _, c := range buf[:binary.PutVarint(buf[:], n)] {
		b.writeByte(c)
	}
	iv.prev = n
	if iv.mode == encIntPacked {
		iv.pack.write(b)
	}
}

// next writes a value after the first.
func (iv *intValues) next(b *bstream, v float64) {
	n := int64(v) / iv.mul
	x := n
	if iv.mode == encIntDelta || (iv.mode == encIntPacked && iv.pack.delta) {
		x = n - iv.prev
	}
	iv.prev = n
	if iv.mode == encIntPacked {
		iv.pack.writeValue(b, x)
		return
	}
	writeVarbitInt(b, x)
}

// writeValue writes x packed.
func (p packing) writeValue(b *bstream, x int64) {
	if p.flagged {
		if x == p.base {
			b.writeBit(zero)
			return
		}
		b.writeBit(one)
	}
	if p.width > 0 {
		b.writeBits(uint64(x-p.base), int(p.width))
	}
}

// readValue reads a packed x.
func (p packing) readValue(br *bstreamReader) (int64, error) {
	if p.flagged {
		bit, err := br.readBitAny()
		if err != nil {
			return 0, err
		}
		if bit == zero {
			return p.base, nil
		}
	}
	if p.width == 0 {
		return p.base, nil
	}
	u, err := br.readBitsAny(p.width)
	if err != nil {
		return 0, err
	}
	return p.base + int64(u), nil
}

// readBitAny reads a bit from the buffered word, or past it.
func (b *bstreamReader) readBitAny() (bit, error) {
	if bit, err := b.readBitFast(); err == nil {
		return bit, nil
	}
	return b.readBit()
}

// readBitsAny reads nbits from the buffered word, or past it.
func (b *bstreamReader) readBitsAny(nbits uint8) (uint64, error) {
	if u, err := b.readBitsFast(nbits); err == nil {
		return u, nil
	}
	return b.readBits(nbits)
}

// varbitWidths are the payload widths of the variable-bit integer after a
// prefix of k one bits and a zero (k = 1..6), or seven ones (64 bits); a
// single zero bit is the value 0.
var varbitWidths = [...]uint8{0, 4, 8, 14, 20, 28, 40, 64}

func writeVarbitInt(b *bstream, x int64) {
	if x == 0 {
		b.writeBit(zero)
		return
	}
	for k := 1; k < len(varbitWidths); k++ {
		w := varbitWidths[k]
		if k < len(varbitWidths)-1 && (x < -(1<<(w-1)) || x >= 1<<(w-1)) {
			continue
		}
		if k < len(varbitWidths)-1 {
			b.writeBits(1<<(k+1)-2, k+1) // k ones, a zero
		} else {
			b.writeBits(1<<k-1, k) // seven ones
		}
		mask := ^uint64(0)
		if w < 64 {
			mask = 1<<w - 1
		}
		b.writeBits(uint64(x)&mask, int(w))
		return
	}
}

// readFirst reads the divisor and the first value.
func (iv *intValues) readFirst(br *bstreamReader) (float64, error) {
	mul, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, err
	}
	if mul == 0 || mul > maxExactInt {
		return 0, fmt.Errorf("bad integer divisor %d", mul)
	}
	n, err := binary.ReadVarint(br)
	if err != nil {
		return 0, err
	}
	iv.mul, iv.prev = int64(mul), n
	if iv.mode == encIntPacked {
		if iv.pack, err = readPacking(br); err != nil {
			return 0, err
		}
	}
	return iv.value(n)
}

// readNext reads a value after the first.
func (iv *intValues) readNext(br *bstreamReader) (float64, error) {
	if iv.mode == encIntPacked {
		x, err := iv.pack.readValue(br)
		if err != nil {
			return 0, err
		}
		if iv.pack.delta {
			x += iv.prev
		}
		iv.prev = x
		return iv.value(x)
	}
	k := 0
	for k < len(varbitWidths)-1 {
		bit, err := br.readBitAny()
		if err != nil {
			return 0, err
		}
		if bit == zero {
			break
		}
		k++
	}
	var x int64
	if w := varbitWidths[k]; w > 0 {
		u, err := br.readBitsAny(w)
		if err != nil {
			return 0, err
		}
		x = int64(u<<(64-w)) >> (64 - w) // sign-extend
	}
	n := x
	if iv.mode == encIntDelta {
		n = iv.prev + x
	}
	iv.prev = n
	return iv.value(n)
}

// value is n times the divisor, which must be an integer a float64 holds.
func (iv *intValues) value(n int64) (float64, error) {
	if n > maxExactInt/iv.mul || n < -maxExactInt/iv.mul {
		return 0, fmt.Errorf("integer value %d×%d out of range", n, iv.mul)
	}
	return float64(n * iv.mul), nil
}
