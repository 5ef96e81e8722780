// Package tsdb is srvmon's store: a data directory that holds years of
// samples recorded once a minute by short-lived processes, small on disk and
// cheap to append to, built on nakabonne/tstorage.
//
// # Layout (store format 4)
//
//	DIR/srvmon-store     format marker "srvmon store format 4" (a store is
//	                     never guessed)
//	DIR/lock             flock(2) target serialising writers
//	DIR/head/DAY.log     append-only head log of one UTC day (see headlog.go)
//	DIR/head/DAY.mark    empty; says DAY.log was written, so that a deleted
//	                     log is noticed (made after the log, removed before it)
//	DIR/blocks/DAY.gN/   one immutable tstorage directory per UTC day,
//	                     generation N, with summary.gz (series index and
//	                     hourly summaries) and checksums (size and CRC-32C
//	                     of every other file of the block; checksum.go)
//	DIR/days             ledger of the day blocks written (day and newest
//	                     generation, checksummed), so that a deleted block
//	                     directory is noticed (ledger.go)
//	DIR/tmp/             staging for compaction and import
//	DIR/damaged/         damaged files set aside by compaction, a writer or
//	                     Repair; never read, never deleted by srvmon
//
// A record run appends one checksummed record to today's head log and
// fsyncs it: its cost does not depend on how much history the store holds.
// The first run after a UTC day ends compacts that day's head log into one
// tstorage partition (tstorage opened once, one InsertRows, Close), writes the
// summaries and the checksum file next to it and renames the finished
// directory into blocks/: a tstorage store is only ever written whole, so
// tstorage's own WAL, partition rotation and creation-time retention never
// come into play.
//
// Readers take no lock. They read head logs directly (skipping a torn last
// record) and open the day blocks that overlap their range. Writers replace a
// block only by renaming a new generation into place before removing the old
// one and the head log, so a reader always finds every acknowledged sample in
// a head log, a block, or both (the read merges and deduplicates).
//
// # Damage
//
// Every file is checksummed or self-validating, and damage is contained:
//
//   - A head log record carries a CRC-32; a reader skips a damaged record and
//     goes on at the next intact one. Each schema definition (a series
//     list or its change) is written twice, so a damaged record costs at
//     most its own sample set (headlog.go, headschema.go).
//   - A block is checked against its checksum file once per process before
//     any of it is used (summary.gz before the summaries or the index are
//     read, tstorage's files before tstorage opens them); a block that
//     fails is never read as values. A series whose bytes in the data file
//     fail their checksum is left out alone, from reads of its points and
//     of its hourly summaries alike.
//   - Reads do not fail on damage: they read what is intact and report what
//     they skipped as Damage (file, time range, reason), through
//     Store.Damage and a context's DamageLog (WithDamageLog). The library
//     never prints; commands and serve say it.
//   - A writer cuts a damaged or incomplete end of today's head log off
//     before appending (keeping the bytes in damaged/); compaction builds a
//     day from whatever is intact, moves a damaged head log or a damaged old
//     block generation to damaged/ and reports it. Recording never stops
//     because an old file is damaged.
//   - Store.Verify checks every file; Writer.Repair sets damaged files aside
//     and rebuilds what can be rebuilt (verify.go).
//
// Store format 1 (before checksums) is read as it is; the first writer of
// this version migrates it: it reads every block whole, gives it a checksum
// file (or sets it aside if it does not read back) and rewrites the marker
// (migrate.go). Format 1 head log records are still read. Format 2 blocks
// (plain checksum files and meta.json, Gorilla-encoded values) and format 3
// stores (head logs of whole schemas) are read as they are; the first writer
// only rewrites the marker, so that srvmon of an older format refuses the
// store instead of reading newer blocks and head logs as damaged.
package tsdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
	"github.com/srvmon/srvmon/tsdb/internal/lockfile"
	"github.com/srvmon/srvmon/tsdb/internal/noatime"
	"github.com/srvmon/srvmon/tsdb/internal/testhook"
)

// ErrLocked is returned by Store.Lock when another writer held the store lock
// for longer than the lock timeout.
var ErrLocked = lockfile.ErrLocked

// ErrNotStore is returned by Open for a directory that is not a store.
var ErrNotStore = errors.New("not a srvmon store")

