package tsdb

import (
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
)

// Schema changes in the head log (store format 4).
//
// A host's series list changes from one sample set to another when the
// processes the procs collector keeps change. Format 3 wrote the whole list
// again each time, twice (a schema record of 1,343 keys was 124 KB on the
// synthetic host of 500 processes). A format 4 writer defines a schema by
// an 'E' record, its change from a base schema:
//
//	'E' change:  hash u64 | base hash u64 | removed uvarint | removed × index gap uvarint |
//	             metrics uvarint | metrics × part | label sets uvarint | label sets × part |
//	             added uvarint | added × (metric index uvarint | label set index uvarint)
//	part:        shared prefix uvarint | len uvarint | suffix
//
// The removed keys are positions in the base's key list, each written as
// its distance from the one before (minus one). The added keys, in order,
// are each a metric name (the key up to its '{') and a label set (the
// rest), written as indexes into the record's sorted lists of the distinct
// ones; each of those is written as the length of the prefix it shares with
// the one before and the rest. A process's eight series share one label
// set, written once. The new list is the base's without the removed keys,
// merged with the added ones, in key order; a reader checks that it has
// the hash the record says. The first writers of format 4 wrote 'D'
// records, which are still read: the same but that their added keys are
// parts themselves.
//
// A chain of definitions starts with the change from the empty schema
// (every key added: the whole list, 9.7 KB for the 124 KB above); every
// later definition in the chain is a change from that first one, so no
// definition depends on another but the chain's first. A writer starts a
// new chain when a change would be more than half the size of the chain's
// first definition, or lies maxChainSpan or more past it. Each definition is written
// twice, with the set that first uses it and again with the next set
// (whether or not that set has the same schema), so that one damaged
// record still costs at most its own sample set. Damage that takes both
// copies of a chain's first definition loses the sets of that chain, which
// readers report as damage.
//
// The sample sets are 'x' records, a 'v' record with the file offsets of
// the chain's first definition and of the set's own, and its values
// written shorter (appendSetValue):
//
//	'x' set:     time i64 | schema hash u64 | copies u8 | chain u64 | def u64 | n uvarint | n × value
//
// A writer (a one-shot record run) reads the last record to find them and
// reads those two records to learn the last schema's keys: what it reads
// does not grow with the log. Readers read every head log from its start.
const (
	recChange     = 'D' // written for a while by format 4; read
	recPairChange = 'E'
	recChainSet   = 'w' // written for a while by format 4; read
	recPackedSet  = 'x'
)

// isChange tells whether a record type is a schema change.
func isChange(kind byte) bool { return kind == recChange || kind == recPairChange }

// emptySchemaHash is the hash of the empty key list, the base of the first
// definition of a chain.
var emptySchemaHash = schemaHash(nil)

// headSchema is the schema of the last sample set of a head log, as a
// writer keeps it to write the next set's definition.
type headSchema struct {
	hash  uint64
	keys  []string
	def   []byte // the payload of its definition (its copy is written once)
	defAt int64  // the offset of a record holding def
	chain *headSchema
	// chainAt is the offset of the chain's first definition.
	chainAt int64
}

// fnvString adds s and a zero byte to an FNV-1a 64 hash (schemaHash's
// steps, without hash.Hash's calls).
func fnvString(h uint64, s string) uint64 {
	const prime = 1099511628211
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h * prime // ^= 0
}

// schemaHash identifies an ordered list of series keys: FNV-1a 64 of each
// key followed by a zero byte.
func schemaHash(keys []string) uint64 {
	h := uint64(14695981039346656037)
	for _, k := range keys {
		h = fnvString(h, k)
	}
	return h
}

// encodeChange encodes the change from the sorted keys base (hash baseHash)
// to the sorted keys next (hash).
func encodeChange(hash, baseHash uint64, base, next []string) []byte {
	var removed []int
	var added []string
	i, j := 0, 0
	for i < len(base) || j < len(next) {
		switch {
		case j == len(next) || (i < len(base) && base[i] < next[j]):
			removed = append(removed, i)
			i++
		case i == len(base) || next[j] < base[i]:
			added = append(added, next[j])
			j++
		default:
			i++
			j++
		}
	}
	b := make([]byte, 0, 1+16+2*binary.MaxVarintLen64+len(removed)*2+len(added)*8)
	b = appendChangeHead(b, recPairChange, hash, baseHash, removed)
	return appendKeyPairs(b, added)
}

