package tsdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// importChunk is how many points of one series an import buffers before
// writing them to the staging area.
const importChunk = 4096

// Import adds every point that next yields, all or nothing: points are
// staged in the store's tmp directory, and only when next returns nil are
// they joined to the head logs (under the writer lock) and compacted. A
// failed import leaves the store as it was. Points for a series and time the
// store already holds replace the stored value. It returns the number of
// points imported.
func (s *Store) Import(ctx context.Context, next func(yield func(Series, Point) error) error) (int, error) {
	stage, err := os.MkdirTemp(filepath.Join(s.dir, tmpDir), "import-")
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	defer os.RemoveAll(stage)

	files := map[int64]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	type pending struct {
		key string
		day int64
		pts []Point
	}
	var cur pending
	n := 0
	flush := func() error {
		if len(cur.pts) == 0 {
			return nil
		}
		f := files[cur.day]
		if f == nil {
			var err error
			f, err = os.Create(filepath.Join(stage, strconv.FormatInt(cur.day, 10)))
			if err != nil {
				return err
			}
			files[cur.day] = f
		}
		if _, err := f.Write(appendRecord(nil, encodePoints(cur.key, cur.pts))); err != nil {
			return err
		}
		cur.pts = cur.pts[:0]
		return nil
	}
	validated := map[string]bool{}
	err = next(func(ser Series, p Point) error {
		if p.T <= 0 {
			return fmt.Errorf("time %d is not after 1970", p.T)
		}
		key := ser.Key()
		if !validated[key] {
			if err := ser.validate(); err != nil {
				return err
			}
			validated[key] = true
		}
		day := dayOf(p.T)
		if key != cur.key || day != cur.day || len(cur.pts) >= importChunk {
			if err := flush(); err != nil {
				return err
			}
			cur.key, cur.day = key, day
		}
		cur.pts = append(cur.pts, p)
		n++
		if n%65536 == 0 {
			return ctx.Err()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	for _, f := range files {
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("import: %w", err)
		}
	}
	if err := syncDir(stage); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}

	w, err := s.Lock(ctx)
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	defer w.Close()
	// The commit point: from here on the import is joined completely, by
	// this process or, if it dies, by the next writer (joinImports).
	if err := writeFileSync(filepath.Join(stage, commitName), nil); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	if err := syncDir(stage); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	if err := w.joinImport(stage); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	if err := w.Maintain(ctx); err != nil {
		return n, fmt.Errorf("import: %w", err)
	}
	return n, nil
}

// commitName marks a staged import as committed.
const commitName = "COMMIT"

// joinImport appends the staged day files of a committed import to the head
// logs and removes the staging directory. Appending a day twice (after a
// crash in the middle of a join) is harmless: readers and compaction keep
// one point per series and second.
func (w *Writer) joinImport(stage string) error {
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		d, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil {
			continue // COMMIT
		}
		data, err := os.ReadFile(filepath.Join(stage, e.Name()))
		if err != nil {
			return err
		}
		if err := w.openHead(d); err != nil {
			return fmt.Errorf("open head log: %w", err)
		}
		if err := w.write(data); err != nil {
			return fmt.Errorf("append to %s: %w", dayName(d), err)
		}
		w.tail.lastHash = 0
	}
	return os.RemoveAll(stage)
}

// joinImports finishes the joins of committed imports whose process died;
// it runs whenever a writer takes the lock, so an import is either wholly
// in the store or not at all. Uncommitted staging directories are left to
// cleanTmp.
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
		if _, err := os.Stat(filepath.Join(stage, commitName)); err != nil {
			continue
		}
		if err := w.joinImport(stage); err != nil {
			return fmt.Errorf("finish the import staged in %s: %w", stage, err)
		}
	}
	return nil
}

// isStoreFile reports whether name is one of the store's own entries.
func isStoreFile(name string) bool {
	switch name {
	case markerName, lockName, headDir, blocksDir, tmpDir:
		return true
	}
	return strings.HasPrefix(name, ".")
}