const (
	markerName   = "srvmon-store"
	markerPrefix = "srvmon store format "
	markerText   = markerPrefix + "4\n"
	// storeFormat is the format this code writes: 2 added checksum files
	// to blocks and schema copies to head logs; 3 compressed the checksum
	// file and tstorage's meta.json, and encodes integer values as
	// integers (tstorage patches 7 and 8), which srvmon of format 2 cannot
	// read; 4 writes a head log's schema changes instead of whole schemas
	// (headschema.go), packs integer values (tstorage patch 11) and writes
	// summaries' integer values as integers (summaryvalues.go), which
	// srvmon of format 3 would read as damage. It
	// reads format 1 to 3 stores and upgrades them when it first writes
	// (migrate.go).
	storeFormat  = 4
	lockName     = "lock"
	headDir      = "head"
	blocksDir    = "blocks"
	tmpDir       = "tmp"
	dayLayout    = "2006-01-02"
	headSuffix   = ".log"
	summaryName  = "summary.gz"
	secondsInDay = 86400

	// DefaultRetentionDays is how long data is kept unless WithRetention says
	// otherwise.
	DefaultRetentionDays = 365
	defaultLockTimeout   = 10 * time.Second
)

// Option configures Open and Create.
type Option func(*Store)

// WithRetention keeps data for the given number of whole UTC days, counted
// by the samples' timestamps: a day is removed once it ended more than days
// days before today. 0 keeps everything. Defaults to 365.
func WithRetention(days int) Option { return func(s *Store) { s.retentionDays = days } }

// SideFileCheck checks the files that other packages keep in the store
// directory beside the store's own (the recorder's sampler state, the last
// run's problems, push positions) and returns how many files it checked
// and the damaged ones, with File relative to the store directory. It must
// only read.
type SideFileCheck func(dir string) (checked int, damaged []Damage)

// WithSideFileChecks makes Verify report, and Repair move into DIR/damaged/,
// the damaged files that checks find: each of those files is replaced by
// the next run of the command that writes it.
func WithSideFileChecks(checks ...SideFileCheck) Option {
	return func(s *Store) { s.sideChecks = append(s.sideChecks, checks...) }
}

// WithLockTimeout sets how long Lock waits for another writer. Defaults to
// 10 seconds.
func WithLockTimeout(d time.Duration) Option { return func(s *Store) { s.lockTimeout = d } }

// withClock sets the clock that decides which day is today (compaction and
// retention). Defaults to time.Now. Only tests move through days: tsdb's own
// call it, others reach it through tsdb/tsdbtest (internal/testhook), so
// that it is no part of the store's API.
func withClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

func init() { testhook.WithClock = withClock }

// Store is a srvmon data directory. Its read methods are safe for concurrent
// use and for use alongside writers in other processes.
type Store struct {
	dir           string
	retentionDays int
	lockTimeout   time.Duration
	sideChecks    []SideFileCheck
	now           func() time.Time

	mu      sync.Mutex
	blocks  map[string]*block // open blocks by directory name, until retired (retire.go)
	heads   map[int64]*cachedHead
	sumLRU  []*block // blocks holding decoded summaries, least recently used first
	stats   storeStats
	damage  []Damage              // what reads and writes found damaged (damage.go)
	format  int                   // the store's format (the marker), 1 to storeFormat
	bad     map[string]badBlock   // blocks whose check failed, by directory name
	checked map[string]bool       // block parts that passed it, by name/part
	sums    map[string]*blockSums // parsed checksum files, by block name
	readers int                   // reads in progress (retire.go)
	retired []*block              // replaced blocks to unmap once no read is in progress
	// parsed holds stored series keys parsed (read.go's parseKey), so that
	// a long-running reader does not parse every series at every read.
	parsed  sync.Map // string -> Series
	nParsed atomic.Int64
	// skipChecks makes reads trust every series' bytes unchecked; only
	// benchmarks set it (export_test.go), to compare with and without.
	skipChecks bool
}

// storeStats counts the expensive things a Store did, for tests and
// benchmarks (export_test.go).
type storeStats struct {
	BlocksOpened int // tstorage directories opened
	HeadsRead    int // head log reads (each decodes what was appended since the last)
}

