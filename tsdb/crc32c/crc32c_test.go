package crc32c

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// TestSameAsHashCRC32 checks Checksum and update against hash/crc32's
// Castagnoli over lengths on both sides of hardwareMin, before and after
// the hardware tables exist.
func TestSameAsHashCRC32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	data := make([]byte, 3*hardwareMin)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	lengths := []int{0, 1, 7, 8, 9, 100, 4096, hardwareMin - 1, hardwareMin, hardwareMin + 1, len(data)}
	for range 50 {
		lengths = append(lengths, rng.IntN(len(data)))
	}
	for _, n := range lengths {
		if got, want := Checksum(data[:n]), crc32.Checksum(data[:n], tab); got != want {
			t.Fatalf("Checksum of %d bytes = %08x, want %08x", n, got, want)
		}
		cut := n / 3
		if got, want := update(Checksum(data[:cut]), data[cut:n]), crc32.Checksum(data[:n], tab); got != want {
			t.Fatalf("update over %d+%d bytes = %08x, want %08x", cut, n-cut, got, want)
		}
	}
	if !hardwareReady.Load() {
		t.Fatal("inputs of hardwareMin bytes and more did not switch to the hardware tables")
	}
}

// TestKnownValue checks the CRC-32C check value of "123456789" (RFC 3720
// B.4, the iSCSI CRC), 0xe3069283.
func TestKnownValue(t *testing.T) {
	if got := smallTableChecksum([]byte("123456789")); got != 0xe3069283 {
		t.Fatalf("CRC-32C of 123456789 = %08x, want e3069283", got)
	}
}

func smallTableChecksum(b []byte) uint32 { return slicingUpdate(0, smallTables(), b) }

// TestSlicingSameAsHashCRC32 checks the eight-table loop against
// hash/crc32 over random lengths and starts (any alignment, any tail of
// fewer than eight bytes) and as an update of a running checksum.
func TestSlicingSameAsHashCRC32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	data := make([]byte, 1<<14)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	for range 500 {
		from := rng.IntN(64)
		to := from + rng.IntN(len(data)-from)
		if got, want := smallTableChecksum(data[from:to]), crc32.Checksum(data[from:to], tab); got != want {
			t.Fatalf("[%d:%d] = %08x, want %08x", from, to, got, want)
		}
		cut := from + (to-from)/3
		if got, want := slicingUpdate(smallTableChecksum(data[from:cut]), smallTables(), data[cut:to]), crc32.Checksum(data[from:to], tab); got != want {
			t.Fatalf("[%d:%d] updated at %d = %08x, want %08x", from, to, cut, got, want)
		}
	}
}

// BenchmarkSmall is the checksum of a 14 KB sampler state.
func BenchmarkSmall(b *testing.B) {
	data := make([]byte, 14<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		slicingUpdate(0, smallTables(), data)
	}
}
