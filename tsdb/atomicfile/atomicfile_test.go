package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
)

// TestWriteFile writes a file twice with WriteFile and with Replace: each
// time the file holds the new content, and no NAME.tmp stays.
func TestWriteFile(t *testing.T) {
	for fn, write := range map[string]func(string, []byte, os.FileMode) error{"WriteFile": atomicfile.WriteFile, "Replace": atomicfile.Replace} {
		dir := t.TempDir()
		name := filepath.Join(dir, "f")
		for _, data := range []string{"one, longer", "two"} {
			if err := write(name, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(name); err != nil || string(got) != data {
				t.Errorf("%s: read %q, %v; want %q", fn, got, err, data)
			}
		}
		if _, err := os.Stat(name + ".tmp"); !os.IsNotExist(err) {
			t.Errorf("%s: NAME.tmp left behind: %v", fn, err)
		}
	}
}

func TestAbortKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	os.WriteFile(name, []byte("old"), 0o600)
	f, err := atomicfile.Create(name, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	if got, _ := os.ReadFile(name); string(got) != "old" {
		t.Errorf("after Abort the file holds %q, want the old content", got)
	}
	if _, err := os.Stat(name + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("NAME.tmp left behind: %v", err)
	}
}

func TestCreateDoesNotFollowASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	name := filepath.Join(dir, "f")
	if err := os.Symlink(target, name+".tmp"); err != nil {
		t.Fatal(err)
	}
	if _, err := atomicfile.Create(name, 0o600); err == nil {
		t.Error("Create followed a symbolic link at NAME.tmp")
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Errorf("the link's target holds %q", got)
	}
}
