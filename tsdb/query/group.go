// Grouping: which stored series a query reads, the group (one thing of a
// view, such as a disk) each belongs to, and the terms of its columns.

package query

import (
	"slices"
	"sort"
	"strings"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

type termRef struct {
	g      *group
	termIx int
}

// group is one thing a view describes, such as one disk of one instance:
// its input series and, per column, what was computed.
type group struct {
	key    string
	inst   string
	labels []tsdb.Label
	cols   []column // the view's columns (for a raw selector, one)

	termIdx  map[string]int
	pts      [][]tsdb.Point       // per term: raw points of the current window
	sums     [][]tsdb.HourSummary // per term: hourly summaries
	interval int64                // median recording interval (s); 0 unknown
	out      []colOut             // per column
}

// accepts reports whether ser is an input of the query (not counting the
// boot series every query reads).
func (e *engine) accepts(ser tsdb.Series) bool {
	if e.sel != nil {
		return e.sel.Matches(ser)
	}
	if !slices.Contains(e.v.metrics, ser.Metric) {
		return false
	}
	if e.v.filterLabel != "" {
		val := ser.Get(e.v.filterLabel)
		e.seenFilter[val] = true
		if e.filter != nil && !e.filter[val] {
			return false
		}
	}
	return true
}

func (e *engine) match(ser tsdb.Series) bool {
	return ser.Metric == metric.BootInfo || e.accepts(ser)
}

// register returns the group and term index of an input series, creating
// them on first sight.
func (e *engine) register(ser tsdb.Series, key string) (*group, int) {
	if r, ok := e.terms[key]; ok {
		return r.g, r.termIx
	}
	var gkey, tkey string
	var labels []tsdb.Label
	var cols []column
	if e.sel != nil {
		gkey, tkey, labels = key, ser.Metric, ser.Labels
		cols = []column{rawColumn(ser.Metric)}
	} else {
		labels = make([]tsdb.Label, 0, len(ser.Labels)+len(e.v.extra))
		tkey = ser.Metric
		for _, l := range ser.Labels {
			if e.v.byMode && l.Name == "mode" {
				tkey = term{metric: ser.Metric, mode: l.Value}.key()
				continue
			}
			labels = append(labels, l)
		}
		labels = append(labels, e.v.extra...)
		sort.Slice(labels, func(i, j int) bool { return labels[i].Name < labels[j].Name })
		gkey = tsdb.Series{Labels: labels}.Key()
		cols = e.v.columns
	}
	g := e.byKey[gkey]
	if g == nil {
		g = &group{key: gkey, inst: ser.Get("instance"), labels: labels, cols: cols, termIdx: map[string]int{}}
		g.out = make([]colOut, len(cols))
		e.byKey[gkey] = g
		e.groups = append(e.groups, g)
	}
	termIx, ok := g.termIdx[tkey]
	if !ok {
		termIx = len(g.pts)
		g.termIdx[tkey] = termIx
		g.pts = append(g.pts, nil)
		g.sums = append(g.sums, nil)
	}
	e.terms[key] = termRef{g, termIx}
	return g, termIx
}

// rawColumn is the column of a raw series: a per-second rate for counters
// and deltas, the stored value for everything else.
func rawColumn(name string) column {
	c := column{name: name, kind: level, unit: None, num: []term{{metric: name, coef: 1}}}
	mi, known := metric.Lookup(name)
	switch {
	case !known:
		if strings.HasSuffix(name, "_total") {
			c.kind, c.counted = rate, true
		}
	case mi.Kind == metric.Counter || mi.Kind == metric.Delta:
		c.kind = rate
		if mi.Kind == metric.Delta {
			c.kind = delta
		}
		c.unit, c.counts = ratePerSecond(mi.Unit)
		c.counted = true
	default:
		c.unit = levelUnit(mi.Unit)
	}
	return c
}

// ratePerSecond returns the unit of the per-second rate of a counter (or
// delta) whose catalog unit is unit, and the unit of what it counts.
func ratePerSecond(unit string) (perSecond, counts Unit) {
	switch unit {
	case "bytes":
		return BytesPerSecond, Bytes
	case "seconds":
		return None, Seconds // seconds per second
	}
	return PerSecond, Count
}

// levelUnit returns the unit of a gauge whose catalog unit is unit.
func levelUnit(unit string) Unit {
	switch unit {
	case "bytes":
		return Bytes
	case "seconds":
		return Seconds
	case "celsius":
		return Celsius
	}
	return Count
}

// bound is a column of a group with its terms resolved to term indexes.
type bound struct {
	ci       int
	c        *column
	num, den []boundTerm
	counters []int // the counter terms whose decrease voids an interval
}

type boundTerm struct {
	termIx int
	coef   float64
}

// bind returns the columns of g whose every term has data (has(termIx)).
func bind(g *group, has func(termIx int) bool) []bound {
	var out []bound
	for ci := range g.cols {
		c := &g.cols[ci]
		b := bound{ci: ci, c: c}
		ok := true
		resolve := func(ts []term) []boundTerm {
			r := make([]boundTerm, 0, len(ts))
			for _, t := range ts {
				termIx, found := g.termIdx[t.key()]
				if found && !has(termIx) {
					found = false
				}
				switch {
				case !found && t.optional:
					continue // a counter older kernels or collectors lack
				case !found:
					ok = false
					return nil
				}
				r = append(r, boundTerm{termIx, t.coef})
				if c.kind == rate && !slices.Contains(b.counters, termIx) {
					b.counters = append(b.counters, termIx)
				}
			}
			return r
		}
		b.num = resolve(c.num)
		if ok && c.den != nil {
			b.den = resolve(c.den)
		}
		if ok {
			out = append(out, b)
		}
	}
	return out
}
