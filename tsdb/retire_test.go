package tsdb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// TestReaderStaysFlatAcrossReplacedGenerations is serve's situation: a long-lived
// reader reads a past day again and again while 40 late imports each
// replace that day's block with a new generation. The reader must not keep
// a mapping per generation (tstorage never unmaps; the store releases
// replaced generations), and reads running at the same time as the
// releases must see every sample (run it with -race).
func TestReaderStaysFlatAcrossReplacedGenerations(t *testing.T) {
	if testing.Short() {
		t.Skip("40 compactions: make test's second pass runs it (the race detector's own mappings would blur the count)")
	}
	const imports = 40
	ctx := context.Background()
	now := start.Add(3 * 24 * time.Hour)
	clock := func() time.Time { return now }
	dir := t.TempDir() + "/store"
	w, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	importDays(t, w, synth.Host{Instance: "h", CPUs: 1, Disks: []string{"sda"}, Mounts: []string{"/"}, Ifaces: []string{"eth0"}}, start, 2)
	reader, err := tsdb.Open(dir, tsdbtest.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		err := reader.Read(ctx, start, start.Add(48*time.Hour), nil, func(_ tsdb.Series, pts []tsdb.Point) error {
			n += len(pts)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		return n
	}
	base := count()
	maps0 := countMaps(t)
	late := tsdb.NewSeries("late_value", "instance", "x")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 { // concurrent readers, as serve's requests
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if n := count(); n < base {
					t.Errorf("a read during the imports saw %d points, fewer than the %d before", n, base)
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	for i := 0; i < imports; i++ {
		_, err := w.Import(ctx, func(yield func(tsdb.Series, tsdb.Point) error) error {
			return yield(late, tsdb.Point{T: start.Add(time.Duration(i) * time.Minute).Unix(), V: float64(i)})
		})
		if err != nil {
			t.Fatal(err)
		}
		count()
	}
	close(stop)
	wg.Wait()
	if n := count(); n != base+imports {
		t.Fatalf("after %d late imports the reader sees %d points, want %d", imports, n, base+imports)
	}
	maps1 := countMaps(t)
	t.Logf("mappings of a reader across %d replaced generations: %d -> %d", imports, maps0, maps1)
	if maps1 > maps0+8 {
		t.Fatalf("mappings grew from %d to %d over %d replaced generations", maps0, maps1, imports)
	}
}

// TestFlatMappingsAfterClose: Close gives back the mappings of the blocks a reader
// opened, and the store still reads afterwards.
func TestFlatMappingsAfterClose(t *testing.T) {
	if testing.Short() {
		t.Skip("counts mappings: make test's second pass runs it (the race detector's own mappings would blur the count)")
	}
	ctx := context.Background()
	now := start.Add(12 * 24 * time.Hour)
	dir := t.TempDir() + "/store"
	w, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	importDays(t, w, synth.Host{Instance: "h", CPUs: 1, Disks: []string{"sda"}, Mounts: []string{"/"}, Ifaces: []string{"eth0"}}, start, 10)
	reader, err := tsdb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		if err := reader.Read(ctx, start, start.Add(10*24*time.Hour), nil, func(_ tsdb.Series, pts []tsdb.Point) error {
			n += len(pts)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	maps0 := countMaps(t)
	n := count()
	maps1 := countMaps(t)
	if err := reader.Close(); err != nil {
		t.Fatal(err)
	}
	maps2 := countMaps(t)
	t.Logf("mappings: %d before reading 10 days, %d after, %d after Close", maps0, maps1, maps2)
	// A mapping per block read, all gone after Close. (The Go heap may map
	// more memory meanwhile: counted are the ten that go.)
	if maps1 < maps0+10 || maps1-maps2 < 10 {
		t.Errorf("mappings %d -> %d -> %d: want 10 or more for the ten blocks, then 10 fewer", maps0, maps1, maps2)
	}
	if again := count(); again != n {
		t.Errorf("after Close: %d points, before %d", again, n)
	}
}
