package tsdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompressedIndexFiles checks that a block's checksum file and
// tstorage's meta.json (patch 7) are written gzip-compressed, that blocks
// whose files are plain (written before) read and verify as before, also
// in a store of format 2 whose first writer rewrites the marker, and that
// a damaged compressed checksum file is reported by its name and the block
// is not read.
func TestCompressedIndexFiles(t *testing.T) {
	ctx := context.Background()
	c := &clock{day0}
	s := newTestStore(t, c, WithRetention(0))
	series := make([]Series, 5)
	for i := range series {
		series[i] = NewSeries("node_test", "instance", "h1", "n", fmt.Sprint(i))
	}
	w, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for m := 0; m < 30; m++ {
		var set []Sample
		for i, ser := range series {
			set = append(set, Sample{ser, float64(i*100 + m)})
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
	metas, _ := filepath.Glob(filepath.Join(dir, "p-*", "meta.json"))
	if len(metas) != 1 {
		t.Fatalf("meta files %v", metas)
	}
	gunzip := func(path string) []byte {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s is not compressed: %v", path, err)
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	readsWhole := func(what string) {
		t.Helper()
		fresh, err := Open(s.Dir(), withClock(c.now), WithRetention(0))
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, fresh, day0, day0.Add(24*time.Hour))
		for i, ser := range series {
			if pts := got[ser.Key()]; len(pts) != 30 || pts[29].V != float64(i*100+29) {
				t.Fatalf("%s: series %d read as %v", what, i, pts)
			}
		}
		if ch, err := fresh.Verify(ctx); err != nil || len(ch.Damage) != 0 || len(fresh.Damage()) != 0 {
			t.Fatalf("%s: verify %v %v, damage %v", what, ch.Damage, err, fresh.Damage())
		}
	}
	readsWhole("compressed")

	// The plain forms, as blocks written before hold them: the checksum
	// file lists meta.json with its size and sum, so it is rewritten too.
	meta := gunzip(metas[0])
	if !bytes.HasPrefix(meta, []byte("{")) {
		t.Fatalf("meta.json: %.50q", meta)
	}
	if err := os.WriteFile(metas[0], meta, 0o644); err != nil {
		t.Fatal(err)
	}
	bs, err := readBlockSums(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeChecksums(dir, bs.index, bs.spans); err != nil {
		t.Fatal(err)
	}
	text := gunzip(filepath.Join(dir, checksumName))
	if !bytes.HasPrefix(text, []byte(checksumHeader)) {
		t.Fatalf("checksums: %.50q", text)
	}
	if err := os.WriteFile(filepath.Join(dir, checksumName), text, 0o644); err != nil {
		t.Fatal(err)
	}
	readsWhole("plain")

	// A store of format 2 (such blocks, its marker) reads and verifies as
	// it is, and its first writer rewrites the marker only.
	if err := os.WriteFile(filepath.Join(s.Dir(), markerName), []byte(markerPrefix+"2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	readsWhole("format 2")
	old, _ := Open(s.Dir(), withClock(c.now), WithRetention(0))
	w, err = old.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if marker, _ := os.ReadFile(filepath.Join(s.Dir(), markerName)); string(marker) != markerText {
		t.Fatalf("marker %q after a writer took the lock, want %q", marker, markerText)
	}
	if plain, _ := os.ReadFile(filepath.Join(dir, checksumName)); !bytes.Equal(plain, text) {
		t.Fatal("the first writer rewrote a format 2 block's checksum file")
	}
	readsWhole("format 2 blocks in a format 3 store")

	// A damaged compressed checksum file: the block is not read, and the
	// damage names the file.
	if err := writeChecksums(dir, bs.index, bs.spans); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, checksumName))
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(filepath.Join(dir, checksumName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh, _ := Open(s.Dir(), withClock(c.now), WithRetention(0))
	if got := readAll(t, fresh, day0, day0.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("%d series read from a block whose checksum file is damaged", len(got))
	}
	dm := fresh.Damage()
	want := filepath.Join(blocksDir, blocks[0].name, checksumName)
	if len(dm) != 1 || dm[0].File != want || !strings.Contains(dm[0].Reason, "not read") {
		t.Fatalf("damage %v, want %s", dm, want)
	}
}
