package tsdb

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nakabonne/tstorage"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// forever is the tstorage retention of a block: tstorage measures retention
// from a partition's creation time, which is not what a user means by
// "keep a year", so the store does its own retention by day and tstorage's
// must never delete anything.
const forever = time.Duration(math.MaxInt64)

// block is one generation of one day's tstorage directory, opened once per
// process. tstorage maps a partition's data file and never unmaps it, not
// even on Close, so a block is opened at most once per process and kept: a
// long-running reader holds at most one mapping per day block it has read,
// however often it reads.
type block struct {
	ref    blockRef
	dir    string
	index  []SeriesInfo
	series []Series // index[i].Key parsed
	byKey  map[string]int
	sums   [][]HourSummary // decoded summaries, index order; nil unless recently used (guarded by Store.mu)

	once   sync.Once
	ts     tstorage.Storage
	err    error
	opened atomic.Bool // ts is set (DropPages reads it without once)
	// Version 2 checksum files: each series' span of the data file
	// (index order), and whether it was checked: 0 not yet, 1 intact,
	// 2 damaged (guarded by Store.mu). nil: the data file was checked
	// whole.
	spans     []dataSpan
	spanState []uint8
	dataFile  string // the data file's path
	spansOnce sync.Once
	spansErr  error
}

// openBlock returns the cached block or reads its index.
func (s *Store) openBlock(ref blockRef) (*block, error) {
	s.mu.Lock()
	b, ok := s.blocks[ref.name]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	dir := filepath.Join(s.dir, blocksDir, ref.name)
	if err := s.checkBlock(ref, dir, partSummary); err != nil {
		return nil, err
	}
	sr, index, err := openSummary(filepath.Join(dir, summaryName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, s.badBlock(ref, &damageError{summaryName, err.Error()})
	}
	sr.Close()
	b = &block{ref: ref, dir: dir, index: index, byKey: make(map[string]int, len(index)), series: make([]Series, len(index))}
	for i, si := range index {
		b.byKey[si.Key] = i
		if b.series[i], err = ParseSeries(si.Key); err != nil {
			return nil, fmt.Errorf("block %s: %w", ref.name, err)
		}
	}
	s.mu.Lock()
	if old, ok := s.blocks[ref.name]; ok {
		b = old
	} else {
		s.blocks[ref.name] = b
	}
	s.mu.Unlock()
	return b, nil
}

// checkBlock verifies the files of a block against its checksum file, once
// per process: a block generation never changes once renamed into place.
// Blocks of a format 1 store that have no checksum file yet are read
// unchecked until a writer migrates the store.
func (s *Store) checkBlock(ref blockRef, dir string, part blockPart) error {
	key := ref.name + "/" + strconv.Itoa(int(part))
	s.mu.Lock()
	bad, seen := s.bad[ref.name]
	checked := s.checked[key]
	s.mu.Unlock()
	if seen {
		return bad.err
	}
	if checked {
		return nil
	}
	if s.format < 2 {
		if _, err := os.Stat(filepath.Join(dir, checksumName)); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	bs, err := s.blockSums(ref, dir)
	if err == nil {
		err = checkBlockFilesWith(dir, part, bs)
	}
	if err == nil {
		s.mu.Lock()
		s.checked[key] = true
		s.mu.Unlock()
		return nil
	}
	var de *damageError
	if !errors.As(err, &de) {
		return err
	}
	return s.badBlock(ref, de)
}

// badBlock is a block that failed its check, and how.
type badBlock struct {
	err    error
	damage Damage
}

// reportBlock reports the damage of the block named name (which failed its
// check) to ctx's DamageLog.
func (s *Store) reportBlock(ctx context.Context, name string) {
	s.mu.Lock()
	bad, ok := s.bad[name]
	s.mu.Unlock()
	if ok {
		s.report(ctx, bad.damage)
	}
}

// badBlock remembers that ref is damaged, reports it, and returns an error
// wrapping errDamaged.
func (s *Store) badBlock(ref blockRef, de *damageError) error {
	from, to := dayRange(ref.day)
	file := filepath.Join(blocksDir, ref.name, de.file)
	err := fmt.Errorf("block %s: %w", ref.name, de)
	d := Damage{File: file, From: from, To: to, Reason: de.reason + "; the block is not read"}
	s.mu.Lock()
	s.bad[ref.name] = badBlock{err, d}
	s.mu.Unlock()
	s.noteDamage(d)
	return err
}

// maxCachedSummaries bounds how many blocks keep their decoded hourly
// summaries (about 0.3 MB a day for a typical host): two months.
const maxCachedSummaries = 62

// blockSummaries returns the hourly summaries of every series of b in index
// order. They are decoded once and kept for the most recently used blocks,
// so that a report over several views, or a web page of several charts,
// decodes each day once. The result must not be modified.
func (s *Store) blockSummaries(b *block) ([][]HourSummary, error) {
	s.mu.Lock()
	if b.sums != nil {
		s.touchSummaries(b)
		sums := b.sums
		s.mu.Unlock()
		return sums, nil
	}
	s.mu.Unlock()
	sr, index, err := openSummary(filepath.Join(b.dir, summaryName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, s.badBlock(b.ref, &damageError{summaryName, err.Error()})
	}
	defer sr.Close()
	if len(index) != len(b.index) {
		return nil, s.badBlock(b.ref, &damageError{summaryName, "the index changed"})
	}
	sums := make([][]HourSummary, len(index))
	for i := range index {
		if sums[i], err = sr.next(); err != nil {
			return nil, s.badBlock(b.ref, &damageError{summaryName, err.Error()})
		}
	}
	s.mu.Lock()
	b.sums = sums
	s.touchSummaries(b)
	s.mu.Unlock()
	return sums, nil
}

// touchSummaries marks b's summaries as used last and drops the least
// recently used beyond maxCachedSummaries. s.mu must be held.
func (s *Store) touchSummaries(b *block) {
	for i, x := range s.sumLRU {
		if x == b {
			s.sumLRU = append(s.sumLRU[:i], s.sumLRU[i+1:]...)
			break
		}
	}
	s.sumLRU = append(s.sumLRU, b)
	for len(s.sumLRU) > maxCachedSummaries {
		s.sumLRU[0].sums = nil
		s.sumLRU = s.sumLRU[1:]
	}
}

// storage opens the block's tstorage directory on first use.
func (s *Store) storage(b *block) (tstorage.Storage, error) {
	b.once.Do(func() {
		// tstorage.NewStorage creates its directory when it is missing; a
		// block removed since we listed it must not come back empty.
		if _, err := os.Stat(filepath.Join(b.dir, summaryName)); err != nil {
			b.err = err
			return
		}
		if err := s.checkBlock(b.ref, b.dir, partData); err != nil {
			b.err = err
			return
		}
		if b.err = s.loadSpans(b); b.err != nil {
			return
		}
		b.ts, b.err = openPartition(b.dir)
		b.opened.Store(b.err == nil)
		s.mu.Lock()
		s.stats.BlocksOpened++
		s.mu.Unlock()
	})
	if b.err != nil {
		if errors.Is(b.err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open block %s: %w", b.ref.name, b.err)
		}
		if errors.Is(b.err, errDamaged) {
			return nil, b.err
		}
		return nil, s.badBlock(b.ref, &damageError{"", "tstorage cannot open it: " + b.err.Error()})
	}
	return b.ts, nil
}

// loadSpans reads the series spans of b's data file from its checksum
// file, once (none for a version 1 block, or when checks are skipped).
func (s *Store) loadSpans(b *block) error {
	b.spansOnce.Do(func() {
		if s.skipChecks {
			return
		}
		spans, file, err := s.blockSpans(b.ref, b.dir, len(b.index))
		if err != nil {
			b.spansErr = s.badBlock(b.ref, &damageError{checksumName, err.Error()})
			return
		}
		b.spans, b.dataFile, b.spanState = spans, file, make([]uint8, len(spans))
	})
	return b.spansErr
}

// openPartition opens (or creates) the tstorage directory of a block: one
// partition of up to two days, no WAL, no retention of tstorage's own.
func openPartition(dir string) (tstorage.Storage, error) {
	return tstorage.NewStorage(
		tstorage.WithDataPath(dir),
		tstorage.WithTimestampPrecision(tstorage.Seconds),
		tstorage.WithPartitionDuration(48*time.Hour),
		tstorage.WithRetention(forever),
		tstorage.WithWALBufferedSize(-1),
	)
}

// blockSpans returns the series spans of the data file that the version 2
// checksum file of the block in dir lists (nil for version 1) and the data
// file's path; n is how many series the block's index has.
func (s *Store) blockSpans(ref blockRef, dir string, n int) ([]dataSpan, string, error) {
	bs, err := s.blockSums(ref, dir)
	var de *damageError
	if errors.As(err, &de) && de.reason == "missing" && s.format < 2 {
		return nil, "", nil // a format 1 block, not migrated yet
	}
	if err != nil {
		return nil, "", err
	}
	files, spans := bs.files, bs.spans
	if spans == nil {
		return nil, "", nil
	}
	if len(spans) != n {
		return nil, "", fmt.Errorf("it lists %d series, the index %d", len(spans), n)
	}
	for rel := range files {
		if path.Base(rel) == dataFileName {
			return spans, filepath.Join(dir, filepath.FromSlash(rel)), nil
		}
	}
	if n > 0 {
		return nil, "", errors.New("it lists no data file")
	}
	return spans, "", nil
}

// blockSums returns the parsed checksum file of the block ref, read once
// per process (a block generation never changes once renamed into place;
// ref is nil-named for blocks outside the store's list, read afresh).
func (s *Store) blockSums(ref blockRef, dir string) (*blockSums, error) {
	if ref.name != "" {
		s.mu.Lock()
		bs, ok := s.sums[ref.name]
		s.mu.Unlock()
		if ok {
			return bs, nil
		}
	}
	bs, err := readBlockSums(dir)
	if err != nil {
		return nil, err
	}
	if ref.name != "" {
		s.mu.Lock()
		s.sums[ref.name] = bs
		s.mu.Unlock()
	}
	return bs, nil
}

// seriesDamage is the error of reading a series whose bytes in a block's
// data file do not match their checksum: that series alone is not read.
type seriesDamage struct{ d Damage }

func (e *seriesDamage) Error() string { return e.d.String() }
func (e *seriesDamage) Unwrap() error { return errDamaged }

// checkSpan verifies series i's bytes of b's data file, once per process.
func (s *Store) checkSpan(b *block, i int) error { return s.checkSpanIn(b, i, nil) }

// checkSpanIn is checkSpan; f, when not nil, is b's data file, opened once
// by a caller that checks many series of a block not mapped yet.
func (s *Store) checkSpanIn(b *block, i int, f *os.File) error {
	s.mu.Lock()
	state := b.spanState[i]
	s.mu.Unlock()
	if state == 0 {
		state = 1
		sp := b.spans[i]
		var m interface{ DiskData() [][]byte }
		if b.opened.Load() { // b.ts is set
			m, _ = b.ts.(interface{ DiskData() [][]byte })
		}
		if m != nil && len(m.DiskData()) == 1 {
			// Where tstorage decodes it: no system call per series.
			data := m.DiskData()[0]
			if sp.off+sp.size > int64(len(data)) || crc32.Checksum(data[sp.off:sp.off+sp.size], castagnoli()) != sp.sum {
				state = 2
			}
		} else {
			if f == nil {
				var err error
				if f, err = os.Open(b.dataFile); err != nil {
					return err
				}
				defer f.Close()
			}
			if sum, err := spanCRC(f, sp); err != nil || sum != sp.sum {
				state = 2
			}
		}
		s.mu.Lock()
		b.spanState[i] = state
		s.mu.Unlock()
	}
	if state == 1 {
		return nil
	}
	si := b.index[i]
	return &seriesDamage{Damage{File: s.rel(b.dataFile), From: time.Unix(si.MinT, 0).UTC(), To: time.Unix(si.MaxT+1, 0).UTC(),
		Reason: "the bytes of " + si.Key + " do not match their checksum; that series is not read"}}
}

// checkSeriesBytes checks what a read of the values of b's series idx (index
// positions) would check before using them (selectBlock): the block's
// tstorage files but the data file, and each series' bytes in it. Damage
// is reported to ctx's DamageLog; it returns the damaged series, or an
// error wrapping errDamaged when the whole block is. Each check runs once
// per process.
func (s *Store) checkSeriesBytes(ctx context.Context, b *block, idx []int) (map[int]bool, error) {
	if s.skipChecks || len(idx) == 0 {
		return nil, nil
	}
	if err := s.checkBlock(b.ref, b.dir, partData); err != nil {
		return nil, err
	}
	if err := s.loadSpans(b); err != nil || b.spans == nil {
		return nil, err // a version 1 block's data file was checked whole
	}
	var f *os.File
	if !b.opened.Load() {
		var err error
		if f, err = os.Open(b.dataFile); err != nil {
			return nil, err
		}
		defer f.Close()
	}
	bad := map[int]bool{}
	for _, i := range idx {
		err := s.checkSpanIn(b, i, f)
		var sd *seriesDamage
		if errors.As(err, &sd) {
			s.report(ctx, sd.d)
			bad[i] = true
		} else if err != nil {
			return nil, err
		}
	}
	return bad, nil
}

// reportRead reports the damage err (from selectBlock on b) to ctx's
// DamageLog: a damaged series, or the whole block.
func (s *Store) reportRead(ctx context.Context, b *block, err error) {
	var sd *seriesDamage
	if errors.As(err, &sd) {
		s.report(ctx, sd.d)
		return
	}
	s.reportBlock(ctx, b.ref.name)
}

// selectBlock returns the points of key in [start, end) from b.
func (s *Store) selectBlock(b *block, ser Series, key string, start, end int64) ([]Point, error) {
	i, ok := b.byKey[key]
	if !ok || b.index[i].MaxT < start || b.index[i].MinT >= end {
		return nil, nil
	}
	ts, err := s.storage(b)
	if err != nil {
		return nil, err
	}
	if b.spans != nil && !s.skipChecks {
		if err := s.checkSpan(b, i); err != nil {
			return nil, err
		}
	}
	labels := make([]tstorage.Label, len(ser.Labels))
	for i, l := range ser.Labels {
		labels[i] = tstorage.Label{Name: l.Name, Value: l.Value}
	}
	buf := dataPointPool.Get().(*[]tstorage.DataPoint)
	defer dataPointPool.Put(buf)
	dps, err := ts.(selectAppender).SelectAppend((*buf)[:0], ser.Metric, labels, start, end)
	*buf = dps[:0]
	if errors.Is(err, tstorage.ErrNoDataPoints) {
		return nil, nil
	}
	if err != nil {
		return nil, s.badBlock(b.ref, &damageError{"", fmt.Sprintf("reading %s: %v", key, err)})
	}
	pts := make([]Point, len(dps))
	p := pow10[b.index[i].Scale]
	for i, dp := range dps {
		pts[i] = Point{T: dp.Timestamp, V: dp.Value / p}
	}
	return pts, nil
}

// selectAppender is tstorage's Select by value (srvmon patch 8): no
// allocation per point.
type selectAppender interface {
	SelectAppend(dst []tstorage.DataPoint, metric string, labels []tstorage.Label, start, end int64) ([]tstorage.DataPoint, error)
}

// dataPointPool holds the buffers selectBlock decodes a series into
// before scaling its values into Points.
var dataPointPool = sync.Pool{New: func() any { return new([]tstorage.DataPoint) }}

// DropPages lets the kernel take the pages of the day blocks this store
// has read out of the process' resident set: they are read again (from the
// page cache) when next used. A reader that goes through the days once,
// such as query.Stream, calls it after each day, so that its memory does
// not grow with the days it has read. Reads may run meanwhile.
func (s *Store) DropPages() {
	s.mu.Lock()
	var open []tstorage.Storage
	for _, b := range s.blocks {
		if b.opened.Load() {
			open = append(open, b.ts)
		}
	}
	s.mu.Unlock()
	for _, ts := range open {
		if d, ok := ts.(interface{ DropPages() error }); ok {
			d.DropPages() // only advice: nothing is lost when it fails
		}
	}
}

// Maintain compacts the head logs of finished days (before today, by the
// store's clock) into day blocks and, when it did, removes what retention
// no longer keeps. When there is nothing to compact it lists the head
// directory (one or two entries) and nothing else, so that its cost does
// not grow with the number of days stored: retention is applied once a day,
// by the first run after a day ends (a changed --retention takes effect
// then too).
func (w *Writer) Maintain(ctx context.Context) error {
	s := w.s
	today := dayOf(s.now().Unix())
	cutoff := int64(math.MinInt64)
	if s.retentionDays > 0 {
		cutoff = today - int64(s.retentionDays)
	}
	heads, err := s.listHeads()
	if err != nil {
		return fmt.Errorf("maintain: %w", err)
	}
	finished := 0
	for _, day := range heads {
		if day < today {
			finished++
		}
	}
	if finished == 0 {
		return nil
	}
	for _, day := range heads {
		if day >= today {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if w.f != nil && w.day == day {
			w.f.Close()
			w.f = nil
		}
		if day < cutoff {
			if err := s.removeHead(day); err != nil {
				return fmt.Errorf("maintain: retention: %w", err)
			}
			continue
		}
		if err := w.compact(day); err != nil {
			return fmt.Errorf("maintain: compact %s: %w", dayName(day), err)
		}
	}
	newest, stale, err := s.listBlocks()
	if err != nil {
		return fmt.Errorf("maintain: %w", err)
	}
	expired := false
	for _, b := range newest {
		if b.day < cutoff {
			stale = append(stale, b)
			expired = true
		}
	}
	if expired {
		// Out of the ledger first: a crash before the removal leaves a
		// block the ledger does not list, which is read as usual.
		err := w.updateLedger(func(l ledger) {
			for d := range l {
				if d < cutoff {
					delete(l, d)
				}
			}
		})
		if err != nil {
			return fmt.Errorf("maintain: retention: %w", err)
		}
	}
	for _, b := range stale {
		if err := os.RemoveAll(filepath.Join(s.dir, blocksDir, b.name)); err != nil {
			return fmt.Errorf("maintain: remove block %s: %w", b.name, err)
		}
	}
	return w.cleanTmp()
}

// cleanTmp removes staging directories of compactions that died, and of
// imports that died more than a day ago before their commit (a live import
// may be staging; committed ones were joined when the lock was taken).
func (w *Writer) cleanTmp() error {
	entries, err := os.ReadDir(filepath.Join(w.s.dir, tmpDir))
	if err != nil {
		return fmt.Errorf("maintain: %w", err)
	}
	for _, e := range entries {
		old := false
		if info, err := e.Info(); err == nil {
			old = time.Since(info.ModTime()) > 24*time.Hour
		}
		if strings.HasPrefix(e.Name(), "compact-") || old {
			if err := os.RemoveAll(filepath.Join(w.s.dir, tmpDir, e.Name())); err != nil {
				return fmt.Errorf("maintain: clean tmp: %w", err)
			}
		}
	}
	return nil
}

// compact rewrites day's block from its head log and any older generation
// of the block, then removes the head log and the old generation. Every step
// is crash safe: until the rename, nothing visible changed; after it, the
// head log and the old block hold nothing the new block lacks, and readers
// merge duplicates away.
func (w *Writer) compact(day int64) error {
	s := w.s
	defer s.beginRead()() // it reads the old generation
	headPath := s.headPath(day)
	head, err := parseHeadFile(headPath)
	if err != nil {
		return err
	}
	series := head.points
	gens, err := s.olderGenerations(day, series)
	if err != nil {
		return err
	}
	gen := gens.next
	if l, err := s.readLedger(); err == nil && l[day] >= gen {
		// The block the ledger lists is gone: the day is built from
		// the head log alone, under a generation never used before.
		s.noteDamage(missingBlock(day, l[day], gen-1))
		gen = l[day] + 1
	}
	if err := s.installBlock(day, gen, series); err != nil {
		return err
	}
	if err := w.updateLedger(func(l ledger) { l[day] = gen }); err != nil {
		return err
	}
	if err := s.retireCompactedHead(day, headPath, head); err != nil {
		return err
	}
	return s.removeGenerations(gens)
}

// installBlock writes series as generation gen of day's block: into a
// directory under tmp/, renamed into blocks/ once complete, blocks/ synced.
func (s *Store) installBlock(day int64, gen int, series map[string][]Point) error {
	name := dayName(day) + ".g" + strconv.Itoa(gen)
	tmp := filepath.Join(s.dir, tmpDir, "compact-"+name)
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := writeBlock(tmp, series); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, blocksDir, name)); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return syncDir(filepath.Join(s.dir, blocksDir))
}

// replacedGenerations are the generations of a day's block that the one
// compaction writes replaces.
type replacedGenerations struct {
	next    int        // the new generation's number
	old     []blockRef // intact: removed once the new one is in place
	damaged []blockRef // damaged: moved to damaged/
}

// olderGenerations adds the points of day's existing block generations in
// front of the head log's (series, by key; the head log's are newer and
// win) and returns them with the next generation number.
func (s *Store) olderGenerations(day int64, series map[string][]Point) (replacedGenerations, error) {
	g := replacedGenerations{next: 1}
	newest, _, err := s.listBlocks()
	if err != nil {
		return g, err
	}
	for _, ref := range newest {
		if ref.day != day {
			continue
		}
		g.next = ref.gen + 1
		pts, err := s.blockPoints(ref)
		if errors.Is(err, errDamaged) {
			// It was reported. Its tstorage files may be intact (a
			// damaged summary); else the day is built from the head
			// log alone. Either way it goes to damaged/ afterwards.
			pts, _ = s.intactPoints(ref, filepath.Join(s.dir, blocksDir, ref.name))
			g.damaged = append(g.damaged, ref)
		} else if err != nil {
			return g, err
		} else {
			g.old = append(g.old, ref)
		}
		for k, p := range pts {
			series[k] = append(p, series[k]...)
		}
	}
	return g, nil
}

// retireCompactedHead removes day's head log once its block is in place,
// or moves it to damaged/ (reporting its damage) when it was not intact.
func (s *Store) retireCompactedHead(day int64, headPath string, head *headData) error {
	if len(head.damage) > 0 {
		// What was intact is in the block; the log goes to damaged/.
		s.noteHeadDamage(context.Background(), day, head, math.MinInt64, math.MaxInt64)
		if err := os.Remove(s.markPath(day)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if _, err := s.quarantine(headPath); err != nil {
			return err
		}
	} else if err := s.removeHead(day); err != nil {
		return err
	}
	return syncDir(filepath.Join(s.dir, headDir))
}

// removeGenerations removes the generations a new one replaced (the
// damaged ones go to damaged/) and retires their mappings.
func (s *Store) removeGenerations(g replacedGenerations) error {
	for _, ref := range g.old {
		if err := os.RemoveAll(filepath.Join(s.dir, blocksDir, ref.name)); err != nil {
			return err
		}
	}
	for _, ref := range g.damaged {
		if _, err := s.quarantine(filepath.Join(s.dir, blocksDir, ref.name)); err != nil {
			return err
		}
	}
	// The generations it replaced are unmapped when compact ends (a
	// record --interval loop compacts late samples for as long as it runs).
	if newest, _, err := s.listBlocks(); err == nil {
		s.retireBlocks(newest)
	}
	return nil
}

// blockPoints reads every point of a block, by series key.
func (s *Store) blockPoints(ref blockRef) (map[string][]Point, error) {
	b, err := s.openBlock(ref)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Point, len(b.index))
	for i, si := range b.index {
		pts, err := s.selectBlock(b, b.series[i], si.Key, math.MinInt64, math.MaxInt64)
		if err != nil {
			return nil, err
		}
		out[si.Key] = pts
	}
	return out, nil
}

// writeBlock writes series (points in any order, duplicates allowed: the
// last written wins) as one tstorage partition plus its summary into dir,
// and syncs everything.
func writeBlock(dir string, series map[string][]Point) error {
	bs, err := newBlockSeries(series)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spans, err := bs.writePartition(dir)
	if err != nil {
		return err
	}
	rebooted := bootIndex(bs.parsed, series)
	index := make([]SeriesInfo, len(bs.keys))
	sums := make([][]HourSummary, len(bs.keys))
	for i, k := range bs.keys {
		pts := series[k]
		index[i] = SeriesInfo{Key: k, MinT: pts[0].T, MaxT: pts[len(pts)-1].T, Count: len(pts), Scale: bs.scales[i]}
		sums[i] = summarize(pts, bs.parsed[i].Get("instance"), rebooted)
	}
	if err := writeSummary(filepath.Join(dir, summaryName), index, sums); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if spans == nil {
		spans = []dataSpan{}
	}
	if err := writeChecksums(dir, index, spans); err != nil {
		return err
	}
	return syncTree(dir)
}

// blockSeries are the series of a block being written, in key order.
type blockSeries struct {
	keys   []string
	parsed []Series
	scales []int              // decimalScale of each series
	points map[string][]Point // sorted and deduplicated, by key
	total  int                // points
}

// newBlockSeries sorts and deduplicates each series' points (in place) and
// orders the series that have any by key.
func newBlockSeries(series map[string][]Point) (*blockSeries, error) {
	bs := &blockSeries{points: series}
	for k, pts := range series {
		pts = sortDedup(pts)
		series[k] = pts
		if len(pts) == 0 {
			continue
		}
		bs.keys = append(bs.keys, k)
		bs.total += len(pts)
	}
	sort.Strings(bs.keys)
	bs.parsed = make([]Series, len(bs.keys))
	bs.scales = make([]int, len(bs.keys))
	for i, k := range bs.keys {
		ser, err := ParseSeries(k)
		if err != nil {
			return nil, fmt.Errorf("series %q: %w", k, err)
		}
		bs.parsed[i] = ser
		bs.scales[i] = decimalScale(series[k])
	}
	return bs, nil
}

// writePartition writes the series as one tstorage partition in dir,
// series by series (tstorage patch 4: the points are encoded as they go,
// not held again as tstorage rows), and returns each series' bytes in the
// data file; nil when there are no points.
func (bs *blockSeries) writePartition(dir string) ([]dataSpan, error) {
	if bs.total == 0 {
		return nil, nil
	}
	minT, maxT := int64(math.MaxInt64), int64(math.MinInt64)
	for _, k := range bs.keys {
		pts := bs.points[k]
		minT, maxT = min(minT, pts[0].T), max(maxT, pts[len(pts)-1].T)
	}
	pw, err := tstorage.NewPartitionWriter(dir, minT, maxT)
	if err != nil {
		return nil, fmt.Errorf("create tstorage partition: %w", err)
	}
	spans := make([]dataSpan, len(bs.keys))
	var dps []tstorage.DataPoint
	var labels []tstorage.Label
	for i, k := range bs.keys {
		p := pow10[bs.scales[i]]
		labels = labels[:0]
		for _, l := range bs.parsed[i].Labels {
			labels = append(labels, tstorage.Label{Name: l.Name, Value: l.Value})
		}
		dps = dps[:0]
		for _, pt := range bs.points[k] {
			v := pt.V * p
			if bs.scales[i] > 0 {
				// The integer decimalScale found (v×10^k may be
				// off by an ulp, 0.29×100 = 28.999999999999996):
				// tstorage encodes integers as such (patch 10).
				v = math.Round(v)
			}
			dps = append(dps, tstorage.DataPoint{Timestamp: pt.T, Value: v})
		}
		off := pw.Offset()
		if err := pw.Add(bs.parsed[i].Metric, labels, dps); err != nil {
			pw.Close()
			return nil, fmt.Errorf("write tstorage partition: %w", err)
		}
		spans[i] = dataSpan{off: off, size: pw.Offset() - off}
	}
	if err := pw.Close(); err != nil {
		return nil, fmt.Errorf("write tstorage partition: %w", err)
	}
	return spans, nil
}

// bootIndex returns a bootFunc from the metric.BootInfo series among
// series: a reboot lies between two times when the boot ids recorded at
// those times (for the same instance) differ.
func bootIndex(parsed []Series, points map[string][]Point) bootFunc {
	boots := map[string]map[int64]string{}
	for _, ser := range parsed {
		if ser.Metric != metric.BootInfo {
			continue
		}
		inst := ser.Get("instance")
		m := boots[inst]
		if m == nil {
			m = map[int64]string{}
			boots[inst] = m
		}
		for _, p := range points[ser.Key()] {
			m[p.T] = ser.Get("boot_id")
		}
	}
	if len(boots) == 0 {
		return nil
	}
	return func(instance string, prevT, t int64) bool {
		m := boots[instance]
		a, ok1 := m[prevT]
		b, ok2 := m[t]
		return ok1 && ok2 && a != b
	}
}

// syncTree fsyncs every file and directory under dir (tstorage writes its
// files without syncing them).
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

// maxScale is the largest decimal exponent decimalScale tries (microseconds).
const maxScale = 6

var pow10 = [maxScale + 1]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// decimalScale returns the smallest k in [0, maxScale] for which every
// value v of pts is an integer n = v×10^k that converts back exactly
// (n/10^k == v, bit for bit), or 0 when there is none. Values such as
// 1234.56 (CPU seconds in 0.01 s ticks) then reach tstorage as integers.
func decimalScale(pts []Point) int {
	for k := 0; k <= maxScale; k++ {
		p := pow10[k]
		ok := true
		for _, pt := range pts {
			n := math.Round(pt.V * p)
			if math.Abs(n) >= 1<<53 || n/p != pt.V || math.Float64bits(n/p) != math.Float64bits(pt.V) {
				ok = false
				break
			}
		}
		if ok {
			return k
		}
	}
	return 0
}
