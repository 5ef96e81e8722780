package tsdb

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"

	"github.com/srvmon/srvmon/tsdb/internal/noatime"
)

// HourSummary condenses one series over one UTC hour, so that a query over
// weeks at an hourly (or coarser) step reads a few values per hour instead of
// decoding every sample, the way Prometheus/Thanos downsampling does.
type HourSummary struct {
	Start  int64   // Unix time of the hour's first second
	Count  int     // points in the hour
	Sum    float64 // sum of the values (a gauge's average is Sum/Count)
	Min    float64
	Max    float64
	FirstT int64 // time and value of the first and last point
	FirstV float64
	LastT  int64
	LastV  float64
	// Increase is a counter's increase between FirstT and LastT: the sum of
	// the differences of consecutive points, where a point lower than the one
	// before it, or one recorded after a reboot, counts from zero (as
	// Prometheus' increase() does). For a gauge it means nothing.
	Increase float64
	Resets   int // counter resets and reboots seen inside the hour
}

// SeriesInfo is a series' entry in a block's index.
type SeriesInfo struct {
	Key   string
	MinT  int64
	MaxT  int64
	Count int
	// Scale is the decimal exponent k the block stores the series' values
	// with: tstorage holds v×10^k, which Gorilla's XOR encoding compresses
	// far better when it is an integer (0.01 s CPU ticks become whole
	// ticks). k is chosen per series and block so that the conversion back
	// is exact for every point; 0 means values are stored as they are.
	Scale int
}

// bootFunc tells whether a reboot happened between two sample times of a
// series carrying the given instance label.
type bootFunc func(instance string, prevT, t int64) bool

// summarize condenses sorted, deduplicated points into hourly summaries.
func summarize(pts []Point, instance string, rebooted bootFunc) []HourSummary {
	var out []HourSummary
	var cur *HourSummary
	for i, p := range pts {
		hour := p.T - p.T%3600
		if p.T < 0 && p.T%3600 != 0 {
			hour -= 3600
		}
		if cur == nil || cur.Start != hour {
			out = append(out, HourSummary{Start: hour, Min: p.V, Max: p.V, FirstT: p.T, FirstV: p.V})
			cur = &out[len(out)-1]
		} else {
			prev := pts[i-1]
			if p.V < prev.V || (rebooted != nil && rebooted(instance, prev.T, p.T)) {
				cur.Increase += p.V
				cur.Resets++
			} else {
				cur.Increase += p.V - prev.V
			}
		}
		cur.Count++
		cur.Sum += p.V
		cur.Min = math.Min(cur.Min, p.V)
		cur.Max = math.Max(cur.Max, p.V)
		cur.LastT, cur.LastV = p.T, p.V
	}
	return out
}

// A summary file is gzip-compressed: the magic, the index, then each
// series' hourly summaries. Version 1 wrote each hour's six values as
// float64s; version 2 (store format 4) writes a column of values whose
// every value is an integer at the series' decimal scale as integers, each
// as its difference from a prediction (summaryColumns).
const (
	summaryMagic1 = "SRVSUM1\n"
	summaryMagic  = "SRVSUM2\n"
)

// writeSummary writes a block's index and hourly summaries to path, synced.
// series must be sorted by key.
func writeSummary(path string, index []SeriesInfo, sums [][]HourSummary) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	var b []byte
	b = append(b, summaryMagic...)
	b = appendSummaryIndex(b, index)
	if _, err := w.Write(b); err != nil {
		return err
	}
	// The summaries follow, column by column within each series, so that
	// gzip sees runs of similar bytes.
	for i, hs := range sums {
		b = b[:0]
		b = appendHourHeaders(b, hs)
		b = appendSummaryValues(b, hs, index[i].Scale)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Sync()
}

// appendSummaryIndex appends the index of a summary file (versions 1 and
// 2): the series count, then each key, time span, point count and scale.
func appendSummaryIndex(b []byte, index []SeriesInfo) []byte {
	b = binary.AppendUvarint(b, uint64(len(index)))
	for _, s := range index {
		b = binary.AppendUvarint(b, uint64(len(s.Key)))
		b = append(b, s.Key...)
		b = binary.AppendVarint(b, s.MinT)
		b = binary.AppendVarint(b, s.MaxT-s.MinT)
		b = binary.AppendUvarint(b, uint64(s.Count))
		b = binary.AppendUvarint(b, uint64(s.Scale))
	}
	return b
}

// appendHourHeaders appends what a summary file (versions 1 and 2) holds of
// a series' hours before their values: the count, then each hour's start,
// point count, first and last times and resets.
func appendHourHeaders(b []byte, hs []HourSummary) []byte {
	b = binary.AppendUvarint(b, uint64(len(hs)))
	var prevStart int64
	for _, h := range hs {
		b = binary.AppendVarint(b, h.Start-prevStart)
		prevStart = h.Start
		b = binary.AppendUvarint(b, uint64(h.Count))
		b = binary.AppendUvarint(b, uint64(h.FirstT-h.Start))
		b = binary.AppendUvarint(b, uint64(h.LastT-h.FirstT))
		b = binary.AppendUvarint(b, uint64(h.Resets))
	}
	return b
}

// summaryReader reads a summary file: first the index, then, if asked, the
// hourly summaries.
type summaryReader struct {
	f       *os.File
	version int   // 1 or 2
	scales  []int // the index's, in order
	n       int   // series read by next
	*summaryBuffers
}

