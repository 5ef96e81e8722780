package tsdb

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// schemaFixture is a head log whose sets hold changing series lists.
type schemaFixture struct {
	dir  string             // the store
	path string             // its head log
	want map[string][]Point // every sample written, by key
	sets []int64            // the sets' times
}

// schemaSeries is the universe the fixture's sets draw from: keys that
// share long prefixes, as a host's process series do.
func schemaSeries(n int) []Series {
	out := make([]Series, n)
	for i := range out {
		out[i] = NewSeries(fmt.Sprintf("srvmon_process_cpu_seconds_total_%d", i%3), "pid", fmt.Sprint(1000+i*37), "comm", fmt.Sprintf("proc%d", i), "instance", "h1")
	}
	return out
}

// buildSchemaFixture writes 120 sets, a minute apart, whose series lists
// change by a few series most minutes, not at all some minutes, and almost
// wholly twice (which starts new chains): the first 60 sets by one writer
// each (a record run, which reads the chain back), the rest by one writer.
func buildSchemaFixture(t *testing.T) *schemaFixture {
	t.Helper()
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	all := schemaSeries(80)
	rng := rand.New(rand.NewPCG(3, 4))
	on := make([]bool, len(all))
	for i := range 30 {
		on[i] = true
	}
	f := &schemaFixture{dir: s.Dir(), path: s.headPath(dayOf(c.t.Unix())), want: map[string][]Point{}}
	var long *Writer
	for n := range 120 {
		switch {
		case n == 40 || n == 90:
			for i := range on {
				on[i] = !on[i]
			}
		case n%7 == 3:
		default:
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(all))
				on[i] = !on[i]
			}
		}
		ts := c.t.Add(time.Duration(n) * time.Minute)
		var samples []Sample
		for i, ser := range all {
			if on[i] {
				p := Point{ts.Unix(), float64(ts.Unix()*100+int64(i)) / 8}
				samples = append(samples, Sample{ser, p.V})
				f.want[ser.Key()] = append(f.want[ser.Key()], p)
			}
		}
		f.sets = append(f.sets, ts.Unix())
		w := long
		if w == nil {
			var err error
			if w, err = s.Lock(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Append(ts, samples); err != nil {
			t.Fatal(err)
		}
		if n == 59 {
			long = w
		} else if n < 59 {
			w.Close()
		}
	}
	long.Close()
	return f
}

// recordTypes counts a head log's records by type, and returns where each
// record starts.
func recordTypes(data []byte) (map[byte]int, []int) {
	types := map[byte]int{}
	var starts []int
	off := 0
	for {
		p, next, ok := recordAt(data, off)
		if !ok {
			return types, starts
		}
		types[p[0]]++
		starts = append(starts, off)
		off = next
	}
}

// TestSchemaChanges writes sets whose series lists change and checks that
// they read back exactly, defined by changes ('D') with chains restarted
// where a change grew too big, and no whole schema ('S').
func TestSchemaChanges(t *testing.T) {
	f := buildSchemaFixture(t)
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	types, _ := recordTypes(data)
	if types[recSchema] != 0 || types[recPackedSet] != 120 || types[recPairChange] < 60 {
		t.Fatalf("records by type: %v", types)
	}
	chains := 0
	for _, copies := range chainStarts(data) {
		chains += copies
	}
	if chains < 2*3 { // the first and the two almost whole changes, each twice
		t.Fatalf("%d chain starts (copies included), want at least 6", chains)
	}
	f.checkReadBack(t, data)
}

// chainStarts counts the definitions that start a chain in a head log
// (changes from the empty schema), copies included, by schema hash.
func chainStarts(data []byte) map[uint64]int {
	starts := map[uint64]int{}
	scanRecords(data, func(p []byte) {
		if isChange(p[0]) {
			r := &payloadReader{b: p[1:]}
			if hash, base, _ := decodeChange(p[0], r); base == emptySchemaHash {
				starts[hash]++
			}
		}
	}, nil)
	return starts
}

// checkReadBack checks that the head log data reads back as every sample
// f wrote, and nothing else, with no damage.
func (f *schemaFixture) checkReadBack(t *testing.T, data []byte) {
	t.Helper()
	h := parseHead(data, true)
	if len(h.damage) > 0 {
		t.Fatalf("damage: %v", h.damage)
	}
	if len(h.points) != len(f.want) {
		t.Fatalf("%d series read, %d written", len(h.points), len(f.want))
	}
	for k, want := range f.want {
		if got := h.points[k]; !slices.Equal(got, want) {
			t.Fatalf("%s: read %v, wrote %v", k, got, want)
		}
	}
}

