package tsdb

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLedgerOfDays deletes a whole day block and checks that readers and
// Verify name it with its day, that compaction of a late sample for that
// day says so and uses a new generation, that retention takes days out of
// the ledger without reporting them, that a damaged ledger is reported, and
// that Repair leaves a store Verify passes (the old ledger in damaged/).
func TestLedgerOfDays(t *testing.T) {
	ctx := context.Background()
	c := &clock{day0}
	s := newTestStore(t, c, WithRetention(0))
	for d := 0; d < 4; d++ {
		c.t = day0.Add(time.Duration(d)*24*time.Hour + time.Hour)
		appendSet(t, s, c.t, Sample{serA, float64(d)})
	}
	dir := s.Dir()
	blocks, _, _ := s.listBlocks()
	if len(blocks) != 3 {
		t.Fatalf("blocks %v", blocks)
	}
	lost := blocks[1]
	os.RemoveAll(filepath.Join(dir, blocksDir, lost.name))
	lostFrom, lostTo := dayRange(lost.day)

	fresh, _ := Open(dir, withClock(c.now), WithRetention(0))
	rctx, log := WithDamageLog(ctx)
	var n int
	if err := fresh.Read(rctx, day0, day0.Add(5*24*time.Hour), nil, func(_ Series, pts []Point) error { n += len(pts); return nil }); err != nil {
		t.Fatal(err)
	}
	want := Damage{File: filepath.Join(blocksDir, lost.name), From: lostFrom, To: lostTo}
	if dm := log.List(); n != 3 || len(dm) != 1 || dm[0].File != want.File || dm[0].From != want.From || dm[0].To != want.To {
		t.Fatalf("read %d points, damage %v; want 3 points and %v", n, dm, want)
	}
	// A read that does not cover the day does not report it.
	rctx, log = WithDamageLog(ctx)
	fresh.Read(rctx, day0, day0.Add(24*time.Hour), nil, func(Series, []Point) error { return nil })
	if dm := log.List(); len(dm) != 0 {
		t.Fatalf("a read of day 0 reports %v", dm)
	}
	if ch, err := fresh.Verify(ctx); err != nil || len(ch.Damage) != 1 || ch.Damage[0].File != want.File {
		t.Fatalf("verify: %v %v", ch.Damage, err)
	}

	// A late sample for the lost day: compaction says what is gone and
	// writes a generation the ledger never listed.
	late := lostFrom.Add(2 * time.Hour)
	w, err := fresh.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(late, []Sample{{serA, 42}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if !strings.Contains(damageText(fresh.Damage()), want.File+": missing") {
		t.Fatalf("compaction did not report the lost block: %v", fresh.Damage())
	}
	if _, err := os.Stat(filepath.Join(dir, blocksDir, dayName(lost.day)+".g"+strconv.Itoa(lost.gen+1))); err != nil {
		t.Fatalf("the day was not written as a new generation: %v", err)
	}

	// A damaged ledger is reported by readers, with no time range.
	data, _ := os.ReadFile(filepath.Join(dir, ledgerName))
	data[len(ledgerHeader)] ^= 1
	os.WriteFile(filepath.Join(dir, ledgerName), data, 0o644)
	fresh, _ = Open(dir, withClock(c.now), WithRetention(0))
	readAll(t, fresh, day0, day0.Add(5*24*time.Hour))
	if dm := fresh.Damage(); len(dm) != 1 || dm[0].File != ledgerName || !dm[0].From.IsZero() {
		t.Fatalf("damaged ledger: %v", dm)
	}
	w, _ = fresh.Lock(ctx)
	before, after, err := w.Repair(ctx)
	w.Close()
	if err != nil || len(before.Damage) == 0 || len(after.Damage) != 0 {
		t.Fatalf("repair: before %v after %v, %v", before.Damage, after.Damage, err)
	}
	if _, err := os.Stat(filepath.Join(dir, damagedDir, ledgerName)); err != nil {
		t.Fatalf("the damaged ledger is not in damaged/: %v", err)
	}

	// Retention takes days out of the ledger: nothing is reported lost.
	c.t = day0.Add(10 * 24 * time.Hour)
	kept, _ := Open(dir, withClock(c.now), WithRetention(3))
	appendSet(t, kept, c.t, Sample{serA, 10})
	l, err := kept.readLedger()
	if err != nil {
		t.Fatal(err)
	}
	for d := range l {
		if d < dayOf(c.t.Unix())-3 {
			t.Errorf("the ledger still lists %s after retention removed it", dayName(d))
		}
	}
	if ch, err := kept.Verify(ctx); err != nil || len(ch.Damage) != 0 {
		t.Fatalf("verify after retention: %v %v", ch.Damage, err)
	}
}

func damageText(dm []Damage) string {
	var b strings.Builder
	for _, d := range dm {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}