// summaryBuffers are a summary reader's buffers (two of 64 KiB and the
// decompressor's), reused from reader to reader: a query over a month opens
// some sixty summary files.
type summaryBuffers struct {
	fr, r   *bufio.Reader
	zr      *gzip.Reader
	scratch []byte // a series' values as read
}

var summaryPool = sync.Pool{New: func() any {
	return &summaryBuffers{fr: bufio.NewReaderSize(nil, 64<<10), r: bufio.NewReaderSize(nil, 64<<10)}
}}

var errBadSummary = errors.New("damaged summary file")

func openSummary(path string) (*summaryReader, []SeriesInfo, error) {
	f, err := noatime.Open(path)
	if err != nil {
		return nil, nil, err
	}
	sr := &summaryReader{f: f, summaryBuffers: summaryPool.Get().(*summaryBuffers)}
	sr.fr.Reset(f)
	if sr.zr == nil {
		sr.zr, err = gzip.NewReader(sr.fr)
	} else {
		err = sr.zr.Reset(sr.fr)
	}
	if err != nil {
		sr.zr = nil
		sr.Close()
		return nil, nil, fmt.Errorf("%s: %w: %v", path, errBadSummary, err)
	}
	sr.r.Reset(sr.zr)
	index, err := sr.readIndex()
	if err != nil {
		sr.Close()
		return nil, nil, fmt.Errorf("%s: %w: %v", path, errBadSummary, err)
	}
	return sr, index, nil
}

// Close closes the file and gives the buffers back.
func (sr *summaryReader) Close() error {
	err := sr.f.Close()
	if b := sr.summaryBuffers; b != nil {
		sr.summaryBuffers = nil
		b.fr.Reset(nil)
		b.r.Reset(nil)
		summaryPool.Put(b)
	}
	return err
}

func (sr *summaryReader) readIndex() ([]SeriesInfo, error) {
	magic := make([]byte, len(summaryMagic))
	if _, err := io.ReadFull(sr.r, magic); err != nil {
		return nil, errors.New("bad magic")
	}
	switch string(magic) {
	case summaryMagic1:
		sr.version = 1
	case summaryMagic:
		sr.version = 2
	default:
		return nil, errors.New("bad magic")
	}
	n, err := binary.ReadUvarint(sr.r)
	if err != nil || n > 1<<24 {
		return nil, errors.New("bad series count")
	}
	index := make([]SeriesInfo, 0, n)
	for i := uint64(0); i < n; i++ {
		l, err := binary.ReadUvarint(sr.r)
		if err != nil || l > 1<<20 {
			return nil, errors.New("bad key length")
		}
		key := make([]byte, l)
		if _, err := io.ReadFull(sr.r, key); err != nil {
			return nil, err
		}
		minT, err1 := binary.ReadVarint(sr.r)
		span, err2 := binary.ReadVarint(sr.r)
		count, err3 := binary.ReadUvarint(sr.r)
		scale, err4 := binary.ReadUvarint(sr.r)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		if scale > maxScale {
			return nil, errors.New("bad scale")
		}
		index = append(index, SeriesInfo{Key: string(key), MinT: minT, MaxT: minT + span, Count: int(count), Scale: int(scale)})
		sr.scales = append(sr.scales, int(scale))
	}
	return index, nil
}

// next reads the summaries of the next series in index order.
func (sr *summaryReader) next() ([]HourSummary, error) {
	n, err := binary.ReadUvarint(sr.r)
	if err != nil || n > 1<<20 {
		return nil, fmt.Errorf("%w: bad hour count", errBadSummary)
	}
	hs := make([]HourSummary, n)
	var start int64
	for i := range hs {
		d, err1 := binary.ReadVarint(sr.r)
		count, err2 := binary.ReadUvarint(sr.r)
		first, err3 := binary.ReadUvarint(sr.r)
		span, err4 := binary.ReadUvarint(sr.r)
		resets, err5 := binary.ReadUvarint(sr.r)
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, fmt.Errorf("%w: %v", errBadSummary, err)
		}
		start += d
		hs[i] = HourSummary{Start: start, Count: int(count), FirstT: start + int64(first), Resets: int(resets)}
		hs[i].LastT = hs[i].FirstT + int64(span)
	}
	if sr.n >= len(sr.scales) {
		return nil, fmt.Errorf("%w: more series than the index", errBadSummary)
	}
	scale := sr.scales[sr.n]
	sr.n++
	if sr.version == 2 {
		if err := sr.readSummaryValues(hs, scale); err != nil {
			return nil, fmt.Errorf("%w: %v", errBadSummary, err)
		}
		return hs, nil
	}
	// The six values of every hour, each as n little-endian float64s.
	if need := 6 * 8 * len(hs); cap(sr.scratch) < need {
		sr.scratch = make([]byte, need)
	}
	buf := sr.scratch[:6*8*len(hs)]
	if _, err := io.ReadFull(sr.r, buf); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadSummary, err)
	}
	value := func(k, i int) float64 {
		return math.Float64frombits(binary.LittleEndian.Uint64(buf[8*(k*len(hs)+i):]))
	}
	for i := range hs {
		h := &hs[i]
		h.Sum, h.Min, h.Max = value(0, i), value(1, i), value(2, i)
		h.FirstV, h.LastV, h.Increase = value(3, i), value(4, i), value(5, i)
	}
	return hs, nil
}