// TestSchemaChangeDamage damages each record of a head log of changing
// series lists in turn and checks that no sample is read that was not
// written, that a damaged set record costs only its own set and a damaged
// definition none, and that every missing sample is reported as damage.
// Then it damages the first definition of the last chain and checks that
// the next writer starts a new chain that reads back.
func TestSchemaChangeDamage(t *testing.T) {
	f := buildSchemaFixture(t)
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	_, starts := recordTypes(data)
	for _, off := range starts {
		bad := slices.Clone(data)
		kind := bad[off+recHeader]
		bad[off+recHeader+9] ^= 0x40 // inside the payload: the CRC fails
		h := parseHead(bad, true)
		missing := map[int64]bool{}
		for k, want := range f.want {
			got := h.points[k]
			for _, p := range got {
				if !slices.Contains(want, p) {
					t.Fatalf("record %c at %d damaged: %s read %v, never written", kind, off, k, p)
				}
			}
			for _, p := range want {
				if !slices.Contains(got, p) {
					missing[p.T] = true
				}
			}
		}
		// A definition's copy is written with the next set: the last
		// set's definition has none yet (as in format 3).
		limit := 0
		if kind == recPackedSet || off > starts[len(starts)-4] {
			limit = 1
		}
		if len(missing) > limit {
			t.Fatalf("record %c at %d damaged: %d sets missing, want at most %d", kind, off, len(missing), limit)
		}
		for ts := range missing {
			if !slices.ContainsFunc(h.damage, func(d headDamage) bool { return d.from <= ts && (d.to == 0 || ts < d.to) }) {
				t.Fatalf("record %c at %d damaged: the set at %d is missing and not reported: %v", kind, off, ts, h.damage)
			}
		}
	}

	// The first definition of the last chain, and its copy, damaged: the
	// sets of that chain are lost (and reported), and the next writer,
	// which cannot read the chain, starts a new one.
	var chainStarts []int
	for _, off := range starts {
		p, _, _ := recordAt(data, off)
		r := &payloadReader{b: p[1:]}
		if _, base, _ := decodeChange(p[0], r); isChange(p[0]) && base == emptySchemaHash {
			chainStarts = append(chainStarts, off)
		}
	}
	bad := slices.Clone(data)
	for _, off := range chainStarts[len(chainStarts)-2:] {
		bad[off+recHeader+9] ^= 0x40
	}
	if err := os.WriteFile(f.path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Unix(f.sets[len(f.sets)-1]+60, 0)}
	s, err := Open(f.dir, withClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	ser := schemaSeries(3)
	appendSet(t, s, c.t, Sample{ser[1], 1.5}, Sample{ser[2], 2.5})
	after, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	h := parseHead(after, true)
	if got := h.points[ser[2].Key()]; len(got) == 0 || got[len(got)-1] != (Point{c.t.Unix(), 2.5}) {
		t.Fatalf("the set written after the damage reads %v", got)
	}
	if len(h.damage) == 0 {
		t.Fatal("the lost chain is not reported")
	}
}

// TestSetValues appends sets of values of every kind and checks that the
// head log reads them back bit for bit, and that integers and short
// decimals take fewer bytes than float64s.
func TestSetValues(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	values := []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0x7ff8000000000bad), math.Inf(1), math.Inf(-1),
		1e300, 1 << 53, 1<<53 - 1, -(1<<53 - 1), 0.1, 1234.56, 1e-7, 123456.789012, math.Pi, 4, -4096 * 12345, 0.29, 5e-324}
	var samples []Sample
	for i, v := range values {
		samples = append(samples, Sample{NewSeries("m", "i", fmt.Sprint(i)), v})
	}
	appendSet(t, s, c.t, samples...)
	data, err := os.ReadFile(s.headPath(dayOf(c.t.Unix())))
	if err != nil {
		t.Fatal(err)
	}
	h := parseHead(data, true)
	for _, smp := range samples {
		got := h.points[smp.Series.Key()]
		if len(got) != 1 || math.Float64bits(got[0].V) != math.Float64bits(smp.Value) {
			t.Fatalf("%s: wrote %v (%#x), read %v", smp.Series.Key(), smp.Value, math.Float64bits(smp.Value), got)
		}
	}
	for v, most := range map[float64]int{4: 1, 1234.56: 4, 0.29: 2, 1<<53 - 1: 9, math.Pi: 9} {
		if n := len(appendSetValue(nil, v)); n > most {
			t.Errorf("%v takes %d bytes, want at most %d", v, n, most)
		}
	}
}

