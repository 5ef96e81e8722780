package tstorage

// srvmon patch 10: integer value encodings.
//
// Gorilla's XOR of consecutive float64s is cheap for a value that does not
// change (one bit) but costs 15 to 40 bits whenever an integer value moves:
// a per-process CPU series whose delta goes 0, 37, 0, 112 paid some 40
// bits a point, five times what the numbers hold. Most of srvmon's series
// are integers once scaled (tick counts, bytes, pages), so PartitionWriter
// also encodes every series whose values are all integers as integers, in
// two ways, and keeps the smallest of the three:
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
)

// A series' value encoding (diskMetric.Encoding).
const (
	encGorilla  = 0
	encIntRaw   = 1
	encIntDelta = 2
	encRegular  = 4 // a flag: the timestamps are t0 + k×(t1-t0)
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
}

// next writes a value after the first.
func (iv *intValues) next(b *bstream, v float64) {
	n := int64(v) / iv.mul
	x := n
	if iv.mode == encIntDelta {
		x = n - iv.prev
	}
	iv.prev = n
	writeVarbitInt(b, x)
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
	return iv.value(n)
}

// readNext reads a value after the first.
func (iv *intValues) readNext(br *bstreamReader) (float64, error) {
	k := 0
	for k < len(varbitWidths)-1 {
		bit, err := br.readBitFast()
		if err != nil {
			bit, err = br.readBit()
		}
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
		u, err := br.readBitsFast(w)
		if err != nil {
			u, err = br.readBits(w)
		}
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
