package lastrun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC)

func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, File)
	disk := Key{Collector, "diskstats"}
	bad := Key{Textfile, "backup.prom"}

	// No problems, no file.
	if changed, err := Update(dir, t0, nil); err != nil || changed != nil {
		t.Fatalf("no problems: %v %v", changed, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no problems wrote %s: %v", path, err)
	}
	// Two problems: both new, kept with the time of the run.
	changed, err := Update(dir, t0, map[Key]string{disk: "open /proc/diskstats: permission denied", bad: "malformed: line 3: \"quoted\"\nnext"})
	if err != nil || !reflect.DeepEqual(changed, []Key{disk, bad}) {
		t.Fatalf("first: %v %v", changed, err)
	}
	st1, _ := os.Stat(path)
	// The same problems a minute later: nothing new, nothing written.
	changed, err = Update(dir, t0.Add(time.Minute), map[Key]string{disk: "open /proc/diskstats: permission denied", bad: "malformed: line 3: \"quoted\"\nnext"})
	if err != nil || changed != nil {
		t.Fatalf("same: %v %v", changed, err)
	}
	if st2, _ := os.Stat(path); !os.SameFile(st1, st2) || !st2.ModTime().Equal(st1.ModTime()) {
		t.Errorf("the same problems rewrote the file")
	}
	// One text changes, one problem goes: the changed one is new, with
	// the time of its run.
	changed, err = Update(dir, t0.Add(2*time.Minute), map[Key]string{bad: "timestamp"})
	if err != nil || !reflect.DeepEqual(changed, []Key{bad}) {
		t.Fatalf("changed: %v %v", changed, err)
	}
	ps, err := Load(dir)
	want := Problems{bad: {Text: "timestamp", Since: t0.Add(2 * time.Minute)}}
	if err != nil || !reflect.DeepEqual(ps, want) {
		t.Fatalf("load: %v %v, want %v", ps, err, want)
	}
	// The problem goes: the file goes.
	if _, err := Update(dir, t0.Add(3*time.Minute), map[Key]string{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no problems left the file: %v", err)
	}
}

// TestLoad_Damage flips every bit and cuts every length of a file: each is
// reported as damaged with the file's name, never read as other problems.
func TestLoad_Damage(t *testing.T) {
	dir := t.TempDir()
	cur := map[Key]string{{Collector, "cpu"}: "parse /proc/stat: bad line", {Textfile, "a b.prom"}: "invalid: ünïcode"}
	if _, err := Update(dir, t0, cur); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, File)
	good, _ := os.ReadFile(path)
	check := func(what string, data []byte) {
		t.Helper()
		if ps, err := decode(data); err == nil {
			t.Fatalf("%s: read as %v", what, ps)
		}
	}
	// Through Load, the damage names the file.
	os.WriteFile(path, good[:len(good)-1], 0o644)
	if ps, err := Load(dir); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) || len(ps) != 0 {
		t.Fatalf("cut file: %v, %v; want damage naming %s", ps, err, path)
	}
	for i := range good {
		for bit := range 8 {
			data := append([]byte(nil), good...)
			data[i] ^= 1 << bit
			check(fmt.Sprintf("bit %d of byte %d", bit, i), data)
		}
	}
	for n := range len(good) {
		check(fmt.Sprintf("cut to %d", n), good[:n])
	}
	// A damaged file is replaced by the next run; its problems are new.
	changed, err := Update(dir, t0.Add(time.Minute), cur)
	if err != nil || len(changed) != 2 {
		t.Fatalf("after damage: %v %v", changed, err)
	}
	if ps, err := Load(dir); err != nil || len(ps) != 2 {
		t.Fatalf("replaced: %v %v", ps, err)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", MaxText)
	got := clip(long)
	if len(got) > MaxText || !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("clip: %d bytes, suffix %q", len(got), got[len(got)-8:])
	}
	if clip("short") != "short" {
		t.Error("clip changed a short text")
	}
}
