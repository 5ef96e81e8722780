package sampler

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFields(t *testing.T) {
	for _, s := range []string{"", "a", "  a  b\tc ", "\t\t", "lo: 1 2", "x\ty  z"} {
		if got, want := fields(nil, s), strings.Fields(s); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("fields(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		"/plain":         "/plain",
		`/a\040b`:        "/a b",
		`/t\011n\012`:    "/t\tn\n",
		`/back\134slash`: `/back\slash`,
		`/short\04`:      `/short\04`,
		`/notoctal\089`:  `/notoctal\089`,
		`/toolarge\777`:  `/toolarge\777`,
		`\040\040`:       "  ",
		`/trailing\`:     `/trailing\`,
	} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadProcLarge reads a file larger than the initial buffer, twice: the
// second read comes from the run's cache.
func TestReadProcLarge(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("0123456789abcdef", 10000) // 160 KB
	writeFile(t, filepath.Join(dir, "big"), big)
	r := newRun(fixtureCtx(t, dir), testInstance)
	for range 2 {
		got, err := r.readProc("big")
		if err != nil {
			t.Fatal(err)
		}
		if got != big {
			t.Fatalf("read %d bytes, want %d", len(got), len(big))
		}
	}
	if err := os.Remove(filepath.Join(dir, "big")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.readProc("big"); err != nil {
		t.Errorf("second read not cached: %v", err)
	}
	if _, err := r.readProc("missing"); !os.IsNotExist(err) {
		t.Errorf("missing file: error = %v, want not-exist", err)
	}
}

func TestParseDecimal(t *testing.T) {
	for s, want := range map[string]uint64{"0": 0, "7": 7, "0012": 12, "18446744073709551615": math.MaxUint64, "1796167276": 1796167276} {
		if v, ok := parseDecimal(s); !ok || v != want {
			t.Errorf("parseDecimal(%q) = %d, %v; want %d", s, v, ok, want)
		}
	}
	for _, s := range []string{"", "-1", "+1", "1 ", "18446744073709551616", "99999999999999999999", "1_000", "0x10", "١"} {
		if v, ok := parseDecimal(s); ok {
			t.Errorf("parseDecimal(%q) = %d, want an error", s, v)
		}
	}
}
