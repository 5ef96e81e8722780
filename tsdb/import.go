package tsdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// importChunk is how many points of one series an import buffers before
// writing them to the staging area.
const importChunk = 4096

// ErrImportPending is wrapped by the error of an Import that was committed
// but could neither finish joining nor undo what it had joined: the next
// writer that takes the lock finishes it (Store.Lock), so the import ends
// wholly in the store.
var ErrImportPending = errors.New("the import is committed and the next writer to open the store finishes it")

// testHookImport, when set by a test, is called as an import reaches each
// stage ("staging", "commit", "join" before each day, "compact"), so that
// a test can fill the disk there.
var testHookImport func(stage string)

func importHook(stage string) {
	if testHookImport != nil {
		testHookImport(stage)
	}
}

// Import adds every point that next yields, all or nothing at every stage:
//
//   - staging: points are written to a directory in the store's tmp/, one
//     file per UTC day; a failure (bad input, a full disk, ctx done) removes
//     it and the store is untouched;
//   - commit: under the writer lock, a journal of the sizes of the head logs
//     the import will append to is written (the commit point);
//   - join: the staged days are appended to the head logs; a failure cuts
//     every head log back to its journalled size (and removes the ones the
//     import created), so the store is byte for byte what it was; a process
//     that dies here leaves the journal, and the next writer undoes and
//     joins again (Lock);
//   - compaction of the finished days the import touched.
//
// It returns what it imported. A nil error means every point is in the
// store and compacted. An error with Samples > 0 means every point is in
// the store (readable) and only the compaction afterwards failed: the next
// writer compacts. An error with Samples == 0 means nothing was imported,
// unless it wraps ErrImportPending. Points for a series and time the store
// already holds replace the stored value.
func (s *Store) Import(ctx context.Context, next func(yield func(Series, Point) error) error) (ImportResult, error) {
	importHook("staging")
	stage, err := os.MkdirTemp(filepath.Join(s.dir, tmpDir), "import-")
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(stage)
		}
	}()
	res, err := stageImport(ctx, stage, next)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}

	w, err := s.Lock(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	defer w.Close()
	importHook("commit")
	days, err := stagedDays(stage)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	j, err := w.commitImport(stage, days)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: commit: %w", err)
	}
	committed = true
	if err := w.joinImport(stage, j); err != nil {
		if uerr := w.undoJoin(j); uerr != nil {
			return ImportResult{}, fmt.Errorf("import: %w; undoing the join failed too (%v): %w", err, uerr, ErrImportPending)
		}
		if rerr := removeStage(stage); rerr != nil {
			return ImportResult{}, fmt.Errorf("import: %w; removing the commit failed too (%v): %w", err, rerr, ErrImportPending)
		}
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	if err := removeStage(stage); err != nil {
		// Every point is in; the next writer would join the days once more
		// (undo to the journal first), which changes nothing.
		return res, fmt.Errorf("import: remove the staging directory: %w", err)
	}
	importHook("compact")
	if err := w.Maintain(ctx); err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	return res, nil
}

// ImportResult is what an Import added to the store.
type ImportResult struct {
	Samples  int       // points
	Series   int       // distinct series
	From, To time.Time // the times of the first and the last point (zero without points)
}

// stageImport writes every point next yields into stage, one file of 'P'
// records per UTC day, synced, and returns what it wrote.
func stageImport(ctx context.Context, stage string, next func(yield func(Series, Point) error) error) (ImportResult, error) {
	st := &stager{dir: stage, files: map[int64]*os.File{}, validated: map[string]bool{}}
	defer st.close()
	err := next(func(ser Series, p Point) error {
		if err := st.add(ser, p); err != nil {
			return err
		}
		if st.n%65536 == 0 {
			return ctx.Err()
		}
		return nil
	})
	if err == nil {
		err = st.flush()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return ImportResult{}, err
	}
	for _, f := range st.files {
		if err := f.Sync(); err != nil {
			return ImportResult{}, err
		}
	}
	res := ImportResult{Samples: st.n, Series: len(st.validated)}
	if st.n > 0 {
		res.From, res.To = time.Unix(st.minT, 0).UTC(), time.Unix(st.maxT, 0).UTC()
	}
	return res, syncDir(stage)
}

