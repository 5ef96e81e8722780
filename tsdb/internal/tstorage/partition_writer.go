package tstorage

// srvmon patch 4: a writer of one disk partition, series by series.
//
// InsertRows followed by Close holds every point of a partition in memory
// three times (the rows, a marshalled metric name per row, the memory
// partition's pointers), about 150 bytes a point, and Close's flush logs
// write errors instead of returning them. PartitionWriter encodes each
// series as it is given, with the same encoder, and writes the same files
// (data, then meta.json, compressed since patch 7) that flush writes, so
// NewStorage and Select read them as any other disk partition.

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// PartitionWriter writes one disk partition into a storage directory. It
// is not safe for concurrent use.
type PartitionWriter struct {
	dir   string
	f     *os.File
	bw    *bufio.Writer
	cw    countingWriter
	encs  [4]*gorillaEncoder // by value encoding (patches 10 and 11)
	meta  meta
	first bool
}

type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// NewPartitionWriter creates the partition directory for points from
// minT to maxT in dataPath, which must not hold one already.
func NewPartitionWriter(dataPath string, minT, maxT int64) (*PartitionWriter, error) {
	dir := filepath.Join(dataPath, fmt.Sprintf("p-%d-%d", minT, maxT))
	if err := os.MkdirAll(dataPath, fs.ModePerm); err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, fs.ModePerm); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, dataFileName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	w := &PartitionWriter{dir: dir, f: f, bw: bufio.NewWriterSize(f, 64<<10)}
	w.cw.w = w.bw
	w.meta = meta{MinTimestamp: minT, MaxTimestamp: maxT, Metrics: map[string]diskMetric{}}
	return w, nil
}

// Add writes the points of one series, in time order (each timestamp
// after the one before, none 0). A series may be added once.
func (w *PartitionWriter) Add(metric string, labels []Label, points []DataPoint) error {
	if len(points) == 0 {
		return nil
	}
	name := marshalMetricName(metric, append([]Label(nil), labels...))
	if _, ok := w.meta.Metrics[name]; ok {
		return fmt.Errorf("partition writer: series %s added twice", metric)
	}
	offset := w.cw.n
	for i := range points {
		if points[i].Timestamp == 0 || (i > 0 && points[i].Timestamp <= points[i-1].Timestamp) {
			return fmt.Errorf("partition writer: series %s: points out of order or at time 0", metric)
		}
	}
	// srvmon patch 10: the smallest of Gorilla's encoding and, for integer
	// values, the two integer encodings (and patch 11's packed one).
	encoding := uint8(encGorilla)
	modes := []uint8{encGorilla}
	mul, isInt := intDivisor(points)
	regular := isInt && regularTimes(points)
	if isInt {
		modes = append(modes, encIntRaw, encIntDelta, encIntPacked)
	}
	for _, mode := range modes {
		e := w.encs[mode]
		if e == nil {
			e = newSeriesEncoder(io.Discard).(*gorillaEncoder)
			w.encs[mode] = e
		}
		e.ints = nil
		if mode != encGorilla {
			e.ints = &intValues{mode: mode, mul: mul, regular: regular}
		}
		if mode == encIntPacked {
			e.ints.pack, _ = choosePacking(points, mul)
		}
		for i := range points {
			if err := e.encodePoint(&points[i]); err != nil {
				return err
			}
		}
		if len(e.buf.bytes()) < len(w.encs[encoding].buf.bytes()) {
			encoding = mode
		}
	}
	if _, err := w.cw.Write(w.encs[encoding].buf.bytes()); err != nil {
		return err
	}
	for _, mode := range modes {
		if err := w.encs[mode].flush(); err != nil { // to io.Discard: resets it
			return err
		}
	}
	w.meta.Metrics[name] = diskMetric{
		Name:          name,
		Offset:        offset,
		MinTimestamp:  points[0].Timestamp,
		MaxTimestamp:  points[len(points)-1].Timestamp,
		NumDataPoints: int64(len(points)),
		Encoding:      encoding,
	}
	if encoding != encGorilla && regular {
		m := w.meta.Metrics[name]
		m.Encoding |= encRegular
		w.meta.Metrics[name] = m
	}
	w.meta.NumDataPoints += len(points)
	return nil
}

// Offset returns how many bytes of the data file were written so far: a
// series added next starts there, and each series' encoding ends on a byte
// boundary, so the series tile the file (srvmon checksums each one).
func (w *PartitionWriter) Offset() int64 { return w.cw.n }

// Close finishes the data file and writes meta.json (last, as flush does:
// a partition with a meta file is whole). It does not sync.
func (w *PartitionWriter) Close() error {
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(w.dir, dataFileName), err)
	}
	w.meta.CreatedAt = time.Now()
	b, err := encodeMeta(&w.meta)
	if err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	path := filepath.Join(w.dir, metaFileName)
	if err := os.WriteFile(path, b, fs.ModePerm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
