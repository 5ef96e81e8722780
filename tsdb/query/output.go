// The result: the quantities in the view's order, their points and the
// statistics computed once for every renderer.

package query

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// result builds the Result.
func (e *engine) result() *Result { return e.resultOf(e.series()) }

// outSeries is a result quantity with what Summarize needs besides.
type outSeries struct {
	Quantity
	starts []int64 // raw resolution: the start of each point's interval
	g      *group
	ci     int
}

// series returns the computed quantities in order: the view's columns,
// then by labels (a raw selector: by series). With --agg sum, only the
// columns that count something.
func (e *engine) series() []outSeries {
	groups, ncols := e.sortedGroups()
	var out []outSeries
	for ci := 0; ci < ncols; ci++ {
		for _, g := range groups {
			o, c := &g.out[ci], &g.cols[ci]
			if !o.used || e.agg == "sum" && !c.counted {
				continue
			}
			s := outSeries{Quantity: e.quantity(g, ci), g: g, ci: ci}
			if e.step == 0 {
				s.Points, s.starts = o.pts, o.starts
			} else {
				s.Points = e.bucketPoints(o, c)
			}
			s.Stats = e.stats(s.Points, o, c)
			out = append(out, s)
		}
	}
	return out
}

// sortedGroups returns the groups in the order of their quantities within
// a column (by labels; a raw selector's by metric name, then labels) and
// the number of columns.
func (e *engine) sortedGroups() ([]*group, int) {
	groups := slices.Clone(e.groups)
	sort.Slice(groups, func(i, j int) bool { return compareLabels(groups[i].labels, groups[j].labels) < 0 })
	if e.sel != nil {
		sort.SliceStable(groups, func(i, j int) bool { return groups[i].cols[0].name < groups[j].cols[0].name })
	}
	if e.v != nil {
		return groups, len(e.v.columns)
	}
	return groups, 1
}

// quantity returns the Quantity of column ci of g without points.
func (e *engine) quantity(g *group, ci int) Quantity {
	c := &g.cols[ci]
	q := Quantity{Name: c.name, Labels: g.labels, Unit: c.unit}
	if e.agg == "sum" {
		q.Unit = c.counts
	}
	if q.Labels == nil {
		q.Labels = []tsdb.Label{}
	}
	return q
}

// bucketPoints returns the points of a downsampled column, one per bucket,
// labelled with the bucket's end.
func (e *engine) bucketPoints(o *colOut, c *column) []tsdb.Point {
	lo, hi := e.bucketSpan()
	pts := make([]tsdb.Point, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		pts = append(pts, tsdb.Point{T: e.bucketEnd(i), V: nan})
		p := &pts[len(pts)-1]
		if o.bucketSums == nil || o.bucketSums[i].n == 0 {
			continue
		}
		switch {
		case o.vals != nil:
			p.V = percentile(slices.Clone(o.vals[i]), 95)
		case o.picked != nil:
			p.V = o.picked[i]
		case e.agg == "sum":
			p.V = o.bucketSums[i].num
		default:
			p.V = c.value(o.bucketSums[i].num, o.bucketSums[i].den)
		}
	}
	return pts
}

// stats returns the statistics of a column over the range: Avg and Total
// from the sums of everything the range covers, the others from its
// points.
func (e *engine) stats(pts []tsdb.Point, o *colOut, c *column) Stats {
	st := Stats{Avg: nan, Total: nan, Min: nan, P95: nan, Max: nan, Last: nan, Overall: nan}
	vals := make([]float64, 0, len(pts))
	for _, p := range pts {
		if math.IsNaN(p.V) {
			continue
		}
		vals = append(vals, p.V)
		if len(vals) == 1 || p.V < st.Min {
			st.Min = p.V
		}
		if len(vals) == 1 || p.V > st.Max {
			st.Max = p.V
			st.MaxAt = time.Unix(p.T, 0).In(e.o.From.Location())
		}
		st.Last = p.V
	}
	st.Count = len(vals)
	if st.Count == 0 {
		return st
	}
	if o.total.n > 0 {
		st.Avg = c.value(o.total.num, o.total.den)
		if c.counted {
			st.Total, st.TotalUnit = o.total.num, c.counts
		}
	}
	if o.vals != nil {
		// --agg p95: over every value of the range, not the buckets' p95s.
		vals = vals[:0]
		for _, b := range o.vals {
			vals = append(vals, b...)
		}
	}
	st.P95 = percentile(vals, 95)
	switch e.agg {
	case "min":
		st.Overall = st.Min
	case "max":
		st.Overall = st.Max
	case "last":
		st.Overall = st.Last
	case "p95":
		st.Overall = st.P95
	case "sum":
		st.Overall = st.Total
	default:
		st.Overall = st.Avg
	}
	return st
}

// percentile returns the nearest-rank p-th percentile of vals (which it
// reorders): the smallest value that at least p% of the values are at most.
// NaNs are ignored. It selects the value at the rank instead of sorting
// them all: a month's p95 of every series was a tenth of a full-resolution
// export's CPU time.
func percentile(vals []float64, p float64) float64 {
	vals = slices.DeleteFunc(vals, math.IsNaN)
	if len(vals) == 0 {
		return nan
	}
	rank := int(math.Ceil(p / 100 * float64(len(vals))))
	return nthSmallest(vals, max(rank, 1)-1)
}

// nthSmallest returns the value that would be at index k of vals sorted
// in increasing order (no NaNs), partially reordering vals: Hoare's
// selection with a median-of-three pivot, in linear time on average.
func nthSmallest(vals []float64, k int) float64 {
	lo, hi := 0, len(vals)-1
	for hi-lo > 16 {
		// Median of three at lo, mid, hi, as the pivot.
		mid := lo + (hi-lo)/2
		if vals[mid] < vals[lo] {
			vals[mid], vals[lo] = vals[lo], vals[mid]
		}
		if vals[hi] < vals[lo] {
			vals[hi], vals[lo] = vals[lo], vals[hi]
		}
		if vals[hi] < vals[mid] {
			vals[hi], vals[mid] = vals[mid], vals[hi]
		}
		pivot := vals[mid]
		i, j := lo, hi
		for i <= j {
			for vals[i] < pivot {
				i++
			}
			for vals[j] > pivot {
				j--
			}
			if i <= j {
				vals[i], vals[j] = vals[j], vals[i]
				i++
				j--
			}
		}
		// Now vals[lo..j] <= pivot <= vals[i..hi], and those between equal
		// the pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return vals[k]
		}
	}
	slices.Sort(vals[lo : hi+1])
	return vals[k]
}

// compareLabels orders label sets by name, then value, comparing numbers
// in values by their value (cpu 2 before cpu 10).
func compareLabels(a, b []tsdb.Label) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i].Name, b[i].Name); c != 0 {
			return c
		}
		if c := naturalCompare(a[i].Value, b[i].Value); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) - len(nb)
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitPrefix(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
