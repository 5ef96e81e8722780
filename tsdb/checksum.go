package tsdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A block's checksum file lists every other file of the block directory
// (tstorage's data and meta.json, summary.gz) with its size and CRC-32C,
// and ends with the CRC-32C of the lines before it:
//
//	srvmon block checksums 1
//	<crc32c, 8 hex digits> <size> <path relative to the block>
//	...
//	series <scale> <series key>
//	...
//	end <crc32c of all bytes before this line, 8 hex digits>
//
// The series lines repeat the block's index (keys and decimal scales, see
// SeriesInfo) so that a damaged summary.gz can be rebuilt from tstorage's
// files (Writer.Repair).
//
// It is written last at compaction (before the block is synced and renamed
// into place), and checked once per process before anything of the block is
// used. A block whose check fails is never read as values; readers skip it
// and report it (Store.Damage).
const (
	checksumName   = "checksums"
	checksumHeader = "srvmon block checksums 1\n"
)

// castagnoli is made on first use, not at package initialisation.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// errDamaged marks an error that means a file of the store is damaged (as
// opposed to one that could not be read at all, or was removed by a
// writer meanwhile).
var errDamaged = errors.New("damaged")

// damageError says which file is damaged and how; it wraps errDamaged.
type damageError struct {
	file   string // relative to the directory checked
	reason string
}

func (e *damageError) Error() string { return e.file + ": " + e.reason }
func (e *damageError) Unwrap() error { return errDamaged }

// fileCRC returns the size and CRC-32C of the file at path.
func fileCRC(path string) (int64, uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	h := crc32.New(castagnoli())
	n, err := io.Copy(h, f)
	return n, h.Sum32(), err
}

// blockFiles lists the regular files under dir other than the checksum
// file, as slash-separated paths relative to dir, sorted.
func blockFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if rel != checksumName {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// writeChecksums writes dir's checksum file, with the series of index (not
// synced: writeBlock syncs the whole directory afterwards).
func writeChecksums(dir string, index []SeriesInfo) error {
	files, err := blockFiles(dir)
	if err != nil {
		return fmt.Errorf("checksums: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(checksumHeader)
	for _, rel := range files {
		size, sum, err := fileCRC(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("checksums: %w", err)
		}
		fmt.Fprintf(&b, "%08x %d %s\n", sum, size, rel)
	}
	for _, si := range index {
		fmt.Fprintf(&b, "series %d %s\n", si.Scale, si.Key)
	}
	fmt.Fprintf(&b, "end %08x\n", crc32.Checksum(b.Bytes(), castagnoli()))
	if err := os.WriteFile(filepath.Join(dir, checksumName), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("checksums: %w", err)
	}
	return nil
}

// blockPart is the part of a block a check covers: readers that use only
// a block's summaries (series lists, reports over months) check only
// summary.gz, and the tstorage files when they first read values.
type blockPart int

const (
	partAll     blockPart = iota
	partSummary           // summary.gz
	partData              // tstorage's files, and no file the block was not written with
)

func (p blockPart) has(rel string) bool {
	switch p {
	case partSummary:
		return rel == summaryName
	case partData:
		return rel != summaryName
	}
	return true
}

// checkBlockFiles verifies part of dir against its checksum file. It
// returns an error wrapping errDamaged, naming the file, when a file is
// missing, unlisted, of the wrong size or content, or when the checksum
// file itself is damaged; an error wrapping fs.ErrNotExist when the whole
// directory is gone.
func checkBlockFiles(dir string, part blockPart) error {
	data, err := os.ReadFile(filepath.Join(dir, checksumName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(dir); derr != nil {
			return derr
		}
		return &damageError{checksumName, "missing"}
	}
	if err != nil {
		return err
	}
	listed, _, err := parseChecksums(data)
	if err != nil {
		return &damageError{checksumName, err.Error()}
	}
	if part != partSummary {
		files, err := blockFiles(dir)
		if err != nil {
			return err
		}
		for _, rel := range files {
			if _, ok := listed[rel]; !ok {
				return &damageError{rel, "a file the block was not written with"}
			}
		}
	}
	if _, ok := listed[summaryName]; !ok {
		return &damageError{summaryName, "not listed in " + checksumName}
	}
	names := make([]string, 0, len(listed))
	for rel := range listed {
		if part.has(rel) {
			names = append(names, rel)
		}
	}
	sort.Strings(names)
	for _, rel := range names {
		want := listed[rel]
		size, sum, err := fileCRC(filepath.Join(dir, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &damageError{rel, "missing"}
		case err != nil:
			return err
		case size != want.size:
			return &damageError{rel, fmt.Sprintf("%d bytes, written with %d", size, want.size)}
		case sum != want.sum:
			return &damageError{rel, "checksum mismatch"}
		}
	}
	return nil
}

type fileSum struct {
	size int64
	sum  uint32
}

// parseChecksums parses a checksum file, checking its own checksum first.
// It returns the files and the series listed.
func parseChecksums(data []byte) (map[string]fileSum, []SeriesInfo, error) {
	i := bytes.LastIndex(data, []byte("end "))
	if i < 0 || !bytes.HasSuffix(data, []byte("\n")) || len(data)-i != len("end 00000000\n") {
		return nil, nil, errors.New("no end line")
	}
	want, err := strconv.ParseUint(string(data[i+4:len(data)-1]), 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(data[:i], castagnoli()) {
		return nil, nil, errors.New("its own checksum does not match")
	}
	if !bytes.HasPrefix(data, []byte(checksumHeader)) {
		return nil, nil, errors.New("unknown header")
	}
	out := map[string]fileSum{}
	var series []SeriesInfo
	sc := bufio.NewScanner(bytes.NewReader(data[len(checksumHeader):i]))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) == 3 && f[0] == "series" {
			scale, err := strconv.Atoi(f[1])
			if err != nil || scale < 0 || scale > maxScale {
				return nil, nil, errors.New("a malformed series line")
			}
			series = append(series, SeriesInfo{Key: f[2], Scale: scale})
			continue
		}
		if len(f) != 3 {
			return nil, nil, errors.New("a malformed line")
		}
		sum, err1 := strconv.ParseUint(f[0], 16, 32)
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || size < 0 {
			return nil, nil, errors.New("a malformed line")
		}
		out[f[2]] = fileSum{size: size, sum: uint32(sum)}
	}
	if sc.Err() != nil {
		return nil, nil, sc.Err()
	}
	return out, series, nil
}
