package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/param"
)

// Options say what Run and Summarize compute.
type Options struct {
	From, To time.Time // the range, [From, To)
	// Step is the width of the buckets the range is cut into (aligned to
	// multiples of Step in the time zone of From, clipped to the range);
	// 0 gives a point per sample, unless MaxPoints asks for a step.
	Step time.Duration
	// Agg combines the values inside a bucket: avg (the default), min, max,
	// last, p95 or sum. The avg is the exact average over the time the
	// bucket covers (a ratio of sums, see the package documentation); min,
	// max, last and p95 are taken over the values between consecutive
	// samples; sum is what a counted quantity counted in the bucket (bytes,
	// packets, CPU seconds) and leaves out the quantities that count
	// nothing.
	Agg string
	// MaxPoints, when Step is 0, chooses the smallest step among 1m, 5m,
	// 10m, 15m, 30m, 1h, 3h, 6h, 12h and 1d (then whole days) that gives at
	// most MaxPoints points per series, if the samples themselves are more.
	// 0 means no automatic step.
	MaxPoints int
	PerCPU    bool // the cpu view per core instead of all CPUs together
	// Filters by exact name: disk devices (disk view), mount points (fs),
	// network interfaces (net). Empty means all.
	Devices, Mounts, Interfaces []string
}

// aggregations are the values Options.Agg accepts.
var aggregations = []string{"avg", "min", "max", "last", "p95", "sum"}

// Aggregations returns the values Options.Agg accepts.
func Aggregations() []string { return slices.Clone(aggregations) }

// ErrNoData is wrapped by the error of Run and Summarize when the range
// holds no samples of what was asked; the error (a *NoDataError) tells the
// time of the nearest sample.
var ErrNoData = errors.New("no samples")

// NoDataError says that a range held no samples of what was asked, and
// where the nearest one is.
type NoDataError struct {
	What     string    // the view or selector
	From, To time.Time // the range asked
	// Nearest is the time of the sample nearest to the range, zero if the
	// store holds none of What at all.
	Nearest time.Time
}

func (e *NoDataError) Error() string {
	loc := e.From.Location()
	msg := fmt.Sprintf("no samples of %s from %s to %s", e.What, e.From.In(loc).Format(time.RFC3339), e.To.In(loc).Format(time.RFC3339))
	switch {
	case e.Nearest.IsZero():
		return msg + "; the store holds none at all"
	case e.Nearest.Before(e.From):
		return msg + "; the last one before is at " + e.Nearest.In(loc).Format(time.RFC3339)
	default:
		return msg + "; the first one after is at " + e.Nearest.In(loc).Format(time.RFC3339)
	}
}

// Unwrap returns ErrNoData.
func (e *NoDataError) Unwrap() error { return ErrNoData }

// UsageError is a query that cannot be answered as asked: an unknown view,
// metric, label, device or aggregation, a bad step or range. Its message
// says what was wrong and what is valid.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

const (
	hour = 3600
	// lookback is how far before a window raw reads start, so that the
	// first sample in the window has the one before it.
	lookback = hour
	// defaultInterval is the recording interval assumed when a series has
	// too few samples to tell (srvmon record runs every minute).
	defaultInterval = 60
	// gapFactor times the median recording interval is the longest
	// interval between two samples that is not a gap: one missed run (twice
	// the interval) is bridged, two missed runs in a row make a gap. It is
	// half-way between whole multiples so that a second of jitter never
	// decides.
	gapFactor = 2.5
)

var nan = math.NaN()

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

// Run computes what (a view name, see Views, or a raw series selector, see
// ParseSelector) over o.From to o.To from the store. Raw counters (catalog
// counters and names ending in _total) become per-second rates; other raw
// series are shown as stored. Errors are a *UsageError for a query that
// cannot be answered as asked and a *NoDataError (wrapping ErrNoData) when
// the range holds nothing of what was asked.
func Run(ctx context.Context, s *tsdb.Store, what string, o Options) (*Result, error) {
	e, err := newEngine(s, what, o)
	if err != nil {
		return nil, err
	}
	ctx, damage := tsdb.WithDamageLog(ctx)
	if err := e.run(ctx); err != nil {
		return nil, err
	}
	r := e.result()
	r.Damage = damage.List()
	return r, nil
}

