// Steps and buckets: the automatic step, the alignment of buckets in the
// display zone, which bucket a value belongs to and its label.

package query

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/param"
)

var niceSteps = []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// autoStep returns the smallest nice step whose buckets over [start, end)
// (aligned in a zone offset seconds east of UTC) are at most maxPoints.
func autoStep(start, end, offset int64, maxPoints int) int64 {
	fits := func(step int64) bool {
		return ceilDiv(end-alignDown(start, step, offset), step) <= int64(maxPoints)
	}
	for _, s := range niceSteps {
		if step := int64(s / time.Second); fits(step) {
			return step
		}
	}
	const daySecs = 24 * 3600
	for days := ceilDiv(end-start, int64(maxPoints)*daySecs); ; days++ {
		if fits(days * daySecs) {
			return days * daySecs
		}
	}
}

// alignDown returns the last multiple of step at or before t in a zone
// offset seconds east of UTC.
func alignDown(t, step, offset int64) int64 {
	return floorDiv(t+offset, step)*step - offset
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) == (b < 0) {
		q++
	}
	return q
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// ceilUnix returns the first whole second at or after t.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// summariesAnswer reports whether the hourly summaries can answer buckets
// of step: whole hours aligned to UTC hours (in every offset the zone has
// in the range), combined by sums.
func (e *engine) summariesAnswer(step int64) bool {
	if step < hour || step%hour != 0 || (e.agg != "avg" && e.agg != "sum") || e.rawOnly || e.mayReadDeltas() {
		return false
	}
	for _, z := range zoneSpans(e.start, e.end, e.o.From.Location()) {
		if z.offset%hour != 0 {
			return false
		}
	}
	return true
}

// zoneSpan is a span of time [from, to) in which a zone keeps one offset
// (seconds east of UTC).
type zoneSpan struct{ from, to, offset int64 }

// zoneSpans cuts [start, end) where loc changes its offset (daylight
// saving time, a change of the zone's rules).
func zoneSpans(start, end int64, loc *time.Location) []zoneSpan {
	var spans []zoneSpan
	for from := start; from < end; {
		t := time.Unix(from, 0).In(loc)
		_, off := t.Zone()
		to := end
		if _, next := t.ZoneBounds(); !next.IsZero() && next.Unix() < end && next.Unix() > from {
			to = next.Unix()
		}
		if n := len(spans); n > 0 && spans[n-1].offset == int64(off) {
			spans[n-1].to = to
		} else {
			spans = append(spans, zoneSpan{from, to, int64(off)})
		}
		from = to
	}
	return spans
}

// bucketEdges returns the bounds of the buckets of step over [start, end)
// when the zone's offset changes there by other than a multiple of step,
// nil otherwise (then the buckets are alignDown(start) + i*step). An edge
// is a time that is a multiple of step in the offset in effect at that
// time: local midnights for 1d whether the day has 23, 24 or 25 hours.
// The first edge is at or before start, the last at or after end.
func bucketEdges(start, end, step int64, loc *time.Location) []int64 {
	spans := zoneSpans(start, end, loc)
	uniform := true
	for _, z := range spans[1:] {
		uniform = uniform && (z.offset-spans[0].offset)%step == 0
	}
	if uniform {
		return nil
	}
	edges := []int64{alignDown(start, step, spans[0].offset)}
	for _, z := range spans {
		for t := alignDown(z.from, step, z.offset); t < z.to; t += step {
			if t > edges[len(edges)-1] && t >= z.from {
				edges = append(edges, t)
			}
		}
	}
	last := spans[len(spans)-1]
	if t := alignDown(end-1, step, last.offset) + step; t > edges[len(edges)-1] {
		edges = append(edges, t)
	}
	return edges
}

