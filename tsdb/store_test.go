package tsdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/srvmon/srvmon/tsdb/metric"
	"time"
)

// clock is a settable clock for withClock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func newTestStore(tb testing.TB, c *clock, opts ...Option) *Store {
	tb.Helper()
	s, err := Create(filepath.Join(tb.TempDir(), "store"), append([]Option{withClock(c.now)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func appendSet(tb testing.TB, s *Store, t time.Time, samples ...Sample) {
	tb.Helper()
	w, err := s.Lock(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	if err := w.Append(t, samples); err != nil {
		tb.Fatal(err)
	}
	if err := w.Maintain(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

func readAll(tb testing.TB, s *Store, from, to time.Time) map[string][]Point {
	tb.Helper()
	out := map[string][]Point{}
	err := s.Read(context.Background(), from, to, nil, func(ser Series, pts []Point) error {
		out[ser.Key()] = slices.Clone(pts)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

var (
	serA = NewSeries("node_load1", "instance", "h1")
	serB = NewSeries("node_network_receive_bytes_total", "device", `eth"0`, "instance", "h1")
)

func TestAppendRead(t *testing.T) {
	c := &clock{day0.Add(10 * time.Hour)}
	s := newTestStore(t, c)
	for i := 0; i < 5; i++ {
		appendSet(t, s, day0.Add(time.Duration(i)*time.Minute),
			Sample{serA, float64(i)}, Sample{serB, float64(100 * i)})
	}
	got := readAll(t, s, day0, day0.Add(24*time.Hour))
	if len(got) != 2 {
		t.Fatalf("got %d series, want 2: %v", len(got), got)
	}
	pts := got[serB.Key()]
	if len(pts) != 5 || pts[4] != (Point{T: day0.Unix() + 240, V: 400}) {
		t.Fatalf("points of %s = %v", serB.Key(), pts)
	}
	// The range is start inclusive, end exclusive.
	got = readAll(t, s, day0.Add(time.Minute), day0.Add(3*time.Minute))
	if n := len(got[serA.Key()]); n != 2 {
		t.Fatalf("[1m,3m) has %d points, want 2", n)
	}
}

func TestCompactionKeepsEveryPoint(t *testing.T) {
	c := &clock{day0}
	s := newTestStore(t, c)
	want := map[string][]Point{}
	for d := 0; d < 3; d++ {
		for m := 0; m < 24*60; m += 7 {
			ts := day0.Add(time.Duration(d)*24*time.Hour + time.Duration(m)*time.Minute)
			c.t = ts
			v := float64(d*10000 + m)
			appendSet(t, s, ts, Sample{serA, v}, Sample{serB, v * 2})
			want[serA.Key()] = append(want[serA.Key()], Point{ts.Unix(), v})
			want[serB.Key()] = append(want[serB.Key()], Point{ts.Unix(), v * 2})
		}
	}
	c.t = day0.Add(3*24*time.Hour + time.Minute)
	w, _ := s.Lock(context.Background())
	if err := w.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	blocks, _, _ := s.listBlocks()
	heads, _ := s.listHeads()
	if len(blocks) != 3 || len(heads) != 0 {
		t.Fatalf("after 3 days: %d blocks, %d head logs; want 3, 0", len(blocks), len(heads))
	}
	got := readAll(t, s, day0, day0.Add(72*time.Hour))
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Fatalf("series %s: got %d points, want %d", k, len(got[k]), len(w))
		}
	}
	// A fresh Store (another process) reads the same from the blocks.
	s2, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	got = readAll(t, s2, day0.Add(12*time.Hour), day0.Add(36*time.Hour))
	if n := len(got[serA.Key()]); n != 24*60/7+1 {
		t.Fatalf("12h..36h: %d points", n)
	}
}

func TestLateAndDuplicateSamples(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	appendSet(t, s, day0.Add(10*time.Minute), Sample{serA, 1})
	appendSet(t, s, day0.Add(20*time.Minute), Sample{serA, 2})
	// Narrow reads of points in time order (searched, see headData.between).
	for _, r := range []struct {
		from, to time.Duration
		want     []Point
	}{{12 * time.Minute, 25 * time.Minute, []Point{{day0.Unix() + 1200, 2}}}, {10 * time.Minute, 10*time.Minute + time.Second, []Point{{day0.Unix() + 600, 1}}},
		{11 * time.Minute, 20 * time.Minute, nil}} {
		if got := readAll(t, s, day0.Add(r.from), day0.Add(r.to))[serA.Key()]; !slices.Equal(got, r.want) {
			t.Fatalf("head %s..%s: got %v, want %v", r.from, r.to, got, r.want)
		}
	}
	// The clock stepped back: an earlier time arrives later, and a time
	// that exists arrives again with another value.
	appendSet(t, s, day0.Add(15*time.Minute), Sample{serA, 3})
	appendSet(t, s, day0.Add(20*time.Minute), Sample{serA, 4})
	want := []Point{{day0.Unix() + 600, 1}, {day0.Unix() + 900, 3}, {day0.Unix() + 1200, 4}}
	if got := readAll(t, s, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, want) {
		t.Fatalf("head: got %v, want %v", got, want)
	}
	for _, r := range []struct {
		from, to time.Duration
		want     []Point
	}{{12 * time.Minute, 18 * time.Minute, []Point{{day0.Unix() + 900, 3}}}, {19 * time.Minute, 21 * time.Minute, []Point{{day0.Unix() + 1200, 4}}}} {
		if got := readAll(t, s, day0.Add(r.from), day0.Add(r.to))[serA.Key()]; !slices.Equal(got, r.want) {
			t.Fatalf("head %s..%s after the clock stepped back: got %v, want %v", r.from, r.to, got, r.want)
		}
	}
	// Compact the day, then a late sample for it arrives.
	c.t = day0.Add(25 * time.Hour)
	appendSet(t, s, day0.Add(25*time.Hour), Sample{serA, 9})
	appendSet(t, s, day0.Add(5*time.Minute), Sample{serA, 0})
	appendSet(t, s, day0.Add(10*time.Minute), Sample{serA, 5}) // replaces a compacted value
	c.t = day0.Add(26 * time.Hour)
	appendSet(t, s, day0.Add(26*time.Hour), Sample{serA, 10})
	blocks, _, _ := s.listBlocks()
	if len(blocks) != 1 || blocks[0].gen != 3 { // each late sample set recompacted the day
		t.Fatalf("blocks = %+v, want one block of generation 3", blocks)
	}
	want = []Point{{day0.Unix() + 300, 0}, {day0.Unix() + 600, 5}, {day0.Unix() + 900, 3}, {day0.Unix() + 1200, 4}}
	if got := readAll(t, s, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, want) {
		t.Fatalf("after late samples: got %v, want %v", got, want)
	}
}

func TestTornTail(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	appendSet(t, s, day0.Add(1*time.Minute), Sample{serA, 1})
	appendSet(t, s, day0.Add(2*time.Minute), Sample{serA, 2})
	path := s.headPath(dayOf(day0.Unix()))
	data, _ := os.ReadFile(path)
	// A crash in the middle of the second record's write.
	for _, cut := range []int{len(data) - 1, len(data) - 20, len(data) - 29} {
		if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, s, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, []Point{{day0.Unix() + 60, 1}}) {
			t.Fatalf("cut at %d: reader got %v", cut, got)
		}
	}
	// Garbage after the tail (zeros a crash can leave) is cut by the writer.
	os.WriteFile(path, append(data[:len(data)-29:len(data)-29], make([]byte, 100)...), 0o644)
	appendSet(t, s, day0.Add(3*time.Minute), Sample{serA, 3})
	if got := readAll(t, s, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, []Point{{day0.Unix() + 60, 1}, {day0.Unix() + 180, 3}}) {
		t.Fatalf("after append past a torn tail: %v", got)
	}
	// Damage in the middle costs that record only.
	data, _ = os.ReadFile(path)
	data[len(data)-20] ^= 0xff
	os.WriteFile(path, data, 0o644)
	appendSet(t, s, day0.Add(4*time.Minute), Sample{serA, 4})
	got := readAll(t, s, day0, day0.Add(time.Hour))[serA.Key()]
	if !slices.Contains(got, Point{day0.Unix() + 240, 4}) || !slices.Contains(got, Point{day0.Unix() + 60, 1}) {
		t.Fatalf("after damage in the middle: %v", got)
	}
}

func TestRetentionByTimestamp(t *testing.T) {
	c := &clock{day0}
	s := newTestStore(t, c, WithRetention(2))
	for d := 0; d < 5; d++ {
		c.t = day0.Add(time.Duration(d)*24*time.Hour + time.Hour)
		appendSet(t, s, c.t, Sample{serA, float64(d)})
	}
	blocks, _, _ := s.listBlocks()
	var days []string
	for _, b := range blocks {
		days = append(days, dayName(b.day))
	}
	// Today is day 4: days 2 and 3 are kept as blocks, day 4 is in the head.
	if want := []string{"2026-03-03", "2026-03-04"}; !slices.Equal(days, want) {
		t.Fatalf("blocks %v, want %v", days, want)
	}
	// tstorage's own retention counts from a partition's creation time and
	// defaults to 14 days: make the blocks look 100 days old to tstorage
	// and check that nothing is lost.
	filepath.WalkDir(filepath.Join(s.Dir(), blocksDir), func(p string, d fs.DirEntry, err error) error {
		if d.Name() == "meta.json" {
			data, _ := os.ReadFile(p)
			if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil { // tstorage patch 7
				data, _ = io.ReadAll(zr)
			}
			if !regexpCreatedAt.Match(data) {
				t.Fatalf("%s: no createdAt in %.100q", p, data)
			}
			old := []byte(fmt.Sprintf(`"createdAt":"%s"`, time.Now().Add(-100*24*time.Hour).Format(time.RFC3339Nano)))
			data = append(data[:0:0], []byte(regexpCreatedAt.ReplaceAll(data, old))...)
			os.WriteFile(p, data, 0o644) // plain JSON reads as before
		}
		return nil
	})
	for _, b := range blocks { // the edit is ours, not damage
		if err := writeChecksums(filepath.Join(s.Dir(), blocksDir, b.name), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	s2, _ := Open(s.Dir(), withClock(c.now))
	got := readAll(t, s2, day0, day0.Add(10*24*time.Hour))[serA.Key()]
	if len(got) != 3 || got[0].V != 2 {
		t.Fatalf("after retention: %v", got)
	}
}

func TestSeriesInAndBounds(t *testing.T) {
	c := &clock{day0}
	s := newTestStore(t, c)
	serC := NewSeries("node_load5", "instance", "h1")
	c.t = day0.Add(time.Hour)
	appendSet(t, s, c.t, Sample{serA, 1})
	c.t = day0.Add(25 * time.Hour)
	appendSet(t, s, c.t, Sample{serA, 1}, Sample{serC, 2})
	list := func(from, to time.Time) []string {
		ss, err := s.SeriesIn(context.Background(), from, to)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ss {
			out = append(out, x.Key())
		}
		return out
	}
	if got := list(day0, day0.Add(2*time.Hour)); !slices.Equal(got, []string{serA.Key()}) {
		t.Fatalf("day 0: %v", got)
	}
	if got := list(day0, day0.Add(48*time.Hour)); len(got) != 2 {
		t.Fatalf("both days: %v", got)
	}
	first, last, ok, err := s.Bounds(context.Background())
	if err != nil || !ok || !first.Equal(day0.Add(time.Hour)) || !last.Equal(day0.Add(25*time.Hour)) {
		t.Fatalf("Bounds = %v %v %v %v", first, last, ok, err)
	}
}

func TestSummaries(t *testing.T) {
	c := &clock{day0}
	s := newTestStore(t, c)
	boot := func(id string) Sample {
		return Sample{NewSeries(metric.BootInfo, "boot_id", id, "instance", "h1"), 1}
	}
	// A counter that rises 60 per minute, with a reboot at 00:30 after
	// which it restarts from 1000 (higher than before: only the boot id
	// tells it was a reboot).
	for m := 0; m < 60; m++ {
		ts := day0.Add(time.Duration(m) * time.Minute)
		c.t = ts
		if m < 30 {
			appendSet(t, s, ts, Sample{serB, float64(60 * m)}, boot("a"))
		} else {
			appendSet(t, s, ts, Sample{serB, float64(1000 + 60*(m-30))}, boot("b"))
		}
	}
	check := func(what string) {
		t.Helper()
		var got []HourSummary
		err := s.ReadSummaries(context.Background(), day0, day0.Add(time.Hour), func(x Series) bool { return x.Key() == serB.Key() },
			func(_ Series, hs []HourSummary) error { got = hs; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%s: %d summaries", what, len(got))
		}
		h := got[0]
		// 29 steps of 60 before, 1000 after the reboot, 29 steps after.
		if h.Count != 60 || h.Resets != 1 || h.Increase != 29*60+1000+29*60 || h.Min != 0 || h.Max != 1000+29*60 || h.FirstV != 0 || h.LastT != day0.Unix()+59*60 {
			t.Fatalf("%s: %+v", what, h)
		}
	}
	check("from the head log")
	c.t = day0.Add(24 * time.Hour)
	appendSet(t, s, c.t, Sample{serA, 1})
	check("from the block summary")
}

func TestImportAllOrNothing(t *testing.T) {
	c := &clock{day0.Add(48 * time.Hour)}
	s := newTestStore(t, c)
	bad := errors.New("line 3: broken")
	n, err := s.Import(context.Background(), func(yield func(Series, Point) error) error {
		yield(serA, Point{day0.Unix(), 1})
		yield(serA, Point{day0.Unix() + 60, 2})
		return bad
	})
	if !errors.Is(err, bad) || n.Samples != 0 {
		t.Fatalf("Import = %+v, %v", n, err)
	}
	if got := readAll(t, s, day0, day0.Add(72*time.Hour)); len(got) != 0 {
		t.Fatalf("a failed import left %v", got)
	}
	entries, _ := os.ReadDir(filepath.Join(s.Dir(), tmpDir))
	if len(entries) != 0 {
		t.Fatalf("a failed import left %d staging entries", len(entries))
	}
	n, err = s.Import(context.Background(), func(yield func(Series, Point) error) error {
		for i := int64(0); i < 3000; i++ {
			if err := yield(serA, Point{day0.Unix() + 60*i, float64(i)}); err != nil {
				return err
			}
		}
		return yield(serB, Point{day0.Unix() + 60, math.Inf(1)})
	})
	if want := (ImportResult{Samples: 3001, Series: 2, From: day0, To: day0.Add(2999 * time.Minute)}); err != nil || n != want {
		t.Fatalf("Import = %+v, %v; want %+v", n, err, want)
	}
	got := readAll(t, s, day0, day0.Add(72*time.Hour))
	if len(got[serA.Key()]) != 3000 || !math.IsInf(got[serB.Key()][0].V, 1) {
		t.Fatalf("imported %d points of A, B=%v", len(got[serA.Key()]), got[serB.Key()])
	}
	blocks, _, _ := s.listBlocks()
	if len(blocks) != 2 {
		t.Fatalf("import of 2 finished days made %d blocks", len(blocks))
	}
}

func TestAppendRejectsInvalid(t *testing.T) {
	c := &clock{day0}
	s := newTestStore(t, c)
	w, _ := s.Lock(context.Background())
	defer w.Close()
	for _, samples := range [][]Sample{
		{{Series{Metric: "bad-name"}, 1}},
		{{Series{Metric: "m", Labels: []Label{{"l", ""}}}, 1}},
		{{serA, 1}, {serA, 2}},
	} {
		if err := w.Append(day0, samples); err == nil {
			t.Errorf("Append(%v) succeeded", samples)
		}
	}
	if got := readAll(t, s, day0, day0.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("rejected appends wrote %v", got)
	}
}

var regexpCreatedAt = regexp.MustCompile(`"createdAt":"[^"]*"`)

// TestCachedHeadSeesAppends checks that a long-lived Store, which decodes
// a head log incrementally between reads, sees every append, also after a
// writer cut a torn tail and appended over it.
func TestCachedHeadSeesAppends(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	reader, err := Open(s.Dir(), withClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	var want []Point
	for i := 1; i <= 5; i++ {
		ts := day0.Add(time.Duration(i) * time.Minute)
		appendSet(t, s, ts, Sample{serA, float64(i)})
		want = append(want, Point{ts.Unix(), float64(i)})
		if got := readAll(t, reader, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, want) {
			t.Fatalf("after append %d: %v, want %v", i, got, want)
		}
	}
	// A torn tail: the last record half written, then cut and replaced.
	path := s.headPath(dayOf(day0.Unix()))
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-10], 0o644)
	want = want[:4]
	if got := readAll(t, reader, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, want) {
		t.Fatalf("after a torn tail: %v, want %v", got, want)
	}
	ts := day0.Add(6 * time.Minute)
	appendSet(t, s, ts, Sample{serA, 6})
	want = append(want, Point{ts.Unix(), 6})
	if got := readAll(t, reader, day0, day0.Add(time.Hour))[serA.Key()]; !slices.Equal(got, want) {
		t.Fatalf("after the writer cut the tail and appended: %v, want %v", got, want)
	}
}

// TestImportFinishedAfterCrash checks that an import whose process died
// after its commit point, halfway through joining its days, is finished by
// the next writer: every point once, the staging directory gone.
func TestImportFinishedAfterCrash(t *testing.T) {
	c := &clock{day0.Add(72 * time.Hour)}
	s := newTestStore(t, c)
	stage := filepath.Join(s.Dir(), tmpDir, "import-crashed")
	if err := os.MkdirAll(stage, 0o755); err != nil {
		t.Fatal(err)
	}
	var want []Point
	for d := int64(0); d < 2; d++ {
		var pts []Point
		for m := int64(0); m < 3; m++ {
			pts = append(pts, Point{T: day0.Unix() + d*secondsInDay + 60*m, V: float64(10*d + m)})
		}
		want = append(want, pts...)
		day := dayOf(day0.Unix()) + d
		data := appendRecord(nil, encodePoints(serA.Key(), pts))
		os.WriteFile(filepath.Join(stage, strconv.FormatInt(day, 10)), data, 0o644)
		if d == 0 { // the dead import had joined its first day
			os.WriteFile(s.headPath(day), data, 0o644)
		}
	}
	os.WriteFile(filepath.Join(stage, commitName), nil, 0o644)
	// An uncommitted staging directory must be left alone.
	os.MkdirAll(filepath.Join(s.Dir(), tmpDir, "import-live"), 0o755)

	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got := readAll(t, s, day0, day0.Add(72*time.Hour))[serA.Key()]; !slices.Equal(got, want) {
		t.Fatalf("after the next writer: %v, want %v", got, want)
	}
	if _, err := os.Stat(stage); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the committed staging directory is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), tmpDir, "import-live")); err != nil {
		t.Fatalf("an uncommitted (live) import's staging was removed: %v", err)
	}
}

// Two cron runs starting together on a new store both create it. Each must
// get the store, even when the other has already written files of its own
// (record puts its state file beside the marker), and a run opening the
// store meanwhile must never read a half-written marker as damage.
func TestCreateRacesItself(t *testing.T) {
	t.Parallel()
	const rounds, runs = 200, 4
	for round := range rounds {
		dir := filepath.Join(t.TempDir(), "store")
		errs := make([]error, runs)
		var wg sync.WaitGroup
		for i := range runs {
			wg.Go(func() {
				s, err := Create(dir)
				if err != nil {
					errs[i] = err
					return
				}
				if d := s.Damage(); len(d) > 0 {
					errs[i] = fmt.Errorf("a new store reports damage: %v", d)
					return
				}
				// What record writes next to the marker once it has a store.
				errs[i] = os.WriteFile(filepath.Join(dir, fmt.Sprintf("state-%d", i)), nil, 0o644)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, markerName)); err != nil || string(b) != markerText {
			t.Fatalf("round %d: marker %q, %v", round, b, err)
		}
		if left, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(left) > 0 {
			t.Fatalf("round %d: creators left %d files in tmp/", round, len(left))
		}
	}
}
