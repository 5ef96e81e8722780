package tsdb

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// summaryFixture returns series at every decimal scale whose hours hold
// integer columns, fractions that do not convert back, NaN, ±Inf, -0 and
// values near 2^53, with their summaries as summarize makes them.
func summaryFixture() ([]SeriesInfo, [][]HourSummary) {
	rng := rand.New(rand.NewPCG(5, 6))
	gens := []func(i int, prev float64) float64{
		func(i int, prev float64) float64 { return prev + float64(rng.IntN(9_000_000)) },              // a µs counter
		func(i int, prev float64) float64 { return float64(rng.IntN(1000)) / 100 },                    // 0.01 ticks
		func(i int, prev float64) float64 { return 42 },                                               // constant
		func(i int, prev float64) float64 { return rng.Float64() },                                    // fractions
		func(i int, prev float64) float64 { return []float64{math.NaN(), 1, math.Inf(-1)}[i%3] },      // NaN, Inf
		func(i int, prev float64) float64 { return []float64{math.Copysign(0, -1), 0, 3}[i%3] },       // -0
		func(i int, prev float64) float64 { return float64(1<<53 - 1 - rng.IntN(3)) },                 // near 2^53
		func(i int, prev float64) float64 { return prev - float64(rng.IntN(4096)*4096) - 1e12 },       // negative pages
		func(i int, prev float64) float64 { return float64(rng.IntN(1_000_000)) / 1e6 },               // µs as seconds
		func(i int, prev float64) float64 { return prev + float64(rng.IntN(3)) + float64(i%600)*0.5 }, // halves
	}
	var index []SeriesInfo
	var sums [][]HourSummary
	for g, gen := range gens {
		var pts []Point
		v := float64(1_000_000)
		for i := range 5 * 60 {
			v = gen(i, v)
			pts = append(pts, Point{T: 1_700_000_000 + int64(i)*60 + int64(i%7), V: v})
		}
		index = append(index, SeriesInfo{Key: fmt.Sprintf(`m{g="%d"}`, g), MinT: pts[0].T, MaxT: pts[len(pts)-1].T, Count: len(pts), Scale: decimalScale(pts)})
		sums = append(sums, summarize(pts, "", nil))
	}
	return index, sums
}

// readSummaryFile reads every series' summaries of a summary file.
func readSummaryFile(t *testing.T, path string) ([]SeriesInfo, [][]HourSummary) {
	t.Helper()
	sr, index, err := openSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	var sums [][]HourSummary
	for range index {
		hs, err := sr.next()
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, hs)
	}
	return index, sums
}

// sameSummaries fails unless every summary of got is want's, bit for bit.
func sameSummaries(t *testing.T, what string, got, want [][]HourSummary) {
	t.Helper()
	bits := func(h HourSummary) []uint64 {
		return []uint64{math.Float64bits(h.Sum), math.Float64bits(h.Min), math.Float64bits(h.Max),
			math.Float64bits(h.FirstV), math.Float64bits(h.LastV), math.Float64bits(h.Increase)}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d series, want %d", what, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: series %d: %d hours, want %d", what, i, len(got[i]), len(want[i]))
		}
		for h := range want[i] {
			g, w := got[i][h], want[i][h]
			if fmt.Sprint(bits(g)) != fmt.Sprint(bits(w)) || g.Start != w.Start || g.Count != w.Count ||
				g.FirstT != w.FirstT || g.LastT != w.LastT || g.Resets != w.Resets {
				t.Fatalf("%s: series %d hour %d: read %+v, wrote %+v", what, i, h, g, w)
			}
		}
	}
}

// TestSummaryValues writes summaries of every kind of value (version 2:
// integer columns predicted) and checks that they read back bit for bit,
// smaller than version 1 wrote them, and that a version 1 file still reads.
func TestSummaryValues(t *testing.T) {
	index, sums := summaryFixture()
	dir := t.TempDir()
	v2 := filepath.Join(dir, "v2.gz")
	if err := writeSummary(v2, index, sums); err != nil {
		t.Fatal(err)
	}
	gotIndex, got := readSummaryFile(t, v2)
	if fmt.Sprint(gotIndex) != fmt.Sprint(index) {
		t.Fatalf("index read %v, wrote %v", gotIndex, index)
	}
	sameSummaries(t, "version 2", got, sums)

	v1 := filepath.Join(dir, "v1.gz")
	writeSummaryV1(t, v1, index, sums)
	_, got = readSummaryFile(t, v1)
	sameSummaries(t, "version 1", got, sums)
	s1, _ := os.Stat(v1)
	s2, _ := os.Stat(v2)
	t.Logf("version 1: %d bytes, version 2: %d", s1.Size(), s2.Size())
	if s2.Size() >= s1.Size() {
		t.Errorf("version 2 is %d bytes, version 1 %d", s2.Size(), s1.Size())
	}
}

// writeSummaryV1 writes a summary file as version 1 (store format 3) did.
func writeSummaryV1(t *testing.T, path string, index []SeriesInfo, sums [][]HourSummary) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	w := bufio.NewWriter(zw)
	b := []byte(summaryMagic1)
	b = appendSummaryIndex(b, index)
	for _, hs := range sums {
		b = appendHourHeaders(b, hs)
		for _, field := range []func(HourSummary) float64{
			func(h HourSummary) float64 { return h.Sum },
			func(h HourSummary) float64 { return h.Min },
			func(h HourSummary) float64 { return h.Max },
			func(h HourSummary) float64 { return h.FirstV },
			func(h HourSummary) float64 { return h.LastV },
			func(h HourSummary) float64 { return h.Increase },
		} {
			for _, h := range hs {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(field(h)))
			}
		}
	}
	w.Write(b)
	w.Flush()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