// stager writes the points of an import into a staging directory: runs of
// one series' points within a UTC day, at most importChunk each, as 'P'
// records in the day's file.
type stager struct {
	dir       string
	files     map[int64]*os.File // by day
	validated map[string]bool    // series keys checked
	last      Series             // the series of the previous point, whose key is cur.key
	cur       struct {           // the run being gathered
		key string
		day int64
		pts []Point
	}
	buf        []byte // a record, reused
	n          int    // points added
	minT, maxT int64  // their first and last time
}

// add adds a point of ser, checking its time and (once) the series.
func (st *stager) add(ser Series, p Point) error {
	if err := checkTime(p.T); err != nil {
		return err
	}
	key := st.cur.key
	if st.n == 0 || !sameSeries(ser, st.last) {
		// A parser yields runs of one series: make its key once a run.
		key = ser.Key()
		if !st.validated[key] {
			if err := ser.Validate(); err != nil {
				return err
			}
			st.validated[key] = true
		}
		st.last = Series{Metric: ser.Metric, Labels: slices.Clone(ser.Labels)}
	}
	day := dayOf(p.T)
	if key != st.cur.key || day != st.cur.day || len(st.cur.pts) >= importChunk {
		if err := st.flush(); err != nil {
			return err
		}
		st.cur.key, st.cur.day = key, day
	}
	st.cur.pts = append(st.cur.pts, p)
	if st.n == 0 || p.T < st.minT {
		st.minT = p.T
	}
	if st.n == 0 || p.T > st.maxT {
		st.maxT = p.T
	}
	st.n++
	return nil
}

// flush writes the run gathered to its day's file.
func (st *stager) flush() error {
	if len(st.cur.pts) == 0 {
		return nil
	}
	f := st.files[st.cur.day]
	if f == nil {
		var err error
		f, err = createFile(filepath.Join(st.dir, strconv.FormatInt(st.cur.day, 10)))
		if err != nil {
			return err
		}
		st.files[st.cur.day] = f
	}
	st.buf = appendRecord(st.buf[:0], encodePoints(st.cur.key, st.cur.pts))
	if _, err := f.Write(st.buf); err != nil {
		return err
	}
	st.cur.pts = st.cur.pts[:0]
	return nil
}

// close closes the day files.
func (st *stager) close() {
	for _, f := range st.files {
		f.Close()
	}
}

// sameSeries reports whether a and b are the same series.
func sameSeries(a, b Series) bool {
	return a.Metric == b.Metric && slices.Equal(a.Labels, b.Labels)
}

// stagedDays lists the days staged in stage, sorted.
func stagedDays(stage string) ([]int64, error) {
	entries, err := os.ReadDir(stage)
	if err != nil {
		return nil, err
	}
	var days []int64
	for _, e := range entries {
		if d, err := strconv.ParseInt(e.Name(), 10, 64); err == nil {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	return days, nil
}

// commitName is the journal that marks a staged import as committed: for
// each staged day the size of its head log before the join, or -1 when the
// import creates it. It is one checksummed record, written to a temporary
// name and renamed, so it is either whole or absent.
const commitName = "COMMIT"

// journalEntry is one head log an import appends to.
type journalEntry struct {
	day  int64
	size int64 // before the join; -1: the import creates the file
}

// commitImport writes the journal of stage: the head logs of days as they
// are now (after cutting a torn tail, as any writer does before appending).
func (w *Writer) commitImport(stage string, days []int64) ([]journalEntry, error) {
	j := make([]journalEntry, 0, len(days))
	payload := binary.AppendUvarint(nil, uint64(len(days)))
	for _, d := range days {
		e := journalEntry{day: d, size: -1}
		if _, err := os.Lstat(w.s.headPath(d)); err == nil {
			if err := w.openHead(d); err != nil {
				return nil, fmt.Errorf("open head log: %w", err)
			}
			e.size = w.tail.size
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		j = append(j, e)
		payload = binary.AppendVarint(payload, e.day)
		payload = binary.AppendVarint(payload, e.size)
	}
	tmp := filepath.Join(stage, commitName+".tmp")
	if err := writeFileSync(tmp, appendRecord(nil, payload)); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(stage, commitName)); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := syncDir(stage); err != nil {
		return nil, err
	}
	return j, nil
}

// readJournal reads the journal of a committed import. A journal of length
// 0 (written before journals existed) yields no entries and ok.
func readJournal(path string) (j []journalEntry, err error) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return nil, err
	}
	payload, _, ok := recordAt(data, 0)
	if !ok {
		return nil, fmt.Errorf("%s is damaged", path)
	}
	r := &payloadReader{b: payload}
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		j = append(j, journalEntry{day: r.varint(), size: r.varint()})
	}
	if r.err != nil {
		return nil, fmt.Errorf("%s is damaged: %w", path, r.err)
	}
	return j, nil
}

