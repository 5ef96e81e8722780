package tsdb

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fault-injection test builds a store with three finished days (day
// blocks), a late sample set for one of them (a second head log) and today
// (a head log with recorded sets and an import), then damages one file of a
// copy at a time, at random positions: one byte, several bytes, a cut, a
// deletion. For each case it checks what issue 8 asks: reads never fail
// and never return a value that was not recorded; every sample of the
// files that were not damaged reads back; every missing sample lies in a
// reported Damage that names the damaged file; recording goes on (today and
// a late set for a finished day) and the new sets read back; Verify finds
// the damage and Repair leaves a store Verify passes.

// damageSeries are the series of the fault-injection store.
var damageSeries = []Series{
	NewSeries("node_load1", "instance", "h1"),
	NewSeries("node_cpu_seconds_total", "cpu", "0", "instance", "h1", "mode", "idle"),
	NewSeries("node_network_receive_bytes_total", "device", "eth0", "instance", "h1"),
	NewSeries("srvmon_collector_success", "collector", "cpu", "instance", "h1"),
}

// importedSeries is a series only the import holds.
var importedSeries = NewSeries("node_imported", "instance", "h1")

// damageValue is the one value series i holds at t: a reader that returns
// anything else returns a value that was never recorded.
func damageValue(i int, t int64) float64 {
	return float64(int64(i+1)*1_000_000_000+t%1_000_000_000) / 4
}

// damageFixture is the template store and, per file, the samples it holds.
type damageFixture struct {
	dir   string
	today time.Time          // the clock: noon of today
	all   map[string][]Point // every recorded sample, by series key
	// owner maps the "unit" that holds a sample (a head log, or a block
	// directory) to its samples; a damaged file takes its unit's samples
	// with it at most.
	owner map[string]map[string][]Point
}

func (f *damageFixture) add(unit string, key string, p Point) {
	f.all[key] = append(f.all[key], p)
	if f.owner[unit] == nil {
		f.owner[unit] = map[string][]Point{}
	}
	f.owner[unit][key] = append(f.owner[unit][key], p)
}

func seriesIndex(key string) int {
	for i, s := range damageSeries {
		if s.Key() == key {
			return i
		}
	}
	return len(damageSeries) // importedSeries
}

func buildDamageFixture(t *testing.T) *damageFixture {
	t.Helper()
	day := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	f := &damageFixture{dir: filepath.Join(memDir(t), "template"), today: day.Add(3*24*time.Hour + 12*time.Hour),
		all: map[string][]Point{}, owner: map[string]map[string][]Point{}}
	c := &clock{day}
	s, err := Create(f.dir, withClock(c.now), WithRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set := func(ts time.Time, unit string) {
		var samples []Sample
		for i, ser := range damageSeries {
			v := damageValue(i, ts.Unix())
			samples = append(samples, Sample{ser, v})
			f.add(unit, ser.Key(), Point{ts.Unix(), v})
		}
		w, err := s.Lock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Append(ts, samples); err != nil {
			t.Fatal(err)
		}
	}
	maintain := func() {
		w, err := s.Lock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Three finished days, a set every 20 minutes.
	for d := 0; d < 3; d++ {
		c.t = day.Add(time.Duration(d) * 24 * time.Hour)
		maintain()
		for m := 0; m < 24*60; m += 20 {
			set(c.t.Add(time.Duration(m)*time.Minute), "blocks/"+dayName(dayOf(c.t.Unix()))+".g1")
		}
	}
	c.t = f.today
	maintain()
	todayStart := day.Add(3 * 24 * time.Hour)
	todayLog := "head/" + dayName(dayOf(todayStart.Unix())) + ".log"
	// An import into today's head log.
	var imported []Point
	for m := 0; m < 30; m++ {
		ts := todayStart.Add(time.Duration(m)*time.Minute + 30*time.Second).Unix()
		imported = append(imported, Point{ts, damageValue(len(damageSeries), ts)})
	}
	if _, err := s.Import(ctx, func(yield func(Series, Point) error) error {
		for _, p := range imported {
			if err := yield(importedSeries, p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range imported {
		f.add(todayLog, importedSeries.Key(), p)
	}
	// Today's sets, a minute apart (the schema written twice, then sets
	// that rely on it).
	for m := 0; m < 40; m++ {
		set(todayStart.Add(time.Duration(m)*time.Minute), todayLog)
	}
	// A late set for a finished day, not yet compacted: a second head log.
	late := day.Add(24*time.Hour + 13*time.Hour + 7*time.Second)
	set(late, "head/"+dayName(dayOf(late.Unix()))+".log")
	for _, pts := range f.all {
		slices.SortFunc(pts, func(a, b Point) int { return int(a.T - b.T) })
	}
	return f
}

// memDir returns a temporary directory in /dev/shm when there is one: the
// cases fsync hundreds of files each, which on a disk takes most of the
// test's time and says nothing about damage.
func memDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "srvmon-damage-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// storeFiles lists the files of the store in dir that damage can hit.
func storeFiles(t *testing.T, dir string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel != lockName {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// unitOf returns the unit (head log or block directory) a file belongs to.
func unitOf(rel string) string {
	if strings.HasPrefix(rel, blocksDir+"/") {
		parts := strings.SplitN(rel, "/", 3)
		return parts[0] + "/" + parts[1]
	}
	if m, ok := strings.CutSuffix(rel, markSuffix); ok {
		return m + headSuffix
	}
	return rel
}

// damageCase is one damage to one file.
type damageCase struct {
	file string
	kind string // "byte", "bytes", "cut", "delete", "rmdir" (a block directory)
	seed uint64
}

// apply damages the file in dir and says how.
func (dc damageCase) apply(t *testing.T, dir string) string {
	path := filepath.Join(dir, dc.file)
	if dc.kind == "rmdir" {
		if err := os.RemoveAll(path); err != nil {
			t.Fatal(err)
		}
		return "deleted whole"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(dc.seed, 8))
	switch {
	case dc.kind == "delete" || len(data) == 0:
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return "deleted"
	case dc.kind == "cut":
		n := r.IntN(len(data))
		data = data[:n]
		return fmt.Sprintf("cut to %d bytes", n) + writeBack(t, path, data)
	case dc.kind == "byte":
		i := r.IntN(len(data))
		data[i] ^= byte(1 + r.IntN(255))
		return fmt.Sprintf("byte %d of %d changed", i, len(data)) + writeBack(t, path, data)
	default:
		n := 2 + r.IntN(30)
		i := r.IntN(len(data))
		for j := i; j < min(i+n, len(data)); j++ {
			data[j] ^= byte(1 + r.IntN(255))
		}
		return fmt.Sprintf("bytes %d..%d of %d changed", i, min(i+n, len(data)), len(data)) + writeBack(t, path, data)
	}
}

// writeBack writes the damaged file, dated a minute ago: damage is found
// after it happened, not while a writer may still be writing.
func writeBack(t *testing.T, path string, data []byte) string {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	return ""
}

// copyTree copies the directory src to dst.
func copyTree(t *testing.T, src, dst string) {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDamageFaultInjection(t *testing.T) {
	f := buildDamageFixture(t)
	files := storeFiles(t, f.dir)
	kinds := map[string]int{"delete": 1, "cut": 3, "byte": 6, "bytes": 6}
	var cases []damageCase
	seed := uint64(1)
	for _, file := range files {
		for _, kind := range []string{"delete", "cut", "byte", "bytes"} {
			for n := 0; n < kinds[kind]; n++ {
				seed++
				cases = append(cases, damageCase{file: file, kind: kind, seed: seed})
			}
		}
	}
	// A whole day block deleted (the ledger of days notices it).
	for _, file := range files {
		if u := unitOf(file); strings.HasPrefix(u, blocksDir+"/") && !slices.ContainsFunc(cases, func(c damageCase) bool { return c.file == u }) {
			seed++
			cases = append(cases, damageCase{file: u, kind: "rmdir", seed: seed})
		}
	}
	if len(cases) < 200 {
		t.Fatalf("only %d cases from %d files: %v", len(cases), len(files), files)
	}
	t.Logf("%d damage cases over %d files", len(cases), len(files))
	// Under -short (make test's race run) every eighth case; make test
	// runs all of them without the race detector ('Damage' in its list).
	step := 1
	if testing.Short() {
		step = 8
	}
	root := memDir(t)
	for i := 0; i < len(cases); i += step {
		dc := cases[i]
		dir := filepath.Join(root, fmt.Sprint(i))
		copyTree(t, f.dir, dir)
		how := dc.apply(t, dir)
		checkDamageCase(t, f, dir, dc, how)
		os.RemoveAll(dir)
		if t.Failed() {
			break
		}
	}
}

func checkDamageCase(t *testing.T, f *damageFixture, dir string, dc damageCase, how string) {
	t.Helper()
	ctx := context.Background()
	name := dc.file + " " + how
	clk := &clock{f.today}
	s, err := Open(dir, withClock(clk.now), WithRetention(0))
	if err != nil {
		t.Errorf("%s: open: %v", name, err)
		return
	}
	from, to := f.today.Add(-10*24*time.Hour), f.today.Add(24*time.Hour)
	got := map[string][]Point{}
	if err := s.Read(ctx, from, to, nil, func(ser Series, pts []Point) error {
		got[ser.Key()] = slices.Clone(pts)
		return nil
	}); err != nil {
		t.Errorf("%s: read: %v", name, err)
		return
	}
	// Nothing read that was never recorded.
	for key, pts := range got {
		i := seriesIndex(key)
		for _, p := range pts {
			if !slices.Contains(f.all[key], p) || p.V != damageValue(i, p.T) {
				t.Errorf("%s: read %s %v, which was never recorded", name, key, p)
				return
			}
		}
	}
	// Every sample of the files that were not damaged reads back, and
	// every missing one lies in reported damage of the damaged file.
	unit := unitOf(dc.file)
	damage := s.Damage()
	missing := 0
	for key, pts := range f.all {
		for _, p := range pts {
			if slices.Contains(got[key], p) {
				continue
			}
			missing++
			if !slices.Contains(f.owner[unit][key], p) {
				t.Errorf("%s: %s %v of an undamaged file is missing", name, key, p)
				return
			}
			if !covered(damage, unit, p.T) {
				t.Errorf("%s: %s %v is missing and no damage reported covers it: %v", name, key, p, damage)
				return
			}
		}
	}
	// Verify finds the damage (a case that lost nothing and left every
	// file intact, such as a cut at the exact end, may find none) and
	// Repair leaves a store Verify passes.
	check, err := s.Verify(ctx)
	if err != nil {
		t.Errorf("%s: verify: %v", name, err)
		return
	}
	if missing > 0 || len(damage) > 0 {
		found := false
		for _, d := range check.Damage {
			if strings.HasPrefix(d.File, unit) || d.File == dc.file || unitOf(d.File) == unit {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %d samples missing, damage %v, but verify found nothing: %+v", name, missing, damage, check)
			return
		}
	}
	// Recording goes on: a set for today and a late one for a finished
	// day whose block may be the damaged one, then Maintain.
	clk.t = f.today.Add(time.Minute)
	newT := []time.Time{f.today, f.today.Add(-2*24*time.Hour + 5*time.Hour + 3*time.Second)}
	w, err := s.Lock(ctx)
	if err != nil {
		t.Errorf("%s: lock: %v", name, err)
		return
	}
	for _, ts := range newT {
		var samples []Sample
		for i, ser := range damageSeries {
			samples = append(samples, Sample{ser, damageValue(i, ts.Unix())})
		}
		if err := w.Append(ts, samples); err != nil {
			t.Errorf("%s: append %s: %v", name, ts, err)
		}
	}
	if err := w.Maintain(ctx); err != nil {
		t.Errorf("%s: maintain: %v", name, err)
	}
	w.Close()
	s2, err := Open(dir, withClock(clk.now), WithRetention(0))
	if err != nil {
		t.Errorf("%s: open after recording: %v", name, err)
		return
	}
	after := map[string][]Point{}
	if err := s2.Read(ctx, from, to, nil, func(ser Series, pts []Point) error {
		after[ser.Key()] = slices.Clone(pts)
		return nil
	}); err != nil {
		t.Errorf("%s: read after recording: %v", name, err)
		return
	}
	for _, ts := range newT {
		for i, ser := range damageSeries {
			if p := (Point{ts.Unix(), damageValue(i, ts.Unix())}); !slices.Contains(after[ser.Key()], p) {
				t.Errorf("%s: the set recorded after the damage at %s is not read back (%s)", name, ts, ser.Key())
				return
			}
		}
	}
	s3, err := Open(dir, withClock(clk.now), WithRetention(0))
	if err != nil {
		t.Errorf("%s: open for repair: %v", name, err)
		return
	}
	w, err = s3.Lock(ctx)
	if err != nil {
		t.Errorf("%s: lock for repair: %v", name, err)
		return
	}
	_, fixed, err := w.Repair(ctx)
	w.Close()
	if err != nil {
		t.Errorf("%s: repair: %v", name, err)
		return
	}
	if len(fixed.Damage) > 0 {
		t.Errorf("%s: still damaged after repair: %v", name, fixed.Damage)
		return
	}
	s4, _ := Open(dir, withClock(clk.now))
	if c, err := s4.Verify(ctx); err != nil || len(c.Damage) > 0 {
		t.Errorf("%s: verify after repair: %v %v", name, c.Damage, err)
	}
	// What recording added survives the repair.
	final := map[string][]Point{}
	if err := s4.Read(ctx, from, to, nil, func(ser Series, pts []Point) error {
		final[ser.Key()] = slices.Clone(pts)
		return nil
	}); err != nil {
		t.Errorf("%s: read after repair: %v", name, err)
		return
	}
	for _, ts := range newT {
		p := Point{ts.Unix(), damageValue(0, ts.Unix())}
		if !slices.Contains(final[damageSeries[0].Key()], p) {
			t.Errorf("%s: the set recorded at %s is gone after repair", name, ts)
		}
	}
	// A block whose summary alone was damaged is rebuilt from its
	// tstorage files: none of its samples is lost.
	if filepath.Base(dc.file) == summaryName {
		for key, pts := range f.owner[unit] {
			for _, p := range pts {
				if !slices.Contains(final[key], p) {
					t.Errorf("%s: %s %v is not back after the repair rebuilt the block", name, key, p)
					return
				}
			}
		}
	}
}

// covered reports whether a reported Damage of unit covers time t.
func covered(damage []Damage, unit string, t int64) bool {
	for _, d := range damage {
		if (d.File == unit || strings.HasPrefix(d.File, unit+"/")) && !d.From.After(time.Unix(t, 0)) && d.To.After(time.Unix(t, 0)) {
			return true
		}
	}
	return false
}
