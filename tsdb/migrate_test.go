package tsdb

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMigrateFormat1 turns a store into one as store format 1 wrote it (no
// checksum files, the old marker, a head log of 'V' records with one schema
// copy) and checks that it reads as it is, that the first writer migrates
// it (checksums, marker) without losing a sample, and that a format 1 block
// that does not read back whole is set aside, not given checksums.
func TestMigrateFormat1(t *testing.T) {
	c := &clock{day0}
	s := newTestStore(t, c)
	for d := 0; d < 3; d++ {
		c.t = day0.Add(time.Duration(d)*24*time.Hour + time.Hour)
		appendSet(t, s, c.t, Sample{serA, float64(d)}, Sample{serB, float64(10 + d)})
	}
	dir := s.Dir()
	blocks, _, _ := s.listBlocks()
	if len(blocks) != 2 {
		t.Fatalf("blocks %v", blocks)
	}
	for _, b := range blocks {
		os.Remove(filepath.Join(dir, blocksDir, b.name, checksumName))
	}
	// Damage the second block's data so that it cannot read back whole.
	datas, _ := filepath.Glob(filepath.Join(dir, blocksDir, blocks[1].name, "p-*", "data"))
	os.Truncate(datas[0], 3)
	// Today's head log as format 1 wrote it: 'S' once, then 'V' records.
	today := dayOf(c.t.Unix())
	keys := []string{serA.Key(), serB.Key()}
	hash := schemaHash(keys)
	buf := appendRecord(nil, encodeSchema(hash, keys))
	for i, ts := range []int64{c.t.Unix(), c.t.Unix() + 60} {
		p := []byte{recValues}
		p = binary.LittleEndian.AppendUint64(p, uint64(ts))
		p = binary.LittleEndian.AppendUint64(p, hash)
		p = binary.AppendUvarint(p, 2)
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(float64(100+i)))
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(float64(200+i)))
		buf = appendRecord(buf, p)
	}
	os.WriteFile(s.headPath(today), buf, 0o644)
	os.WriteFile(filepath.Join(dir, markerName), []byte(markerPrefix+"1\n"), 0o644)
	os.Remove(filepath.Join(dir, ledgerName)) // format 1 had none

	old, err := Open(dir, withClock(c.now))
	if err != nil || old.format != 1 {
		t.Fatalf("open format 1: %v, format %d", err, old.format)
	}
	got := readAll(t, old, day0, day0.Add(4*24*time.Hour))[serA.Key()]
	want := []Point{{day0.Unix() + 3600, 0}, {c.t.Unix(), 100}, {c.t.Unix() + 60, 101}}
	// The damaged block of day 1 reads nothing (tstorage finds no points).
	if !slices.Equal(got, want) {
		t.Fatalf("format 1 read %v, want %v", got, want)
	}
	appendSet(t, old, c.t.Add(2*time.Minute), Sample{serA, 102}, Sample{serB, 202})
	marker, _ := os.ReadFile(filepath.Join(dir, markerName))
	if string(marker) != markerText {
		t.Fatalf("marker after the first writer: %q", marker)
	}
	if err := checkBlockFiles(filepath.Join(dir, blocksDir, blocks[0].name), partAll); err != nil {
		t.Fatalf("migrated block: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, damagedDir, blocks[1].name)); err != nil {
		t.Fatalf("the block that did not read back is not in damaged/: %v", err)
	}
	fresh, _ := Open(dir, withClock(c.now))
	got = readAll(t, fresh, day0, day0.Add(4*24*time.Hour))[serA.Key()]
	want = append(want, Point{c.t.Unix() + 120, 102})
	if !slices.Equal(got, want) {
		t.Fatalf("after migration read %v, want %v", got, want)
	}
	if ch, err := fresh.Verify(context.Background()); err != nil || len(ch.Damage) != 0 {
		t.Fatalf("verify after migration: %v %v", ch.Damage, err)
	}
}

// TestFormat3HeadLog writes today's head log as store format 3 did (whole
// schemas, 'v' sets with copies) under a format 3 marker, and checks that
// it reads as it is, that the first writer rewrites the marker (so that
// srvmon of format 3 refuses the store instead of reading schema changes
// as damage) and appends sets of changed schemas after the old records,
// and that a marker of a newer format is refused.
func TestFormat3HeadLog(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	dir := s.Dir()
	keys := []string{serA.Key(), serB.Key()}
	hash := schemaHash(keys)
	var buf []byte
	for i, ts := range []int64{c.t.Unix(), c.t.Unix() + 60} {
		buf = appendRecord(buf, encodeSchema(hash, keys))
		p := []byte{recSet}
		p = binary.LittleEndian.AppendUint64(p, uint64(ts))
		p = binary.LittleEndian.AppendUint64(p, hash)
		p = append(p, byte(i+1))
		p = binary.AppendUvarint(p, 2)
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(float64(100+i)))
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(float64(200+i)))
		buf = appendRecord(buf, p)
	}
	os.WriteFile(s.headPath(dayOf(c.t.Unix())), buf, 0o644)
	os.WriteFile(filepath.Join(dir, markerName), []byte(markerPrefix+"3\n"), 0o644)

	old, err := Open(dir, withClock(c.now))
	if err != nil || old.format != 3 {
		t.Fatalf("open format 3: %v, format %d", err, old.format)
	}
	want := []Point{{c.t.Unix(), 100}, {c.t.Unix() + 60, 101}}
	if got := readAll(t, old, day0, day0.Add(24*time.Hour))[serA.Key()]; !slices.Equal(got, want) {
		t.Fatalf("format 3 read %v, want %v", got, want)
	}
	serC := NewSeries("node_load5", "instance", "h1")
	appendSet(t, old, c.t.Add(2*time.Minute), Sample{serA, 102}, Sample{serC, 7})
	appendSet(t, old, c.t.Add(3*time.Minute), Sample{serA, 103}, Sample{serB, 203})
	if marker, _ := os.ReadFile(filepath.Join(dir, markerName)); string(marker) != markerText {
		t.Fatalf("marker after the first writer: %q", marker)
	}
	fresh, err := Open(dir, withClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, fresh, day0, day0.Add(24*time.Hour))
	want = append(want, Point{c.t.Unix() + 120, 102}, Point{c.t.Unix() + 180, 103})
	if !slices.Equal(got[serA.Key()], want) || !slices.Equal(got[serC.Key()], []Point{{c.t.Unix() + 120, 7}}) ||
		!slices.Equal(got[serB.Key()], []Point{{c.t.Unix(), 200}, {c.t.Unix() + 60, 201}, {c.t.Unix() + 180, 203}}) {
		t.Fatalf("after appending to a format 3 head log: %v", got)
	}
	if ch, err := fresh.Verify(context.Background()); err != nil || len(ch.Damage) != 0 {
		t.Fatalf("verify: %v %v", ch.Damage, err)
	}
	os.WriteFile(filepath.Join(dir, markerName), []byte(markerPrefix+"5\n"), 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("a format 5 store opened: %v", err)
	}
}
