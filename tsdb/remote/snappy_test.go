package remote

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/golang/snappy"

	"github.com/srvmon/srvmon/tsdb"
)

// snappyRoundTrip decodes snappyEncode(src) with golang/snappy and fails
// unless it gives src back.
func snappyRoundTrip(t testing.TB, name string, src []byte) []byte {
	t.Helper()
	enc := snappyEncode(src)
	if n, err := snappy.DecodedLen(enc); err != nil || n != len(src) {
		t.Fatalf("%s: decoded length %d (%v), want %d", name, n, err, len(src))
	}
	got, err := snappy.Decode(nil, enc)
	if err != nil {
		t.Fatalf("%s: golang/snappy cannot decode it: %v", name, err)
	}
	if !bytes.Equal(got, src) {
		t.Fatalf("%s: decodes to %d bytes that differ from the %d encoded", name, len(got), len(src))
	}
	return enc
}

// TestSnappyEncodeDecodes checks that golang/snappy decodes what
// snappyEncode writes back to its input, over inputs that exercise each
// element: none, short literals, literals of every length form, copies
// with 1- and 2-byte offsets, copies longer than 64 bytes (split), matches
// at the largest offset and just beyond it, and random data.
func TestSnappyEncodeDecodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	far := random(65536)
	far = append(far, far[:100]...) // a match 65536 bytes back: too far for a copy
	atMax := random(65535)
	atMax = append(atMax, atMax[:10]...) // a match exactly 65535 bytes back
	inputs := map[string][]byte{
		"empty":             nil,
		"one byte":          {7},
		"seven bytes":       []byte("abcdefg"),
		"run of one byte":   bytes.Repeat([]byte{'x'}, 1000),
		"short period":      bytes.Repeat([]byte("abcdefghij"), 300),
		"period 1500":       bytes.Repeat(random(1500), 5),
		"period 3000":       bytes.Repeat(random(3000), 5),
		"match at 65535":    atMax,
		"match too far":     far,
		"random 100":        random(100),
		"random 300":        random(300),
		"random 70000":      random(70000),
		"random 1<<20":      random(1 << 20),
		"text then random":  append(bytes.Repeat([]byte("node_cpu_seconds_total "), 200), random(5000)...),
		"random then match": append(random(5000), bytes.Repeat([]byte("instance=web1 "), 500)...),
	}
	for i := 0; i < 200; i++ {
		var b []byte
		for len(b) < rng.IntN(5000) {
			if rng.IntN(2) == 0 || len(b) == 0 {
				b = append(b, random(1+rng.IntN(80))...)
			} else {
				from := rng.IntN(len(b))
				b = append(b, b[from:from+rng.IntN(len(b)-from)+1]...)
			}
		}
		inputs[fmt.Sprintf("mixed %d", i)] = b
	}
	for name, src := range inputs {
		snappyRoundTrip(t, name, src)
	}
}

// TestSnappyEncodeRatio checks on a remote-write request of the kind push
// sends (a day of a host's series, 2 000 samples a request) that the
// encoder compresses about as well as golang/snappy's: at most 10 % more
// bytes (measured: within 1 %).
func TestSnappyEncodeRatio(t *testing.T) {
	var ts []wireSeries
	rng := rand.New(rand.NewPCG(5, 6))
	for cpu := range 8 {
		for _, mode := range []string{"user", "system", "idle", "iowait", "irq", "softirq", "steal", "nice"} {
			var s wireSeries
			s.labels = appendLabel(s.labels, "__name__", "node_cpu_seconds_total")
			s.labels = appendLabel(s.labels, "cpu", fmt.Sprint(cpu))
			s.labels = appendLabel(s.labels, "instance", "web1.example.com")
			s.labels = appendLabel(s.labels, "job", "srvmon")
			s.labels = appendLabel(s.labels, "mode", mode)
			v := float64(rng.IntN(1e6)) / 100
			for i := range 30 {
				v += float64(rng.IntN(6000)) / 100
				s.pts = append(s.pts, tsdb.Point{T: 1714557600 + int64(60*i), V: v})
			}
			ts = append(ts, s)
		}
	}
	raw := appendWriteRequest(nil, ts)
	ours := snappyRoundTrip(t, "write request", raw)
	theirs := snappy.Encode(nil, raw)
	t.Logf("write request of %d bytes: %d compressed, golang/snappy %d", len(raw), len(ours), len(theirs))
	if len(ours) > len(theirs)*11/10 {
		t.Errorf("compressed to %d bytes, golang/snappy to %d: more than 10 %% bigger", len(ours), len(theirs))
	}
}

// FuzzSnappyEncode checks that golang/snappy decodes every output back to
// the input.
func FuzzSnappyEncode(f *testing.F) {
	f.Add([]byte("abcabcabcabcabcabc"))
	f.Add(bytes.Repeat([]byte{0}, 200))
	f.Fuzz(func(t *testing.T, src []byte) {
		snappyRoundTrip(t, "fuzz input", src)
	})
}
