package atomicfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
)

func TestVerifyLines(t *testing.T) {
	data := atomicfile.AppendChecksum([]byte("srvmon-x 1\na b\n\"c\"\n"))
	lines, err := atomicfile.VerifyLines(data, "srvmon-x 1")
	if err != nil || !slices.Equal(lines, []string{"a b", `"c"`}) {
		t.Errorf("VerifyLines = %q, %v", lines, err)
	}
	if lines, err := atomicfile.VerifyLines(atomicfile.AppendChecksum([]byte("srvmon-x 1\n")), "srvmon-x 1"); err != nil || len(lines) != 0 {
		t.Errorf("header only: %q, %v", lines, err)
	}
	if _, err := atomicfile.VerifyLines(data, "srvmon-x 2"); err == nil {
		t.Error("another header was accepted")
	}
	bad := slices.Clone(data)
	bad[12] = 'X'
	if _, err := atomicfile.VerifyLines(bad, "srvmon-x 1"); err == nil {
		t.Error("a changed body was accepted")
	}
}

func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	decode := func(data []byte) ([]string, error) { return atomicfile.VerifyLines(data, "srvmon-x 1") }
	path := filepath.Join(dir, "state")
	if exists, err := atomicfile.CheckFile(path, decode); exists || err != nil {
		t.Errorf("missing file: exists %v, %v; want false, nil", exists, err)
	}
	data := atomicfile.AppendChecksum([]byte("srvmon-x 1\na\n"))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if exists, err := atomicfile.CheckFile(path, decode); !exists || err != nil {
		t.Errorf("intact file: exists %v, %v; want true, nil", exists, err)
	}
	if err := os.WriteFile(path, data[:len(data)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if exists, err := atomicfile.CheckFile(path, decode); !exists || err == nil {
		t.Errorf("cut file: exists %v, %v; want true and the damage", exists, err)
	}
	if exists, err := atomicfile.CheckFile(dir, decode); !exists || err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("unreadable (a directory): exists %v, %v; want true and the read error", exists, err)
	}
}
