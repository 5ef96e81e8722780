package tsdb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/srvmon/srvmon/tsdb/internal/noatime"
)

// A block's checksum file lists every other file of the block directory
// (tstorage's data and meta.json, summary.gz) with its size and CRC-32C,
// and ends with the CRC-32C of the lines before it:
//
//	srvmon block checksums 1
//	<crc32c, 8 hex digits> <size> <path relative to the block>
//	...
//	series <scale> <crc32c> <offset> <size> <series key>
//	...
//	end <crc32c of all bytes before this line, 8 hex digits>
//
// The series lines repeat the block's index (keys and decimal scales, see
// SeriesInfo) so that a damaged summary.gz can be rebuilt from tstorage's
// files (Writer.Repair), and give the CRC-32C of each series' bytes in
// tstorage's data file (the series tile it, in index order). A reader checks
// the bytes of the series it reads, when it first reads them, not the whole
// data file: a narrow read costs what its series cost, and damage in the
// data file costs the series whose bytes it hit, not the day; Repair keeps
// the series that pass (salvage). Version 1 of the file (no span fields;
// blocks of format 1 stores migrated) is checked file by file.
//
// The file is written gzip-compressed (its series lines repeat every key:
// 200 KB a day, 22 KB compressed, for a host of 1637 series); a reader
// tells it from a plain one (written before) by gzip's magic bytes, and
// gzip's own CRC-32 and the end line both check it.
//
// It is written last at compaction (before the block is synced and renamed
// into place), and checked once per process before anything of the block is
// used. A block whose check fails is never read as values; readers skip it
// and report it (Store.Damage).
const (
	checksumName     = "checksums"
	checksumHeader   = "srvmon block checksums 2\n"
	checksumHeaderV1 = "srvmon block checksums 1\n"
)

// dataSpan is the part of a block's data file that holds one series, and
// its checksum.
type dataSpan struct {
	off, size int64
	sum       uint32
}

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
	f, err := noatime.Open(path)
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
// synced: writeBlock syncs the whole directory afterwards). spans, if not
// nil, holds the offset and size of each series of index in the data file
// (their sums are computed here); without it the file is version 1.
func writeChecksums(dir string, index []SeriesInfo, spans []dataSpan) error {
	files, err := blockFiles(dir)
	if err != nil {
		return fmt.Errorf("checksums: %w", err)
	}
	var b bytes.Buffer
	if spans != nil {
		b.WriteString(checksumHeader)
	} else {
		b.WriteString(checksumHeaderV1)
	}
	data := ""
	for _, rel := range files {
		size, sum, err := fileCRC(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("checksums: %w", err)
		}
		fmt.Fprintf(&b, "%08x %d %s\n", sum, size, rel)
		if path.Base(rel) == dataFileName {
			data = rel
		}
	}
	if spans != nil && len(index) > 0 {
		if len(spans) != len(index) || data == "" {
			return fmt.Errorf("checksums: %d series, %d spans in %q", len(index), len(spans), data)
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(data)))
		if err != nil {
			return fmt.Errorf("checksums: %w", err)
		}
		defer f.Close()
		for i := range spans {
			if spans[i].sum, err = spanCRC(f, spans[i]); err != nil {
				return fmt.Errorf("checksums: %w", err)
			}
		}
	}
	for i, si := range index {
		if spans != nil {
			sp := spans[i]
			fmt.Fprintf(&b, "series %d %08x %d %d %s\n", si.Scale, sp.sum, sp.off, sp.size, si.Key)
		} else {
			fmt.Fprintf(&b, "series %d %s\n", si.Scale, si.Key)
		}
	}
	fmt.Fprintf(&b, "end %08x\n", crc32.Checksum(b.Bytes(), castagnoli()))
	var z bytes.Buffer
	zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if err == nil {
		_, err = zw.Write(b.Bytes())
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, checksumName), z.Bytes(), 0o644)
	}
	if err != nil {
		return fmt.Errorf("checksums: %w", err)
	}
	return nil
}

// maxChecksumText bounds a compressed checksum file's text (a line of
// about 150 bytes a series: some 400,000 series).
const maxChecksumText = 64 << 20

// checksumText returns a checksum file's text: data itself, or data
// decompressed when it is gzip-compressed.
func checksumText(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("cannot decompress it: %v", err)
	}
	text, err := io.ReadAll(io.LimitReader(zr, maxChecksumText+1))
	if err == nil && len(text) > maxChecksumText {
		err = errors.New("over 64 MiB of text")
	}
	if err != nil {
		return nil, fmt.Errorf("cannot decompress it: %v", err)
	}
	return text, nil
}

// dataFileName is tstorage's data file in a partition directory.
const dataFileName = "data"

// spanCRC returns the CRC-32C of sp's bytes of f; reading past the end of
// f (a cut file) is an error.
func spanCRC(f *os.File, sp dataSpan) (uint32, error) {
	bp := spanBuf.Get().(*[]byte)
	defer spanBuf.Put(bp)
	buf := *bp
	var sum uint32
	for off, end := sp.off, sp.off+sp.size; off < end; {
		n := int(min(int64(len(buf)), end-off))
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		sum = crc32.Update(sum, castagnoli(), buf[:n])
		off += int64(n)
	}
	return sum, nil
}

