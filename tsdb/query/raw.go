// The computation from raw samples: rates over the exact interval between
// two samples, levels at each sample, gaps, reboots and resets.

package query

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// readRaw reads the points of [a-lookback, b) of the groups in only (nil:
// every input series) into their pts, replacing what they held, and the
// boot series of the same range.
func (e *engine) readRaw(ctx context.Context, a, b int64, only map[*group]bool) error {
	match := e.match
	if only != nil {
		for g := range only {
			clear(g.pts)
		}
		match = func(ser tsdb.Series) bool {
			if ser.Metric == metric.BootInfo {
				return true
			}
			r, ok := e.terms[ser.Key()]
			return ok && only[r.g]
		}
	} else {
		for _, g := range e.groups {
			clear(g.pts)
		}
	}
	return e.readPoints(ctx, time.Unix(a-lookback, 0), time.Unix(b, 0), match, func(ser tsdb.Series, pts []tsdb.Point) error {
		key := ser.Key()
		if ser.Metric == metric.BootInfo {
			e.boots.add(ser.Get("instance"), ser.Get("boot_id"), pts[0].T, pts[len(pts)-1].T)
			e.boots.addSets(ser.Get("instance"), pts)
			if !e.accepts(ser) {
				return nil
			}
		}
		g, termIx := e.register(ser, key)
		if only != nil && !only[g] {
			return nil
		}
		g.pts[termIx] = pts
		return nil
	})
}

// computeRaw adds the values of g between its samples in [a, b) (read by
// readRaw) to g's columns.
//
// A rate is computed between two consecutive samples over their exact
// interval and belongs to the later sample's time; both samples must be in
// the range. No rate is computed across a gap (an interval longer than
// gapFactor recording intervals: a NaN point marks it, one recording
// interval after the sample before it), across a reboot or across a
// counter that went down (NaN at the later sample).
func (e *engine) computeRaw(g *group, a, b int64) {
	bs := bind(g, func(termIx int) bool { return len(g.pts[termIx]) > 0 })
	if len(bs) == 0 {
		return
	}
	in := joinTerms(g, bs, nil)
	if len(in.times) == 0 {
		return
	}
	if g.interval == 0 {
		g.interval = medianInterval(in.times)
	}
	e.computeJoined(g, bs, in, a, b)
}

// computeJoined adds the values of the bound columns bs of g at the joined
// sample times in of [a, b) to g's columns (see computeRaw); the times
// before a only give the first samples in the range the ones before them.
func (e *engine) computeJoined(g *group, bs []bound, in joinedTerms, a, b int64) {
	gapLimit := gapFactor * float64(g.interval)
	if e.step == 0 {
		// A point per sample set, and a few gap marks: grown once, not by
		// doubling (a month of every series is hundreds of megabytes).
		for _, bc := range bs {
			o := &g.out[bc.ci]
			o.pts = slices.Grow(o.pts, len(in.times)+16)
			if !e.streaming {
				o.starts = slices.Grow(o.starts, len(in.times)+16)
			}
		}
	}
	for j, tj := range in.times {
		if tj >= b {
			break
		}
		gap, rebooted := false, false
		if j > 0 {
			gap = float64(tj-in.times[j-1]) > gapLimit
			if mark := in.times[j-1] + g.interval; gap && mark >= a && mark < b {
				for _, bc := range bs {
					e.emit(g, bc.ci, mark, mark, 0, 0, false)
				}
			}
			rebooted = !gap && e.boots.rebooted(g.inst, in.times[j-1], tj)
		}
		if tj < a {
			continue
		}
		for _, bc := range bs {
			switch {
			case bc.c.kind == level:
				e.emitLevel(g, bc, tj, in.dot(bc.num, j), in.dot(bc.den, j))
			case bc.c.kind == delta:
				// The interval is the one since the sample set before, of
				// the same boot, both in the range.
				if t0, ok := e.boots.prevSet(g.inst, tj); ok && t0 >= e.start && !e.boots.rebooted(g.inst, t0, tj) {
					e.emit(g, bc.ci, tj, t0, in.dot(bc.num, j), float64(tj-t0), true)
				}
			case j == 0 || gap || in.times[j-1] < e.start:
				// no interval, or one that starts before the range
			default:
				valid := !rebooted && !in.wentDown(bc.counters, j)
				num, den := 0.0, float64(tj-in.times[j-1])
				if valid {
					num = in.delta(bc.num, j)
					if bc.den != nil {
						den = in.delta(bc.den, j)
					}
				}
				e.emit(g, bc.ci, tj, in.times[j-1], num, den, valid)
			}
		}
	}
}

// emitLevel adds the value of a level column at a sample: num over den (1
// when the column has no den terms; a negative num counts as 0 in a
// clamped column).
func (e *engine) emitLevel(g *group, bc bound, t int64, num, den float64) {
	if bc.c.clamp && num < 0 {
		num = 0
	}
	if bc.den == nil {
		den = 1
	}
	e.emit(g, bc.ci, t, t, num, den, true)
}

// joinedTerms are the sample times at which every term a group's bound
// columns use has a point, and the terms' values at those times.
type joinedTerms struct {
	times  []int64
	vals   [][]float64
	column []int // per term index of the group: its index in vals
}

