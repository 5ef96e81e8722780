package tsdb_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

var start = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// importDays fills a store with days of synthetic minutely history through
// Import (staging, head logs, compaction: the real write path).
func importDays(tb testing.TB, s *tsdb.Store, h synth.Host, from time.Time, days int) int {
	tb.Helper()
	g := synth.New(h, 42)
	series := g.Series()
	byKey := make([][]tsdb.Point, len(series))
	g.Minutes(from, days*1440, func(t time.Time, ss []tsdb.Sample) error {
		for i, smp := range ss {
			byKey[i] = append(byKey[i], tsdb.Point{T: t.Unix(), V: smp.Value})
		}
		return nil
	})
	n, err := s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for i, ser := range series {
			for _, p := range byKey[i] {
				if err := yield(ser, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n.Samples
}

func dirSize(tb testing.TB, dir string) int64 {
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return total
}

// TestBytesPerPoint checks property 2 on a week of realistic history:
// everything in the store directory, divided by the points it holds.
func TestBytesPerPoint(t *testing.T) {
	days := 7
	if testing.Short() {
		days = 2
	}
	now := start.Add(time.Duration(days) * 24 * time.Hour)
	s, err := tsdb.Create(filepath.Join(t.TempDir(), "s"), tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	n := importDays(t, s, synth.DefaultHost(), start, days)
	size := dirSize(t, s.Dir())
	bpp := float64(size) / float64(n)
	t.Logf("%d days, %d points, %d bytes: %.2f bytes/point", days, n, size, bpp)
	if bpp > 3 {
		t.Fatalf("%.2f bytes/point, want at most 3", bpp)
	}
}

func countMaps(tb testing.TB) int {
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		tb.Skip("no /proc/self/maps")
	}
	return bytes.Count(data, []byte("\n"))
}

func rssKiB(tb testing.TB) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}

// TestLongRunningReaderStaysFlat checks property 3: a reader that reads the
// last hour and the last day again and again while a writer appends holds
// the same mappings and about the same memory at the end as after its
// first reads, and reads recent data from a bounded number of blocks.
func TestLongRunningReaderStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 reads; the race detector's own mappings and memory would drown the signal")
	}
	now := start.Add(3*24*time.Hour + 10*time.Hour)
	clock := func() time.Time { return now }
	dir := filepath.Join(t.TempDir(), "s")
	s, err := tsdb.Create(dir, tsdbtest.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	h := synth.DefaultHost()
	importDays(t, s, h, start, 3)
	reader, err := tsdb.Open(dir, tsdbtest.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(h, 7)
	ctx := context.Background()
	reads := 0
	read := func() int {
		n := 0
		ranges := []time.Duration{time.Hour}
		if reads%10 == 0 {
			ranges = append(ranges, 24*time.Hour)
		}
		reads++
		for _, r := range ranges {
			err := reader.Read(ctx, now.Add(-r), now.Add(time.Second), nil, func(_ tsdb.Series, pts []tsdb.Point) error {
				n += len(pts)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return n
	}
	w, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	step := func() {
		now = now.Add(time.Minute)
		if err := w.Append(now, g.Next()); err != nil {
			t.Fatal(err)
		}
	}
	// Warm up: first reads open what recent reads need.
	for i := 0; i < 20; i++ {
		step()
		read()
	}
	maps0, rss0 := countMaps(t), rssKiB(t)
	total := 1000
	last := 0
	for i := 0; i < total; i++ {
		if i%10 == 0 {
			step()
		}
		n := read()
		if i%10 != 9 {
			continue // compare the hour-only reads
		}
		if n < last {
			t.Fatalf("read %d returned %d points, fewer than the %d before it", i, n, last)
		}
		last = n
	}
	maps1, rss1 := countMaps(t), rssKiB(t)
	t.Logf("%d reads: mappings %d -> %d, RSS %d -> %d KiB, blocks opened %d", total, maps0, maps1, rss0, rss1, reader.Stats().BlocksOpened)
	// The Go runtime may map a new heap arena or two; a leak per read
	// (tstorage's mmap per open) would add a thousand.
	if maps1 > maps0+8 {
		t.Fatalf("mappings grew from %d to %d over %d reads", maps0, maps1, total)
	}
	if rss1 > rss0+32*1024 {
		t.Fatalf("RSS grew from %d to %d KiB over %d reads", rss0, rss1, total)
	}
	if got := reader.Stats().BlocksOpened; got > 2 {
		t.Fatalf("reading the last day opened %d tstorage blocks, want at most 2", got)
	}
}

// mountTmpfs mounts a small tmpfs for full-disk and read-only tests; it
// needs root. Under CI=true it fails instead of skipping.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs (needed for the full-disk test): %v: %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestFullDiskAndReadOnly checks property 7: appends fail with a clear
// error on a full disk and on a read-only filesystem, and what was stored
// before stays intact and readable; once space is back, writing resumes.
func TestFullDiskAndReadOnly(t *testing.T) {
	mnt := mountTmpfs(t, "1m")
	now := start.Add(time.Hour)
	dir := filepath.Join(mnt, "store")
	s, err := tsdb.Create(dir, tsdbtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	g := synth.New(synth.DefaultHost(), 1)
	ctx := context.Background()
	w, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var acked []time.Time
	ts := start
	for i := 0; i < 10; i++ {
		ts = ts.Add(time.Minute)
		if err := w.Append(ts, g.Next()); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, ts)
	}
	// Fill the filesystem.
	filler := filepath.Join(mnt, "filler")
	f, _ := os.Create(filler)
	f.Write(make([]byte, 4<<20))
	f.Close()
	var appendErr error
	for i := 0; i < 50 && appendErr == nil; i++ {
		ts = ts.Add(time.Minute)
		if appendErr = w.Append(ts, g.Next()); appendErr == nil {
			acked = append(acked, ts)
		}
	}
	if !errors.Is(appendErr, syscall.ENOSPC) || !strings.Contains(appendErr.Error(), "no space left on device") {
		t.Fatalf("append on a full disk: %v, want ENOSPC with a clear message", appendErr)
	}
	w.Close()
	checkTimes := func(what string) {
		t.Helper()
		got := map[int64]bool{}
		err := s.Read(ctx, start, start.Add(24*time.Hour), func(x tsdb.Series) bool { return x.Metric == "node_load1" },
			func(_ tsdb.Series, pts []tsdb.Point) error {
				for _, p := range pts {
					got[p.T] = true
				}
				return nil
			})
		if err != nil {
			t.Fatalf("%s: read: %v", what, err)
		}
		for _, a := range acked {
			if !got[a.Unix()] {
				t.Fatalf("%s: acknowledged sample set at %s lost", what, a)
			}
		}
		if len(got) != len(acked) {
			t.Fatalf("%s: read %d sample sets, acknowledged %d", what, len(got), len(acked))
		}
	}
	checkTimes("full disk")
	// Compaction on a full disk fails and keeps the head log.
	now = now.Add(24 * time.Hour)
	w, _ = s.Lock(ctx)
	if err := w.Maintain(ctx); err == nil {
		t.Fatal("compaction on a full disk succeeded")
	}
	w.Close()
	checkTimes("failed compaction")
	// Space comes back: writing and compaction resume.
	os.Remove(filler)
	w, _ = s.Lock(ctx)
	if err := w.Maintain(ctx); err != nil {
		t.Fatalf("compaction after space came back: %v", err)
	}
	ts = now
	if err := w.Append(ts, g.Next()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	checkTimes("after recovery")

	// Read-only filesystem.
	if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount ro: %v %s", err, out)
	}
	w, err = s.Lock(ctx)
	if err == nil {
		err = w.Append(ts.Add(time.Minute), g.Next())
		w.Close()
	}
	if !errors.Is(err, syscall.EROFS) {
		t.Fatalf("append on a read-only filesystem: %v, want EROFS", err)
	}
	checkTimes("read-only")
}