func newStore(dir string, opts []Option) *Store {
	s := &Store{
		dir:           dir,
		retentionDays: DefaultRetentionDays,
		lockTimeout:   defaultLockTimeout,
		now:           time.Now,
		blocks:        map[string]*block{},
		bad:           map[string]badBlock{},
		checked:       map[string]bool{},
		sums:          map[string]*blockSums{},
		format:        storeFormat,
		heads:         map[int64]*cachedHead{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Open opens an existing store for reading (and writing, with Lock). It
// fails with an error wrapping fs.ErrNotExist if dir does not exist and with
// ErrNotStore if dir exists but holds no store.
func Open(dir string, opts ...Option) (*Store, error) {
	marker, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, derr := os.Stat(dir); derr != nil {
				return nil, fmt.Errorf("open store %s: %w", dir, derr)
			}
			if hasStoreData(dir) {
				// The marker was lost, not the store: say so and go on.
				// Its format is unknown: read it as format 1 (blocks
				// without checksums are old ones), and the next writer
				// migrates it, which writes the marker anew.
				s := newStore(dir, opts)
				s.format = 1
				s.noteDamage(Damage{File: markerName, Reason: "the format marker is missing (the next writer writes it anew)"})
				return s, nil
			}
			return nil, fmt.Errorf("open store %s: %w", dir, ErrNotStore)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if err := checkStoreDirs(dir); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := newStore(dir, opts)
	switch text := string(marker); {
	case text == "" && !hasStoreData(dir):
		// Being created (Create writes the marker last): not a store yet.
		return nil, fmt.Errorf("open store %s: %w", dir, ErrNotStore)
	case text == markerPrefix+"1\n":
		s.format = 1
	case text == markerPrefix+"2\n":
		s.format = 2
	case text == markerPrefix+"3\n":
		s.format = 3
	case text == markerText:
	case strings.HasPrefix(text, markerPrefix) && strings.HasSuffix(text, "\n"):
		return nil, fmt.Errorf("open store %s: it has %q, which this srvmon (format %d) cannot read", dir, strings.TrimSpace(text), storeFormat)
	default:
		// A damaged marker must not stop recording: the directories
		// say it is a store. Read it as format 1, as above.
		if !hasStoreData(dir) {
			return nil, fmt.Errorf("open store %s: %w (%s is not a store marker)", dir, ErrNotStore, markerName)
		}
		s.format = 1
		s.noteDamage(Damage{File: markerName, Reason: "the format marker is damaged (the next writer writes it anew)"})
	}
	return s, nil
}

// hasStoreData reports whether dir has the head/ and blocks/ directories
// of a store and something in one of them: a store whose marker was lost
// or damaged, not one being created.
func hasStoreData(dir string) bool {
	n := 0
	for _, d := range []string{headDir, blocksDir} {
		entries, err := os.ReadDir(filepath.Join(dir, d))
		if st, lerr := os.Lstat(filepath.Join(dir, d)); err != nil || lerr != nil || !st.IsDir() {
			return false
		}
		n += len(entries)
	}
	return n > 0
}

// Create opens the store in dir, making the directory and the store first
// if needed. A non-empty directory that is not a store is refused, so that a
// wrong --data never scatters files into someone's home directory.
func Create(dir string, opts ...Option) (*Store, error) {
	if s, err := Open(dir, opts...); err == nil {
		return s, nil
	} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotStore) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	if err := checkStoreDirs(dir); err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	for _, e := range entries {
		if !isStoreFile(e.Name()) {
			// Another run may have created the store since Open looked
			// (two cron runs starting together on a new store): its
			// marker is then whole, since it is renamed into place
			// before the creator returns and writes anything else.
			if s, err := Open(dir, opts...); err == nil {
				return s, nil
			}
			return nil, fmt.Errorf("create store in %s: directory is not empty and not a srvmon store", dir)
		}
	}
	for _, d := range []string{headDir, blocksDir, tmpDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("create store: %w", err)
		}
	}
	if err := writeMarker(dir); err != nil {
		return nil, fmt.Errorf("create store: %w", err)
	}
	return newStore(dir, opts), nil
}

// writeMarker puts the marker of the current format in dir by a rename, so
// that a run opening the store at that moment (another creator, or a writer
// whose store a second Create is racing) reads the old marker or the new
// one, never an empty or a partly written file.
func writeMarker(dir string) error {
	f, err := os.CreateTemp(filepath.Join(dir, tmpDir), "marker-")
	if err != nil {
		return fmt.Errorf("write marker: %w", err)
	}
	defer os.Remove(f.Name()) // after a failed rename only
	if _, err := f.WriteString(markerText); err != nil {
		f.Close()
		return fmt.Errorf("write marker: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write marker: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write marker: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, markerName)); err != nil {
		return fmt.Errorf("write marker: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write marker: %w", err)
	}
	return nil
}

// Dir returns the store directory.
func (s *Store) Dir() string { return s.dir }

// Close unmaps the blocks the store opened for reading and drops the
// summaries it cached: at once, or when the reads in progress end. A read
// that begins after Close opens what it needs again.
func (s *Store) Close() error {
	s.retireBlocks(nil)
	s.beginRead()() // releases the retired blocks unless a read is in progress
	return nil
}

// Writer appends to the store while holding its lock. Only one Writer exists
// at a time across all processes; readers never wait for it.
type Writer struct {
	s    *Store
	lock *os.File
	// cached state of the head file appended to last
	day    int64 // day number of f
	f      *os.File
	tail   headTail
	schema *headSchema // the schema of the last set in f, if known
}

// Lock takes the writer lock, waiting up to the lock timeout or until ctx is
// done. It fails with ErrLocked if another writer kept it.
func (s *Store) Lock(ctx context.Context) (*Writer, error) {
	f, err := lockfile.Lock(ctx, filepath.Join(s.dir, lockName), s.lockTimeout)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("lock store %s: waited %s: %w", s.dir, s.lockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	w := &Writer{s: s, lock: f, day: -1}
	if err := w.joinImports(); err != nil {
		w.Close()
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := w.migrate(); err != nil {
		w.Close()
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := w.ensureLedger(); err != nil {
		w.Close()
		return nil, fmt.Errorf("lock store: %w", err)
	}
	return w, nil
}

// Close releases the lock.
func (w *Writer) Close() error {
	var err error
	if w.f != nil {
		err = w.f.Close()
		w.f = nil
	}
	if w.lock != nil {
		if cerr := w.lock.Close(); err == nil {
			err = cerr
		}
		w.lock = nil
	}
	return err
}

// Last returns the time of the newest sample set appended to today's head
// log (today by the store's clock), if there is one.
func (w *Writer) Last() (time.Time, bool) {
	if err := w.openHead(dayOf(w.s.now().Unix())); err != nil || w.tail.lastT == 0 {
		return time.Time{}, false
	}
	return time.Unix(w.tail.lastT, 0).UTC(), true
}

// openHead makes w.f the head file of day, cutting off a torn tail.
func (w *Writer) openHead(day int64) error {
	if w.f != nil && w.day == day {
		return nil
	}
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	path := w.s.headPath(day)
	_, statErr := os.Lstat(path)
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if _, err := os.Stat(w.s.markPath(day)); err == nil {
			w.s.noteDamage(w.s.lostHead(day))
		}
		// The mark says that the log exists, so that a deleted log is
		// noticed: it is made after the log and removed before it.
		if err := writeFileSync(w.s.markPath(day), nil); err != nil {
			f.Close()
			return err
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return err
		}
	}
	t, err := readTail(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("read %s: %w", path, err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > t.size {
		// A crash or a full disk left a partial record, or the end of the
		// file is damaged: cut it off so that what we append next is
		// reachable by the fast tail check. Damage is kept in damaged/
		// and reported.
		if t.cut != "" {
			if err := w.keepTail(path, day, t); err != nil {
				f.Close()
				return err
			}
		}
		if err := f.Truncate(t.size); err != nil {
			f.Close()
			return fmt.Errorf("cut torn tail of %s: %w", path, err)
		}
	}
	w.f, w.day, w.tail, w.schema = f, day, t, nil
	return nil
}

// keepTail copies the damaged end of a head log into damaged/ before the
// writer cuts it off, and reports it.
func (w *Writer) keepTail(path string, day int64, t headTail) error {
	s := w.s
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	tmp := path + ".tail"
	if err := writeFileSync(tmp, data[t.size:]); err != nil {
		return fmt.Errorf("keep the damaged end of %s: %w", path, err)
	}
	if _, err := s.quarantine(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	from, to := dayRange(day)
	if t.lastT != 0 {
		from = time.Unix(t.lastT+1, 0).UTC()
	}
	s.noteDamage(Damage{File: s.rel(path), From: from, To: to,
		Reason: fmt.Sprintf("%s; its %d bytes were moved to %s/ before appending", t.cut, len(data)-int(t.size), damagedDir)})
	return nil
}

// Append durably appends one sample set: all samples share t, truncated to
// the second. When it returns nil the samples are on disk (fsynced) and
// visible to readers. Samples must have distinct series; an invalid series
// fails the whole set and nothing is written.
func (w *Writer) Append(t time.Time, samples []Sample) error {
	ts := t.Unix()
	if err := checkTime(ts); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if len(samples) == 0 {
		return nil
	}
	keys, err := sampleKeys(samples)
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	idx := make([]int, len(samples))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	orderedKeys := make([]string, len(idx))
	values := make([]float64, len(idx))
	for i, j := range idx {
		orderedKeys[i], values[i] = keys[j], samples[j].Value
		if i > 0 && orderedKeys[i] == orderedKeys[i-1] {
			return fmt.Errorf("append: series %s appears twice in one sample set", orderedKeys[i])
		}
	}
	hash := schemaHash(orderedKeys)
	if err := w.openHead(dayOf(ts)); err != nil {
		return fmt.Errorf("append: open head log: %w", err)
	}
	buf, schema, copies := w.schemaRecords(hash, orderedKeys)
	buf = appendRecord(buf, encodeSet(ts, hash, copies, schema.chainAt, schema.defAt, values))
	if err := w.write(buf); err != nil {
		return fmt.Errorf("append to %s: %w", w.f.Name(), err)
	}
	if schema.chain != nil {
		w.schema = schema
	}
	w.tail.lastHash, w.tail.copies, w.tail.chain, w.tail.def = hash, copies, schema.chainAt, schema.defAt
	if ts > w.tail.lastT {
		w.tail.lastT = ts
	}
	return nil
}

// schemaRecords returns the records that go before a sample set with the
// sorted keys (hash): the copy of the last set's schema definition if it
// was written once, and this set's definition if its schema differs, a
// change from the first schema of the last set's chain or, to start a new
// chain, from the empty schema (headschema.go). It returns the set's schema
// and how many copies of its definition the file holds with them.
func (w *Writer) schemaRecords(hash uint64, keys []string) ([]byte, *headSchema, int) {
	if hash == w.tail.lastHash && w.tail.copies >= 2 && w.tail.chain >= 0 {
		// The schema of the set before, defined twice: nothing to write,
		// nothing to read.
		return nil, &headSchema{hash: hash, chainAt: w.tail.chain, defAt: w.tail.def}, 2
	}
	last := w.lastSchema()
	var buf []byte
	if last != nil && w.tail.copies < 2 {
		cp := *last
		cp.defAt = w.tail.size
		last = &cp
		buf = appendRecord(buf, last.def)
	}
	if last != nil && last.hash == hash {
		return buf, last, 2
	}
	next := &headSchema{hash: hash, keys: keys, defAt: w.tail.size + int64(len(buf))}
	if last != nil {
		if d := encodeChange(hash, last.chain.hash, last.chain.keys, keys); len(d) <= len(last.chain.def)/2 && next.defAt-last.chainAt < maxChainSpan {
			next.def, next.chain, next.chainAt = d, last.chain, last.chainAt
		}
	}
	if next.def == nil {
		next.def = encodeChange(hash, emptySchemaHash, nil, keys)
		next.chain, next.chainAt = next, next.defAt
	}
	return appendRecord(buf, next.def), next, 1
}

// maxChainSpan is how far into a head log a chain of schema definitions
// reaches before a change starts a new one: damage to both copies of a
// chain's first definition loses the chain's sets, at most this many bytes
// of sets (about four hours of a host with processes recorded once a
// minute) instead of the rest of the day. A new chain costs a whole list
// once per span (9.7 KB for 1,343 series: 1 %).
var maxChainSpan int64 = 1 << 20

// lastSchema returns the schema of the last sample set of the current head
// file, reading its chain unless this writer wrote that set; nil if there
// is none to build on.
func (w *Writer) lastSchema() *headSchema {
	if s := w.schema; s != nil && s.hash == w.tail.lastHash && s.chainAt == w.tail.chain && s.defAt == w.tail.def {
		return s
	}
	w.schema = loadSchema(w.f, w.tail)
	return w.schema
}

// write appends buf to the current head file and syncs it; on failure the
// file is cut back so that no partial record stays behind.
func (w *Writer) write(buf []byte) error {
	if _, err := w.f.WriteAt(buf, w.tail.size); err != nil {
		w.f.Truncate(w.tail.size)
		return err
	}
	if err := w.f.Sync(); err != nil {
		w.f.Truncate(w.tail.size)
		return err
	}
	w.tail.size += int64(len(buf))
	return nil
}

// dayOf returns the UTC day number of Unix time t.
func dayOf(t int64) int64 {
	if t < 0 {
		return (t - secondsInDay + 1) / secondsInDay
	}
	return t / secondsInDay
}

func dayName(day int64) string {
	return time.Unix(day*secondsInDay, 0).UTC().Format(dayLayout)
}

func parseDay(name string) (int64, bool) {
	t, err := time.Parse(dayLayout, name)
	if err != nil {
		return 0, false
	}
	return t.Unix() / secondsInDay, true
}

func (s *Store) headPath(day int64) string {
	return filepath.Join(s.dir, headDir, dayName(day)+headSuffix)
}

// markSuffix names the empty file that says a day's head log exists.
const markSuffix = ".mark"

func (s *Store) markPath(day int64) string {
	return filepath.Join(s.dir, headDir, dayName(day)+markSuffix)
}

// listHeads returns the days that have a head log, sorted.
func (s *Store) listHeads() ([]int64, error) {
	days, _, err := s.listHeadFiles()
	return days, err
}

// listHeadFiles returns the days that have a head log, and those that have
// a mark but no log (a log that was deleted), sorted.
func (s *Store) listHeadFiles() (days, lost []int64, err error) {
	entries, err := noatime.ReadDir(filepath.Join(s.dir, headDir))
	if err != nil {
		return nil, nil, err
	}
	has := map[int64]bool{}
	var marks []int64
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), markSuffix); ok {
			if d, ok := parseDay(name); ok {
				marks = append(marks, d)
			}
			continue
		}
		name, ok := strings.CutSuffix(e.Name(), headSuffix)
		if !ok {
			continue
		}
		if d, ok := parseDay(name); ok {
			days = append(days, d)
			has[d] = true
		}
	}
	for _, d := range marks {
		if !has[d] {
			lost = append(lost, d)
		}
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	sort.Slice(lost, func(i, j int) bool { return lost[i] < lost[j] })
	return days, lost, nil
}

// removeHead removes day's head log and its mark (the mark first).
func (s *Store) removeHead(day int64) error {
	if err := os.Remove(s.markPath(day)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(s.headPath(day)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// blockRef names one generation of a day block.
type blockRef struct {
	day  int64
	gen  int
	name string // directory name in blocks/
}

// listBlocks returns the newest generation of each day block, sorted by day,
// and the older generations that a crash left behind.
func (s *Store) listBlocks() (newest, stale []blockRef, err error) {
	entries, err := noatime.ReadDir(filepath.Join(s.dir, blocksDir))
	if err != nil {
		return nil, nil, err
	}
	byDay := map[int64]blockRef{}
	for _, e := range entries {
		dayStr, genStr, ok := strings.Cut(e.Name(), ".g")
		if !ok || !e.IsDir() {
			continue
		}
		d, ok := parseDay(dayStr)
		gen, err := strconv.Atoi(genStr)
		if !ok || err != nil {
			continue
		}
		ref := blockRef{day: d, gen: gen, name: e.Name()}
		if old, ok := byDay[d]; ok {
			if old.gen > gen {
				stale = append(stale, ref)
				continue
			}
			stale = append(stale, old)
		}
		byDay[d] = ref
	}
	for _, r := range byDay {
		newest = append(newest, r)
	}
	sort.Slice(newest, func(i, j int) bool { return newest[i].day < newest[j].day })
	return newest, stale, nil
}

// writeFileSync writes a file and syncs it before returning.
func writeFileSync(path string, data []byte) error {
	f, err := openNoFollow(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a directory's entries (new, renamed, removed files) durable.
var syncDir = atomicfile.SyncDir
