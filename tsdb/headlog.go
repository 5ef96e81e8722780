package tsdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"hash/fnv"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
)

// The head log is an append-only file of checksummed records, one file per
// UTC day of the samples it holds (head/2006-01-02.log). A record is
//
//	magic "SRV\x01" | payload length u32 | crc32(payload) u32 | payload | payload length u32
//
// all little endian. The trailing length lets a writer check the last record
// without reading the file; the magic lets a reader resynchronise after a
// damaged record instead of losing everything behind it. A record whose
// checksum does not match (a write torn by a crash, a full disk) is skipped by
// readers and cut off by the next writer before it appends.
//
// Payloads:
//
//	'S' schema:  hash u64 | n uvarint | n × (len uvarint | series key)
//	'V' values:  time i64 | schema hash u64 | n uvarint | n × float64
//	'P' points:  len uvarint | series key | n uvarint | n × (time delta zigzag varint | float64)
//
// A sample set is a 'V' record whose values follow the order of the series
// keys of the schema with the same hash, written earlier in the same file
// whenever the set of series changes. 'P' records carry imported history.
const (
	recMagic    = "SRV\x01"
	recHeader   = 12
	recOverhead = recHeader + 4
	// maxRecord bounds a payload so that a damaged length cannot make a
	// reader allocate gigabytes.
	maxRecord = 64 << 20

	recSchema = 'S'
	recValues = 'V'
	recPoints = 'P'
)

// crcTable is made on first use, not at package initialisation (which every
// srvmon process pays for, record once a minute).
var crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.IEEE) })

// appendRecord frames payload as a record at the end of buf.
func appendRecord(buf, payload []byte) []byte {
	buf = append(buf, recMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(payload, crcTable()))
	buf = append(buf, payload...)
	return binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
}

// recordAt returns the payload of a valid record starting at off, and the
// offset just past it; ok is false if no valid record starts there.
func recordAt(data []byte, off int) (payload []byte, next int, ok bool) {
	if off+recOverhead > len(data) || string(data[off:off+4]) != recMagic {
		return nil, 0, false
	}
	n := int(binary.LittleEndian.Uint32(data[off+4:]))
	if n > maxRecord || off+recOverhead+n > len(data) {
		return nil, 0, false
	}
	payload = data[off+recHeader : off+recHeader+n]
	if binary.LittleEndian.Uint32(data[off+8:]) != crc32.Checksum(payload, crcTable()) ||
		int(binary.LittleEndian.Uint32(data[off+recHeader+n:])) != n {
		return nil, 0, false
	}
	return payload, off + recOverhead + n, true
}

// scanRecords calls fn for each valid record in data, skipping damaged bytes
// by searching for the next magic. It returns the offset just past the last
// valid record and the number of damaged regions skipped.
func scanRecords(data []byte, fn func(payload []byte)) (end, damaged int) {
	off := 0
	for off < len(data) {
		payload, next, ok := recordAt(data, off)
		if ok {
			fn(payload)
			off, end = next, next
			continue
		}
		damaged++
		i := bytes.Index(data[off+1:], []byte(recMagic))
		if i < 0 {
			break
		}
		off += 1 + i
	}
	if end < len(data) && damaged == 0 {
		damaged = 1
	}
	return end, damaged
}

// schemaHash identifies an ordered list of series keys.
func schemaHash(keys []string) uint64 {
	h := fnv.New64a()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func encodeSchema(hash uint64, keys []string) []byte {
	n := 1 + 8 + binary.MaxVarintLen64
	for _, k := range keys {
		n += len(k) + binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	b = append(b, recSchema)
	b = binary.LittleEndian.AppendUint64(b, hash)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return b
}

func encodeValues(t int64, hash uint64, values []float64) []byte {
	b := make([]byte, 0, 1+8+8+binary.MaxVarintLen64+8*len(values))
	b = append(b, recValues)
	b = binary.LittleEndian.AppendUint64(b, uint64(t))
	b = binary.LittleEndian.AppendUint64(b, hash)
	b = binary.AppendUvarint(b, uint64(len(values)))
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func encodePoints(key string, pts []Point) []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(key)+len(pts)*(8+binary.MaxVarintLen64))
	b = append(b, recPoints)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(pts)))
	var prev int64
	for _, p := range pts {
		b = binary.AppendVarint(b, p.T-prev)
		prev = p.T
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.V))
	}
	return b
}

// payloadReader decodes the fields of one payload; the first error sticks.
type payloadReader struct {
	b   []byte
	err error
}

var errShortPayload = errors.New("short payload")