// engine computes one query.
type engine struct {
	s    *tsdb.Store
	what string
	o    Options
	v    *view     // nil for a raw selector
	sel  *Selector // for a raw selector
	agg  string

	start, end int64 // [start, end) in Unix seconds
	step       int64 // seconds; 0 = raw resolution
	origin     int64 // the aligned start of the first bucket (at or before start)
	buckets    int   // number of buckets
	// stored is the span of the store, from its first sample to its
	// newest: buckets outside it are not in the result.
	stored struct{ first, newest int64 }

	filter     map[string]bool
	seenFilter map[string]bool // values of the filter label seen, before filtering

	groups []*group
	byKey  map[string]*group
	// terms maps a series key to its group and term index.
	terms map[string]termRef
	boots bootIndex

	rawOnly bool // never use the hourly summaries (tests compare both ways)
}

type termRef struct {
	g  *group
	ti int
}

// group is one thing a view describes, such as one disk of one instance:
// its input series and, per column, what was computed.
type group struct {
	key    string
	inst   string
	labels []tsdb.Label
	cols   []column // the view's columns (for a raw selector, one)

	termIdx map[string]int
	pts     [][]tsdb.Point       // per term: raw points of the current window
	sums    [][]tsdb.HourSummary // per term: hourly summaries
	m       int64                // median recording interval (s); 0 unknown
	out     []colOut             // per column
}

// colOut accumulates one column of one group.
type colOut struct {
	used   bool
	pts    []tsdb.Point // raw resolution
	starts []int64      // per point: the start of its interval
	bk     []acc        // per bucket: the sums for avg and sum
	aggv   []float64    // per bucket: the min, max or last value
	vals   [][]float64  // per bucket: every value, for p95
	total  acc          // over the whole range
}

type acc struct {
	num, den float64
	n        int
}

