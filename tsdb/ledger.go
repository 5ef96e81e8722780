package tsdb

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
)

// The ledger of days, DIR/days, lists every day block the store holds with
// its newest generation, so that a block directory that disappears (a day
// deleted by hand, a lost directory after a crash of the file system) is
// noticed and named, as the head logs' marks do for head logs:
//
//	srvmon days 1
//	2026-11-29 3
//	...
//	end <crc32c of all bytes before this line, 8 hex digits>
//
// A writer replaces it atomically (write, fsync, rename) after it renamed a
// new block generation into place, and before retention removes a block:
// the ledger never lists a generation that was not written, so a block it
// lists that is not there (or only an older generation of it) was lost. A
// block it does not list yet (a crash between the rename and the ledger's
// update) is read normally and listed by the next writer. Readers and Verify
// report each lost block as Damage with the day's time range; Repair writes
// the ledger anew from the blocks present (the old one goes to damaged/).
const (
	ledgerName   = "days"
	ledgerHeader = "srvmon days 1\n"
)

// ledger maps a day to the newest block generation written for it.
type ledger map[int64]int

// encode renders l, sorted by day, with its checksum line.
func (l ledger) encode() []byte {
	days := make([]int64, 0, len(l))
	for d := range l {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	var b bytes.Buffer
	b.WriteString(ledgerHeader)
	for _, d := range days {
		fmt.Fprintf(&b, "%s %d\n", dayName(d), l[d])
	}
	fmt.Fprintf(&b, "end %08x\n", crc32.Checksum(b.Bytes(), castagnoli()))
	return b.Bytes()
}

// parseLedger parses the ledger, checking its checksum first.
func parseLedger(data []byte) (ledger, error) {
	i := bytes.LastIndex(data, []byte("end "))
	if i < 0 || len(data)-i != len("end 00000000\n") || !bytes.HasSuffix(data, []byte("\n")) {
		return nil, errors.New("no end line")
	}
	want, err := strconv.ParseUint(string(data[i+4:len(data)-1]), 16, 32)
	if err != nil || uint32(want) != crc32.Checksum(data[:i], castagnoli()) {
		return nil, errors.New("checksum mismatch")
	}
	if !bytes.HasPrefix(data, []byte(ledgerHeader)) {
		return nil, errors.New("unknown header")
	}
	l := ledger{}
	sc := bufio.NewScanner(bytes.NewReader(data[len(ledgerHeader):i]))
	for sc.Scan() {
		name, gen, ok := strings.Cut(sc.Text(), " ")
		d, dok := parseDay(name)
		g, err := strconv.Atoi(gen)
		if !ok || !dok || err != nil || g < 1 {
			return nil, errors.New("a malformed line")
		}
		l[d] = g
	}
	return l, sc.Err()
}

// readLedger reads the ledger. It returns an error wrapping fs.ErrNotExist
// when there is none (a store no writer of this version has written yet)
// and a *damageError when it is damaged.
func (s *Store) readLedger() (ledger, error) {
	f, err := openNoFollow(filepath.Join(s.dir, ledgerName), os.O_RDONLY)
	if err != nil {
		if errors.Is(err, ErrNotRegular) {
			return nil, &damageError{ledgerName, err.Error()}
		}
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(f); err != nil {
		return nil, err
	}
	l, err := parseLedger(b.Bytes())
	if err != nil {
		return nil, &damageError{ledgerName, err.Error()}
	}
	return l, nil
}

// ledgerDamage returns the damage the ledger shows for the days in
// [firstDay, lastDay] given the newest block generations listed: a damaged
// ledger (no time range: what it would have told is unknown), and each day
// whose block, or whose newest generation, is gone.
func (s *Store) ledgerDamage(blocks []blockRef, firstDay, lastDay int64) ([]Damage, error) {
	l, err := s.readLedger()
	var de *damageError
	switch {
	case errors.As(err, &de):
		return []Damage{{File: ledgerName, Reason: de.reason + "; a lost day block cannot be noticed until 'srvmon verify --repair' writes it anew"}}, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", ledgerName, err)
	}
	newest := make(map[int64]int, len(blocks))
	for _, b := range blocks {
		newest[b.day] = b.gen
	}
	var out []Damage
	for d, gen := range l {
		if d < firstDay || d > lastDay || newest[d] >= gen {
			continue
		}
		out = append(out, missingBlock(d, gen, newest[d]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out, nil
}

// missingBlock is the damage of day's block generation gen, which the
// ledger lists and which is gone; have is the newest generation there is
// (0: none).
func missingBlock(day int64, gen, have int) Damage {
	from, to := dayRange(day)
	d := Damage{File: filepath.Join(blocksDir, dayName(day)+".g"+strconv.Itoa(gen)), From: from, To: to,
		Reason: "missing (the ledger " + ledgerName + " says it was written)"}
	if have > 0 {
		d.Reason += "; the older generation g" + strconv.Itoa(have) + " is read in its place"
	}
	return d
}

// reportLedger reports the ledger's damage for the days in [firstDay,
// lastDay] to ctx's DamageLog and the store's list.
func (s *Store) reportLedger(ctx context.Context, blocks []blockRef, firstDay, lastDay int64) error {
	dm, err := s.ledgerDamage(blocks, firstDay, lastDay)
	for _, d := range dm {
		s.report(ctx, d)
	}
	return err
}

// writeLedger replaces the ledger by l, atomically and durably.
func (w *Writer) writeLedger(l ledger) error {
	if err := atomicfile.WriteFile(filepath.Join(w.s.dir, ledgerName), l.encode(), 0o644); err != nil {
		return fmt.Errorf("ledger of days: %w", err)
	}
	return nil
}

// updateLedger applies fn to the ledger and writes it back. A missing or
// damaged ledger is started anew from the blocks present (a damaged one is
// kept in damaged/ and reported).
func (w *Writer) updateLedger(fn func(ledger)) error {
	s := w.s
	l, err := s.readLedger()
	var de *damageError
	switch {
	case errors.As(err, &de):
		if _, err := s.quarantine(filepath.Join(s.dir, ledgerName)); err != nil {
			return err
		}
		s.noteDamage(Damage{File: ledgerName, Reason: de.reason + "; it was set aside and written anew from the blocks present"})
		fallthrough
	case errors.Is(err, fs.ErrNotExist):
		if l, err = s.listedLedger(); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("read %s: %w", ledgerName, err)
	}
	fn(l)
	return w.writeLedger(l)
}

// listedLedger is the ledger of the blocks present.
func (s *Store) listedLedger() (ledger, error) {
	newest, _, err := s.listBlocks()
	if err != nil {
		return nil, fmt.Errorf("ledger of days: %w", err)
	}
	l := make(ledger, len(newest))
	for _, b := range newest {
		l[b.day] = b.gen
	}
	return l, nil
}

// ensureLedger writes the ledger from the blocks present when there is
// none: the first writer of a store made before the ledger existed.
func (w *Writer) ensureLedger() error {
	if _, err := os.Lstat(filepath.Join(w.s.dir, ledgerName)); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return w.updateLedger(func(ledger) {})
}

// resetLedger writes the ledger anew from the blocks present, keeping the
// old one in damaged/ when it differs: Repair accepts the loss of the day
// blocks that are gone (Verify named them) and stops reporting them.
func (w *Writer) resetLedger() error {
	s := w.s
	now, err := s.listedLedger()
	if err != nil {
		return err
	}
	old, err := s.readLedger()
	if err == nil && string(old.encode()) == string(now.encode()) {
		return nil
	}
	if err == nil || errors.As(err, new(*damageError)) {
		if _, err := s.moveAside(filepath.Join(s.dir, ledgerName), true); err != nil {
			return err
		}
	}
	return w.writeLedger(now)
}