// mayReadDeltas reports whether a raw selector may choose Delta series,
// which the hourly summaries (sums of values, not of intervals) cannot
// answer.
func (e *engine) mayReadDeltas() bool {
	if e.sel == nil {
		return false
	}
	for _, d := range metric.Catalog() {
		if d.Kind != metric.Delta {
			continue
		}
		if name, ok := e.sel.MetricName(); ok && name != d.Name {
			continue
		}
		ok := true
		for _, m := range e.sel.Matchers {
			if m.Name == "__name__" && !m.Matches(d.Name) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// offset is how many seconds east of UTC the zone of the range's start is:
// buckets are aligned to multiples of the step there.
func (e *engine) offset() int64 {
	_, off := e.o.From.Zone()
	return int64(off)
}

// maxBuckets bounds the points per series a step may cut a range into.
const maxBuckets = 500_000

// setStep sets the step and the buckets it cuts the range into.
func (e *engine) setStep(step int64) error {
	e.step = step
	if step > 0 {
		e.origin = alignDown(e.start, step, e.offset())
		n := ceilDiv(e.end-e.origin, step)
		e.edges = nil
		if n <= maxBuckets {
			if e.edges = bucketEdges(e.start, e.end, step, e.o.From.Location()); e.edges != nil {
				n = int64(len(e.edges) - 1)
			}
		}
		if n > maxBuckets {
			return &param.Error{Param: "step", Value: (time.Duration(step) * time.Second).String(),
				Reason: fmt.Sprintf("cuts %s into %d points per series, more than %d", time.Duration(e.end-e.start)*time.Second, n, maxBuckets),
				Valid:  "use a longer step, or 0 for every sample"}
		}
		e.buckets = int(n)
	}
	return nil
}

// bucketOf returns the bucket of a value whose interval ends at t (in
// [start, end)): the one whose (start, end] holds t, the first one for t
// at its start.
func (e *engine) bucketOf(t int64) int {
	if e.edges != nil {
		i, _ := slices.BinarySearch(e.edges, t) // edges[i-1] < t <= edges[i]
		return max(0, i-1)
	}
	return max(0, int(ceilDiv(t-e.origin, e.step))-1)
}

// bucketStart returns the start of bucket i, before clipping to the range.
func (e *engine) bucketStart(i int) int64 {
	if e.edges != nil {
		return e.edges[i]
	}
	return e.origin + int64(i)*e.step
}

// bucketEnd returns the label of bucket i: its end, clipped to the range.
func (e *engine) bucketEnd(i int) int64 {
	return min(e.bucketStart(i+1), e.end)
}

// clipToStoredDays narrows the computed range to the UTC days that hold
// samples, so that a range of centuries over a store of weeks costs what
// the weeks cost (the hourly summaries and buckets are sized by the
// range). The result still reports the range asked for; buckets outside
// the store's span are not in it either way.
func (e *engine) clipToStoredDays(ctx context.Context) error {
	first, newest, ok, err := e.bounds(ctx)
	if err != nil || !ok {
		return err
	}
	from := first.Unix() - first.Unix()%day // samples are after 1970: no negative remainders
	to := newest.Unix() - newest.Unix()%day + day
	if start, end := max(e.start, from), min(e.end, to); start < end {
		e.start, e.end = start, end
	}
	return nil
}

// readStoredSpan reads when the store's first and newest samples are.
func (e *engine) readStoredSpan(ctx context.Context) error {
	first, newest, ok, err := e.bounds(ctx)
	if err != nil {
		return err
	}
	e.stored.first, e.stored.newest = e.start, e.end-1
	if ok {
		e.stored.first, e.stored.newest = first.Unix(), newest.Unix()
	}
	return nil
}

// bucketSpan returns the buckets of the result: those that hold a time
// in the range when the store had samples.
func (e *engine) bucketSpan() (lo, hi int) {
	first, last := max(e.start, e.stored.first), min(e.end-1, e.stored.newest)
	if first > last {
		return 0, -1
	}
	return e.bucketOf(first), min(e.bucketOf(last), e.buckets-1)
}

// bounds returns the times of the first and newest samples of the store,
// or of the window of Window.Run.
func (e *engine) bounds(ctx context.Context) (first, newest time.Time, ok bool, err error) {
	if e.mem != nil {
		return time.Unix(e.mem.first, 0), time.Unix(e.mem.newest, 0), len(e.mem.series) > 0, nil
	}
	return e.s.Bounds(ctx)
}
