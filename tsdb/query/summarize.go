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

// summaryPoints is the MaxPoints Summarize uses when Options set neither
// Step nor MaxPoints: a week is summarised by the hour, a day by 10
// minutes.
const summaryPoints = 200

// busiestN is how many busy episodes a Summary lists.
const busiestN = 5

// episodeShare is how busy, as a share of an episode's peak, an adjacent
// interval must be to belong to the episode.
const episodeShare = 0.8

// Summarize computes view (or a raw selector) as Run does, whose
// Quantities carry their Stats (the exact average and total over the
// period, the minimum, 95th percentile and maximum of the points with the
// time of the maximum), and what srvmon report shows besides: the busiest
// intervals of the period (cpu: by 100 - idle, averaged over the series;
// mem, swap, fs: by % used; disk: by util; net: by bytes received per
// second, summed over the interfaces but lo; load: by load1; proc: by
// running processes; paging: by major faults per second; a raw selector: by
// the sum of its series), the quantities that count something (for a
// totals line), and the gaps in recording: periods longer than gapFactor
// recording intervals without a sample set (from the srvmon_boot_info
// series, which every sample set holds, or the inputs when there is none),
// between the store's first and newest sample.
//
// With neither o.Step nor o.MaxPoints set, the step is chosen as with
// MaxPoints = summaryPoints, so that a report over weeks reads the hourly
// summaries. Errors are those of Run.
func Summarize(ctx context.Context, s *tsdb.Store, view string, o Options) (*Summary, error) {
	if o.Step == 0 && o.MaxPoints == 0 {
		o.MaxPoints = summaryPoints
	}
	e, err := newEngine(s, view, o)
	if err != nil {
		return nil, err
	}
	ctx, damage := tsdb.WithDamageLog(ctx)
	if err := e.run(ctx); err != nil {
		return nil, err
	}
	series := e.series()
	sum := &Summary{Result: *e.resultOf(series), Busiest: e.busiest(series), Totals: []int{}}
	for i, q := range sum.Result.Quantities {
		if !math.IsNaN(q.Stats.Total) && (e.v == nil || e.v.totals == nil || slices.Contains(e.v.totals, q.Name)) {
			sum.Totals = append(sum.Totals, i)
		}
	}
	if e.v != nil {
		sum.BusiestBy = e.v.busy.desc
		if err := topConsumers(ctx, s, e.v.name, sum.Busiest); err != nil {
			return nil, err
		}
	}
	if sum.Gaps, err = e.gaps(ctx); err != nil {
		return nil, err
	}
	sum.Result.Damage = damage.List()
	return sum, nil
}

// busiest returns the busiestN busy episodes of the view's busy measure,
// busiest first: runs of adjacent intervals (buckets, or the intervals
// between samples) around a peak, each at least 80% as busy as the peak.
// Intervals with a score of 0 are idle and make no episode, so an idle
// view has none.
func (e *engine) busiest(series []outSeries) []Interval {
	b := busy{sum: true}
	if e.v != nil {
		b = e.v.busy
	}
	return e.episodes(e.busySlots(series, b), e.busyUnit(b))
}

// busySlot is one interval's busy score: the busy measure over the series
// it covers, summed, averaged or their maximum as the view's busy says.
type busySlot struct {
	from, to int64
	score    float64
	n        int // points scored
}

// busySlots scores the intervals of series by b, in time order.
func (e *engine) busySlots(series []outSeries, b busy) []*busySlot {
	slots := map[int64]*busySlot{}
	for _, s := range series {
		if e.v != nil && s.Name != b.col {
			continue
		}
		if b.exclude != nil && b.exclude(s.Labels) {
			continue
		}
		for j, p := range s.Points {
			if math.IsNaN(p.V) {
				continue
			}
			v := p.V
			if b.f != nil {
				v = b.f(v)
			}
			from := e.intervalStart(s, j)
			sl := slots[p.T]
			if sl == nil {
				sl = &busySlot{from: from, to: p.T, score: v}
				slots[p.T] = sl
			} else {
				sl.from = min(sl.from, from)
				switch {
				case b.sum || b.mean:
					sl.score += v
				default:
					sl.score = math.Max(sl.score, v)
				}
			}
			sl.n++
		}
	}
	list := make([]*busySlot, 0, len(slots))
	for _, sl := range slots {
		if b.mean {
			sl.score /= float64(sl.n)
		}
		list = append(list, sl)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].to < list[j].to })
	return list
}

// intervalStart is where the interval that point j of s stands for
// begins: its bucket's start (the range's for the first), or at every
// sample the sample before.
func (e *engine) intervalStart(s outSeries, j int) int64 {
	t := s.Points[j].T
	switch {
	case e.step > 0 && j == 0:
		return e.start
	case e.step > 0:
		return max(e.bucketStart(e.bucketOf(t)), e.start)
	case s.starts[j] == t: // a level stands for the time since the sample before
		return max(t-max(s.g.interval, 1), e.start)
	default:
		return s.starts[j]
	}
}

