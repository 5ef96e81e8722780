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

// SummaryPoints is the MaxPoints Summarize uses when Options set neither
// Step nor MaxPoints: a week is summarised by the hour, a day by 10
// minutes.
const SummaryPoints = 200

// busiestN is how many busiest intervals a Summary lists.
const busiestN = 5

// now is the clock Summarize uses to tell a range that ends in the future
// from a recording that stopped.
var now = time.Now

// Summarize computes view (or a raw selector) as Run does and the
// statistics srvmon report shows: for each series its average (for a rate,
// the exact average over the time covered, from the counters), minimum,
// 95th percentile and maximum with its time, taken over the Result's
// points; the busiest intervals of the period (cpu: by 100 - idle, averaged
// over the series; mem, swap, fs: by % used; disk: by util; net: by bytes
// received per second, summed over the interfaces but lo; load: by load1;
// proc: by running processes; paging: by major faults per second; a raw
// selector: by the sum of its series); and the gaps in recording: periods
// longer than gapFactor recording intervals without a sample set (from the
// srvmon_boot_info series, which every sample set holds, or the inputs when
// there is none), including one at the start or end of the range.
//
// With neither o.Step nor o.MaxPoints set, the step is chosen as with
// MaxPoints = SummaryPoints, so that a report over weeks reads the hourly
// summaries. Errors are those of Run.
func Summarize(ctx context.Context, s *tsdb.Store, view string, o Options) (*Summary, error) {
	if o.Step == 0 && o.MaxPoints == 0 {
		o.MaxPoints = SummaryPoints
	}
	e, err := newEngine(s, view, o)
	if err != nil {
		return nil, err
	}
	if err := e.run(ctx); err != nil {
		return nil, err
	}
	series := e.series()
	sum := &Summary{Result: *e.resultOf(series), Stats: []Stat{}, Busiest: []Interval{}, Gaps: []Interval{}}
	for i, s := range series {
		sum.Stats = append(sum.Stats, e.stat(i, s))
	}
	sum.Busiest = e.busiest(series)
	if e.v != nil {
		sum.BusiestBy = e.v.busy.desc
	}
	gaps, err := e.gaps(ctx)
	if err != nil {
		return nil, err
	}
	sum.Gaps = gaps
	return sum, nil
}

// stat returns the statistics of series i.
func (e *engine) stat(i int, s outSeries) Stat {
	st := Stat{Series: i}
	var vals []float64
	for j, p := range s.Points {
		if math.IsNaN(p.V) {
			continue
		}
		vals = append(vals, p.V)
		if len(vals) == 1 || p.V < st.Min {
			st.Min = p.V
		}
		if len(vals) == 1 || p.V > st.Max {
			st.Max = p.V
			at := p.T
			if s.starts != nil {
				at = s.starts[j]
			}
			st.MaxAt = time.Unix(at, 0).In(e.o.From.Location())
		}
	}
	st.Count = len(vals)
	if st.Count == 0 {
		return st
	}
	if s.total.n > 0 {
		st.Avg = s.g.cols[s.ci].value(s.total.num, s.total.den)
	}
	st.P95 = percentile(vals, 95)
	if math.IsNaN(st.Avg) || math.IsInf(st.Avg, 0) {
		st.Avg = 0
	}
	return st
}

// busiest returns the busiestN intervals with the highest score of the
// view's busy measure, busiest first.
func (e *engine) busiest(series []outSeries) []Interval {
	b := busy{sum: true}
	if e.v != nil {
		b = e.v.busy
	}
	type slot struct {
		from, to int64
		score    float64
		n        int
	}
	slots := map[int64]*slot{}
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
			from, to := p.T, p.T+e.step
			if e.step == 0 {
				if s.starts[j] < p.T {
					from, to = s.starts[j], p.T
				} else {
					to = p.T + max(s.g.m, 1) // a level stands for the time until the next sample
				}
			}
			sl := slots[p.T]
			if sl == nil {
				sl = &slot{from: from, to: to, score: v}
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
	list := make([]*slot, 0, len(slots))
	for _, sl := range slots {
		if b.mean {
			sl.score /= float64(sl.n)
		}
		list = append(list, sl)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].score != list[j].score {
			return list[i].score > list[j].score
		}
		return list[i].from < list[j].from
	})
	out := []Interval{}
	loc := e.o.From.Location()
	var unit Unit
	if e.v != nil {
		for _, c := range e.v.columns {
			if c.name == b.col {
				unit = c.unit
			}
		}
	}
	for _, sl := range list[:min(len(list), busiestN)] {
		out = append(out, Interval{From: time.Unix(sl.from, 0).In(loc), To: time.Unix(sl.to, 0).In(loc), Value: sl.score, Unit: unit})
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
	thr := gapFactor * float64(m)
	loc := e.o.From.Location()
	add := func(a, b int64) {
		out = append(out, Interval{From: time.Unix(a, 0).In(loc), To: time.Unix(b, 0).In(loc)})
	}
	if times[0] >= e.start && float64(times[0]-e.start) > thr {
		add(e.start, times[0])
	}
	for i := 1; i < len(times); i++ {
		if float64(times[i]-times[i-1]) > thr && times[i] > e.start {
			add(times[i-1], times[i])
		}
	}
	end := min(e.end, now().Unix())
	if lastT := times[len(times)-1]; float64(end-lastT) > thr {
		add(lastT, end)
	}
	return out, nil
}

// resultOf builds the Result of the computed series.
func (e *engine) resultOf(series []outSeries) *Result {
	r := &Result{View: e.what, From: e.o.From, To: e.o.To, Step: time.Duration(e.step) * time.Second, Series: []Series{}}
	if e.sel != nil {
		r.View = "raw"
	}
	if e.step > 0 {
		r.Agg = e.agg
	}
	for _, s := range series {
		r.Series = append(r.Series, s.Series)
	}
	return r
}