// appendChangeHead appends what a change record of the kind holds before
// its added keys: the hashes and the removed keys' positions.
func appendChangeHead(b []byte, kind byte, hash, baseHash uint64, removed []int) []byte {
	b = append(b, kind)
	b = binary.LittleEndian.AppendUint64(b, hash)
	b = binary.LittleEndian.AppendUint64(b, baseHash)
	b = binary.AppendUvarint(b, uint64(len(removed)))
	prev := -1
	for _, r := range removed {
		b = binary.AppendUvarint(b, uint64(r-prev-1))
		prev = r
	}
	return b
}

// splitKey splits a series key before its labels' '{'.
func splitKey(k string) (metric, labels string) {
	i := strings.IndexByte(k, '{')
	if i < 0 {
		return k, ""
	}
	return k[:i], k[i:]
}

// appendKeyPairs appends the sorted keys of an 'E' change: the distinct
// metric names and the distinct label sets, each sorted and written as the
// length of the prefix it shares with the one before and the rest, then
// each key as the indexes of its metric name and label set. A process's
// eight series share one label set, written once.
func appendKeyPairs(b []byte, keys []string) []byte {
	metrics, labels := map[string]int{}, map[string]int{}
	for _, k := range keys {
		m, l := splitKey(k)
		metrics[m], labels[l] = 0, 0
	}
	for _, parts := range []map[string]int{metrics, labels} {
		sorted := slices.Sorted(maps.Keys(parts))
		for i, p := range sorted {
			parts[p] = i
		}
		b = appendPrefixed(b, sorted)
	}
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		m, l := splitKey(k)
		b = binary.AppendUvarint(b, uint64(metrics[m]))
		b = binary.AppendUvarint(b, uint64(labels[l]))
	}
	return b
}

// appendPrefixed appends the count of strs and each as the length of the
// prefix it shares with the one before and the rest (decodePrefixed reads
// them).
func appendPrefixed(b []byte, strs []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(strs)))
	last := ""
	for _, p := range strs {
		n := 0
		for n < len(p) && n < len(last) && p[n] == last[n] {
			n++
		}
		b = binary.AppendUvarint(b, uint64(n))
		b = binary.AppendUvarint(b, uint64(len(p)-n))
		b = append(b, p[n:]...)
		last = p
	}
	return b
}

// decodeKeyPairs reads what appendKeyPairs wrote, the keys sharing one
// string's memory.
func decodeKeyPairs(r *payloadReader) ([]string, error) {
	var parts [2][]string
	for i := range parts {
		var err error
		if parts[i], err = decodePrefixed(r); err != nil {
			return nil, err
		}
	}
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return nil, errBadChange
	}
	pairs := make([][2]uint64, n)
	size := 0
	for i := range pairs {
		m, l := r.uvarint(), r.uvarint()
		if r.err != nil || m >= uint64(len(parts[0])) || l >= uint64(len(parts[1])) {
			return nil, errBadChange
		}
		pairs[i] = [2]uint64{m, l}
		size += len(parts[0][m]) + len(parts[1][l])
	}
	var arena strings.Builder // sized first, as decodePrefixed's: its String aliases what is written
	arena.Grow(size)
	keys := make([]string, n)
	for i, p := range pairs {
		start := arena.Len()
		arena.WriteString(parts[0][p[0]])
		arena.WriteString(parts[1][p[1]])
		keys[i] = arena.String()[start:]
	}
	return keys, nil
}

var errBadChange = errors.New("a malformed schema change")

// decodeChange reads a 'D' or 'E' payload after its type byte: the schema's hash,
// its base's, and a function that makes the new key list from the base's
// and, with verify, checks that it has the hash.
func decodeChange(kind byte, r *payloadReader) (hash, baseHash uint64, apply func(base []string, verify bool) ([]string, error)) {
	hash, baseHash = r.u64(), r.u64()
	return hash, baseHash, func(base []string, verify bool) ([]string, error) {
		gone, err := decodeRemoved(r, len(base))
		if err != nil {
			return nil, err
		}
		decodeAdded := decodePrefixed
		if kind == recPairChange {
			decodeAdded = decodeKeyPairs
		}
		added, err := decodeAdded(r)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(base)-len(gone)+len(added))
		i := 0
		for _, k := range added {
			for ; i < len(base) && base[i] < k; i++ {
				if !gone[i] {
					keys = append(keys, base[i])
				}
			}
			keys = append(keys, k)
		}
		for ; i < len(base); i++ {
			if !gone[i] {
				keys = append(keys, base[i])
			}
		}
		if verify && schemaHash(keys) != hash {
			return nil, errBadChange
		}
		return keys, nil
	}
}

