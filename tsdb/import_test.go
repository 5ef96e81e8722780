package tsdb

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestImportJournalUndoesADeadJoin checks that a writer finding a committed
// import whose process died in the middle of its join (a part of a day file
// appended, torn) first cuts the head logs back to the sizes the journal
// holds, then joins once: the head logs end as the old bytes followed by
// the staged days, nothing twice, nothing torn.
func TestImportJournalUndoesADeadJoin(t *testing.T) {
	c := &clock{day0.Add(30 * time.Hour)}
	s := newTestStore(t, c)
	today := day0.Add(24 * time.Hour)
	appendSet(t, s, today, Sample{serA, 1})
	oldHead, err := os.ReadFile(s.headPath(dayOf(today.Unix())))
	if err != nil {
		t.Fatal(err)
	}
	var pts []Point
	for m := int64(1); m <= 100; m++ {
		pts = append(pts, Point{T: today.Unix() + 60*m, V: float64(m)})
	}
	stage := filepath.Join(s.Dir(), tmpDir, "import-dead")
	os.MkdirAll(stage, 0o755)
	n, err := stageImport(context.Background(), stage, func(yield func(Series, Point) error) error {
		for _, p := range pts {
			if err := yield(serB, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || n.Samples != len(pts) {
		t.Fatalf("stage: %+v, %v", n, err)
	}
	days, _ := stagedDays(stage)
	staged, _ := os.ReadFile(filepath.Join(stage, strconv.FormatInt(days[0], 10)))
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.commitImport(stage, days); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// The dead join: half of the staged day appended.
	f, _ := os.OpenFile(s.headPath(days[0]), os.O_WRONLY|os.O_APPEND, 0)
	f.Write(staged[:len(staged)/2])
	f.Close()

	w, err = s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, _ := os.ReadFile(s.headPath(days[0]))
	if want := string(oldHead) + string(staged); string(got) != want {
		t.Fatalf("head log after the next writer: %d bytes, want %d (old %d + staged %d)", len(got), len(want), len(oldHead), len(staged))
	}
	if _, err := os.Stat(stage); !os.IsNotExist(err) {
		t.Fatalf("staging directory left: %v", err)
	}
	all := readAll(t, s, today, today.Add(24*time.Hour))
	if !slices.Equal(all[serB.Key()], pts) || len(all[serA.Key()]) != 1 {
		t.Fatalf("read back %d imported points and %d sets", len(all[serB.Key()]), len(all[serA.Key()]))
	}
}

// TestParseHeadFileInChunks checks that reading a head log a chunk at a
// time (compaction) decodes what parseHead decodes from the whole file,
// also with damage in it, records longer than a chunk and a torn tail.
func TestParseHeadFileInChunks(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	for i := 0; i < 50; i++ {
		appendSet(t, s, day0.Add(time.Duration(i)*time.Minute), Sample{serA, float64(i)}, Sample{serB, float64(-i)})
	}
	path := s.headPath(dayOf(day0.Unix()))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/3] ^= 0xff // a damaged record
	data = data[:len(data)-7] // a torn tail
	os.WriteFile(path, data, 0o644)
	want := parseHead(data, true)
	for _, chunk := range []int{1, 16, 100, 1 << 20} {
		got, err := parseHeadFileChunk(path, chunk)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.points, want.points) || !reflect.DeepEqual(got.damage, want.damage) {
			t.Errorf("chunk %d: %d series, damage %v; want %d series, damage %v", chunk, len(got.points), got.damage, len(want.points), want.damage)
		}
	}
	if len(want.damage) < 2 {
		t.Fatalf("the test's damage was not seen: %v", want.damage)
	}
}
