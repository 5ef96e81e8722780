package tstorage

import (
	"errors"
	"fmt"
)

// srvmon patch 8: SelectAppend returns the points of a series by value,
// appended to a slice the caller may reuse, instead of a pointer per point:
// Select allocated every point on its own (16 bytes, an allocation and a
// pointer for the garbage collector to trace per point), which was most of
// the allocations of reading a month of series.

// SelectAppend appends to dst the data points that Select returns, in the
// same order, and returns the extended slice. Like Select, it returns
// ErrNoDataPoints when it finds none.
func (s *storage) SelectAppend(dst []DataPoint, metric string, labels []Label, start, end int64) ([]DataPoint, error) {
	if metric == "" {
		return dst, fmt.Errorf("metric must be set")
	}
	if start >= end {
		return dst, fmt.Errorf("the given start is greater than end")
	}
	// Select walks the partitions from the newest one and prepends each
	// one's points; walk the same partitions, then append oldest first.
	var parts []partition
	iterator := s.partitionList.newIterator()
	for iterator.next() {
		part := iterator.value()
		if part == nil {
			return dst, fmt.Errorf("unexpected empty partition found")
		}
		if part.minTimestamp() == 0 {
			continue
		}
		if part.maxTimestamp() < start {
			break
		}
		if part.minTimestamp() > end {
			continue
		}
		parts = append(parts, part)
	}
	n := len(dst)
	for i := len(parts) - 1; i >= 0; i-- {
		var err error
		if d, ok := parts[i].(*diskPartition); ok {
			dst, err = d.appendDataPoints(dst, metric, labels, start, end)
		} else {
			var ps []*DataPoint
			ps, err = parts[i].selectDataPoints(metric, labels, start, end)
			for _, p := range ps {
				dst = append(dst, *p)
			}
		}
		if errors.Is(err, ErrNoDataPoints) {
			continue
		}
		if err != nil {
			return dst, fmt.Errorf("failed to select data points: %w", err)
		}
	}
	if len(dst) == n {
		return dst, ErrNoDataPoints
	}
	return dst, nil
}

// appendDataPoints is selectDataPoints appending values to dst.
func (d *diskPartition) appendDataPoints(dst []DataPoint, metric string, labels []Label, start, end int64) ([]DataPoint, error) {
	if d.expired() {
		return dst, fmt.Errorf("this partition is expired: %w", ErrNoDataPoints)
	}
	name := marshalMetricName(metric, labels)
	mt, ok := d.meta.Metrics[name]
	if !ok {
		return dst, ErrNoDataPoints
	}
	if mt.Offset < 0 || mt.Offset > int64(len(d.mappedFile)) {
		return dst, fmt.Errorf("metric %q in %q: offset %d outside the data file", name, d.dirPath, mt.Offset)
	}
	decoder, err := newSeriesDecoderBytes(d.mappedFile[mt.Offset:], mt.Encoding) // srvmon patch 10
	if err != nil {
		return dst, fmt.Errorf("metric %q in %q: %w", name, d.dirPath, err)
	}
	dst = grow(dst, int(mt.NumDataPoints))
	var point DataPoint
	for i := 0; i < int(mt.NumDataPoints); i++ {
		if err := decoder.decodePoint(&point); err != nil {
			return dst, fmt.Errorf("failed to decode point of metric %q in %q: %w", name, d.dirPath, err)
		}
		if point.Timestamp < start {
			continue
		}
		if point.Timestamp >= end {
			break
		}
		dst = append(dst, point)
	}
	return dst, nil
}

// grow makes room for n more points in s (slices.Grow; this module's go
// version predates it).
func grow(s []DataPoint, n int) []DataPoint {
	if n -= cap(s) - len(s); n > 0 {
		s = append(s[:cap(s)], make([]DataPoint, n)...)[:len(s)]
	}
	return s
}
