package remote_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/remote"
)

// TestPositionChecksum checks that a push position with one digit of a
// date changed is refused as damaged (it would skip or repeat days of
// samples), and that a file written before positions had a checksum is
// still read.
func TestPositionChecksum(t *testing.T) {
	dir := t.TempDir()
	const url = "http://127.0.0.1:9090/api/v1/write"
	acked := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := remote.Position{Acked: acked, Attempted: acked.Add(time.Minute), Updated: acked.Add(2 * time.Minute)}
	if err := remote.SavePosition(dir, url, p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, remote.StateName(url)+".json")
	got, err := remote.LoadPosition(dir, url)
	if err != nil || !got.Acked.Equal(acked) {
		t.Fatalf("load: %+v, %v", got, err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"crc32c"`) {
		t.Fatalf("no checksum in %s", data)
	}
	flipped := strings.Replace(string(data), `"acked_until": "2026-11-01`, `"acked_until": "2026-11-21`, 1)
	if flipped == string(data) {
		t.Fatalf("test did not change the date in %s", data)
	}
	os.WriteFile(path, []byte(flipped), 0o644)
	if _, err := remote.LoadPosition(dir, url); err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), path) {
		t.Fatalf("load of a changed date: %v; want a checksum mismatch naming %s", err, path)
	}
	pos, err := remote.Positions(dir)
	if err != nil || len(pos) != 1 || pos[0].Err == nil {
		t.Fatalf("Positions of a damaged file: %+v, %v", pos, err)
	}
	// A file of an older srvmon, without "crc32c".
	old := `{"url": "` + url + `", "acked_until": "2026-11-01T12:00:00Z", "attempted_until": "2026-11-01T12:01:00Z", "updated": "2026-11-01T12:02:00Z"}`
	os.WriteFile(path, []byte(old), 0o644)
	if got, err := remote.LoadPosition(dir, url); err != nil || !got.Acked.Equal(acked) {
		t.Fatalf("load of a position without a checksum: %+v, %v", got, err)
	}
}