// joinTerms joins the raw points of the terms the bound columns bs of g
// use, after the joined time and values of prev when it is not nil.
func joinTerms(g *group, bs []bound, prev *joinedPoint) joinedTerms {
	var used []int
	for _, bc := range bs {
		for _, bt := range append(slices.Clone(bc.num), bc.den...) {
			used = append(used, bt.termIx)
		}
	}
	slices.Sort(used)
	used = slices.Compact(used)
	series := make([][]tsdb.Point, len(used))
	in := joinedTerms{column: make([]int, len(g.pts))}
	for i, termIx := range used {
		series[i] = g.pts[termIx]
		in.column[termIx] = i
	}
	in.times, in.vals = join(series, prev)
	return in
}

// joinedPoint is a joined sample time and the values of the terms joined
// at it, in the order of joinedTerms' vals.
type joinedPoint struct {
	t    int64
	vals []float64
}

// dot returns Σ coef × value of the terms at sample j.
func (in *joinedTerms) dot(ts []boundTerm, j int) float64 {
	var s float64
	for _, t := range ts {
		s += t.coef * in.vals[in.column[t.termIx]][j]
	}
	return s
}

// delta returns Σ coef × increase of the terms from sample j-1 to j.
func (in *joinedTerms) delta(ts []boundTerm, j int) float64 {
	var s float64
	for _, t := range ts {
		v := in.vals[in.column[t.termIx]]
		s += t.coef * (v[j] - v[j-1])
	}
	return s
}

// wentDown reports whether one of the counters is lower at sample j than
// at j-1 (a reset).
func (in *joinedTerms) wentDown(counters []int, j int) bool {
	for _, termIx := range counters {
		if v := in.vals[in.column[termIx]]; v[j] < v[j-1] {
			return true
		}
	}
	return false
}

// emit adds one value of column ci of g: num/den at time t for the
// interval starting at t0 (t0 = t for a level). An invalid value is a NaN
// point at raw resolution and nothing in a bucket.
func (e *engine) emit(g *group, ci int, t, t0 int64, num, den float64, valid bool) {
	o := &g.out[ci]
	o.used = true
	c := &g.cols[ci]
	if e.step == 0 {
		v := nan
		if valid {
			v = c.value(num, den)
			if e.agg == "sum" {
				v = num
			}
			o.total.add(num, den)
		}
		o.pts = append(o.pts, tsdb.Point{T: t, V: v})
		if !e.streaming {
			o.starts = append(o.starts, t0)
		}
		return
	}
	if !valid {
		return
	}
	o.total.add(num, den)
	if o.bucketSums == nil {
		o.bucketSums = make([]acc, e.buckets)
		switch e.agg {
		case "min", "max", "last":
			o.picked = make([]float64, e.buckets)
		case "p95":
			o.vals = make([][]float64, e.buckets)
		}
	}
	i := e.bucketOf(t)
	if t < e.start || i >= len(o.bucketSums) {
		return
	}
	if o.picked != nil || o.vals != nil {
		v := c.value(num, den)
		switch {
		case o.vals != nil:
			o.vals[i] = append(o.vals[i], v)
		case o.bucketSums[i].n == 0 || e.agg == "last":
			o.picked[i] = v
		case e.agg == "min":
			o.picked[i] = math.Min(o.picked[i], v)
		case e.agg == "max":
			o.picked[i] = math.Max(o.picked[i], v)
		}
	}
	o.bucketSums[i].add(num, den)
}

func (a *acc) add(num, den float64) {
	a.num += num
	a.den += den
	a.n++
}

// join returns the times at which every series has a point and the values
// of each series at those times, after prev's (when not nil; the series'
// points are after it). A time repeated within a series counts once (its
// first value).
func join(series [][]tsdb.Point, prev *joinedPoint) ([]int64, [][]float64) {
	k := len(series)
	vals := make([][]float64, k)
	n := len(series[0])
	if prev != nil {
		n++
	}
	times := make([]int64, 0, n)
	for i := range vals {
		vals[i] = make([]float64, 0, n)
	}
	last := int64(math.MinInt64)
	if prev != nil {
		times = append(times, prev.t)
		for i := range vals {
			vals[i] = append(vals[i], prev.vals[i])
		}
		last = prev.t
	}
	if k == 1 {
		for _, p := range series[0] {
			if p.T <= last {
				continue
			}
			times = append(times, p.T)
			vals[0] = append(vals[0], p.V)
			last = p.T
		}
		return times, vals
	}
	pos := make([]int, k)
	for {
		target := last
		for i, s := range series {
			for pos[i] < len(s) && s[pos[i]].T <= last {
				pos[i]++
			}
			if pos[i] >= len(s) {
				return times, vals
			}
			if s[pos[i]].T > target {
				target = s[pos[i]].T
			}
		}
		all := true
		for i, s := range series {
			for pos[i] < len(s) && s[pos[i]].T < target {
				pos[i]++
			}
			if pos[i] >= len(s) {
				return times, vals
			}
			if s[pos[i]].T != target {
				all = false
			}
		}
		if !all {
			continue
		}
		times = append(times, target)
		for i, s := range series {
			vals[i] = append(vals[i], s[pos[i]].V)
		}
		last = target
	}
}

// medianInterval returns the median of the intervals between times (at
// least 1 s), or defaultInterval when there are fewer than two.
func medianInterval(times []int64) int64 {
	if len(times) < 3 {
		if len(times) == 2 && times[1]-times[0] < defaultInterval {
			return max(1, times[1]-times[0])
		}
		return defaultInterval
	}
	d := make([]int64, len(times)-1)
	for i := range d {
		d[i] = times[i+1] - times[i]
	}
	slices.Sort(d)
	return max(1, d[len(d)/2])
}