// busyUnit is the unit of the view's busy measure; none for a raw
// selector.
func (e *engine) busyUnit(b busy) Unit {
	var unit Unit
	if e.v != nil {
		for _, c := range e.v.columns {
			if c.name == b.col {
				unit = c.unit
			}
		}
	}
	return unit
}

// episodes picks up to busiestN episodes from list (in time order): from
// the busiest slot not yet taken, over the adjacent slots (each starting
// where the one before ended) at least episodeShare of its score; an idle
// slot (score 0) starts none.
func (e *engine) episodes(list []*busySlot, unit Unit) []Interval {
	byScore := make([]int, len(list))
	for i := range byScore {
		byScore[i] = i
	}
	sort.SliceStable(byScore, func(i, j int) bool { return list[byScore[i]].score > list[byScore[j]].score })
	loc := e.o.From.Location()
	taken := make([]bool, len(list))
	out := []Interval{}
	for _, i := range byScore {
		if len(out) == busiestN {
			break
		}
		peak := list[i]
		if taken[i] || !(peak.score > 0) {
			continue
		}
		in := func(k int) bool { return !taken[k] && list[k].score >= episodeShare*peak.score }
		lo, hi := i, i
		for lo > 0 && list[lo-1].to == list[lo].from && in(lo-1) {
			lo--
		}
		for hi+1 < len(list) && list[hi+1].from == list[hi].to && in(hi+1) {
			hi++
		}
		for k := lo; k <= hi; k++ {
			taken[k] = true
		}
		out = append(out, Interval{From: time.Unix(list[lo].from, 0).In(loc), To: time.Unix(list[hi].to, 0).In(loc),
			Value: peak.score, Unit: unit, PeakAt: time.Unix(peak.to, 0).In(loc)})
	}
	return out
}

// gaps returns the periods of the range without sample sets.
func (e *engine) gaps(ctx context.Context) ([]Interval, error) {
	var times []int64
	collect := func(match func(tsdb.Series) bool) error {
		return e.s.Read(ctx, time.Unix(e.start-lookback, 0), time.Unix(e.end, 0), match, func(_ tsdb.Series, pts []tsdb.Point) error {
			for _, p := range pts {
				times = append(times, p.T)
			}
			return nil
		})
	}
	if err := collect(func(s tsdb.Series) bool { return s.Metric == metric.BootInfo }); err != nil {
		return nil, err
	}
	if len(times) == 0 {
		// No boot series: the sample times of the first input metric.
		var metric string
		if e.v != nil {
			metric = e.v.columns[0].num[0].metric
		}
		saved := e.seenFilter
		err := collect(func(s tsdb.Series) bool {
			if metric != "" {
				return s.Metric == metric && e.accepts(s)
			}
			return e.accepts(s)
		})
		e.seenFilter = saved
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(times)
	times = slices.Compact(times)
	out := []Interval{}
	if len(times) == 0 {
		return out, nil
	}
	m := medianInterval(times)
	gapLimit := gapFactor * float64(m)
	loc := e.o.From.Location()
	add := func(a, b int64) {
		out = append(out, Interval{From: time.Unix(a, 0).In(loc), To: time.Unix(b, 0).In(loc)})
	}
	// The store is judged from its first sample to its newest: the time
	// before it existed, or since it was last written, is no gap.
	if start := max(e.start, e.stored.first); times[0] >= start && float64(times[0]-start) > gapLimit {
		add(start, times[0])
	}
	for i := 1; i < len(times); i++ {
		if float64(times[i]-times[i-1]) > gapLimit && times[i] > e.start {
			add(max(times[i-1], e.start), times[i])
		}
	}
	clock := time.Now
	if e.o.Now != nil {
		clock = e.o.Now
	}
	end := min(e.end, clock().Unix(), e.stored.newest)
	if lastT := times[len(times)-1]; float64(end-lastT) > gapLimit {
		add(lastT, end)
	}
	return out, nil
}

// resultOf builds the Result of the computed series.
func (e *engine) resultOf(series []outSeries) *Result {
	r := &Result{View: e.what, From: e.o.From, To: e.o.To, Step: time.Duration(e.step) * time.Second, Quantities: []Quantity{}}
	if e.sel != nil {
		r.View = "raw"
	}
	r.Agg = e.agg
	if e.step > 0 {
		lo, hi := e.bucketSpan()
		r.PartialFirst = lo == 0 && e.bucketStart(0) < e.start
		r.PartialLast = hi == e.buckets-1 && e.bucketStart(e.buckets) > e.end
	}
	for _, s := range series {
		r.Quantities = append(r.Quantities, s.Quantity)
	}
	return r
}