// TestPrefixChangeRecords reads a head log as format 4 first wrote it: 'D'
// changes (added keys prefix-shared) and 'w' sets of float64 values.
func TestPrefixChangeRecords(t *testing.T) {
	prefixChange := func(hash, baseHash uint64, removed []int, added []string) []byte {
		return appendPrefixed(appendChangeHead(nil, recChange, hash, baseHash, removed), added)
	}
	set := func(ts int64, hash uint64, values ...float64) []byte {
		b := []byte{recChainSet}
		b = binary.LittleEndian.AppendUint64(b, uint64(ts))
		b = binary.LittleEndian.AppendUint64(b, hash)
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint64(b, 0)
		b = binary.LittleEndian.AppendUint64(b, 0)
		b = binary.AppendUvarint(b, uint64(len(values)))
		for _, v := range values {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	k1, k2, k3 := `m{a="1"}`, `m{a="2"}`, `m{a="23"}`
	h1, h2 := schemaHash([]string{k1, k2}), schemaHash([]string{k1, k3})
	var log []byte
	log = appendRecord(log, prefixChange(h1, emptySchemaHash, nil, []string{k1, k2}))
	log = appendRecord(log, set(100, h1, 1, 2))
	log = appendRecord(log, prefixChange(h2, h1, []int{1}, []string{k3}))
	log = appendRecord(log, set(160, h2, 1.5, 3.25))
	h := parseHead(log, true)
	want := map[string][]Point{k1: {{100, 1}, {160, 1.5}}, k2: {{100, 2}}, k3: {{160, 3.25}}}
	if len(h.damage) > 0 || fmt.Sprint(h.points) != fmt.Sprint(want) {
		t.Fatalf("read %v (damage %v), want %v", h.points, h.damage, want)
	}
}

// TestCachedHeadSchemaChanges reads a head log through a long-running
// reader's cache (which decodes only what was appended since its last
// read) after every set of changing series lists, and checks that each
// read holds every set so far.
func TestCachedHeadSchemaChanges(t *testing.T) {
	c := &clock{day0.Add(time.Hour)}
	s := newTestStore(t, c)
	reader, err := Open(s.Dir(), withClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	all := schemaSeries(40)
	want := map[string][]Point{}
	for n := range 30 {
		ts := c.t.Add(time.Duration(n) * time.Minute)
		var samples []Sample
		for i, ser := range all {
			if (i+n)%4 != 0 && (n < 20 || i%2 == 0) {
				p := Point{ts.Unix(), float64(n*100 + i)}
				samples = append(samples, Sample{ser, p.V})
				want[ser.Key()] = append(want[ser.Key()], p)
			}
		}
		appendSet(t, s, ts, samples...)
		h, err := reader.readHead(dayOf(ts.Unix()))
		if err != nil {
			t.Fatal(err)
		}
		if len(h.damage) > 0 {
			t.Fatalf("set %d: damage %v", n, h.damage)
		}
		for k, pts := range want {
			if got := h.points[k]; !slices.Equal(got, pts) {
				t.Fatalf("set %d: %s reads %v, want %v", n, k, got, pts)
			}
		}
	}
	if reader.stats.HeadsRead != 30 {
		t.Fatalf("%d head reads", reader.stats.HeadsRead)
	}
}

// TestSchemaChainSpan checks that a writer starts a new chain once a
// change lies maxChainSpan past its chain's first definition, so that
// damage to both copies of that definition loses a bounded part of the
// day, and that the sets read back exactly.
func TestSchemaChainSpan(t *testing.T) {
	defer func(v int64) { maxChainSpan = v }(maxChainSpan)
	maxChainSpan = 2048
	f := buildSchemaFixture(t)
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	// Without the span this fixture has 5 chains in 124 KB.
	if chains, want := len(chainStarts(data)), len(data)/(2*int(maxChainSpan)); chains < want {
		t.Fatalf("%d chains in %d bytes, want at least %d with a span of %d", chains, len(data), want, maxChainSpan)
	}
	f.checkReadBack(t, data)
}