func newEngine(s *tsdb.Store, what string, o Options) (*engine, error) {
	e := &engine{s: s, what: strings.TrimSpace(what), o: o, byKey: map[string]*group{}, terms: map[string]termRef{}}
	if e.what == "" {
		return nil, usagef("nothing to query; name a view (%s) or a series selector", strings.Join(Views(), ", "))
	}
	if err := checkOptions(o); err != nil {
		return nil, err
	}
	e.agg = cmp.Or(o.Agg, "avg")
	if v, ok := allViews[e.what]; ok {
		e.v = v
		if o.PerCPU && e.what == "cpu" {
			e.v = perCPUView
		}
	} else {
		sel, err := ParseSelector(e.what)
		if err != nil {
			if !strings.ContainsAny(e.what, "{}=\"'`") {
				return nil, unknownView(e.what)
			}
			return nil, &UsageError{Msg: err.Error()}
		}
		e.sel = &sel
	}
	if err := e.checkViewOptions(); err != nil {
		return nil, err
	}
	e.seenFilter = map[string]bool{}
	e.start, e.end = ceilUnix(o.From), ceilUnix(o.To)
	if e.start >= e.end {
		// A range inside one second that holds no whole second.
		e.end = e.start + 1
	}
	if step := int64(o.Step / time.Second); step > 0 {
		if err := e.setStep(step); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// checkOptions checks the options that do not depend on what is queried.
func checkOptions(o Options) error {
	if !o.From.Before(o.To) {
		return notBefore(o.From, o.To)
	}
	if o.Agg != "" && !slices.Contains(aggregations, o.Agg) {
		return &param.Error{Param: "agg", Value: strconv.Quote(o.Agg), Valid: "use one of " + strings.Join(aggregations, ", ")}
	}
	if o.Step < 0 || o.Step%time.Second != 0 {
		return &param.Error{Param: "step", Value: o.Step.String(), Valid: "use a whole number of seconds such as 5m or 1h, or 0 for every sample"}
	}
	if o.MaxPoints < 0 {
		return &param.Error{Param: "points", Value: strconv.Itoa(o.MaxPoints), Valid: "use 0 (no automatic step) or more"}
	}
	return nil
}

// checkViewOptions checks the options that apply to some views only, and
// sets the filter of the one given.
func (e *engine) checkViewOptions() error {
	o := e.o
	if e.agg == "sum" && e.v != nil && !slices.ContainsFunc(e.v.columns, func(c column) bool { return c.counted }) {
		return &param.Error{Param: "agg", Value: "sum", Reason: "adds up what counters counted, and the " + e.v.name + " view has none",
			Valid: "use it with views such as cpu, disk, net, paging or proc"}
	}
	if o.PerCPU && e.what != "cpu" {
		return &param.Error{Param: "per-cpu", Reason: "{param} applies to the cpu view only, not to " + e.what}
	}
	filters := []struct {
		param, view string
		vals        []string
	}{{"device", "disk", o.Devices}, {"mount", "fs", o.Mounts}, {"interface", "net", o.Interfaces}}
	for _, f := range filters {
		if len(f.vals) == 0 {
			continue
		}
		if e.v == nil || e.v.name != f.view {
			return &param.Error{Param: f.param, Reason: "{param} applies to the " + f.view + " view only",
				Valid: fmt.Sprintf("for raw series use a label matcher such as {device=%q}", f.vals[0])}
		}
		e.filter = map[string]bool{}
		for _, v := range f.vals {
			e.filter[v] = true
		}
	}
	return nil
}

// unknownView is the error for a word that is neither a view nor a metric
// name that parses.
func unknownView(w string) error {
	msg := fmt.Sprintf("unknown view or metric %q", w)
	if best := closest(w, Views()); best != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", best)
	}
	return usagef("%s; the views are %s, or give a raw series selector: %s", msg, strings.Join(Views(), ", "), SelectorForms)
}

// closest returns the candidate within edit distance 2 of w, if any.
func closest(w string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(w, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
		return r.g, r.ti
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
	ti, ok := g.termIdx[tkey]
	if !ok {
		ti = len(g.pts)
		g.termIdx[tkey] = ti
		g.pts = append(g.pts, nil)
		g.sums = append(g.sums, nil)
	}
	e.terms[key] = termRef{g, ti}
	return g, ti
}

// rawColumn is the column of a raw series: a per-second rate for counters,
// the stored value for everything else.
func rawColumn(name string) column {
	kind, unit, counted, counts := level, None, false, None
	if mi, ok := metric.Lookup(name); ok {
		switch {
		case mi.Kind == metric.Counter && mi.Unit == "bytes":
			kind, unit, counted, counts = rate, BytesPerSecond, true, Bytes
		case mi.Kind == metric.Counter && mi.Unit == "seconds":
			kind, unit, counted, counts = rate, None, true, Seconds // seconds per second
		case mi.Kind == metric.Counter:
			kind, unit, counted, counts = rate, PerSecond, true, Count
		case mi.Unit == "bytes":
			unit = Bytes
		case mi.Unit == "seconds":
			unit = Seconds
		default:
			unit = Count
		}
	} else if strings.HasSuffix(name, "_total") {
		kind, counted = rate, true
	}
	return column{name: name, unit: unit, kind: kind, num: []term{{metric: name, coef: 1}}, counted: counted, counts: counts}
}

// run computes the query.
func (e *engine) run(ctx context.Context) error {
	step := e.step
	auto := step == 0 && e.o.MaxPoints > 0
	if auto {
		if s := autoStep(e.start, e.end, e.offset(), e.o.MaxPoints); s >= hour {
			step = s
			auto = false
		}
	}
	if e.summariesAnswer(step) {
		if err := e.setStep(step); err != nil {
			return err
		}
		if err := e.runSummaries(ctx); err != nil {
			return err
		}
		return e.finish(ctx)
	}
	if err := e.readRaw(ctx, e.start, e.end, nil); err != nil {
		return err
	}
	if auto {
		// The number of sample times: the points of each group's first term.
		n := 0
		for _, g := range e.groups {
			if len(g.pts) == 0 {
				continue
			}
			c := 0
			for _, p := range g.pts[0] {
				if p.T >= e.start && p.T < e.end {
					c++
				}
			}
			n = max(n, c)
		}
		if n > e.o.MaxPoints {
			step = autoStep(e.start, e.end, e.offset(), e.o.MaxPoints)
		}
	}
	if err := e.setStep(step); err != nil {
		return err
	}
	for _, g := range e.groups {
		e.computeRaw(g, e.start, e.end)
	}
	return e.finish(ctx)
}

// summariesAnswer reports whether the hourly summaries can answer buckets
// of step: whole hours aligned to UTC hours, combined by sums.
func (e *engine) summariesAnswer(step int64) bool {
	return step >= hour && step%hour == 0 && e.offset()%hour == 0 && (e.agg == "avg" || e.agg == "sum") && !e.rawOnly
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
	return max(0, int(ceilDiv(t-e.origin, e.step))-1)
}

// bucketEnd returns the label of bucket i: its end, clipped to the range.
func (e *engine) bucketEnd(i int) int64 {
	return min(e.origin+int64(i+1)*e.step, e.end)
}

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
	return e.s.Read(ctx, time.Unix(a-lookback, 0), time.Unix(b, 0), match, func(ser tsdb.Series, pts []tsdb.Point) error {
		key := ser.Key()
		if ser.Metric == metric.BootInfo {
			e.boots.add(ser.Get("instance"), ser.Get("boot_id"), pts[0].T, pts[len(pts)-1].T)
			if !e.accepts(ser) {
				return nil
			}
		}
		g, ti := e.register(ser, key)
		if only != nil && !only[g] {
			return nil
		}
		g.pts[ti] = pts
		return nil
	})
}

// bound is a column of a group with its terms resolved to term indexes.
type bound struct {
	ci       int
	c        *column
	num, den []boundTerm
	counters []int // the counter terms whose decrease voids an interval
}

type boundTerm struct {
	ti   int
	coef float64
}

// bind returns the columns of g whose every term has data (has(ti)).
func bind(g *group, has func(ti int) bool) []bound {
	var out []bound
	for ci := range g.cols {
		c := &g.cols[ci]
		b := bound{ci: ci, c: c}
		ok := true
		resolve := func(ts []term) []boundTerm {
			r := make([]boundTerm, 0, len(ts))
			for _, t := range ts {
				ti, found := g.termIdx[t.key()]
				if found && !has(ti) {
					found = false
				}
				switch {
				case !found && t.optional:
					continue // a counter older kernels or collectors lack
				case !found:
					ok = false
					return nil
				}
				r = append(r, boundTerm{ti, t.coef})
				if c.kind == rate && !slices.Contains(b.counters, ti) {
					b.counters = append(b.counters, ti)
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

// computeRaw adds the values of g between its samples in [a, b) (read by
// readRaw) to g's columns.
//
// A rate is computed between two consecutive samples over their exact
// interval and belongs to the later sample's time. No rate is computed
// across a gap (an interval longer than gapFactor recording intervals: a
// NaN point marks it, one recording interval after the sample before it),
// across a reboot or across a counter that went down (NaN at the later
// sample).
func (e *engine) computeRaw(g *group, a, b int64) {
	bs := bind(g, func(ti int) bool { return len(g.pts[ti]) > 0 })
	if len(bs) == 0 {
		return
	}
	var used []int
	for _, bc := range bs {
		for _, bt := range bc.num {
			used = append(used, bt.ti)
		}
		for _, bt := range bc.den {
			used = append(used, bt.ti)
		}
	}
	slices.Sort(used)
	used = slices.Compact(used)
	series := make([][]tsdb.Point, len(used))
	remap := make([]int, len(g.pts))
	for i, ti := range used {
		series[i] = g.pts[ti]
		remap[ti] = i
	}
	times, vals := join(series)
	if len(times) == 0 {
		return
	}
	if g.m == 0 {
		g.m = medianInterval(times)
	}
	m := g.m
	thr := gapFactor * float64(m)
	dot := func(ts []boundTerm, j int) float64 {
		var s float64
		for _, t := range ts {
			s += t.coef * vals[remap[t.ti]][j]
		}
		return s
	}
	delta := func(ts []boundTerm, j int) float64 {
		var s float64
		for _, t := range ts {
			v := vals[remap[t.ti]]
			s += t.coef * (v[j] - v[j-1])
		}
		return s
	}
	for j, tj := range times {
		if tj >= b {
			break
		}
		gap, broken := false, false
		var dt int64
		if j > 0 {
			dt = tj - times[j-1]
			gap = float64(dt) > thr
			if gap {
				if mark := times[j-1] + m; mark >= a && mark < b {
					for _, bc := range bs {
						e.emit(g, bc.ci, mark, mark, 0, 0, false)
					}
				}
			} else {
				broken = e.boots.rebooted(g.inst, times[j-1], tj)
			}
		}
		if tj < a {
			continue
		}
		for _, bc := range bs {
			if bc.c.kind == level {
				num := dot(bc.num, j)
				if bc.c.clamp && num < 0 {
					num = 0
				}
				den := 1.0
				if bc.den != nil {
					den = dot(bc.den, j)
				}
				e.emit(g, bc.ci, tj, tj, num, den, true)
				continue
			}
			if j == 0 || gap || times[j-1] < e.start {
				continue // no interval, or one that starts before the range
			}
			valid := !broken
			for _, ti := range bc.counters {
				if v := vals[remap[ti]]; v[j] < v[j-1] {
					valid = false
				}
			}
			num, den := 0.0, float64(dt)
			if valid {
				num = delta(bc.num, j)
				if bc.den != nil {
					den = delta(bc.den, j)
				}
			}
			e.emit(g, bc.ci, tj, times[j-1], num, den, valid)
		}
	}
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
		o.starts = append(o.starts, t0)
		return
	}
	if !valid {
		return
	}
	o.total.add(num, den)
	if o.bk == nil {
		o.bk = make([]acc, e.buckets)
		switch e.agg {
		case "min", "max", "last":
			o.aggv = make([]float64, e.buckets)
		case "p95":
			o.vals = make([][]float64, e.buckets)
		}
	}
	i := e.bucketOf(t)
	if t < e.start || i >= len(o.bk) {
		return
	}
	if o.aggv != nil || o.vals != nil {
		v := c.value(num, den)
		switch {
		case o.vals != nil:
			o.vals[i] = append(o.vals[i], v)
		case o.bk[i].n == 0 || e.agg == "last":
			o.aggv[i] = v
		case e.agg == "min":
			o.aggv[i] = math.Min(o.aggv[i], v)
		case e.agg == "max":
			o.aggv[i] = math.Max(o.aggv[i], v)
		}
	}
	o.bk[i].add(num, den)
}

func (a *acc) add(num, den float64) {
	a.num += num
	a.den += den
	a.n++
}

// join returns the times at which every series has a point and the values
// of each series at those times. A time repeated within a series counts
// once (its first value).
func join(series [][]tsdb.Point) ([]int64, [][]float64) {
	k := len(series)
	vals := make([][]float64, k)
	if k == 1 {
		s := series[0]
		times := make([]int64, 0, len(s))
		v := make([]float64, 0, len(s))
		for i, p := range s {
			if i > 0 && p.T <= times[len(times)-1] {
				continue
			}
			times = append(times, p.T)
			v = append(v, p.V)
		}
		vals[0] = v
		return times, vals
	}
	pos := make([]int, k)
	times := make([]int64, 0, len(series[0]))
	for i := range vals {
		vals[i] = make([]float64, 0, len(series[0]))
	}
	last := int64(math.MinInt64)
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

// finish checks the filters and that something was found, and explains
// why not (noData) otherwise.
func (e *engine) finish(ctx context.Context) error {
	if err := e.checkFilter(); err != nil {
		return err
	}
	for _, g := range e.groups {
		for ci := range g.out {
			if g.out[ci].used {
				return e.readStoredSpan(ctx)
			}
		}
	}
	return e.noData(ctx)
}

// readStoredSpan reads when the store's first and newest samples are.
func (e *engine) readStoredSpan(ctx context.Context) error {
	first, newest, ok, err := e.s.Bounds(ctx)
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
	groups := slices.Clone(e.groups)
	sort.Slice(groups, func(i, j int) bool { return compareLabels(groups[i].labels, groups[j].labels) < 0 })
	if e.sel != nil {
		sort.SliceStable(groups, func(i, j int) bool { return groups[i].cols[0].name < groups[j].cols[0].name })
	}
	ncols := 1
	if e.v != nil {
		ncols = len(e.v.columns)
	}
	var out []outSeries
	for ci := 0; ci < ncols; ci++ {
		for _, g := range groups {
			o, c := &g.out[ci], &g.cols[ci]
			if !o.used || e.agg == "sum" && !c.counted {
				continue
			}
			s := outSeries{Quantity: Quantity{Name: c.name, Labels: g.labels, Unit: c.unit}, g: g, ci: ci}
			if e.agg == "sum" {
				s.Unit = c.counts
			}
			if e.step == 0 {
				s.Points, s.starts = o.pts, o.starts
			} else {
				s.Points = e.bucketPoints(o, c)
			}
			if s.Labels == nil {
				s.Labels = []tsdb.Label{}
			}
			s.Stats = e.stats(s.Points, o, c)
			out = append(out, s)
		}
	}
	return out
}

// bucketPoints returns the points of a downsampled column, one per bucket,
// labelled with the bucket's end.
func (e *engine) bucketPoints(o *colOut, c *column) []tsdb.Point {
	lo, hi := e.bucketSpan()
	pts := make([]tsdb.Point, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		pts = append(pts, tsdb.Point{T: e.bucketEnd(i), V: nan})
		p := &pts[len(pts)-1]
		if o.bk == nil || o.bk[i].n == 0 {
			continue
		}
		switch {
		case o.vals != nil:
			p.V = percentile(slices.Clone(o.vals[i]), 95)
		case o.aggv != nil:
			p.V = o.aggv[i]
		case e.agg == "sum":
			p.V = o.bk[i].num
		default:
			p.V = c.value(o.bk[i].num, o.bk[i].den)
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
// sorts): the smallest value that at least p% of the values are at most.
// NaNs are ignored.
func percentile(vals []float64, p float64) float64 {
	vals = slices.DeleteFunc(vals, math.IsNaN)
	if len(vals) == 0 {
		return nan
	}
	slices.Sort(vals)
	rank := int(math.Ceil(p / 100 * float64(len(vals))))
	return vals[max(rank, 1)-1]
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
