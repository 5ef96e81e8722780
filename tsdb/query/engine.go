package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
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
	// MaxAnswer, when not 0, refuses (with a *TooLargeError) a query
	// whose answer the store's indexes say would hold more points than
	// this over all series, before any sample is read: a server's cap
	// then costs no memory.
	MaxAnswer int
	PerCPU    bool // the cpu view per core instead of all CPUs together
	// Filters by exact name: disk devices (disk view), mount points (fs),
	// network interfaces (net). Empty means all.
	Devices, Mounts, Interfaces []string
	// Now is the clock that tells a range ending in the future from a
	// recording that stopped (Summarize's gaps); nil means time.Now.
	Now func() time.Time
}

// aggregations are the values Options.Agg accepts.
var aggregations = []string{"avg", "min", "max", "last", "p95", "sum"}

// Aggregations returns the values Options.Agg accepts.
func Aggregations() []string { return slices.Clone(aggregations) }

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
		var nd *NoDataError
		if errors.As(err, &nd) && len(damage.List()) > 0 {
			nd.Damaged = true
		}
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
	// edges are the buckets' bounds when the zone's offset changes inside
	// the range by other than a multiple of the step (daylight saving
	// time and 3h, 1d... buckets): bucket i is (edges[i], edges[i+1]].
	// Nil when buckets are origin + i*step.
	edges []int64
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
	// streaming is set by Stream, whose days need no colOut.starts.
	streaming bool
	mem       *Window // the sample sets read instead of the store (Window.Run)
}

// colOut accumulates one column of one group.
type colOut struct {
	used       bool
	pts        []tsdb.Point // raw resolution
	starts     []int64      // per point: the start of its interval
	bucketSums []acc        // per bucket: the sums for avg and sum
	picked     []float64    // per bucket: the min, max or last value
	vals       [][]float64  // per bucket: every value, for p95
	total      acc          // over the whole range
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
	if v, ok := allViews()[e.what]; ok {
		e.v = v
		if o.PerCPU && e.what == "cpu" {
			e.v = perCPUView()
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

// run computes the query.
func (e *engine) run(ctx context.Context) error {
	// The automatic step follows the range asked for; what is read and
	// computed is only the part of it that the store's days can hold.
	askedStart, askedEnd := e.start, e.end
	if err := e.clipToStoredDays(ctx); err != nil {
		return err
	}
	step := e.step
	auto := step == 0 && e.o.MaxPoints > 0
	if auto {
		if s := autoStep(askedStart, askedEnd, e.offset(), e.o.MaxPoints); s >= hour {
			step = s
			auto = false
		}
	}
	if e.o.MaxAnswer > 0 && e.mem == nil {
		if err := e.checkAnswerSize(ctx, step, auto); err != nil {
			return err
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
			step = autoStep(askedStart, askedEnd, e.offset(), e.o.MaxPoints)
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
	if e.mem != nil {
		return &NoDataError{What: e.what, From: e.o.From, To: e.o.To}
	}
	return e.noData(ctx)
}
