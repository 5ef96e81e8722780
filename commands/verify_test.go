package commands

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb/lastrun"
)

// TestVerify damages a block of the query fixture and checks what the
// commands say: verify names the file and exits 1, query and export read the
// rest and name it too (export exits 1 after writing), verify --repair sets
// the block aside and leaves a store verify passes.
func TestVerify(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	// A second day, in a head log, that stays intact.
	code, _, stderr := run(t, "import", "--data", dir, writeTemp(t, "# TYPE node_load1 gauge\nnode_load1{instance=\"h1\"} 7 "+
		strconv.FormatInt(queryDay.AddDate(0, 0, 3).Add(time.Hour).Unix(), 10)+"\n# EOF\n"))
	if code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	if code, stdout, stderr := run(t, "verify", "--data", dir); code != 0 || !strings.Contains(stdout, "no damage") {
		t.Fatalf("verify of an intact store: %d %q %q", code, stdout, stderr)
	}
	data, _ := filepath.Glob(filepath.Join(dir, "blocks", "2025-06-02.g*", "p-*", "data"))
	if len(data) != 1 {
		t.Fatalf("want one block data file, got %v", data)
	}
	b, _ := os.ReadFile(data[0])
	b[len(b)/2] ^= 0x40
	os.WriteFile(data[0], b, 0o644)
	rel, _ := filepath.Rel(dir, data[0])

	code, stdout, _ := run(t, "verify", "--data", dir)
	// One series' bytes are hit: the range is that series' samples.
	if code != 1 || !strings.Contains(stdout, "damaged: "+rel+": checksum mismatch (in the bytes of 1 of its 3 series") || !strings.Contains(stdout, "samples from 2025-06-02T") {
		t.Fatalf("verify: exit %d, stdout %q", code, stdout)
	}
	code, stdout, stderr = run(t, "export", "--data", dir)
	if code != 1 || !strings.Contains(stdout, `node_load1{instance="h1"} 7`) || !strings.Contains(stderr, rel) {
		t.Fatalf("export: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// At raw resolution (the hourly summaries of the block are intact
	// and would answer a downsampled query).
	// Only the series whose bytes were hit is missing: the query of one
	// of the three says so, the others read whole and quietly.
	said := 0
	for _, m := range []string{"node_load1", "node_network_receive_bytes_total", "srvmon_boot_info"} {
		// (The hit series has no sample left in the range: query
		// then exits 1, no data because of the damage, after the damage
		// line; not 2 with "no series matches", which would blame the
		// selector, nor "the store holds none at all".)
		code, _, stderr = run(t, "query", "--data", dir, m, "--from", "2025-06-01", "--to", "2025-06-10", "--utc", "--step", "0")
		if strings.Contains(stderr, "damaged, not read: "+rel) {
			said++
			if code != 1 || !strings.Contains(stderr, "could be read: the store is damaged there") {
				t.Errorf("query %s of the damaged series: exit %d, stderr %q; want 1, no data because of the damage", m, code, stderr)
			}
		} else if code != 0 {
			t.Fatalf("query %s: exit %d, stderr %q", m, code, stderr)
		}
	}
	if said != 1 {
		t.Fatalf("%d queries named the damage, want 1", said)
	}
	// report reads the block's summaries: with those damaged too, its own
	// output (not only stderr) names the file and the day it covers.
	sum := filepath.Join(filepath.Dir(filepath.Dir(data[0])), "summary.gz")
	b, _ = os.ReadFile(sum)
	b[len(b)/2] ^= 0x40
	os.WriteFile(sum, b, 0o644)
	code, stdout, _ = run(t, "report", "--data", dir, "--from", "2025-06-01", "--to", "2025-06-10", "--utc", "--view", "load")
	relSum, _ := filepath.Rel(dir, sum)
	if code != 0 || !strings.Contains(stdout, "damaged: 1 file") || !strings.Contains(stdout, relSum+": checksum mismatch") ||
		!strings.Contains(stdout, "2025-06-02 00:00 to 2025-06-03 00:00") {
		t.Fatalf("report: exit %d, stdout %q", code, stdout)
	}
	code, stdout, _ = run(t, "verify", "--repair", "--data", dir)
	if code != 1 || !strings.Contains(stdout, "repaired") {
		t.Fatalf("verify --repair: exit %d, stdout %q", code, stdout)
	}
	if code, stdout, _ := run(t, "verify", "--data", dir); code != 0 {
		t.Fatalf("verify after repair: exit %d, stdout %q", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "damaged", filepath.Base(filepath.Dir(filepath.Dir(data[0]))))); err != nil {
		t.Fatalf("the damaged block is not in damaged/: %v", err)
	}
	code, stdout, stderr = run(t, "export", "--data", dir)
	if code != 0 || !strings.Contains(stdout, `node_load1{instance="h1"} 7`) {
		t.Fatalf("export after repair: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func writeTemp(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.om")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestVerifySideFiles checks that verify reads the files other commands
// keep beside the store (record's sampler state and last run's problems),
// names a damaged one and exits 1, and that --repair sets it aside so that
// the next record starts it afresh.
func TestVerifySideFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	if code, _, stderr := run(t, "record", "--data", dir); code != 0 {
		t.Fatalf("record: %d %s", code, stderr)
	}
	if _, err := lastrun.Update(dir, time.Now(), map[lastrun.Key]string{{Kind: "collector", Name: "hwmon"}: "read /sys/class/hwmon: permission denied"}); err != nil {
		t.Fatal(err)
	}
	code, clean, stderr := run(t, "verify", "--data", dir)
	if code != 0 {
		t.Fatalf("verify of an intact store: %d %q %q", code, clean, stderr)
	}
	for _, name := range []string{sampler.StateFile, lastrun.File} {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("record left no %s: %v", name, err)
		}
		b[len(b)/3] ^= 0x01
		os.WriteFile(path, b, 0o644)
	}
	code, stdout, _ := run(t, "verify", "--data", dir)
	if code != 1 || !strings.Contains(stdout, "damaged: "+sampler.StateFile+": checksum mismatch") ||
		!strings.Contains(stdout, "damaged: "+lastrun.File+": ") || !strings.Contains(stdout, "2 damaged") {
		t.Fatalf("verify: exit %d, stdout %q (intact: %q)", code, stdout, clean)
	}
	if code, stdout, _ := run(t, "verify", "--repair", "--data", dir); code != 1 || !strings.Contains(stdout, "repaired") {
		t.Fatalf("verify --repair: exit %d, stdout %q", code, stdout)
	}
	for _, name := range []string{sampler.StateFile, lastrun.File} {
		if _, err := os.Stat(filepath.Join(dir, "damaged", name)); err != nil {
			t.Errorf("the damaged %s is not in damaged/: %v", name, err)
		}
	}
	if code, _, stderr := run(t, "record", "--data", dir); code != 0 {
		t.Fatalf("record after repair: %d %s", code, stderr)
	}
	if code, stdout, _ := run(t, "verify", "--data", dir); code != 0 {
		t.Fatalf("verify after repair and record: exit %d, stdout %q", code, stdout)
	}
}
