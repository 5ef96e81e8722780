package query

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// runSummaries computes a query whose step is a whole number of hours and
// whose aggregation is avg from the store's hourly summaries, so that weeks
// cost a few values per series and hour instead of every sample. The hours
// at the ends of the range that it covers only in part, and the hours a
// summary cannot answer exactly (see computeSums), come from raw samples.
// Both ways give the same numbers: every value belongs to the hour of the
// later sample of its interval.
func (e *engine) runSummaries(ctx context.Context) error {
	h0 := ceilDiv(e.start, hour) * hour
	h1 := floorDiv(e.end, hour) * hour
	if h1 <= h0 {
		return e.computeRawIn(ctx, e.start, e.end, nil)
	}
	base := h0 - hour // the hour before the first, for its first interval
	err := e.s.ReadSummaries(ctx, time.Unix(base, 0), time.Unix(h1, 0), e.match, func(ser tsdb.Series, hs []tsdb.HourSummary) error {
		if ser.Metric == metric.BootInfo {
			e.boots.add(ser.Get("instance"), ser.Get("boot_id"), hs[0].FirstT, hs[len(hs)-1].LastT)
			if !e.accepts(ser) {
				return nil
			}
		}
		g, termIx := e.register(ser, ser.Key())
		g.sums[termIx] = hs
		return nil
	})
	if err != nil {
		return err
	}
	fallback := map[*group][]int64{}
	for _, g := range e.groups {
		if fb := e.computeSums(g, base, h1); len(fb) > 0 {
			fallback[g] = fb
		}
	}
	for _, w := range [][2]int64{{e.start, h0}, {h1, e.end}} {
		if w[0] >= w[1] {
			continue
		}
		if err := e.computeRawIn(ctx, w[0], w[1], nil); err != nil {
			return err
		}
	}
	// Hours the summaries could not answer, read raw in runs of whole
	// hours; groups that need the same run share one read.
	runs, groupsOf := fallbackRuns(fallback)
	for _, w := range runs {
		if err := e.computeRawIn(ctx, w[0], w[1], groupsOf[w]); err != nil {
			return err
		}
	}
	return nil
}

// computeRawIn reads [from, to) at raw resolution and computes over it the
// groups in only, or every group when only is nil.
func (e *engine) computeRawIn(ctx context.Context, from, to int64, only map[*group]bool) error {
	if err := e.readRaw(ctx, from, to, only); err != nil {
		return err
	}
	for _, g := range e.groups {
		if only == nil || only[g] {
			e.computeRaw(g, from, to)
		}
	}
	return nil
}

// fallbackRuns cuts the hours each group left to raw samples (computeSums)
// into runs of consecutive hours, and returns the runs, in time order, with
// the groups that need each.
func fallbackRuns(fallback map[*group][]int64) ([][2]int64, map[[2]int64]map[*group]bool) {
	groupsOf := map[[2]int64]map[*group]bool{}
	for g, hours := range fallback {
		for i := 0; i < len(hours); {
			j := i + 1
			for j < len(hours) && hours[j] == hours[j-1]+hour {
				j++
			}
			w := [2]int64{hours[i], hours[j-1] + hour}
			if groupsOf[w] == nil {
				groupsOf[w] = map[*group]bool{}
			}
			groupsOf[w][g] = true
			i = j
		}
	}
	runs := make([][2]int64, 0, len(groupsOf))
	for w := range groupsOf {
		runs = append(runs, w)
	}
	sort.Slice(runs, func(i, j int) bool {
		return runs[i][0] < runs[j][0] || runs[i][0] == runs[j][0] && runs[i][1] < runs[j][1]
	})
	return runs, groupsOf
}

// computeSums adds the values of g for the whole hours in [base+1h, h1)
// from its hourly summaries and returns the hours it left to raw samples:
// those where g's input series do not share their sample times, where a
// counter was reset or the host rebooted, or where the samples are too few
// for the time they span (a gap may hide inside). An hour's first interval
// starts at the last sample of the hour before; it is left out, as the raw
// computation leaves it out, when it starts before the range, is a gap,
// spans a reboot or a counter went down.
//
// Level columns take the hour's samples by their sums; a clamped column
// (memory used) is clamped on the hour's sums, not on each sample.
func (e *engine) computeSums(g *group, base, h1 int64) []int64 {
	bs := bind(g, func(termIx int) bool { return len(g.sums[termIx]) > 0 })
	if len(bs) == 0 {
		return nil
	}
	grid := newHourGrid(g, bs, base, int((h1-base)/hour))
	g.interval = grid.interval()
	gapLimit := gapFactor * float64(g.interval)
	var fallback []int64
	for k := 1; k < grid.hours; k++ {
		ref, answerable := grid.hour(k, float64(g.interval))
		if ref == nil {
			continue
		}
		if !answerable {
			fallback = append(fallback, base+int64(k)*hour)
			continue
		}
		prevT, prevOK := grid.lastBefore(k)
		bridge := ref.FirstT - prevT
		prevOK = prevOK && prevT >= e.start && float64(bridge) <= gapLimit && !e.boots.rebooted(g.inst, prevT, ref.FirstT)
		for _, bc := range bs {
			if bc.c.kind == level {
				e.emitHourLevel(g, bc, grid.cells, k, ref)
			} else {
				e.emitHourRate(g, bc, grid.cells, k, ref, prevOK, bridge)
			}
		}
	}
	return fallback
}

