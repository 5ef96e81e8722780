package tsdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSalvageDamagedSeries damages bytes of one series in a block's data
// file (and, separately, cuts the file) and checks that readers read every
// series whose bytes are intact and name the data file with the damaged
// series' time range, that Verify says how many series are damaged, and
// that Repair keeps the intact series (salvage) and leaves a store Verify
// passes.
func TestSalvageDamagedSeries(t *testing.T) {
	ctx := context.Background()
	for _, how := range []string{"byte", "cut"} {
		t.Run(how, func(t *testing.T) {
			c := &clock{day0}
			s := newTestStore(t, c, WithRetention(0))
			series := make([]Series, 8)
			for i := range series {
				series[i] = NewSeries("node_test", "instance", "h1", "n", fmt.Sprint(i))
			}
			w, err := s.Lock(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for m := 0; m < 60; m++ {
				var set []Sample
				for i, ser := range series {
					set = append(set, Sample{ser, float64(i*1000 + m*m)})
				}
				if err := w.Append(day0.Add(time.Duration(m)*time.Minute), set); err != nil {
					t.Fatal(err)
				}
			}
			c.t = day0.Add(25 * time.Hour)
			if err := w.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			w.Close()
			blocks, _, _ := s.listBlocks()
			dir := filepath.Join(s.Dir(), blocksDir, blocks[0].name)
			ck, _ := os.ReadFile(filepath.Join(dir, checksumName))
			_, _, spans, err := parseChecksums(ck)
			if err != nil || len(spans) != len(series) {
				t.Fatalf("spans %v, %v", spans, err)
			}
			datas, _ := filepath.Glob(filepath.Join(dir, "p-*", "data"))
			data, _ := os.ReadFile(datas[0])
			hit := 5 // the series of the index (sorted keys) whose bytes are hit
			if how == "byte" {
				data[spans[hit].off+spans[hit].size/2] ^= 0x10
			} else {
				data = data[:spans[hit].off+1]
			}
			os.WriteFile(datas[0], data, 0o644)
			nLost := 1 // series lost: the hit one, and after a cut every later one
			if how == "cut" {
				nLost = len(series) - hit
			}

			fresh, _ := Open(s.Dir(), withClock(c.now), WithRetention(0))
			got := readAll(t, fresh, day0, day0.Add(24*time.Hour))
			if len(got) != len(series)-nLost {
				t.Fatalf("%d series read, want %d: %v", len(got), len(series)-nLost, fresh.Damage())
			}
			for i, ser := range series {
				if (i >= hit && i < hit+nLost) != (got[ser.Key()] == nil) {
					t.Errorf("series %d: read %d points", i, len(got[ser.Key()]))
				} else if got[ser.Key()] != nil && len(got[ser.Key()]) != 60 {
					t.Errorf("series %d: %d points, want 60", i, len(got[ser.Key()]))
				}
			}
			dm := fresh.Damage()
			rel, _ := filepath.Rel(s.Dir(), datas[0])
			if len(dm) != nLost || dm[0].File != rel || !dm[0].From.Equal(day0) || !dm[0].To.Equal(day0.Add(59*time.Minute+time.Second)) ||
				!strings.Contains(dm[0].Reason, series[hit].Key()) {
				t.Fatalf("damage %v", dm)
			}
			ch, err := fresh.Verify(ctx)
			want := fmt.Sprintf("(in the bytes of %d of its 8 series", nLost)
			if err != nil || len(ch.Damage) != 1 || !strings.Contains(ch.Damage[0].Reason, want) {
				t.Fatalf("verify: %v %v, want %q", ch.Damage, err, want)
			}
			w, _ = fresh.Lock(ctx)
			_, after, err := w.Repair(ctx)
			w.Close()
			if err != nil || len(after.Damage) != 0 {
				t.Fatalf("repair: %v %v", after.Damage, err)
			}
			repaired, _ := Open(s.Dir(), withClock(c.now), WithRetention(0))
			again := readAll(t, repaired, day0, day0.Add(24*time.Hour))
			if len(again) != len(got) || len(repaired.Damage()) != 0 {
				t.Fatalf("after repair %d series (want %d), damage %v", len(again), len(got), repaired.Damage())
			}
		})
	}
}
