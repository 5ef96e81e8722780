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

func smallTableChecksum(b []byte) uint32 { return crc32.Update(0, smallTable(), b) }