// hourGrid holds the hourly summaries of the terms a group's bound columns
// use, by term and hour.
type hourGrid struct {
	cells    [][]*tsdb.HourSummary // [term index][hour]; nil where none
	used     []int                 // the term indexes used
	counters []int                 // the counter terms whose reset voids an hour
	hasRate  bool
	hours    int
}

func newHourGrid(g *group, bs []bound, base int64, hours int) *hourGrid {
	grid := &hourGrid{cells: make([][]*tsdb.HourSummary, len(g.sums)), hours: hours}
	for _, bc := range bs {
		for _, bt := range append(slices.Clone(bc.num), bc.den...) {
			grid.used = append(grid.used, bt.termIx)
		}
		grid.counters = append(grid.counters, bc.counters...)
		grid.hasRate = grid.hasRate || bc.c.kind == rate
	}
	slices.Sort(grid.used)
	grid.used = slices.Compact(grid.used)
	slices.Sort(grid.counters)
	grid.counters = slices.Compact(grid.counters)
	for _, termIx := range grid.used {
		grid.cells[termIx] = make([]*tsdb.HourSummary, hours)
		for i := range g.sums[termIx] {
			h := &g.sums[termIx][i]
			if k := (h.Start - base) / hour; k >= 0 && k < int64(hours) {
				grid.cells[termIx][k] = h
			}
		}
	}
	return grid
}

// interval returns the recording interval: the median over the hours of
// the mean interval inside each.
func (grid *hourGrid) interval() int64 {
	var means []float64
	for _, c := range grid.cells[grid.used[0]] {
		if c != nil && c.Count >= 2 {
			means = append(means, float64(c.LastT-c.FirstT)/float64(c.Count-1))
		}
	}
	if len(means) == 0 {
		return defaultInterval
	}
	slices.Sort(means)
	return max(1, int64(math.Round(means[len(means)/2])))
}

// hour returns the summary of hour k of the first term (nil when no term
// has one) and whether the summaries can answer the hour: every term has
// one, all with the same sample times, no counter was reset and no gap
// hides inside (a gap of more than gapFactor intervals replaces at least
// gapFactor-1 of them, so the hour spans more time than its sample count
// explains).
func (grid *hourGrid) hour(k int, interval float64) (*tsdb.HourSummary, bool) {
	var ref *tsdb.HourSummary
	present, aligned := 0, true
	for _, termIx := range grid.used {
		c := grid.cells[termIx][k]
		if c == nil {
			continue
		}
		present++
		if ref == nil {
			ref = c
		} else if c.FirstT != ref.FirstT || c.LastT != ref.LastT || c.Count != ref.Count {
			aligned = false
		}
	}
	if ref == nil || present < len(grid.used) || !aligned {
		return ref, false
	}
	if grid.hasRate {
		for _, termIx := range grid.counters {
			if grid.cells[termIx][k].Resets > 0 {
				return ref, false
			}
		}
		if ref.Count >= 2 && float64(ref.LastT-ref.FirstT) > (float64(ref.Count-1)+gapFactor-1)*interval {
			return ref, false
		}
	}
	return ref, true
}

// lastBefore returns the time of the last sample of the hour before hour
// k, and whether every term has it there.
func (grid *hourGrid) lastBefore(k int) (int64, bool) {
	var prevT int64
	for i, termIx := range grid.used {
		p := grid.cells[termIx][k-1]
		if p == nil || (i > 0 && p.LastT != prevT) {
			return 0, false
		}
		prevT = p.LastT
	}
	return prevT, true
}

