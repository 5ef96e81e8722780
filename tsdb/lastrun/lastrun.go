// Package lastrun keeps what went wrong in the newest srvmon record run
// without failing it: each failing collector's error and each textfile
// that was skipped, with the text of the error, which the store's series
// (node_scrape_collector_success, srvmon_textfile_scrape_error) cannot
// carry. srvmon status, serve's /healthz and its page show them.
//
// They live in one small file in the store directory, File, written
// whole (tsdb/atomicfile) with a checksum, and only when the set of
// problems or their text changes, so a run whose problems are those of the
// run before writes nothing. The writer is srvmon record, under the
// store's write lock; readers take no lock.
//
// It is a leaf under tsdb because both sides need it: sampler/recorder
// writes it and tsdb/health reads it, and neither imports the other.
package lastrun

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
	"github.com/srvmon/srvmon/tsdb/internal/noatime"
)

// File is the file in the store directory that holds the problems.
const File = "last-run-problems"

const header = "srvmon last run problems 1"

// MaxText bounds the text kept of one problem: a runaway error message
// must not grow the file.
const MaxText = 1024

// ErrDamaged is wrapped by Load's error when the file fails its checksum
// or does not parse.
var ErrDamaged = errors.New("damaged")

// The kinds of problem, the first part of a Key.
const (
	Collector = "collector" // a collector failed; the name is the collector's
	Textfile  = "textfile"  // a textfile was skipped; the name is the file's
)

// Key identifies a problem: its kind and the name of what failed.
type Key struct{ Kind, Name string }

func (k Key) String() string { return k.Kind + " " + k.Name }

// Problem is one thing that went wrong in the newest run.
type Problem struct {
	Text string // the error, at most MaxText bytes
	// Since is the first run of the current unbroken series of runs that
	// had this problem with this text.
	Since time.Time
}

// Problems are the problems of a run, by Key.
type Problems map[Key]Problem

// Load reads the problems of the newest run from the store directory dir.
// A missing file means none. A damaged file gives no problems and an
// error wrapping ErrDamaged that names the file (the next record run
// replaces it).
func Load(dir string) (Problems, error) {
	path := filepath.Join(dir, File)
	data, err := noatime.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Problems{}, nil
	}
	if err != nil {
		return Problems{}, fmt.Errorf("read %s: %w", path, err)
	}
	ps, err := decode(data)
	if err != nil {
		return Problems{}, fmt.Errorf("%s is %w (%v); the next srvmon record replaces it", path, ErrDamaged, err)
	}
	return ps, nil
}

// Update records that the run at now had the problems current (texts by
// Key) and returns the keys that are new or whose text changed since the
// run before, sorted. It writes the file only when that set or a text
// changed, and removes it when a run has no problems. A damaged file is
// replaced; its problems count as new.
func Update(dir string, now time.Time, current map[Key]string) ([]Key, error) {
	old, lerr := Load(dir)
	if lerr != nil && !errors.Is(lerr, ErrDamaged) {
		return nil, lerr
	}
	next := Problems{}
	var changed []Key
	for k, text := range current {
		text = clip(text)
		p, ok := old[k]
		if !ok || p.Text != text {
			p = Problem{Text: text, Since: now.UTC().Truncate(time.Second)}
			changed = append(changed, k)
		}
		next[k] = p
	}
	slices.SortFunc(changed, compareKeys)
	if lerr == nil && len(changed) == 0 && len(next) == len(old) {
		return nil, nil
	}
	path := filepath.Join(dir, File)
	if len(next) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return changed, fmt.Errorf("remove %s: %w", path, err)
		}
		return changed, atomicfile.SyncDir(dir)
	}
	return changed, atomicfile.WriteFile(path, encode(next), 0o644)
}

// clip cuts text to MaxText bytes at a character boundary.
func clip(text string) string {
	if len(text) <= MaxText {
		return text
	}
	i := MaxText - len("…")
	for i > 0 && !utf8Start(text[i]) {
		i--
	}
	return text[:i] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func compareKeys(a, b Key) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// Sorted returns the keys of ps in order.
func (ps Problems) Sorted() []Key {
	return slices.SortedFunc(maps.Keys(ps), compareKeys)
}

// encode writes a header line, a line per problem (SINCE KIND NAME TEXT:
// the time in Unix seconds, the rest quoted) in key order, and a last line
// "sha256 HEX" of everything before it.
func encode(ps Problems) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n")
	for _, k := range ps.Sorted() {
		p := ps[k]
		fmt.Fprintf(&b, "%d %s %s %s\n", p.Since.Unix(), strconv.Quote(k.Kind), strconv.Quote(k.Name), strconv.Quote(p.Text))
	}
	return atomicfile.AppendChecksum(b.Bytes())
}

func decode(data []byte) (Problems, error) {
	lines, err := atomicfile.VerifyLines(data, header)
	if err != nil {
		return nil, err
	}
	ps := Problems{}
	for _, line := range lines {
		bad := fmt.Errorf("bad line %q", line)
		ts, rest, ok := strings.Cut(line, " ")
		since, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil {
			return nil, bad
		}
		var f [3]string
		for j := range f {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, bad
			}
			f[j], _ = strconv.Unquote(q)
			rest = strings.TrimPrefix(rest[len(q):], " ")
		}
		if rest != "" {
			return nil, bad
		}
		ps[Key{f[0], f[1]}] = Problem{Text: f[2], Since: time.Unix(since, 0).UTC()}
	}
	return ps, nil
}
