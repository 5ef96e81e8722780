package tsdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
	"time"
)

// The head log is an append-only file of checksummed records, one file per
// UTC day of the samples it holds (head/2006-01-02.log). A record is
//
//	magic "SRV\x01" | payload length u32 | crc32(payload) u32 | payload | payload length u32
//
// all little endian. The trailing length lets a writer check the last record
// without reading the file; the magic lets a reader resynchronise after a
// damaged record instead of losing everything behind it. A record whose
// checksum does not match (a write torn by a crash, a full disk, a damaged
// disk) is skipped by readers, which go on at the next magic that starts a
// valid record; a writer cuts a torn or damaged tail off before it appends.
//
// Payloads:
//
//	'S' schema:  hash u64 | n uvarint | n × (len uvarint | series key)
//	'D' change:  the change of a schema from the one before (headschema.go)
//	'x' set:     time i64 | schema hash u64 | copies u8 | chain u64 | def u64 | n uvarint | n × value (appendSetValue)
//	'w' set of an earlier store format 4: as 'x' with n × float64
//	'P' points:  len uvarint | series key | n uvarint | n × (time delta zigzag varint | float64)
//	'v' set of store format 2 and 3: as 'w' without chain and def
//	'V' set of store format 1: time i64 | schema hash u64 | n uvarint | n × float64
//
// A sample set is an 'x' record whose values follow the order of the series
// keys of the schema with the same hash. A schema is defined by a whole
// list ('S') or, in store format 4, by its change from the schema of the
// set before ('D'). So that no single damaged record can take away the
// schema of other sets, the writer writes each definition twice: with the
// first set that uses it and again with the next one ('copies' says which,
// and tells the next writer whether the second copy is still due); a
// reader decodes a set with whichever copy is intact, also one that comes
// after the set. A damaged record therefore costs at most its own sample
// set. A writer that finds damage when it opens a log starts clean state:
// it writes the whole schema anew (twice) before its set. 'P' records carry
// imported history and depend on nothing. Store format 1 wrote 'V' records
// and each schema once, formats 2 and 3 'v' records and whole schemas only;
// they are still read.
const (
	recMagic    = "SRV\x01"
	recHeader   = 12
	recOverhead = recHeader + 4
	// maxRecord bounds a payload so that a damaged length cannot make a
	// reader allocate gigabytes.
	maxRecord = 64 << 20

	recSchema = 'S'
	recValues = 'V' // store format 1, read only
	recSet    = 'v'
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
// by searching for the next magic, and bad for each damaged region [from,
// to) that a valid record follows. It returns the offset just past the last
// valid record: bytes after it are an unfinished (or torn, or damaged) tail
// that the caller judges.
func scanRecords(data []byte, fn func(payload []byte), bad func(from, to int)) (end int) {
	off := 0
	for off < len(data) {
		payload, next, ok := recordAt(data, off)
		if ok {
			if off > end && bad != nil {
				bad(end, off)
			}
			fn(payload)
			off, end = next, next
			continue
		}
		i := bytes.Index(data[off+1:], []byte(recMagic))
		if i < 0 {
			break
		}
		off += 1 + i
	}
	return end
}

// tailReason says what the bytes after a head log's last valid record are,
// "" for none. An incomplete record is what a write cut short leaves (a
// crash, a full disk; a writer still writing it, if the file changed in
// the last settleTime), or what is left of a file that was cut.
func tailReason(tail []byte) string {
	if len(tail) == 0 {
		return ""
	}
	torn := false
	switch {
	case len(tail) < len(recMagic):
		torn = recMagic[:len(tail)] == string(tail)
	case string(tail[:len(recMagic)]) != recMagic:
	case len(tail) < recHeader:
		torn = true
	default:
		n := int(binary.LittleEndian.Uint32(tail[4:]))
		torn = n <= maxRecord && recOverhead+n > len(tail)
	}
	if torn {
		return "an incomplete record at the end (a write cut short, or the file was cut)"
	}
	return fmt.Sprintf("%d damaged bytes at the end", len(tail))
}

// settleTime is how long after its last change a head log's incomplete
// last record is no longer taken for a write in progress.
const settleTime = 2 * time.Second

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

// encodeSet encodes a sample set ('x'): copies is how many copies of the
// record that defines its schema the file holds, counting the one written
// with it (1 or 2); chain and def are the offsets of the first definition
// of its schema's chain and of its own (headschema.go).
func encodeSet(t int64, hash uint64, copies int, chain, def int64, values []float64) []byte {
	b := make([]byte, 0, 1+8+8+1+16+binary.MaxVarintLen64+5*len(values))
	b = append(b, recPackedSet)
	b = binary.LittleEndian.AppendUint64(b, uint64(t))
	b = binary.LittleEndian.AppendUint64(b, hash)
	b = append(b, byte(copies))
	b = binary.LittleEndian.AppendUint64(b, uint64(chain))
	b = binary.LittleEndian.AppendUint64(b, uint64(def))
	b = binary.AppendUvarint(b, uint64(len(values)))
	for _, v := range values {
		b = appendSetValue(b, v)
	}
	return b
}

// appendSetValue appends a value of an 'x' set: the smallest k in [0,
// maxScale] for which v×10^k is an integer n that converts back bit for
// bit, as the uvarint of zigzag(n)×8 + k; any other value (a fraction, NaN,
// ±Inf, -0, past 2^53) as the uvarint 7 and its float64 bits. A counter in
// 0.01 s ticks takes 4 bytes instead of 8, a thread count 1.
func appendSetValue(b []byte, v float64) []byte {
	for k := 0; k <= maxScale; k++ {
		p := pow10[k]
		n := math.Round(v * p)
		if math.IsNaN(n) || math.Abs(n) >= 1<<53 || v == 0 && math.Signbit(v) {
			break
		}
		if math.Float64bits(n/p) == math.Float64bits(v) {
			z := uint64(int64(n)<<1) ^ uint64(int64(n)>>63)
			return binary.AppendUvarint(b, z<<3|uint64(k))
		}
	}
	b = binary.AppendUvarint(b, 7)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// setValue reads a value appendSetValue wrote.
func (r *payloadReader) setValue() float64 {
	u := r.uvarint()
	k := u & 7
	if u == 7 {
		return math.Float64frombits(r.u64())
	}
	if k > maxScale || u>>3 >= 1<<54 {
		r.err = errShortPayload
		return 0
	}
	z := u >> 3
	n := int64(z>>1) ^ -int64(z&1)
	return float64(n) / pow10[k]
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

// varint reads a zigzag-encoded varint: uvarint's, decoded as
// binary.Varint decodes it.
func (r *payloadReader) varint() int64 {
	ux := r.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
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
// the order they were written, and the damage found.
type headData struct {
	points map[string][]Point
	// unsorted are the keys whose points are not in strictly increasing
	// time (an import, a clock set back, a time written twice): between
	// scans them. The others, every recorder's, are searched.
	unsorted map[string]bool
	// damage lists damaged regions and unreadable sample sets, with the
	// times around them (0: the start or end of the day).
	damage []headDamage
}

// headDamage is one stretch of a head log that could not be read: samples
// in [from, to) may be missing (0 means the start or the end of the day).
type headDamage struct {
	from, to int64
	reason   string
	wholeDay bool // the damaged bytes may have held samples of any time of the day
}

// parseHead decodes a head file's bytes. With settled, bytes after the
// last valid record are damage; without, they may be a write in progress.
func parseHead(data []byte, settled bool) *headData {
	p := newHeadParser()
	end := p.feed(data)
	h := p.result()
	if r := tailReason(data[end:]); r != "" && settled {
		h.damage = append(h.damage, headDamage{from: p.after(), reason: r})
	}
	return h
}

// headParser decodes a head file incrementally: feed it the bytes after
// what it consumed so far, as the file grows. A sample set whose schema
// record was damaged waits for another copy of that schema (the writer
// writes each schema twice, see Writer.Append) and is counted as damage
// until one arrives.
type headParser struct {
	h         *headData
	schemas   map[uint64][]string // the last keptSchemas defined
	recent    []uint64            // their hashes, oldest first
	pending   map[uint64][]pendingSet
	lastGoodT int64 // time of the last sample set decoded, 0 if none
	open      []int // indexes of h.damage still waiting for the next set's time
	off       int64 // bytes consumed by earlier feeds
}

type pendingSet struct {
	t      int64
	values []float64
}

func newHeadParser() *headParser {
	return &headParser{h: &headData{points: map[string][]Point{}}, schemas: map[uint64][]string{}, pending: map[uint64][]pendingSet{}}
}

// result returns a snapshot of what was decoded so far, with the sets still
// waiting for their schema counted as damage. Later feeds do not change it
// when the caller gave the parser a fresh headData before feeding (see
// readHead).
func (hp *headParser) result() *headData {
	h := *hp.h
	h.damage = slices.Clip(h.damage)
	for _, ps := range hp.pending {
		for _, p := range ps {
			h.damage = append(h.damage, headDamage{from: p.t, to: p.t + 1, reason: "the schema of a sample set is damaged"})
		}
	}
	return &h
}

// bad records damage that ends where the next intact sample set starts.
func (hp *headParser) bad(reason string) {
	hp.h.damage = append(hp.h.damage, headDamage{from: hp.after(), reason: reason})
	hp.open = append(hp.open, len(hp.h.damage)-1)
}

// after returns the first second after the last intact sample set, 0 if
// there is none (the start of the day).
func (hp *headParser) after() int64 {
	if hp.lastGoodT == 0 {
		return 0
	}
	return hp.lastGoodT + 1
}

// good records an intact sample set at t, closing open damage.
func (hp *headParser) good(t int64) {
	for _, i := range hp.open {
		hp.h.damage[i].to = t
	}
	hp.open = hp.open[:0]
	hp.lastGoodT = t
}

func (hp *headParser) apply(keys []string, t int64, values []float64) {
	for i, k := range keys {
		pts := hp.h.points[k]
		if n := len(pts); n > 0 && t <= pts[n-1].T {
			hp.h.markUnsorted(k)
		}
		hp.h.points[k] = append(pts, Point{T: t, V: values[i]})
	}
}

func (h *headData) markUnsorted(key string) {
	if h.unsorted == nil {
		h.unsorted = map[string]bool{}
	}
	h.unsorted[key] = true
}

// between returns the points of key in [start, end) in the order written:
// by binary search when they are in strictly increasing time, by a scan
// otherwise. The slice may be the head's own: callers copy it before
// changing it.
func (h *headData) between(key string, start, end int64) []Point {
	pts := h.points[key]
	if h.unsorted[key] {
		var out []Point
		for _, p := range pts {
			if p.T >= start && p.T < end {
				out = append(out, p)
			}
		}
		return out
	}
	lo := sort.Search(len(pts), func(i int) bool { return pts[i].T >= start })
	hi := lo + sort.Search(len(pts)-lo, func(i int) bool { return pts[lo+i].T >= end })
	return pts[lo:hi:hi]
}

// feed decodes the records in data and returns how many bytes it consumed:
// up to the end of the last valid record (a torn or unfinished record at
// the end is left for the next feed).
func (hp *headParser) feed(data []byte) int {
	end := scanRecords(data, hp.record, func(from, to int) {
		reason := fmt.Sprintf("%d damaged bytes at offset %d", to-from, hp.off+int64(from))
		if mayHoldPoints(data[from:to]) {
			hp.h.damage = append(hp.h.damage, headDamage{reason: reason + " (imported points of any time of the day)", wholeDay: true})
			return
		}
		hp.bad(reason)
	})
	hp.off += int64(end)
	return end
}

// record decodes one valid record.
func (hp *headParser) record(p []byte) {
	if len(p) == 0 {
		hp.bad("an empty record")
		return
	}
	r := &payloadReader{b: p[1:]}
	switch p[0] {
	case recSchema:
		hash, keys, err := decodeSchema(r)
		if err != nil {
			hp.bad("a malformed schema record")
			return
		}
		hp.define(hash, keys)
	case recChange, recPairChange:
		hp.change(p[0], r)
	case recValues, recSet, recChainSet, recPackedSet:
		hp.set(p[0], r)
	case recPoints:
		hp.points(r)
	default:
		hp.bad(fmt.Sprintf("a record of unknown type %q", p[0]))
	}
}

// keptSchemas is how many schemas a parser keeps, those used last: a
// writer's set uses the schema of the set before it or one it defines with
// it, and a schema change is based on the first schema of its chain, which
// each change uses again.
const keptSchemas = 8

// define adds a schema and decodes the sets that waited for it.
func (hp *headParser) define(hash uint64, keys []string) {
	hp.schemas[hash] = keys
	hp.used(hash)
	for _, ps := range hp.pending[hash] {
		if len(ps.values) == len(keys) {
			hp.apply(keys, ps.t, ps.values)
		} else {
			hp.h.damage = append(hp.h.damage, headDamage{from: ps.t, to: ps.t + 1, reason: "a sample set that does not match its schema"})
		}
	}
	delete(hp.pending, hash)
}

// used marks the schema hash as used last, forgetting the one used longest
// ago when there are more than keptSchemas.
func (hp *headParser) used(hash uint64) {
	if i := slices.Index(hp.recent, hash); i >= 0 {
		hp.recent = slices.Delete(hp.recent, i, i+1)
	}
	hp.recent = append(hp.recent, hash)
	if len(hp.recent) > keptSchemas {
		delete(hp.schemas, hp.recent[0])
		hp.recent = slices.Delete(hp.recent, 0, 1)
	}
}

// change decodes a schema change ('D' or 'E'). A copy of one already applied is
// skipped; one whose base schema was lost (both copies damaged) defines
// nothing, and the sets that use it are reported as damage.
func (hp *headParser) change(kind byte, r *payloadReader) {
	hash, baseHash, apply := decodeChange(kind, r)
	if r.err != nil {
		hp.bad("a malformed schema change")
		return
	}
	if _, ok := hp.schemas[hash]; ok {
		hp.used(hash)
		return
	}
	var base []string
	if baseHash != emptySchemaHash {
		var ok bool
		if base, ok = hp.schemas[baseHash]; !ok {
			return
		}
		hp.used(baseHash)
	}
	keys, err := apply(base, true)
	if err != nil {
		hp.bad("a malformed schema change")
		return
	}
	hp.define(hash, keys)
}

// set decodes a sample set ('x', 'w', 'v', or format 1's 'V').
func (hp *headParser) set(kind byte, r *payloadReader) {
	t := int64(r.u64())
	hash := r.u64()
	switch {
	case kind == recSet && len(r.b) > 0:
		r.b = r.b[1:] // copies: only the writer needs it
	case (kind == recChainSet || kind == recPackedSet) && len(r.b) >= 17:
		r.b = r.b[17:] // copies and definitions' offsets: only the writer needs them
	}
	values, ok := decodeSetValues(kind, r)
	if !ok {
		hp.bad("a malformed sample set")
		return
	}
	hp.good(t)
	keys, ok := hp.schemas[hash]
	switch {
	case !ok:
		hp.pending[hash] = append(hp.pending[hash], pendingSet{t: t, values: values})
	case len(keys) != len(values):
		hp.h.damage = append(hp.h.damage, headDamage{from: t, to: t + 1, reason: "a sample set that does not match its schema"})
	default:
		hp.apply(keys, t, values)
	}
}

// decodeSetValues reads the values of a set record of the kind.
func decodeSetValues(kind byte, r *payloadReader) ([]float64, bool) {
	n := r.uvarint()
	if kind != recPackedSet {
		if r.err != nil || uint64(len(r.b)) != 8*n {
			return nil, false
		}
		values := make([]float64, n)
		for i := range values {
			values[i] = math.Float64frombits(r.u64())
		}
		return values, true
	}
	if r.err != nil || n > uint64(len(r.b)) {
		return nil, false
	}
	values := make([]float64, n)
	for i := range values {
		values[i] = r.setValue()
	}
	return values, r.err == nil && len(r.b) == 0
}

// points decodes a record of imported points ('P').
func (hp *headParser) points(r *payloadReader) {
	h := hp.h
	key := r.str()
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		hp.bad("a malformed record of imported points")
		return
	}
	pts := h.points[key]
	var t int64
	for i := uint64(0); i < n; i++ {
		t += r.varint()
		if len(pts) > 0 && t <= pts[len(pts)-1].T {
			h.markUnsorted(key)
		}
		pts = append(pts, Point{T: t, V: math.Float64frombits(r.u64())})
	}
	if r.err != nil {
		hp.bad("a malformed record of imported points")
		return
	}
	h.points[key] = pts
}

// mayHoldPoints reports whether a damaged region of a head log may have
// held a 'P' record, whose points can be of any time of the day. The region
// starts where a record starts (after the last intact one); it and every
// later record start in it must say a type that a sample set or schema has.
// A sample set lies between the intact sets around it.
func mayHoldPoints(region []byte) bool {
	for i := 0; i < len(region); {
		if i+recHeader >= len(region) {
			return true
		}
		switch region[i+recHeader] {
		case recSchema, recChange, recPairChange, recValues, recSet, recChainSet, recPackedSet:
		default:
			return true
		}
		j := bytes.Index(region[i+1:], []byte(recMagic))
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
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
	copies   int    // copies of that schema's definition in the file, as the last set says
	chain    int64  // offset of the first definition of the last set's schema chain, -1 if none
	def      int64  // offset of a record holding the last set's schema definition
	// cut says what the bytes after the last valid record are, if there
	// are any: the writer keeps them in damaged/, cuts them off and
	// reports them.
	cut string
}

// readTail finds where the valid records of f end. In the common case it
// reads only the last record; otherwise it scans the file once and starts
// clean state: the next sample set restates its schema.
func readTail(f *os.File) (headTail, error) {
	st, err := f.Stat()
	if err != nil {
		return headTail{}, err
	}
	size := st.Size()
	if size == 0 {
		return headTail{chain: -1}, nil
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
				t := lastOf(payload)
				t.size = size
				if t.lastT != 0 || len(payload) == 0 || payload[0] != recPoints {
					return t, nil
				}
				// An import was joined after the last sample set: the
				// scan below finds that set's time, which the next set
				// must come after (or it would replace it).
			}
		}
	}
	// The tail is torn or damaged: find the end of the last valid record.
	data, err := io.ReadAll(io.NewSectionReader(f, 0, size))
	if err != nil {
		return headTail{}, err
	}
	t := headTail{chain: -1}
	end := scanRecords(data, func(p []byte) {
		if lt := lastOf(p).lastT; lt != 0 {
			t.lastT = lt
		}
	}, nil)
	t.size = int64(end)
	t.cut = tailReason(data[end:])
	return t, nil
}

// lastOf returns what a record leaves behind for the next writer: the
// sample time, schema hash, copies of the schema's definition and chain
// start (size and cut unset).
func lastOf(p []byte) headTail {
	t := headTail{chain: -1}
	if len(p) == 0 {
		return t
	}
	r := &payloadReader{b: p[1:]}
	switch p[0] {
	case recSchema, recChange, recPairChange:
		t.lastHash = r.u64()
	case recValues:
		t.lastT = int64(r.u64())
		t.lastHash = r.u64()
	case recSet, recChainSet, recPackedSet:
		t.lastT = int64(r.u64())
		t.lastHash = r.u64()
		if r.err != nil || len(r.b) == 0 {
			t.lastHash = 0
			return t
		}
		t.copies = int(r.b[0])
		if p[0] == recChainSet || p[0] == recPackedSet {
			r.b = r.b[1:]
			chain, def := int64(r.u64()), int64(r.u64())
			if r.err == nil && chain >= 0 && def >= chain {
				t.chain, t.def = chain, def
			}
		}
	}
	return t
}