// emitHourLevel adds the samples of hour k to a level column: the first
// one on its own (at the start of the hour it ends the bucket before) and
// the others together, each labelled with its time.
func (e *engine) emitHourLevel(g *group, bc bound, cells [][]*tsdb.HourSummary, k int, ref *tsdb.HourSummary) {
	sum := func(ts []boundTerm, of func(*tsdb.HourSummary) float64) float64 {
		var v float64
		for _, bt := range ts {
			v += bt.coef * of(cells[bt.termIx][k])
		}
		return v
	}
	first := func(c *tsdb.HourSummary) float64 { return c.FirstV }
	rest := func(c *tsdb.HourSummary) float64 { return c.Sum - c.FirstV }
	pieces := []struct {
		t     int64
		of    func(*tsdb.HourSummary) float64
		count int
	}{{ref.FirstT, first, 1}, {ref.LastT, rest, ref.Count - 1}}
	for _, p := range pieces {
		if p.count == 0 {
			continue
		}
		num := sum(bc.num, p.of)
		if bc.c.clamp && num < 0 {
			num = 0
		}
		den := float64(p.count)
		if bc.den != nil {
			den = sum(bc.den, p.of)
		}
		e.emit(g, bc.ci, p.t, p.t, num, den, true)
	}
}

// emitHourRate adds the intervals of hour k to a rate column: the one from
// the hour before (when valid: prevOK and no counter went down across it)
// labelled with the hour's first sample, and those inside the hour
// labelled with its last.
func (e *engine) emitHourRate(g *group, bc bound, cells [][]*tsdb.HourSummary, k int, ref *tsdb.HourSummary, prevOK bool, bridge int64) {
	for _, termIx := range bc.counters {
		if prevOK && cells[termIx][k].FirstV < cells[termIx][k-1].LastV {
			prevOK = false
		}
	}
	sum := func(ts []boundTerm, of func(termIx int) float64) float64 {
		var v float64
		for _, bt := range ts {
			v += bt.coef * of(bt.termIx)
		}
		return v
	}
	if prevOK {
		across := func(termIx int) float64 { return cells[termIx][k].FirstV - cells[termIx][k-1].LastV }
		num, den := sum(bc.num, across), float64(bridge)
		if bc.den != nil {
			den = sum(bc.den, across)
		}
		e.emit(g, bc.ci, ref.FirstT, ref.FirstT-bridge, num, den, true)
	}
	if ref.Count >= 2 {
		inside := func(termIx int) float64 { return cells[termIx][k].Increase }
		num, den := sum(bc.num, inside), float64(ref.LastT-ref.FirstT)
		if bc.den != nil {
			den = sum(bc.den, inside)
		}
		e.emit(g, bc.ci, ref.LastT, ref.FirstT, num, den, true)
	}
}

// bootIndex knows, per instance, the span of time each boot was recorded
// in (from the srvmon_boot_info series), to tell whether two sample times
// belong to different boots.
type bootIndex struct {
	inst map[string][]bootSpan // sorted by first
	// sets are the sample set times of each instance (every sample set
	// holds the boot series), sorted when sorted is set.
	sets   map[string][]int64
	sorted bool
}

// addSets records the sample set times of instance in pts.
func (b *bootIndex) addSets(inst string, pts []tsdb.Point) {
	if b.sets == nil {
		b.sets = map[string][]int64{}
	}
	for _, p := range pts {
		b.sets[inst] = append(b.sets[inst], p.T)
	}
	b.sorted = false
}

// prevSet returns the time of the sample set of instance before t.
func (b *bootIndex) prevSet(inst string, t int64) (int64, bool) {
	if !b.sorted {
		for k, ts := range b.sets {
			slices.Sort(ts)
			b.sets[k] = slices.Compact(ts)
		}
		b.sorted = true
	}
	ts := b.sets[inst]
	i, _ := slices.BinarySearch(ts, t)
	if i == 0 {
		return 0, false
	}
	return ts[i-1], true
}

type bootSpan struct {
	first, last int64
	id          string
}

// add records that boot id of instance was seen from first to last.
func (b *bootIndex) add(inst, id string, first, last int64) {
	if b.inst == nil {
		b.inst = map[string][]bootSpan{}
	}
	spans := b.inst[inst]
	for i := range spans {
		if spans[i].id == id {
			spans[i].first = min(spans[i].first, first)
			spans[i].last = max(spans[i].last, last)
			sort.Slice(spans, func(i, j int) bool { return spans[i].first < spans[j].first })
			return
		}
	}
	spans = append(spans, bootSpan{first: first, last: last, id: id})
	sort.Slice(spans, func(i, j int) bool { return spans[i].first < spans[j].first })
	b.inst[inst] = spans
}

// rebooted reports whether instance booted between sample times t0 < t1:
// whether the boots recorded last at or before each differ.
func (b *bootIndex) rebooted(inst string, t0, t1 int64) bool {
	spans := b.inst[inst]
	if len(spans) < 2 {
		return false
	}
	at := func(t int64) int { return sort.Search(len(spans), func(i int) bool { return spans[i].first > t }) - 1 }
	i0, i1 := at(t0), at(t1)
	return i0 >= 0 && i1 >= 0 && i0 != i1
}