// decodeRemoved reads the positions of the removed keys of a change from a
// base of n keys, as a set.
func decodeRemoved(r *payloadReader, n int) (map[int]bool, error) {
	nr := r.uvarint()
	if r.err != nil || nr > uint64(n) {
		return nil, errBadChange
	}
	gone := make(map[int]bool, nr)
	at := -1
	for range nr {
		at += int(min(r.uvarint(), uint64(n))) + 1
		if r.err != nil || at >= n {
			return nil, errBadChange
		}
		gone[at] = true
	}
	return gone, nil
}

// decodePrefixed reads strings written each as the length of the prefix it
// shares with the one before and the rest (the added keys of a 'D' change,
// the metric names and label sets of an 'E' change), all in one string
// (they share its memory: one allocation, not one a string). A first pass over
// the lengths sizes that string, so that its bytes are written once: grown
// by appending, a list of 2000 keys touched three times its size in fresh
// pages (each doubling cleared and copied, then the copy into a string),
// a third of what a one-shot record's append cost.
func decodePrefixed(r *payloadReader) ([]string, error) {
	na := r.uvarint()
	if r.err != nil || na > uint64(len(r.b)) {
		return nil, errBadChange
	}
	size, err := addedSize(*r, int(na))
	if err != nil {
		return nil, err
	}
	var arena strings.Builder // never grows past size: its String aliases what is written
	arena.Grow(size)
	added := make([]string, na)
	last := 0 // the previous key's start in arena
	for i := range added {
		shared, n := r.uvarint(), r.uvarint()
		start := arena.Len()
		arena.WriteString(arena.String()[last : last+int(shared)])
		arena.Write(r.b[:n])
		r.b = r.b[n:]
		added[i], last = arena.String()[start:], start
	}
	return added, nil
}

// addedSize returns the bytes of the na added keys at the start of r, or
// errBadChange when a key shares more than the previous key holds or runs
// past the payload.
func addedSize(r payloadReader, na int) (int, error) {
	size, prevLen := 0, 0
	for range na {
		shared, n := r.uvarint(), r.uvarint()
		if r.err != nil || shared > uint64(prevLen) || n > uint64(len(r.b)) {
			return 0, errBadChange
		}
		r.b = r.b[n:]
		prevLen = int(shared + n)
		size += prevLen
	}
	return size, nil
}

// loadSchema returns the schema of the last sample set of f (whose tail is
// t) from the two records that define it, or nil when they are not both
// intact and consistent: the writer then starts a new chain.
func loadSchema(f *os.File, t headTail) *headSchema {
	if t.chain < 0 || t.def < t.chain || t.def >= t.size || t.lastHash == 0 {
		return nil
	}
	p := payloadAt(f, t.chain)
	if len(p) == 0 || !isChange(p[0]) {
		return nil
	}
	r := &payloadReader{b: p[1:]}
	hash, baseHash, apply := decodeChange(p[0], r)
	if r.err != nil || baseHash != emptySchemaHash {
		return nil
	}
	keys, err := apply(nil, false)
	if err != nil {
		return nil
	}
	chain := &headSchema{hash: hash, keys: keys, def: p, defAt: t.chain, chainAt: t.chain}
	chain.chain = chain
	cur := chain
	if t.def != t.chain {
		if p = payloadAt(f, t.def); len(p) == 0 || !isChange(p[0]) {
			return nil
		}
		r = &payloadReader{b: p[1:]}
		hash, baseHash, apply = decodeChange(p[0], r)
		if r.err != nil || baseHash != chain.hash {
			return nil
		}
		if keys, err = apply(chain.keys, false); err != nil {
			return nil
		}
		cur = &headSchema{hash: hash, keys: keys, def: p, defAt: t.def, chain: chain, chainAt: t.chain}
	}
	// The hashes are not computed again: the records passed their CRC,
	// and readers check every change's.
	if cur.hash != t.lastHash {
		return nil
	}
	return cur
}

// payloadAt returns the payload of the valid record at offset off of f,
// nil if there is none.
func payloadAt(f *os.File, off int64) []byte {
	var head [recHeader]byte
	if _, err := f.ReadAt(head[:], off); err != nil {
		return nil
	}
	n := int64(binary.LittleEndian.Uint32(head[4:]))
	if string(head[:4]) != recMagic || n > maxRecord {
		return nil
	}
	buf := make([]byte, recOverhead+n)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil
	}
	p, _, ok := recordAt(buf, 0)
	if !ok {
		return nil
	}
	return p
}

// decodeSchema reads an 'S' payload after its type byte.
func decodeSchema(r *payloadReader) (uint64, []string, error) {
	hash := r.u64()
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return 0, nil, errShortPayload
	}
	keys := make([]string, 0, n)
	for i := uint64(0); i < n; i++ {
		keys = append(keys, r.str())
	}
	if r.err != nil {
		return 0, nil, r.err
	}
	return hash, keys, nil
}
