package tsdb_test

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// storeFiles returns every file of the store in dir with its bytes, and
// every directory (as "DIR/").
func storeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fillDisk writes a file in mnt until the filesystem is full and returns
// its path.
func fillDisk(t *testing.T, mnt string) string {
	t.Helper()
	path := filepath.Join(mnt, "filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 64<<20)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the disk: %v, want ENOSPC", err)
	}
	return path
}

// TestImportFullDiskAtEveryStage fills a real (small tmpfs) disk as an
// import reaches each of its stages. Until the import's samples are all in
// the head logs a failure must leave the store byte for byte as it was and
// say that nothing was imported; a failure in the compaction afterwards
// must leave every sample readable and report how many went in.
func TestImportFullDiskAtEveryStage(t *testing.T) {
	for _, tc := range []struct {
		stage string
		at    int // the how-manieth arrival at the stage fills the disk
	}{
		{"staging", 1},
		{"commit", 1},
		{"join", 1},
		{"join", 3}, // after two of the four days were appended
		{"compact", 1},
	} {
		t.Run(tc.stage+"-"+string(rune('0'+tc.at)), func(t *testing.T) {
			mnt := mountTmpfs(t, "16m") // room for a synthetic day staged and joined now that synth records every family
			today := start.AddDate(0, 0, 4)
			now := today.Add(6 * time.Hour)
			dir := filepath.Join(mnt, "store")
			s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// Before: one day in a block, today's head log with sets.
			importDays(t, s, synth.DefaultHost(), start, 1)
			w, err := s.Lock(ctx)
			if err != nil {
				t.Fatal(err)
			}
			g := synth.New(synth.DefaultHost(), 7)
			for i := 0; i < 5; i++ {
				if err := w.Append(today.Add(time.Duration(i)*time.Minute), g.Next()); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			before := storeFiles(t, dir)

			// The import: three past days (one of them the block's) and today.
			ser := tsdb.NewSeries("imported_value", "instance", "x")
			var want []tsdb.Point
			for d := 0; d < 4; d++ {
				day := start.AddDate(0, 0, d)
				if d == 3 {
					day = today
				}
				for m := 0; m < 1440 && day.Add(time.Duration(m)*time.Minute).Before(now); m++ {
					want = append(want, tsdb.Point{T: day.Add(time.Duration(m) * time.Minute).Unix(), V: float64(d*10000 + m)})
				}
			}
			importIt := func() (int, error) {
				r, err := s.Import(ctx, func(yield func(tsdb.Series, tsdb.Point) error) error {
					for _, p := range want {
						if err := yield(ser, p); err != nil {
							return err
						}
					}
					return nil
				})
				return r.Samples, err
			}
			var filler string
			arrivals := 0
			tsdb.SetImportHook(func(stage string) {
				if stage == tc.stage {
					if arrivals++; arrivals == tc.at {
						filler = fillDisk(t, mnt)
					}
				}
			})
			defer tsdb.SetImportHook(nil)
			n, err := importIt()
			tsdb.SetImportHook(nil)
			if filler == "" {
				t.Fatalf("the import never reached stage %q %d times", tc.stage, tc.at)
			}
			if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
				t.Fatalf("import on a full disk: %d, %v; want ENOSPC with a clear message", n, err)
			}
			readBack := func() []tsdb.Point {
				t.Helper()
				var got []tsdb.Point
				err := s.Read(ctx, start, now.Add(time.Hour), func(x tsdb.Series) bool { return x.Metric == ser.Metric },
					func(_ tsdb.Series, pts []tsdb.Point) error { got = pts; return nil })
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				return got
			}
			if tc.stage == "compact" {
				// Every sample went in; only the compaction failed.
				if n != len(want) {
					t.Fatalf("compaction failed: the import says %d samples, want %d", n, len(want))
				}
				if got := readBack(); !slices.Equal(got, want) {
					t.Fatalf("after the failed compaction %d of %d samples read back", len(got), len(want))
				}
			} else {
				if n != 0 {
					t.Fatalf("failed import says %d samples went in", n)
				}
				after := storeFiles(t, dir)
				if !maps.Equal(before, after) {
					for k := range after {
						if before[k] != after[k] {
							t.Errorf("%s changed (%d bytes before, %d after)", k, len(before[k]), len(after[k]))
						}
					}
					for k := range before {
						if _, ok := after[k]; !ok {
							t.Errorf("%s is gone", k)
						}
					}
					t.FailNow()
				}
			}
			// Space comes back: the import (again) and the compaction go through.
			os.Remove(filler)
			if tc.stage == "compact" {
				w, err := s.Lock(ctx)
				if err == nil {
					err = w.Maintain(ctx)
					w.Close()
				}
				if err != nil {
					t.Fatalf("compaction after space came back: %v", err)
				}
			} else if n, err := importIt(); err != nil || n != len(want) {
				t.Fatalf("import after space came back: %d, %v", n, err)
			}
			if got := readBack(); !slices.Equal(got, want) {
				t.Fatalf("after space came back %d of %d samples read back", len(got), len(want))
			}
		})
	}
}
