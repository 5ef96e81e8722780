package atomicfile_test

import (
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
