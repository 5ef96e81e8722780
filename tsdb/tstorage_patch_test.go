package tsdb

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nakabonne/tstorage"
)

// patchRows are the rows of testdata/upstream-v0.3.6, which unpatched
// tstorage v0.3.6 wrote: two changing series and a constant one.
func patchRows() []tstorage.Row {
	var rows []tstorage.Row
	for i := 0; i < 3; i++ {
		for k := 0; k < 100; k++ {
			v := float64(k*k*(i+1)) + 0.25*float64(i)
			if i == 2 {
				v = 1.5
			}
			rows = append(rows, tstorage.Row{Metric: "m", Labels: []tstorage.Label{{Name: "i", Value: fmt.Sprint(i)}},
				DataPoint: tstorage.DataPoint{Timestamp: 1700000000 + int64(k)*60, Value: v}})
		}
	}
	return rows
}

func openTstorage(t *testing.T, dir string) tstorage.Storage {
	t.Helper()
	st, err := tstorage.NewStorage(tstorage.WithDataPath(dir), tstorage.WithTimestampPrecision(tstorage.Seconds),
		tstorage.WithRetention(forever), tstorage.WithWALBufferedSize(-1), tstorage.WithPartitionDuration(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func checkPatchRows(t *testing.T, st tstorage.Storage) {
	t.Helper()
	want := patchRows()
	for i := 0; i < 3; i++ {
		pts, err := st.Select("m", []tstorage.Label{{Name: "i", Value: fmt.Sprint(i)}}, 0, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 100 {
			t.Fatalf("series %d: %d points", i, len(pts))
		}
		for k, p := range pts {
			w := want[i*100+k]
			if p.Timestamp != w.Timestamp || math.Float64bits(p.Value) != math.Float64bits(w.Value) {
				t.Fatalf("series %d point %d: got %d %v, want %d %v", i, k, p.Timestamp, p.Value, w.Timestamp, w.Value)
			}
		}
	}
}

// TestPatchedTstorageCompatible checks srvmon's tstorage patch 1 (see
// tsdb/internal/tstorage/PATCHES.md): the patched copy reads a partition
// that upstream v0.3.6 wrote, and what it writes itself decodes to the
// same points while taking less room. (The other direction, upstream
// reading a patched partition, was checked once by hand: the decoder is
// unchanged.)
func TestPatchedTstorageCompatible(t *testing.T) {
	// Upstream's partition, copied: opening may not write, but be safe.
	dir := filepath.Join(t.TempDir(), "upstream")
	if err := os.CopyFS(dir, os.DirFS("testdata/upstream-v0.3.6")); err != nil {
		t.Fatal(err)
	}
	checkPatchRows(t, openTstorage(t, dir))

	mine := filepath.Join(t.TempDir(), "patched")
	st := openTstorage(t, mine)
	if err := st.InsertRows(patchRows()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	checkPatchRows(t, openTstorage(t, mine))

	size := func(root string) int64 {
		m, _ := filepath.Glob(filepath.Join(root, "p-1*", "data"))
		if len(m) != 1 {
			t.Fatalf("%s: partitions %v", root, m)
		}
		fi, err := os.Stat(m[0])
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	up, patched := size(dir), size(mine)
	t.Logf("data file: upstream %d bytes, patched %d bytes", up, patched)
	if patched >= up*2/3 {
		t.Fatalf("patched encoder wrote %d bytes, upstream %d: the fix is not in effect", patched, up)
	}
}

// TestPartitionWriter checks tstorage patch 4: a partition written series
// by series reads back as the one InsertRows and Close write, with a data
// file of the same size (the same encoder), and refuses points out of
// order.
func TestPartitionWriter(t *testing.T) {
	rows := patchRows()
	dir := filepath.Join(t.TempDir(), "written")
	pw, err := tstorage.NewPartitionWriter(dir, rows[0].Timestamp, rows[len(rows)-1].Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		var dps []tstorage.DataPoint
		for _, r := range rows[i*100 : (i+1)*100] {
			dps = append(dps, r.DataPoint)
		}
		if err := pw.Add("m", rows[i*100].Labels, dps); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.Add("x", nil, []tstorage.DataPoint{{Timestamp: 2, Value: 1}, {Timestamp: 1, Value: 1}}); err == nil {
		t.Error("points out of order were accepted")
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	checkPatchRows(t, openTstorage(t, dir))
	// Patch 8: series 0 holds integers, which it encodes as such; the
	// others are encoded as InsertRows' Gorilla.
	if fa, fb := dataFileSize(t, dir), insertedSize(t, rows); fa >= fb {
		t.Errorf("data file: %d bytes written series by series, %d through InsertRows", fa, fb)
	}
}

// insertedSize returns the size of the data file of a partition of rows
// written by InsertRows and Close (Gorilla only).
func insertedSize(t *testing.T, rows []tstorage.Row) int64 {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "inserted")
	st := openTstorage(t, dir)
	if err := st.InsertRows(rows); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dataFileSize(t, dir)
}

// dataFileSize returns the size of the data file of the partition in dir.
func dataFileSize(t *testing.T, dir string) int64 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "p-1*", "data"))
	if len(files) != 1 {
		t.Fatalf("data files in %s: %v", dir, files)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestSelectAppend checks tstorage patch 8: SelectAppend returns by value
// what Select returns, over sub-ranges, on disk partitions (upstream's and
// the patched writer's) and on a storage's memory partition, appending
// after what dst holds, and ErrNoDataPoints where Select does.
func TestSelectAppend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "upstream")
	if err := os.CopyFS(dir, os.DirFS("testdata/upstream-v0.3.6")); err != nil {
		t.Fatal(err)
	}
	mem := openTstorage(t, filepath.Join(t.TempDir(), "memory"))
	if err := mem.InsertRows(patchRows()); err != nil {
		t.Fatal(err)
	}
	t0 := patchRows()[0].Timestamp
	for name, st := range map[string]tstorage.Storage{"disk": openTstorage(t, dir), "memory": mem} {
		sa := st.(selectAppender)
		for i := 0; i < 4; i++ { // series 3 does not exist
			labels := []tstorage.Label{{Name: "i", Value: fmt.Sprint(i)}}
			for _, r := range [][2]int64{{0, math.MaxInt64}, {t0 + 60, t0 + 61*60}, {t0 + 30, t0 + 31}, {t0 + 100*60, math.MaxInt64}} {
				want, wantErr := st.Select("m", labels, r[0], r[1])
				dst := []tstorage.DataPoint{{Timestamp: -1, Value: -1}}
				got, err := sa.SelectAppend(dst, "m", labels, r[0], r[1])
				if (err == nil) != (wantErr == nil) || wantErr != nil && !errors.Is(err, tstorage.ErrNoDataPoints) {
					t.Fatalf("%s series %d %v: error %v, Select's %v", name, i, r, err, wantErr)
				}
				if len(got) != len(want)+1 || got[0] != dst[0] {
					t.Fatalf("%s series %d %v: %d points after dst's, Select %d", name, i, r, len(got)-1, len(want))
				}
				for k, p := range want {
					if got[k+1] != *p {
						t.Fatalf("%s series %d %v point %d: %v, Select %v", name, i, r, k, got[k+1], *p)
					}
				}
			}
		}
	}
}

// TestIntegerEncodings checks tstorage patch 10: series of integer values
// (counters, deltas that are mostly 0, multiples of 4096, negative and
// extreme values; with regular intervals or not) and series that must stay Gorilla-encoded (fractions,
// -0, NaN, infinities, integers past 2^53) read back bit for bit from a
// partition PartitionWriter wrote, and the partition is no larger than the
// Gorilla-only one InsertRows writes, and smaller for the integer series.
func TestIntegerEncodings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := map[string]func(k int, prev float64) float64{
		"counter":   func(k int, prev float64) float64 { return prev + float64(rng.IntN(5000)) },
		"deltas":    func(k int, prev float64) float64 { return float64(max(0, rng.IntN(300)-250)) },
		"pages":     func(k int, prev float64) float64 { return prev + 4096*float64(rng.IntN(100)) },
		"negative":  func(k int, prev float64) float64 { return float64(rng.IntN(2000) - 1000) },
		"constant":  func(k int, prev float64) float64 { return 42 },
		"zeros":     func(k int, prev float64) float64 { return 0 },
		"extreme":   func(k int, prev float64) float64 { return []float64{1 << 53, -(1 << 53), 0, 1, -1, 1<<53 - 1}[k%6] },
		"wide":      func(k int, prev float64) float64 { return float64(rng.Int64N(1<<53)) * float64(1-2*(k%2)) },
		"fraction":  func(k int, prev float64) float64 { return prev + 0.5 },
		"negzero":   func(k int, prev float64) float64 { return []float64{math.Copysign(0, -1), 3}[k%2] },
		"nan":       func(k int, prev float64) float64 { return []float64{math.NaN(), 3, math.Inf(1)}[k%3] },
		"too large": func(k int, prev float64) float64 { return 1<<54 + float64(2*k) },
		// A busy service's CPU in µs (1 to 10 s a minute) and a pressure
		// counter that stays put half the time (patch 11 packs them).
		"busy":   func(k int, prev float64) float64 { return prev + float64(1_000_000+rng.IntN(9_000_000)) },
		"stalls": func(k int, prev float64) float64 { return prev + float64(k%2*rng.IntN(200_000)) },
	}
	// Series whose intervals are all the same (patch 10 writes no
	// timestamps after the second for integer ones); the others have an
	// irregular interval now and then.
	regular := map[string]bool{"deltas": true, "constant": true, "extreme": true, "nan": true, "busy": true}
	// write writes the series named into a partition with PartitionWriter
	// and into one with InsertRows (Gorilla only), checks that the first
	// reads back bit for bit, and returns both data files' sizes.
	write := func(names ...string) (written, gorilla int64) {
		t.Helper()
		var rows []tstorage.Row
		for _, name := range names {
			v := float64(1_000_000)
			for k := 0; k < 500; k++ {
				v = gen[name](k, v)
				ts := 1700000000 + int64(k)*60
				if k%50 == 7 && !regular[name] {
					ts += int64(rng.IntN(30)) // an irregular interval now and then
				}
				rows = append(rows, tstorage.Row{Metric: "m", Labels: []tstorage.Label{{Name: "gen", Value: name}},
					DataPoint: tstorage.DataPoint{Timestamp: ts, Value: v}})
			}
		}
		dir := filepath.Join(t.TempDir(), "written")
		pw, err := tstorage.NewPartitionWriter(dir, rows[0].Timestamp, rows[len(rows)-1].Timestamp+60)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(rows); i += 500 {
			var dps []tstorage.DataPoint
			for _, r := range rows[i : i+500] {
				dps = append(dps, r.DataPoint)
			}
			if err := pw.Add("m", rows[i].Labels, dps); err != nil {
				t.Fatal(err)
			}
		}
		if err := pw.Close(); err != nil {
			t.Fatal(err)
		}
		st := openTstorage(t, dir)
		for i := 0; i < len(rows); i += 500 {
			pts, err := st.Select("m", rows[i].Labels, 0, math.MaxInt64)
			if err != nil || len(pts) != 500 {
				t.Fatalf("%s: %d points, %v", rows[i].Labels[0].Value, len(pts), err)
			}
			for k, p := range pts {
				w := rows[i+k]
				if p.Timestamp != w.Timestamp || math.Float64bits(p.Value) != math.Float64bits(w.Value) {
					t.Fatalf("%s point %d: got %d %v, want %d %v", w.Labels[0].Value, k, p.Timestamp, p.Value, w.Timestamp, w.Value)
				}
			}
		}
		return dataFileSize(t, dir), insertedSize(t, rows)
	}
	var all []string
	for name := range gen {
		all = append(all, name)
	}
	slices.Sort(all)
	w, g := write(all...)
	t.Logf("every series: %d bytes, Gorilla only %d", w, g)
	if w > g {
		t.Errorf("every series: %d bytes, Gorilla only %d", w, g)
	}
	for _, name := range []string{"counter", "deltas", "pages", "negative", "busy", "stalls"} {
		w, g := write(name)
		t.Logf("%s: %d bytes, Gorilla only %d", name, w, g)
		if w >= g {
			t.Errorf("%s: %d bytes, Gorilla only %d", name, w, g)
		}
		// Packed (patch 11), "busy" costs the 24 bits its differences
		// span a point (the variable-bit difference 34: 2,125 bytes),
		// plus the first point and the packing.
		if name == "busy" && w > 499*24/8+40 {
			t.Errorf("busy: %d bytes, more than 24 bits a point", w)
		}
	}
}