// joinImport appends the staged day files of a committed import to the head
// logs and syncs them. On failure the caller undoes with undoJoin.
func (w *Writer) joinImport(stage string, j []journalEntry) error {
	days, err := stagedDays(stage)
	if err != nil {
		return err
	}
	var buf []byte
	for _, d := range days {
		importHook("join")
		if err := w.openHead(d); err != nil {
			return fmt.Errorf("open head log: %w", err)
		}
		if buf == nil {
			buf = make([]byte, 1<<20)
		}
		if err := w.appendFile(filepath.Join(stage, strconv.FormatInt(d, 10)), buf); err != nil {
			return fmt.Errorf("append to %s: %w", w.s.headPath(d), err)
		}
		w.tail.lastHash = 0
	}
	return nil
}

// appendFile copies the file at path to the end of the current head file
// and syncs it; on failure the head file is cut back to where it was.
func (w *Writer) appendFile(path string, buf []byte) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	off := w.tail.size
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, err := w.f.WriteAt(buf[:n], off); err != nil {
				w.f.Truncate(w.tail.size)
				return err
			}
			off += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			w.f.Truncate(w.tail.size)
			return rerr
		}
	}
	if err := w.f.Sync(); err != nil {
		w.f.Truncate(w.tail.size)
		return err
	}
	w.tail.size = off
	return nil
}

// undoJoin cuts the head logs of journal j back to their sizes before the
// join and removes those the join created, so the store is byte for byte as
// it was before the import.
func (w *Writer) undoJoin(j []journalEntry) error {
	if w.f != nil {
		w.f.Close()
		w.f, w.day = nil, -1
	}
	for _, e := range j {
		path := w.s.headPath(e.day)
		if e.size < 0 {
			if err := w.s.removeHead(e.day); err != nil { // and its mark
				return err
			}
			continue
		}
		f, err := openNoFollow(path, os.O_RDWR)
		if err != nil {
			return err
		}
		err = f.Truncate(e.size)
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return syncDir(filepath.Join(w.s.dir, headDir))
}

// removeStage removes the staging directory of an import, the journal
// first: a journal without all of its day files must never exist.
func removeStage(stage string) error {
	if err := os.Remove(filepath.Join(stage, commitName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := syncDir(stage); err != nil {
		return err
	}
	return os.RemoveAll(stage)
}

// joinImports finishes the joins of committed imports whose process died;
// it runs whenever a writer takes the lock, so an import is either wholly
// in the store or not at all. It first undoes what the dead join appended
// (the journal has the sizes from before), then joins again; if that fails
// too it undoes again and fails, leaving the import committed for the next
// writer. Uncommitted staging directories are left to cleanTmp.
func (w *Writer) joinImports() error {
	entries, err := os.ReadDir(filepath.Join(w.s.dir, tmpDir))
	if err != nil || len(entries) == 0 {
		return nil // no tmp/ yet: nothing to join
	}
	for _, e := range entries {
		stage := filepath.Join(w.s.dir, tmpDir, e.Name())
		if !strings.HasPrefix(e.Name(), "import-") {
			continue
		}
		j, err := readJournal(filepath.Join(stage, commitName))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("finish the import staged in %s: %w", stage, err)
		}
		if err := w.undoJoin(j); err != nil {
			return fmt.Errorf("finish the import staged in %s: undo its partial join: %w", stage, err)
		}
		if err := w.joinImport(stage, j); err != nil {
			w.undoJoin(j)
			return fmt.Errorf("finish the import staged in %s: %w", stage, err)
		}
		if err := removeStage(stage); err != nil {
			return fmt.Errorf("finish the import staged in %s: %w", stage, err)
		}
	}
	return nil
}

// isStoreFile reports whether name is one of the store's own entries. A
// dotfile is not: a directory that holds only dotfiles (a home directory,
// a checkout) is not empty.
func isStoreFile(name string) bool {
	switch name {
	case markerName, lockName, headDir, blocksDir, tmpDir:
		return true
	}
	return false
}
