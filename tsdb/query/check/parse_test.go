package check

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		subject   string
		op        Op
		threshold float64
		for_      time.Duration
		text      string
	}{
		{"cpu.busy > 90% for 10m", "cpu.busy", Greater, 90, 10 * time.Minute, "cpu.busy > 90% for 10m"},
		{`fs.%used{mountpoint="/"} > 90%`, `fs.%used{mountpoint="/"}`, Greater, 90, 0, `fs.%used{mountpoint="/"} > 90%`},
		{"mem.available < 500MiB for 5m", "mem.available", Less, 500 << 20, 5 * time.Minute, "mem.available < 500MiB for 5m"},
		{"load.load1 > 4 for 15m", "load.load1", Greater, 4, 15 * time.Minute, "load.load1 > 4 for 15m"},
		{`disk.util{device="sda"} > 80% for 5m`, `disk.util{device="sda"}`, Greater, 80, 5 * time.Minute, ""},
		{`net.rxbytes/s{device="eth0"} > 100MiB`, `net.rxbytes/s{device="eth0"}`, Greater, 100 << 20, 0, ""},
		{"status.age > 5m", "status.age", Greater, 300, 0, ""},
		{"status.age >= 30s", "status.age", GreaterEqual, 30, 0, ""},
		{"  cpu.busy>=90%   for   1h ", "cpu.busy", GreaterEqual, 90, time.Hour, "cpu.busy >= 90% for 1h"},
		{"cpu.idle<=5", "cpu.idle", LessEqual, 5, 0, "cpu.idle <= 5"},
		{"disk.await > 250ms for 10m", "disk.await", Greater, 0.25, 10 * time.Minute, ""},
		{"mem.used > 2GB", "mem.used", Greater, 2e9, 0, ""},
		{"net.rxpck/s > 10k", "net.rxpck/s", Greater, 1e4, 0, ""},
		{"net.txbytes/s{device=eth0} > 1.5GiB/s for 1d", `net.txbytes/s{device="eth0"}`, Greater, 1.5 * (1 << 30), 24 * time.Hour, ""},
		{`fs.%used{mountpoint="/",device="/dev/sda1"} > 1e1%`, `fs.%used{mountpoint="/",device="/dev/sda1"}`, Greater, 10, 0, ""},
		{`fs.%used{ mountpoint = "/var lib" } > 90%`, `fs.%used{mountpoint="/var lib"}`, Greater, 90, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Subject(); got != tt.subject {
				t.Errorf("subject %q, want %q", got, tt.subject)
			}
			if e.Op != tt.op || !near(e.Threshold, tt.threshold) || e.For != tt.for_ {
				t.Errorf("got %s %g for %s, want %s %g for %s", e.Op, e.Threshold, e.For, tt.op, tt.threshold, tt.for_)
			}
			if tt.text != "" && e.Text != tt.text {
				t.Errorf("text %q, want %q", e.Text, tt.text)
			}
			// The text parses back to the same expression.
			again, err := Parse(e.Text)
			if err != nil || again.Text != e.Text || again.Threshold != e.Threshold {
				t.Errorf("text %q does not parse back: %v", e.Text, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"":                               "expected a view name",
		"cpu":                            "expected '.'",
		"nosuch.x > 1":                   `no view "nosuch"; the views are cpu,`,
		"cpu.nosuch > 1":                 `no column "nosuch" in cpu; it has: user,`,
		"cpu.busy 90%":                   "expected a comparison",
		"cpu.busy == 90%":                "expected a comparison",
		"cpu.busy > ":                    "expected a threshold",
		"cpu.busy > 90MiB":               "the column is a percentage",
		"mem.available < 500%":           "the column is in bytes",
		"load.load1 > 4MiB":              "the column is a plain number",
		"status.age > 5":                 "", // a plain number of seconds is fine
		"status.age > 5x":                "the column is a time",
		"status.age > 5m for 10m":        "'for' does not apply",
		"cpu.busy > 90% for":             "expected a duration",
		"cpu.busy > 90% for 0s":          "expected a duration",
		"cpu.busy > 90% for -1m":         "expected a duration",
		"cpu.busy > 90% during 10m":      "expected 'for DURATION'",
		"cpu.busy > 90% for 10m extra":   `unexpected "extra"`,
		"cpu.busy > abc":                 "expected a threshold",
		"cpu.busy > 1.2.3%":              "not a number",
		`fs.%used{mountpoint="/" > 90%`:  "expected ',' or '}'",
		`fs.%used{mountpoint="/} > 90%`:  "unterminated",
		`fs.%used{mountpoint=~"/"} > 9%`: "only exact matches",
		`fs.%used{} > 90%`:               "expected a label name",
		`fs.%used{a="1",a="2"} > 90%`:    "given twice",
		"status.nosuch > 1":              `no column "nosuch" in status`,
	}
	for in, want := range tests {
		_, err := Parse(in)
		if want == "" {
			if err != nil {
				t.Errorf("Parse(%q): %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestParseLine(t *testing.T) {
	for _, tt := range []struct{ in, name, text string }{
		{"# a comment", "", ""},
		{"   ", "", ""},
		{"cpu: cpu.busy > 90% for 10m", "cpu", "cpu.busy > 90% for 10m"},
		{"root-fs:fs.%used{mountpoint=\"/\"} > 90%", "root-fs", `fs.%used{mountpoint="/"} > 90%`},
		{"load.load1 > 4", "", "load.load1 > 4"},
	} {
		e, err := parseLine(tt.in)
		if err != nil {
			t.Fatalf("parseLine(%q): %v", tt.in, err)
		}
		if tt.text == "" {
			if e != nil {
				t.Errorf("parseLine(%q) = %q, want nothing", tt.in, e.Text)
			}
			continue
		}
		if e.Name != tt.name || e.Text != tt.text {
			t.Errorf("parseLine(%q) = %q %q, want %q %q", tt.in, e.Name, e.Text, tt.name, tt.text)
		}
	}
}

// A checks file: comments and blank lines skipped, "warn " lines WARNING,
// the others CRITICAL, in file order; a bad line is named by file and line.
func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "checks")
	if err := os.WriteFile(good, []byte("# comment\n\ncpu: cpu.busy > 90% for 10m\nwarn cpu: cpu.busy > 75% for 10m\nload.load1 > 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	crit, warn, err := ParseFile(good)
	if err != nil {
		t.Fatal(err)
	}
	texts := func(es []*Expr) (out []string) {
		for _, e := range es {
			out = append(out, e.Name+"|"+e.Text)
		}
		return out
	}
	if got, want := strings.Join(texts(crit), ";"), "cpu|cpu.busy > 90% for 10m;|load.load1 > 4"; got != want {
		t.Errorf("critical %q, want %q", got, want)
	}
	if got, want := strings.Join(texts(warn), ";"), "cpu|cpu.busy > 75% for 10m"; got != want {
		t.Errorf("warning %q, want %q", got, want)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("cpu.busy > 90%\ncpu.nosuch > 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParseFile(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2: ") {
		t.Errorf("ParseFile of a bad second line: %v, want an error starting %q", err, bad+":2: ")
	}
	if _, _, err := ParseFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ParseFile of a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := ParseAll([]string{"load.load1 > 4", "load.nosuch > 1"}); err == nil {
		t.Error("ParseAll took an unknown column")
	}
}

// FuzzParse checks that Parse never panics, and that what it accepts it
// prints as text that parses back to the same expression.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"cpu.busy > 90% for 10m", `fs.%used{mountpoint="/"} > 90%`, "mem.available < 500MiB for 5m",
		`net.rxbytes/s{device="eth0"} > 100MiB`, "status.age > 5m", `disk.util{device="a\"b"} >= 1e2%`, "load.load1<=0.5 for 1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse(%q) returned an expression and an error", s)
			}
			return
		}
		again, err := Parse(e.Text)
		if err != nil {
			t.Fatalf("Parse(%q) gave text %q, which does not parse: %v", s, e.Text, err)
		}
		if again.Text != e.Text || again.Subject() != e.Subject() || again.Op != e.Op || again.For != e.For ||
			(again.Threshold != e.Threshold && e.Threshold == e.Threshold) {
			t.Fatalf("Parse(%q) = %q, which parses back as %q", s, e.Text, again.Text)
		}
	})
}