func (r *payloadReader) u64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = errShortPayload
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *payloadReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortPayload
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShortPayload
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) str() string {
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errShortPayload
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// headData is what a reader makes of one head file: every series' points in
// the order they were written, and whether damaged records were skipped.
type headData struct {
	points  map[string][]Point
	damaged int
	// lastT is the time of the last sample set ('V' record), 0 if none.
	lastT int64
	// lastHash is the schema hash the last record carries, 0 if none.
	lastHash uint64
}

// parseHead decodes a head file's bytes. Values of a record whose schema is
// unknown (its 'S' record was damaged) are counted as damage and skipped.
func parseHead(data []byte) *headData {
	p := newHeadParser()
	p.feed(data)
	return p.h
}

// headParser decodes a head file incrementally: feed it the bytes after
// what it consumed so far, as the file grows.
type headParser struct {
	h       *headData
	schemas map[uint64][]string
}

func newHeadParser() *headParser {
	return &headParser{h: &headData{points: map[string][]Point{}}, schemas: map[uint64][]string{}}
}

// feed decodes the records in data and returns how many bytes it consumed:
// up to the end of the last valid record (a torn or unfinished record at
// the end is left for the next feed).
func (hp *headParser) feed(data []byte) int {
	h, schemas := hp.h, hp.schemas
	end, damaged := scanRecords(data, func(p []byte) {
		if len(p) == 0 {
			h.damaged++
			return
		}
		r := &payloadReader{b: p[1:]}
		switch p[0] {
		case recSchema:
			hash := r.u64()
			n := r.uvarint()
			if r.err != nil || n > uint64(len(r.b)) {
				h.damaged++
				return
			}
			keys := make([]string, 0, n)
			for i := uint64(0); i < n; i++ {
				keys = append(keys, r.str())
			}
			if r.err != nil {
				h.damaged++
				return
			}
			schemas[hash] = keys
			h.lastHash = hash
		case recValues:
			t := int64(r.u64())
			hash := r.u64()
			n := r.uvarint()
			keys, ok := schemas[hash]
			if r.err != nil || !ok || n != uint64(len(keys)) || uint64(len(r.b)) != 8*n {
				h.damaged++
				return
			}
			for _, k := range keys {
				h.points[k] = append(h.points[k], Point{T: t, V: math.Float64frombits(r.u64())})
			}
			h.lastT, h.lastHash = t, hash
		case recPoints:
			key := r.str()
			n := r.uvarint()
			if r.err != nil || n > uint64(len(r.b)) {
				h.damaged++
				return
			}
			pts := h.points[key]
			var t int64
			for i := uint64(0); i < n; i++ {
				t += r.varint()
				pts = append(pts, Point{T: t, V: math.Float64frombits(r.u64())})
			}
			if r.err != nil {
				h.damaged++
				return
			}
			h.points[key] = pts
			h.lastHash = 0
		default:
			h.damaged++
		}
	})
	if end < len(data) {
		damaged-- // the unfinished tail is not damage (yet)
	}
	h.damaged += damaged
	return end
}

// sortDedup sorts points by time, keeping for each time the value written
// last (later in pts). pts is modified in place.
func sortDedup(pts []Point) []Point {
	if len(pts) < 2 {
		return pts
	}
	sorted := true
	for i := 1; i < len(pts); i++ {
		if pts[i].T <= pts[i-1].T {
			sorted = false
			break
		}
	}
	if sorted {
		return pts
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].T < pts[j].T })
	out := pts[:0]
	for i, p := range pts {
		if i+1 < len(pts) && pts[i+1].T == p.T {
			continue // a later write of the same time wins
		}
		out = append(out, p)
	}
	return slices.Clip(out)
}

// headTail describes the end of a head file as a writer needs it.
type headTail struct {
	size     int64  // bytes of valid records; the file is cut to this
	lastT    int64  // time of the last sample set, 0 if unknown
	lastHash uint64 // schema hash of the last record, 0 if none
}

// readTail finds where the valid records of f end. In the common case it
// reads only the last record; after a crash it scans the file once.
func readTail(f *os.File) (headTail, error) {
	st, err := f.Stat()
	if err != nil {
		return headTail{}, err
	}
	size := st.Size()
	if size == 0 {
		return headTail{}, nil
	}
	if size >= recOverhead {
		var tr [4]byte
		if _, err := f.ReadAt(tr[:], size-4); err != nil {
			return headTail{}, err
		}
		n := int64(binary.LittleEndian.Uint32(tr[:]))
		if n <= maxRecord && size >= recOverhead+n {
			buf := make([]byte, recOverhead+n)
			if _, err := f.ReadAt(buf, size-int64(len(buf))); err != nil {
				return headTail{}, err
			}
			if payload, _, ok := recordAt(buf, 0); ok {
				t := headTail{size: size}
				t.lastT, t.lastHash = lastOf(payload)
				if t.lastT != 0 || len(payload) == 0 || payload[0] != recPoints {
					return t, nil
				}
				// An import was joined after the last sample set: the
				// scan below finds that set's time, which the next set
				// must come after (or it would replace it).
			}
		}
	}
	// The tail is torn: find the end of the last valid record.
	data, err := io.ReadAll(io.NewSectionReader(f, 0, size))
	if err != nil {
		return headTail{}, err
	}
	var t headTail
	end, _ := scanRecords(data, func(p []byte) {
		lt, lh := lastOf(p)
		if lt != 0 {
			t.lastT = lt
		}
		t.lastHash = lh
	})
	t.size = int64(end)
	return t, nil
}

// lastOf returns the sample time and schema hash a record leaves behind.
func lastOf(p []byte) (int64, uint64) {
	if len(p) == 0 {
		return 0, 0
	}
	r := &payloadReader{b: p[1:]}
	switch p[0] {
	case recSchema:
		return 0, r.u64()
	case recValues:
		t := int64(r.u64())
		return t, r.u64()
	}
	return 0, 0
}