// spanBuf holds the buffers spanCRC reads into (a read of every series
// checks thousands of spans).
var spanBuf = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// blockPart is the part of a block a check covers: readers that use only
// a block's index (series lists) check only summary.gz, and the tstorage
// files when they first read values or summaries (the summaries of a
// series are used only when its bytes pass, as its values are).
type blockPart int

const (
	partAll     blockPart = iota
	partSummary           // summary.gz
	partData              // tstorage's files, and no file the block was not written with
	partMeta              // partData but the data file, whose series are checked one by one (version 2)
)

func (p blockPart) has(rel string) bool {
	switch p {
	case partSummary:
		return rel == summaryName
	case partData:
		return rel != summaryName
	case partMeta:
		return rel != summaryName && path.Base(rel) != dataFileName
	}
	return true
}

// checkBlockFiles verifies part of dir against its checksum file. It
// returns an error wrapping errDamaged, naming the file, when a file is
// missing, unlisted, of the wrong size or content, or when the checksum
// file itself is damaged; an error wrapping fs.ErrNotExist when the whole
// directory is gone.
func checkBlockFiles(dir string, part blockPart) error {
	bs, err := readBlockSums(dir)
	if err != nil {
		return err
	}
	return checkBlockFilesWith(dir, part, bs)
}

// blockSums is a block's checksum file, parsed.
type blockSums struct {
	files map[string]fileSum
	index []SeriesInfo
	spans []dataSpan // nil: version 1
}

// readBlockSums reads and parses the checksum file of the block in dir,
// with checkBlockFiles' errors.
func readBlockSums(dir string) (*blockSums, error) {
	data, err := os.ReadFile(filepath.Join(dir, checksumName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(dir); derr != nil {
			return nil, derr
		}
		return nil, &damageError{checksumName, "missing"}
	}
	if err != nil {
		return nil, err
	}
	listed, index, spans, err := parseChecksums(data)
	if err != nil {
		return nil, &damageError{checksumName, err.Error()}
	}
	return &blockSums{files: listed, index: index, spans: spans}, nil
}

// checkBlockFilesWith is checkBlockFiles with the checksum file parsed.
func checkBlockFilesWith(dir string, part blockPart, bs *blockSums) error {
	listed, spans := bs.files, bs.spans
	if part == partData && spans != nil {
		part = partMeta // the caller checks the data file series by series
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
		} else if part == partMeta && path.Base(rel) == dataFileName {
			// Its series are checked one by one; it must be there.
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel))); errors.Is(err, fs.ErrNotExist) {
				return &damageError{rel, "missing"}
			}
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
// It returns the files and the series listed, and for version 2 each
// series' span of the data file (nil for version 1).
func parseChecksums(data []byte) (map[string]fileSum, []SeriesInfo, []dataSpan, error) {
	bad := func(reason string) (map[string]fileSum, []SeriesInfo, []dataSpan, error) {
		return nil, nil, nil, errors.New(reason)
	}
	data, err := checksumText(data)
	if err != nil {
		return bad(err.Error())
	}
	i := bytes.LastIndex(data, []byte("end "))
	if i < 0 || !bytes.HasSuffix(data, []byte("\n")) || len(data)-i != len("end 00000000\n") {
		return bad("no end line")
	}
	want, err := strconv.ParseUint(string(data[i+4:len(data)-1]), 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(data[:i], castagnoli()) {
		return bad("its own checksum does not match")
	}
	v2 := bytes.HasPrefix(data, []byte(checksumHeader))
	if !v2 && !bytes.HasPrefix(data, []byte(checksumHeaderV1)) {
		return bad("unknown header")
	}
	out := map[string]fileSum{}
	var series []SeriesInfo
	var spans []dataSpan
	if v2 {
		spans = []dataSpan{}
	}
	sc := bufio.NewScanner(bytes.NewReader(data[len(checksumHeader):i]))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		if len(f) == 3 && f[0] == "series" {
			scale, err := strconv.Atoi(f[1])
			if err != nil || scale < 0 || scale > maxScale {
				return bad("a malformed series line")
			}
			key := f[2]
			if v2 {
				g := strings.SplitN(key, " ", 4)
				if len(g) != 4 {
					return bad("a malformed series line")
				}
				sum, err1 := strconv.ParseUint(g[0], 16, 32)
				off, err2 := strconv.ParseInt(g[1], 10, 64)
				size, err3 := strconv.ParseInt(g[2], 10, 64)
				if err1 != nil || err2 != nil || err3 != nil || off < 0 || size < 0 {
					return bad("a malformed series line")
				}
				spans = append(spans, dataSpan{off: off, size: size, sum: uint32(sum)})
				key = g[3]
			}
			series = append(series, SeriesInfo{Key: key, Scale: scale})
			continue
		}
		if len(f) != 3 {
			return bad("a malformed line")
		}
		sum, err1 := strconv.ParseUint(f[0], 16, 32)
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || size < 0 {
			return bad("a malformed line")
		}
		out[f[2]] = fileSum{size: size, sum: uint32(sum)}
	}
	if sc.Err() != nil {
		return nil, nil, nil, sc.Err()
	}
	return out, series, spans, nil
}
