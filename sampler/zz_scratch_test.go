package sampler

import (
	"os"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/crc32c"
)

func TestZZDecode(t *testing.T) {
	data, _ := os.ReadFile("/tmp/pc/st/sp_s4/sampler-state")
	t0 := time.Now()
	c := crc32c.Checksum(data)
	d0 := time.Since(t0)
	t0 = time.Now()
	c = crc32c.Checksum(data)
	d1 := time.Since(t0)
	t0 = time.Now()
	st, err := decodeState(data)
	d2 := time.Since(t0)
	t0 = time.Now()
	st, err = decodeState(data)
	d3 := time.Since(t0)
	t0 = time.Now()
	b := encodeState(nil, &st)
	d4 := time.Since(t0)
	t0 = time.Now()
	b = encodeState(b, &st)
	d5 := time.Since(t0)
	t.Logf("%d bytes %d procs crc %x: crc first %v again %v; decode first %v again %v; encode %v again %v %v", len(data), len(st.procs), c, d0, d1, d2, d3, d4, d5, err)
}

func BenchmarkZZDecode(b *testing.B) {
	data, _ := os.ReadFile("/tmp/pc/st/sp_s4/sampler-state")
	for b.Loop() {
		decodeState(data)
	}
}

func BenchmarkZZCRC(b *testing.B) {
	data, _ := os.ReadFile("/tmp/pc/st/sp_s4/sampler-state")
	for b.Loop() {
		crc32c.Checksum(data)
	}
}
