package tsdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Check is what Verify found.
type Check struct {
	// Files is how many files were checked.
	Files int
	// Damage lists every damaged file with the time range it covers, in
	// the order of the store's layout (marker, head logs, blocks).
	Damage []Damage
	// Quarantined lists what earlier repairs and compactions moved to
	// DIR/damaged/ (relative to the store directory). It is not part of
	// the store and not damage of it.
	Quarantined []string
}

// Verify checks every file of the store: the format marker, every record of
// every head log (a write still in progress at the end of a log is not
// damage) and every file of every block against its checksum file. It
// reads everything, unlike readers, which check what they use. It takes no
// lock.
func (s *Store) Verify(ctx context.Context) (Check, error) {
	var c Check
	c.Files++
	if d, ok := s.checkMarker(); !ok {
		c.Damage = append(c.Damage, d)
	}
	heads, lost, err := s.listHeadFiles()
	if err != nil {
		return c, fmt.Errorf("verify: %w", err)
	}
	for _, d := range lost {
		c.Files++
		c.Damage = append(c.Damage, s.lostHead(d))
	}
	for _, day := range heads {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		h, err := s.verifyHead(day)
		if errors.Is(err, fs.ErrNotExist) {
			continue // compacted meanwhile
		}
		if err != nil {
			return c, fmt.Errorf("verify: %w", err)
		}
		c.Files++
		c.Damage = append(c.Damage, h...)
	}
	blocks, _, err := s.listBlocks()
	if err != nil {
		return c, fmt.Errorf("verify: %w", err)
	}
	for _, ref := range blocks {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		files, err := blockFiles(filepath.Join(s.dir, blocksDir, ref.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		c.Files += len(files) + 1
		if d, ok, err := s.verifyBlock(ref); err != nil {
			return c, fmt.Errorf("verify: %w", err)
		} else if !ok {
			c.Damage = append(c.Damage, d)
		}
	}
	if _, err := os.Lstat(filepath.Join(s.dir, ledgerName)); err == nil {
		c.Files++
	} else if errors.Is(err, fs.ErrNotExist) && len(blocks) > 0 && s.format >= 2 {
		c.Damage = append(c.Damage, Damage{File: ledgerName, Reason: "missing; a lost day block cannot be noticed until a writer writes it anew from the blocks present"})
	}
	dm, err := s.ledgerDamage(blocks, math.MinInt64, math.MaxInt64)
	if err != nil {
		return c, fmt.Errorf("verify: %w", err)
	}
	c.Damage = append(c.Damage, dm...)
	n, side := s.sideDamage()
	c.Files += n
	c.Damage = append(c.Damage, side...)
	entries, err := os.ReadDir(filepath.Join(s.dir, damagedDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, fmt.Errorf("verify: %w", err)
	}
	for _, e := range entries {
		c.Quarantined = append(c.Quarantined, filepath.Join(damagedDir, e.Name()))
	}
	return c, nil
}

// sideDamage runs the side file checks of WithSideFileChecks.
func (s *Store) sideDamage() (checked int, damaged []Damage) {
	for _, check := range s.sideChecks {
		n, d := check(s.dir)
		checked += n
		damaged = append(damaged, d...)
	}
	return checked, damaged
}

// lostHead is the damage of a head log that has a mark but is gone.
func (s *Store) lostHead(day int64) Damage {
	from, to := dayRange(day)
	return Damage{File: s.rel(s.headPath(day)), From: from, To: to, Reason: "missing (its " + dayName(day) + markSuffix + " says it was written)"}
}

// checkMarker reads the format marker afresh.
func (s *Store) checkMarker() (Damage, bool) {
	data, err := os.ReadFile(filepath.Join(s.dir, markerName))
	if err != nil {
		return Damage{File: markerName, Reason: "cannot be read: " + err.Error()}, false
	}
	if string(data) != markerText && string(data) != markerPrefix+"2\n" && string(data) != markerPrefix+"1\n" {
		return Damage{File: markerName, Reason: "the format marker is damaged"}, false
	}
	return Damage{}, true
}

// verifyHead reads a whole head log and returns its damage.
func (s *Store) verifyHead(day int64) ([]Damage, error) {
	path := s.headPath(day)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h := parseHead(data, time.Since(st.ModTime()) > settleTime)
	return s.headDamage(day, h), nil
}

// headDamage turns a head log's damage into Damage.
func (s *Store) headDamage(day int64, h *headData) []Damage {
	var out []Damage
	dayStart, dayEnd := dayRange(day)
	for _, hd := range h.damage {
		d := Damage{File: s.rel(s.headPath(day)), From: dayStart, To: dayEnd, Reason: hd.reason}
		if hd.wholeDay {
			out = append(out, d)
			continue
		}
		if hd.from != 0 {
			d.From = time.Unix(hd.from, 0).UTC()
		}
		if hd.to != 0 {
			d.To = time.Unix(hd.to, 0).UTC()
		}
		out = append(out, d)
	}
	return out
}

// verifyBlock checks one block afresh (not the once-per-process check of
// readers): against its checksum file, or, for a block of a format 1 store
// that has none yet, by reading it whole.
func (s *Store) verifyBlock(ref blockRef) (Damage, bool, error) {
	dir := filepath.Join(s.dir, blocksDir, ref.name)
	from, to := dayRange(ref.day)
	var err error
	if _, serr := os.Stat(filepath.Join(dir, checksumName)); s.format < 2 && errors.Is(serr, fs.ErrNotExist) {
		err = s.checkUnsummed(ref)
		if errors.Is(err, errDamaged) {
			for _, d := range s.Damage() {
				if d.File == filepath.Join(blocksDir, ref.name) || filepath.Dir(d.File) == filepath.Join(blocksDir, ref.name) {
					return d, false, nil
				}
			}
		}
	} else {
		err = checkBlockFiles(dir, partAll)
	}
	var de *damageError
	switch {
	case errors.As(err, &de) && path.Base(de.file) == dataFileName && de.reason != "missing":
		// Changed or cut: which series does it cost?
		d := Damage{File: filepath.Join(blocksDir, ref.name, de.file), From: from, To: to, Reason: de.reason}
		if n, all, lo, hi := s.damagedSeries(dir); n > 0 {
			d.From, d.To = time.Unix(lo, 0).UTC(), time.Unix(hi, 0).UTC()
			d.Reason = fmt.Sprintf("%s (in the bytes of %d of its %d series; the others are read)", de.reason, n, all)
		}
		return d, false, nil
	case errors.As(err, &de):
		return Damage{File: filepath.Join(blocksDir, ref.name, de.file), From: from, To: to, Reason: de.reason}, false, nil
	case errors.Is(err, errDamaged):
		return Damage{File: filepath.Join(blocksDir, ref.name), From: from, To: to, Reason: err.Error()}, false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return Damage{}, false, err
	}
	return Damage{}, true, nil
}

// damagedSeries checks each series' bytes of the data file of the block
// in dir against its version 2 checksum file and returns how many are
// damaged, of how many, and the span of time they cover: [lo, hi). n is 0
// when that cannot be said (version 1, or the summary's index unreadable).
func (s *Store) damagedSeries(dir string) (n, all int, lo, hi int64) {
	if checkBlockFiles(dir, partSummary) != nil {
		return 0, 0, 0, 0
	}
	sr, index, err := openSummary(filepath.Join(dir, summaryName))
	if err != nil {
		return 0, 0, 0, 0
	}
	sr.Close()
	spans, data, err := s.blockSpans(blockRef{}, dir, len(index))
	if err != nil || spans == nil {
		return 0, 0, 0, 0
	}
	f, err := os.Open(data)
	if err != nil {
		return 0, 0, 0, 0
	}
	defer f.Close()
	lo, hi = math.MaxInt64, math.MinInt64
	for i, sp := range spans {
		if sum, err := spanCRC(f, sp); err == nil && sum == sp.sum {
			continue
		}
		n++
		lo, hi = min(lo, index[i].MinT), max(hi, index[i].MaxT+1)
	}
	return n, len(spans), lo, hi
}

// Repair moves every damaged file Verify finds into DIR/damaged/ (nothing
// is deleted), rebuilds what can be rebuilt from what is intact, and
// returns what Verify finds afterwards together with the damage it
// repaired:
//
//   - a damaged marker is written anew;
//   - a head log with damaged records is replaced by one holding every
//     intact sample of it (the damaged one goes to damaged/);
//   - a block whose summary.gz is damaged but whose tstorage files are
//     intact is written anew from them (its checksum file lists the
//     series); any other damaged block goes to damaged/, and a head log of
//     its day that still exists is compacted into a new block.
//
// Finished days are then compacted as Maintain does.
func (w *Writer) Repair(ctx context.Context) (before, after Check, err error) {
	s := w.s
	before, err = s.Verify(ctx)
	if err != nil {
		return before, after, err
	}
	for _, d := range before.Damage {
		if d.File == markerName {
			if err := w.rewriteMarker(); err != nil {
				return before, after, err
			}
		}
	}
	heads := map[int64]bool{}
	blocks := map[string]bool{}
	_, lost, err := s.listHeadFiles()
	if err != nil {
		return before, after, fmt.Errorf("repair: %w", err)
	}
	for _, day := range lost {
		if _, err := s.quarantine(s.markPath(day)); err != nil {
			return before, after, fmt.Errorf("repair: %w", err)
		}
	}
	for _, d := range before.Damage {
		switch dir := filepath.Dir(d.File); {
		case dir == headDir:
			name := filepath.Base(d.File)
			if day, ok := parseDay(name[:len(name)-len(headSuffix)]); ok && !slices.Contains(lost, day) {
				heads[day] = true
			}
		case strings.HasPrefix(d.File, blocksDir+string(filepath.Separator)):
			blocks[strings.Split(d.File, string(filepath.Separator))[1]] = true
		}
	}
	days := make([]int64, 0, len(heads))
	for d := range heads {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	for _, day := range days {
		if err := w.rewriteHead(day); err != nil {
			return before, after, fmt.Errorf("repair %s: %w", s.rel(s.headPath(day)), err)
		}
	}
	newest, _, err := s.listBlocks()
	if err != nil {
		return before, after, fmt.Errorf("repair: %w", err)
	}
	for _, ref := range newest {
		if !blocks[ref.name] {
			continue
		}
		if err := w.rebuildBlock(ref); err != nil {
			return before, after, fmt.Errorf("repair %s: %w", ref.name, err)
		}
	}
	_, side := s.sideDamage()
	for _, d := range side {
		if _, err := s.quarantine(filepath.Join(s.dir, d.File)); err != nil {
			return before, after, fmt.Errorf("repair: %w", err)
		}
	}
	if err := w.Maintain(ctx); err != nil {
		return before, after, fmt.Errorf("repair: %w", err)
	}
	if err := w.resetLedger(); err != nil {
		return before, after, fmt.Errorf("repair: %w", err)
	}
	after, err = s.Verify(ctx)
	return before, after, err
}

// rebuildBlock writes a new generation of the damaged block ref from its
// tstorage files when they are intact (only summary.gz or the checksum
// file's own line for it is damaged), then moves ref to damaged/; when they
// are not, it only moves ref to damaged/.
func (w *Writer) rebuildBlock(ref blockRef) error {
	s := w.s
	dir := filepath.Join(s.dir, blocksDir, ref.name)
	if series, ok := s.intactPoints(ref, dir); ok {
		if err := s.installBlock(ref.day, ref.gen+1, series); err != nil {
			return err
		}
	}
	_, err := s.quarantine(dir)
	return err
}

// intactPoints reads every point of a block from its tstorage files, with
// the series and scales its checksum file lists, if those files pass their
// checksums. With a version 2 checksum file it salvages: every series whose
// bytes of the data file pass their checksum is read, the others are left
// out (Verify named them), as long as tstorage's meta.json is intact.
func (s *Store) intactPoints(ref blockRef, dir string) (map[string][]Point, bool) {
	if checkBlockFiles(dir, partData) != nil {
		return nil, false
	}
	data, err := os.ReadFile(filepath.Join(dir, checksumName))
	if err != nil {
		return nil, false
	}
	_, index, spans, err := parseChecksums(data)
	if err != nil || len(index) == 0 {
		return nil, false
	}
	b := &block{ref: ref, dir: dir, index: index, byKey: map[string]int{}}
	if spans != nil {
		b.spansOnce.Do(func() { b.spans, b.dataFile, err = s.blockSpans(blockRef{}, dir, len(index)) })
		if err != nil {
			return nil, false
		}
		b.spanState = make([]uint8, len(b.spans))
	}
	ts, err := openPartition(dir)
	if err != nil {
		return nil, false
	}
	b.once.Do(func() { b.ts = ts })
	b.opened.Store(true)
	out := map[string][]Point{}
	for i, si := range index {
		ser, err := ParseSeries(si.Key)
		if err != nil {
			return nil, false
		}
		b.byKey[si.Key] = i
		b.index[i].MaxT = math.MaxInt64 // the summary's bounds are unknown
		pts, err := s.selectBlock(b, ser, si.Key, math.MinInt64, math.MaxInt64)
		var sd *seriesDamage
		if errors.As(err, &sd) {
			continue // salvage the others
		}
		if err != nil {
			return nil, false
		}
		out[si.Key] = pts
	}
	return out, len(out) > 0
}

// rewriteMarker writes the format marker of the current format, atomically.
func (w *Writer) rewriteMarker() error {
	if err := writeMarker(w.s.dir); err != nil {
		return err
	}
	w.s.format = storeFormat
	return nil
}

// rewriteHead replaces day's head log by one holding every intact sample of
// it as 'P' records, after moving the damaged one to damaged/.
func (w *Writer) rewriteHead(day int64) error {
	s := w.s
	path := s.headPath(day)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	h := parseHead(data, true)
	keys := make([]string, 0, len(h.points))
	for k := range h.points {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf []byte
	for _, k := range keys {
		pts := sortDedup(h.points[k])
		for len(pts) > 0 {
			n := min(len(pts), importChunk)
			buf = appendRecord(buf, encodePoints(k, pts[:n]))
			pts = pts[n:]
		}
	}
	tmp := filepath.Join(s.dir, tmpDir, "repair-"+filepath.Base(path))
	if err := writeFileSync(tmp, buf); err != nil {
		return err
	}
	if w.f != nil && w.day == day {
		w.f.Close()
		w.f = nil
	}
	// A link in damaged/ first, then the rename over the log: a crash in
	// between leaves the damaged log in both places, never in neither.
	if _, err := s.moveAside(path, true); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
