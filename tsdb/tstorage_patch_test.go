package tsdb

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
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

	inserted := filepath.Join(t.TempDir(), "inserted")
	st := openTstorage(t, inserted)
	if err := st.InsertRows(rows); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	a, _ := filepath.Glob(filepath.Join(dir, "p-1*", "data"))
	b, _ := filepath.Glob(filepath.Join(inserted, "p-1*", "data"))
	fa, _ := os.Stat(a[0])
	fb, _ := os.Stat(b[0])
	if fa.Size() != fb.Size() {
		t.Errorf("data file: %d bytes written series by series, %d through InsertRows", fa.Size(), fb.Size())
	}
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
