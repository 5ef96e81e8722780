package tsdb

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
)

// summaryColumns are the six values of an hourly summary in the order a
// version 2 summary file writes them, each column (the series' hours) with
// the prediction of each value from the columns before it: the last value
// from the hour before's, the first from the last of the hour before, the
// minimum and maximum from the first and last, a counter's increase as last
// minus first, the sum as count times the mean of first and last. Where a
// column it predicts from is not integer, a value is predicted by the one
// of the hour before.
var summaryColumns = [6]struct {
	field   func(*HourSummary) *float64
	predict func(c *summaryCols, h int) int64
}{
	{func(h *HourSummary) *float64 { return &h.LastV }, func(c *summaryCols, h int) int64 { return c.before(colLast, h) }},
	{func(h *HourSummary) *float64 { return &h.FirstV }, func(c *summaryCols, h int) int64 {
		if !c.ok[colLast] {
			return c.before(colFirst, h)
		}
		return c.before(colLast, max(h, 1))
	}},
	{func(h *HourSummary) *float64 { return &h.Min }, func(c *summaryCols, h int) int64 {
		if !c.ends() {
			return c.before(colMin, h)
		}
		return min(c.v[colFirst][h], c.v[colLast][h])
	}},
	{func(h *HourSummary) *float64 { return &h.Max }, func(c *summaryCols, h int) int64 {
		if !c.ends() {
			return c.before(colMax, h)
		}
		return max(c.v[colFirst][h], c.v[colLast][h])
	}},
	{func(h *HourSummary) *float64 { return &h.Increase }, func(c *summaryCols, h int) int64 {
		if !c.ends() {
			return c.before(colIncrease, h)
		}
		return c.v[colLast][h] - c.v[colFirst][h]
	}},
	{func(h *HourSummary) *float64 { return &h.Sum }, func(c *summaryCols, h int) int64 {
		if !c.ends() {
			return c.before(colSum, h)
		}
		// Wraps around for huge values, the same way when reading.
		return int64(c.hours[h].Count) * ((c.v[colFirst][h] + c.v[colLast][h]) / 2)
	}},
}

const (
	colLast = iota
	colFirst
	colMin
	colMax
	colIncrease
	colSum
)

// summaryCols are a series' summary columns as integers at its scale, as
// far as they are decoded (or encoded).
type summaryCols struct {
	hours []HourSummary
	v     [6][]int64
	ok    [6]bool // the column is integer
}

// before returns column col's value of the hour before h, 0 for the first.
func (c *summaryCols) before(col, h int) int64 {
	if h == 0 || !c.ok[col] {
		return 0
	}
	return c.v[col][h-1]
}

// ends tells whether the first and last values are integer columns.
func (c *summaryCols) ends() bool { return c.ok[colFirst] && c.ok[colLast] }

// summaryInts returns the values of a column as integers at scale k, or
// false when one of them is not one (converting back must give it bit for
// bit).
func summaryInts(hs []HourSummary, field func(*HourSummary) *float64, k int) ([]int64, bool) {
	p := pow10[k]
	out := make([]int64, len(hs))
	for i := range hs {
		v := *field(&hs[i])
		n := math.Round(v * p)
		// NaN, ±Inf, -0 (whose sign an integer loses) and what does
		// not convert back stay float64s.
		if math.IsNaN(n) || math.Abs(n) >= 1<<53 || math.Signbit(v) && v == 0 || math.Float64bits(n/p) != math.Float64bits(v) {
			return nil, false
		}
		out[i] = int64(n)
	}
	return out, true
}

// appendSummaryValues appends the six value columns of a series' hours at
// scale k: each a byte, 1 for integers (each as a varint of its difference
// from its prediction) or 0 for float64s.
func appendSummaryValues(b []byte, hs []HourSummary, k int) []byte {
	c := &summaryCols{hours: hs}
	for col, sc := range summaryColumns {
		c.v[col], c.ok[col] = summaryInts(hs, sc.field, k)
		if !c.ok[col] {
			b = append(b, 0)
			for i := range hs {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*sc.field(&hs[i])))
			}
			continue
		}
		b = append(b, 1)
		for h, n := range c.v[col] {
			b = binary.AppendVarint(b, n-sc.predict(c, h))
		}
	}
	return b
}

var errBadSummaryValues = errors.New("bad summary values")

// readSummaryValues reads what appendSummaryValues wrote into hs.
func (sr *summaryReader) readSummaryValues(hs []HourSummary, k int) error {
	c := &summaryCols{hours: hs}
	p := pow10[k]
	var raw [8]byte
	for col, sc := range summaryColumns {
		mode, err := sr.r.ReadByte()
		if err != nil || mode > 1 {
			return errBadSummaryValues
		}
		if mode == 0 {
			for i := range hs {
				if _, err := io.ReadFull(sr.r, raw[:]); err != nil {
					return err
				}
				*sc.field(&hs[i]) = math.Float64frombits(binary.LittleEndian.Uint64(raw[:]))
			}
			continue
		}
		c.ok[col] = true
		c.v[col] = make([]int64, len(hs))
		for h := range hs {
			d, err := binary.ReadVarint(sr.r)
			if err != nil {
				return err
			}
			n := d + sc.predict(c, h)
			if n >= 1<<53 || n <= -(1<<53) {
				return errBadSummaryValues
			}
			c.v[col][h] = n
			*sc.field(&hs[h]) = float64(n) / p
		}
	}
	return nil
}
