package tsdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Damage is a part of the store that could not be read: a file whose
// checksum, framing or content is wrong, and the time range whose samples
// it held (some or all of which are missing from what was read). The store
// never prints; commands and serve render the Damage a Store returns.
type Damage struct {
	// File is the damaged file or block directory, relative to the store
	// directory (head/2026-11-30.log, blocks/2026-11-29.g1/summary.gz).
	File string
	// From and To bound the samples that may be missing: [From, To).
	From, To time.Time
	// Reason says what is wrong, in a few words.
	Reason string
}

// Error returns String: a Damage is also an error, for callers that pass
// problems on as errors (the recorder's warnings).
func (d Damage) Error() string { return d.String() }

// String renders d as one line a person reads.
func (d Damage) String() string {
	if d.From.IsZero() {
		return fmt.Sprintf("%s: %s", d.File, d.Reason)
	}
	if !d.To.After(d.From) {
		return fmt.Sprintf("%s: %s, between sample sets (no samples lost with it)", d.File, d.Reason)
	}
	return fmt.Sprintf("%s: %s; samples from %s to %s could not be read", d.File, d.Reason,
		d.From.UTC().Format(time.RFC3339), d.To.UTC().Format(time.RFC3339))
}

// damagedDir is where repair and compaction move damaged files (never
// deleted: a person may want them).
const damagedDir = "damaged"

// Damage returns the damage this Store handle has come across so far, in
// the order found, each once: reads skip what is damaged and go on, and
// record this list instead of failing.
func (s *Store) Damage() []Damage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.damage)
}

// noteDamage adds d to the store's damage list unless it is there already.
func (s *Store) noteDamage(d Damage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.damage {
		if x == d {
			return
		}
	}
	s.damage = append(s.damage, d)
}

// DamageLog collects the damage that the reads made with a context from
// WithDamageLog came across, each once: what one request could not read
// (Store.Damage is all that the Store handle found).
type DamageLog struct {
	mu     sync.Mutex
	list   []Damage
	parent *DamageLog // the log of the enclosing context, which sees it too
}

type damageLogKey struct{}

// WithDamageLog returns a context whose reads report damage to the
// returned log.
func WithDamageLog(ctx context.Context) (context.Context, *DamageLog) {
	l := &DamageLog{}
	l.parent, _ = ctx.Value(damageLogKey{}).(*DamageLog)
	return context.WithValue(ctx, damageLogKey{}, l), l
}

// List returns the damage logged so far, in the order found.
func (l *DamageLog) List() []Damage {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

// report notes d in the store's list and in ctx's DamageLog, if any.
func (s *Store) report(ctx context.Context, d Damage) {
	s.noteDamage(d)
	l, _ := ctx.Value(damageLogKey{}).(*DamageLog)
	for ; l != nil; l = l.parent {
		l.mu.Lock()
		if !slices.Contains(l.list, d) {
			l.list = append(l.list, d)
		}
		l.mu.Unlock()
	}
}

// dayRange returns the first second of day and of the day after.
func dayRange(day int64) (time.Time, time.Time) {
	return time.Unix(day*secondsInDay, 0).UTC(), time.Unix((day+1)*secondsInDay, 0).UTC()
}

// rel returns path relative to the store directory, for messages.
func (s *Store) rel(path string) string {
	if r, err := filepath.Rel(s.dir, path); err == nil {
		return r
	}
	return path
}

// quarantine moves path (a file or a block directory) into DIR/damaged/,
// under a name not used there yet, and returns the new path.
func (s *Store) quarantine(path string) (string, error) { return s.moveAside(path, false) }

// moveAside moves path into DIR/damaged/, or with link, only makes a hard
// link to it there (the caller then replaces path).
func (s *Store) moveAside(path string, link bool) (string, error) {
	dir := filepath.Join(s.dir, damagedDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("move %s aside: %w", s.rel(path), err)
	}
	base := filepath.Base(path)
	if d := filepath.Dir(path); d != filepath.Clean(s.dir) && d != filepath.Join(s.dir, headDir) && d != filepath.Join(s.dir, blocksDir) {
		base = filepath.Base(filepath.Dir(path)) + "-" + base // blocks/DAY.gN/summary.gz
	}
	dst := filepath.Join(dir, base)
	for i := 2; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dst = filepath.Join(dir, base+"."+strconv.Itoa(i))
	}
	move := os.Rename
	if link {
		move = os.Link
	}
	if err := move(path, dst); err != nil {
		return "", fmt.Errorf("move %s aside: %w", s.rel(path), err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("move %s aside: %w", s.rel(path), err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return "", fmt.Errorf("move %s aside: %w", s.rel(path), err)
	}
	return dst, nil
}
