package check

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMemoryRoundTripAndDamage(t *testing.T) {
	m := Memory{
		"cpu.busy > 90% for 10m":      {State: Critical, Changed: time.Unix(1700000000, 0), Seen: time.Unix(1700000060, 0)},
		"root":                        {State: OK, Changed: time.Unix(1700000000, 0), Seen: time.Unix(1700000060, 0)},
		"odd \"key\"\nwith a newline": {State: Unknown, Changed: time.Unix(1, 0), Seen: time.Unix(2, 0)},
	}
	data := encodeMemory(m)
	got, err := decodeMemory(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(m) {
		t.Fatalf("decoded %d checks, want %d", len(got), len(m))
	}
	for k, r := range m {
		if g := got[k]; g.State != r.State || !g.Changed.Equal(r.Changed) || !g.Seen.Equal(r.Seen) {
			t.Errorf("%q: %+v, want %+v", k, g, r)
		}
	}
	// Every single flipped bit and every truncation is detected.
	for i := range data {
		d := bytes.Clone(data)
		d[i] ^= 0x04
		if _, err := decodeMemory(d); err == nil {
			t.Fatalf("a flipped bit at byte %d went unnoticed", i)
		}
	}
	for n := 0; n < len(data); n++ {
		if _, err := decodeMemory(data[:n]); err == nil {
			t.Fatalf("a file cut at %d bytes went unnoticed", n)
		}
	}
	// Through the Notifier: a damaged file names itself and starts afresh.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, StateFile), data[:len(data)-3], 0o644)
	n, err := OpenNotifier(context.Background(), dir, time.Second)
	if !errors.Is(err, ErrStateDamaged) || n == nil || len(n.Mem) != 0 {
		t.Fatalf("damaged state: %v, %v", n, err)
	}
	n.Mem = m
	if err := n.Save(); err != nil {
		t.Fatal(err)
	}
	n.Close()
	n, err = OpenNotifier(context.Background(), dir, time.Second)
	if err != nil || len(n.Mem) != len(m) {
		t.Fatalf("after saving: %v, %d checks", err, len(n.Mem))
	}
	n.Close()
}

// FuzzDecodeMemory checks that no input makes the state decoder panic and
// that what it accepts encodes back to the same bytes.
func FuzzDecodeMemory(f *testing.F) {
	f.Add(encodeMemory(Memory{"a": {State: Warning, Changed: time.Unix(5, 0), Seen: time.Unix(6, 0)}}))
	f.Add([]byte(stateHeader + "\nsha256 00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMemory(data)
		if err != nil {
			return
		}
		if again := encodeMemory(m); !bytes.Equal(again, data) {
			t.Fatalf("accepted %q, which encodes as %q", data, again)
		}
	})
}
