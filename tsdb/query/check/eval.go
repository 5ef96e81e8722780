package check

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/health"
	"github.com/srvmon/srvmon/tsdb/query"
)

// State is the outcome of a check, numbered as monitoring plugins exit.
type State int

// The states, in the plugins' exit status numbering.
const (
	OK       State = 0
	Warning  State = 1
	Critical State = 2
	Unknown  State = 3
)

func (s State) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// severity orders states by how much they need attention: OK, UNKNOWN,
// WARNING, CRITICAL (a plugin with one CRITICAL and one UNKNOWN check is
// CRITICAL).
func (s State) severity() int {
	switch s {
	case OK:
		return 0
	case Unknown:
		return 1
	case Warning:
		return 2
	}
	return 3
}

// Worst returns the state that needs more attention.
func Worst(a, b State) State {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// Check is one line of a plugin's output: a subject with its CRITICAL
// condition, its WARNING condition, or both (they then share the subject
// and the for duration).
type Check struct {
	Name       string // from the checks file; "" when none
	Crit, Warn *Expr  // at least one is set
}

// expr returns the check's defining expression.
func (c *Check) expr() *Expr {
	if c.Crit != nil {
		return c.Crit
	}
	return c.Warn
}

// Decisive is the expression that decides whether the check is OK: its
// WARNING condition when it has one (with the looser threshold, it holds
// first), else its CRITICAL condition.
func (c *Check) Decisive() *Expr {
	if c.Warn != nil {
		return c.Warn
	}
	return c.Crit
}

// Subject is what the check looks at, VIEW.COLUMN{...}.
func (c *Check) Subject() string { return c.expr().Subject() }

// For is the check's duration, 0 for the newest interval.
func (c *Check) For() time.Duration { return c.expr().For }

// Key identifies the check across runs (for --notify-on-change): its name,
// or its expressions.
func (c *Check) Key() string {
	if c.Name != "" {
		return c.Name
	}
	var parts []string
	if c.Crit != nil {
		parts = append(parts, c.Crit.Text)
	}
	if c.Warn != nil {
		parts = append(parts, "warn "+c.Warn.Text)
	}
	return strings.Join(parts, "; ")
}

// Group pairs each WARNING expression with the CRITICAL expression of the
// same name, subject and duration (as 'cpu.busy > 90% for 10m' and
// --warn 'cpu.busy > 75% for 10m'), so that one line shows both
// thresholds; the others become checks of their own. The order is that of
// crit, then of the unpaired warn.
func Group(crit, warn []*Expr) []*Check {
	var out []*Check
	paired := make([]bool, len(warn))
	for _, c := range crit {
		ch := &Check{Name: c.Name, Crit: c}
		for i, w := range warn {
			if !paired[i] && w.Name == c.Name && w.Subject() == c.Subject() && w.For == c.For {
				ch.Warn, paired[i] = w, true
				break
			}
		}
		out = append(out, ch)
	}
	for i, w := range warn {
		if !paired[i] {
			out = append(out, &Check{Name: w.Name, Warn: w})
		}
	}
	return out
}

// Result is the outcome of one Check.
type Result struct {
	Check *Check
	State State
	// Subject is the check's subject narrowed to the series it reports
	// (the worst of those its matchers chose), such as
	// disk.util{device="sdb"} for disk.util.
	Subject string
	Value   float64    // the newest interval's value, or with for the exact average over the window; NaN when unknown
	Unit    query.Unit // of Value and of the thresholds
	// Fired is the expression that holds (Crit or Warn), nil when none.
	Fired *Expr
	// Since is when the fired condition started to hold without a break
	// (looked for back to Options.Lookback before the window); zero when
	// nothing fired.
	Since time.Time
	// At is the time of the newest sample the check looked at.
	At time.Time
	// Edge is, for a check with a for duration, the value that decides
	// it: the lowest value in the window for > and >= (the condition held
	// over the window exactly when the lowest value satisfies it), the
	// highest for < and <=, of the direction of Decisive. EdgeAt is when
	// it was (the end of its interval for a rate). NaN and zero without
	// for or when the window has no value.
	Edge   float64
	EdgeAt time.Time
	// Reason says why the state is UNKNOWN.
	Reason string
}

// Options say when and how Evaluate looks.
type Options struct {
	// Now is the time the checks are evaluated at: the newest sample at
	// or before it counts. Defaults to time.Now().
	Now time.Time
	// Stale is how old the newest sample may be before a check is UNKNOWN
	// (recording stopped). Defaults to health.StaleAfter of the recording
	// interval seen.
	Stale time.Duration
	// Lookback is how far before the window Evaluate looks for the start
	// of an episode (Result.Since). Defaults to 30 minutes.
	Lookback time.Duration
}

const defaultLookback = 30 * time.Minute

// Evaluate evaluates the checks against the store. A check that cannot be
// decided (no such series, too little data, the store cannot be read) is
// UNKNOWN with the reason; Evaluate itself only fails when ctx is done.
//
// What a check means, exactly. Let T be the time of the newest sample set
// of the view at or before Options.Now. A rate (cpu.busy, disk.util,
// net.rxbytes/s, ...) has a value for each interval between two
// consecutive sample sets, computed from the counters; a level (mem,
// fs, load) a value at each sample set. An interval with a reboot, a
// counter reset or a gap (no sample for more than 2.5 recording intervals)
// has no value.
//
//   - Without for, the condition is evaluated on the newest value: the
//     interval ending at T, or the sample at T. No value there is UNKNOWN.
//   - With for D, the condition held over the whole trailing D when every
//     value from T back to T-D has one and satisfies it: every interval
//     that ends after T-D (its start may lie before T-D), and for a level
//     every sample set from the last one at or before T-D on. Put another
//     way: the condition started to hold at Since (the start of the first
//     interval, or the first sample, of the unbroken run of values that
//     satisfy it and ends at T) and T - Since >= D. When a value in the
//     window does not satisfy it the check is OK; when every value there
//     satisfies it but the run is cut by a missing value or the start of
//     the data before it reaches back D, it is UNKNOWN (too little data).
//     The value reported is the exact average over the window from the last
//     sample set at or before T-D to T, computed by package query from the
//     counters (rates: increase over time; levels: mean of the samples).
//
// A check whose matchers choose several series (every filesystem, every
// disk) is evaluated on each and reports the worst: the state that needs
// most attention, then the highest value (for > and >=) or the lowest (for
// < and <=). A check is UNKNOWN when T is older than Options.Stale.
func Evaluate(ctx context.Context, s *tsdb.Store, checks []*Check, o Options) ([]Result, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Lookback <= 0 {
		o.Lookback = defaultLookback
	}
	// The sample set times, read once for the longest window.
	var longest time.Duration
	for _, c := range checks {
		longest = max(longest, c.For())
	}
	to := o.Now.Truncate(time.Second).Add(time.Second)
	times, timesErr := sampleTimes(ctx, s, to.Add(-longest-o.Lookback), to)
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var r Result
		if timesErr != nil && c.expr().View != StatusView {
			r = unknown(c, "%v", timesErr)
		} else {
			r = evaluate(ctx, s, c, o, times)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Exit returns the exit status of a plugin that ran rs: CRITICAL if one is
// critical, else WARNING, else UNKNOWN, else OK.
func Exit(rs []Result) State {
	st := OK
	for _, r := range rs {
		st = Worst(st, r.State)
	}
	return st
}

func unknown(c *Check, format string, args ...any) Result {
	e := c.expr()
	u, _ := columnUnit(e.View, e.Column)
	return Result{Check: c, State: Unknown, Subject: c.Subject(), Value: math.NaN(), Edge: math.NaN(), Unit: u, Reason: fmt.Sprintf(format, args...)}
}

// evaluate evaluates c; allTimes are the sample set times of the longest
// window of all checks.
func evaluate(ctx context.Context, s *tsdb.Store, c *Check, o Options, allTimes []int64) Result {
	e := c.expr()
	if e.View == StatusView {
		return evaluateStatus(ctx, s, c, o)
	}
	var col query.Column
	for _, cc := range query.Columns(e.View) {
		if cc.Name == e.Column {
			col = cc
		}
	}
	// Read from the lookback before the window to the second after now.
	to := o.Now.Truncate(time.Second).Add(time.Second)
	from := to.Add(-e.For - o.Lookback)
	qs, err := points(ctx, s, e.View, e.Column, query.Options{From: from, To: to})
	if err != nil {
		return unknown(c, "%v", err)
	}
	qs, err = choose(qs, e)
	if err != nil {
		return unknown(c, "%v", err)
	}
	times := setTimes(allTimes, from.Unix(), qs)
	if len(times) == 0 {
		return unknown(c, "no samples of %s in the last %s", e.View, FormatDuration(e.For+o.Lookback))
	}
	// T: the newest sample set.
	T := times[len(times)-1]
	stale := o.Stale
	if stale <= 0 {
		stale = health.StaleAfter(health.Interval(times))
	}
	if age := o.Now.Sub(time.Unix(T, 0)); age > stale {
		return unknown(c, "the newest sample of %s is %s old, more than %s (is srvmon record running? see status.age)",
			e.View, FormatDuration(age.Truncate(time.Second)), FormatDuration(stale))
	}
	var avgs map[string]float64
	if e.For > 0 {
		// The sample sets from the window's first to T: a rate's
		// intervals after it, a level's samples from it on.
		ao := query.Options{From: time.Unix(windowStart(times, T, e.For), 0), To: time.Unix(T+1, 0)}
		if avgs, err = averages(ctx, s, e.View, e.Column, ao); err != nil {
			return unknown(c, "%v", err)
		}
	}
	var best *Result
	for _, q := range qs {
		r := judge(c, q, col, times, T, o)
		if e.For > 0 && r.State != Unknown {
			if v, ok := avgs[labelKey(q.labels)]; ok {
				r.Value = v
			}
		}
		r.Subject = narrowed(e, q.labels, qs)
		if best == nil || worse(r, *best, e.Op.high()) {
			best = &r
		}
	}
	return *best
}

// setTimes returns the sample set times from from on, sorted and distinct:
// those of allTimes, or in a store without the boot series the times of
// the points of qs.
func setTimes(allTimes []int64, from int64, qs []quantity) []int64 {
	var times []int64
	for _, t := range allTimes {
		if t >= from {
			times = append(times, t)
		}
	}
	if len(times) == 0 {
		for _, q := range qs {
			for _, p := range q.points {
				if !math.IsNaN(p.V) {
					times = append(times, p.T)
				}
			}
		}
	}
	slices.Sort(times)
	return slices.Compact(times)
}

// windowStart is the first sample set of the window of length d that ends
// with the sample set at T: the last of times at or before T-d (the first
// of times when there is none).
func windowStart(times []int64, T int64, d time.Duration) int64 {
	ws := T - int64(d/time.Second)
	i := sort.Search(len(times), func(i int) bool { return times[i] > ws }) - 1
	if i < 0 {
		return times[0]
	}
	return times[i]
}

// worse reports whether a needs more attention than b.
func worse(a, b Result, high bool) bool {
	if a.State.severity() != b.State.severity() {
		return a.State.severity() > b.State.severity()
	}
	if math.IsNaN(b.Value) {
		return !math.IsNaN(a.Value)
	}
	if high {
		return a.Value > b.Value
	}
	return a.Value < b.Value
}

// choose keeps the series whose labels match every matcher.
func choose(qs []quantity, e *Expr) ([]quantity, error) {
	if len(qs) == 0 {
		return nil, fmt.Errorf("no series of %s.%s recorded in the window", e.View, e.Column)
	}
	var out []quantity
	for _, q := range qs {
		if matches(q.labels, e.Matchers) {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no series of %s matches %s; there are: %s", e.Subject(), matcherText(e.Matchers), alternatives(qs, e.Matchers))
	}
	return out, nil
}

func matches(ls []tsdb.Label, ms []Matcher) bool {
	for _, m := range ms {
		found := false
		for _, l := range ls {
			if l.Name == m.Name {
				found = l.Value == m.Value
				break
			}
		}
		if !found && m.Value != "" {
			return false
		}
	}
	return true
}

func matcherText(ms []Matcher) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("%s=%q", m.Name, m.Value))
	}
	return strings.Join(parts, ",")
}

// alternatives lists the values the series have for the matchers' labels.
func alternatives(qs []quantity, ms []Matcher) string {
	var vals []string
	for _, q := range qs {
		var parts []string
		for _, m := range ms {
			for _, l := range q.labels {
				if l.Name == m.Name {
					parts = append(parts, fmt.Sprintf("%s=%q", l.Name, l.Value))
				}
			}
		}
		if len(parts) > 0 {
			vals = append(vals, strings.Join(parts, ","))
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	if len(vals) == 0 {
		return "none with those labels"
	}
	return strings.Join(vals, " ")
}

// filterLabels are the labels that tell a view's series apart, for
// narrowed.
var filterLabels = map[string]string{"fs": "mountpoint", "disk": "device", "net": "device", "cpu": "cpu"}

// narrowed is the expression's subject with the labels that tell the
// chosen series apart added, when the matchers chose more than one: the
// view's own (mountpoint, device) when it does, else every label that
// differs.
func narrowed(e *Expr, ls []tsdb.Label, qs []quantity) string {
	if len(qs) < 2 {
		return e.Subject()
	}
	ms := slices.Clone(e.Matchers)
	add := func(l tsdb.Label) {
		for _, m := range ms {
			if m.Name == l.Name {
				return
			}
		}
		ms = append(ms, Matcher{Name: l.Name, Value: l.Value})
	}
	fl := filterLabels[e.View]
	for _, l := range ls {
		if (l.Name == fl || l.Name == "instance") && differs(qs, l.Name) {
			add(l)
		}
	}
	if fl == "" || !differs(qs, fl) {
		for _, l := range ls {
			if differs(qs, l.Name) {
				add(l)
			}
		}
	}
	n := *e
	n.Matchers = ms
	return n.Subject()
}

// differs reports whether the series have different values of label.
func differs(qs []quantity, label string) bool {
	var first string
	for i, q := range qs {
		v := ""
		for _, l := range q.labels {
			if l.Name == label {
				v = l.Value
			}
		}
		if i == 0 {
			first = v
		} else if v != first {
			return true
		}
	}
	return false
}

func labelKey(ls []tsdb.Label) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.Name + "\x00" + l.Value + "\x00")
	}
	return b.String()
}

// judge evaluates c on one series whose newest value of all is at T.
func judge(c *Check, q quantity, col query.Column, times []int64, T int64, o Options) Result {
	r := Result{Check: c, Subject: c.Subject(), Value: math.NaN(), Edge: math.NaN(), Unit: col.Unit, At: time.Unix(T, 0).In(o.Now.Location())}
	pts := q.points
	if len(pts) == 0 || pts[len(pts)-1].T != T || math.IsNaN(pts[len(pts)-1].V) {
		r.State = Unknown
		r.Reason = fmt.Sprintf("no value for the interval ending at %s (a gap in recording, a reboot or a counter reset)", r.At.Format("15:04:05"))
		return r
	}
	newest := pts[len(pts)-1].V
	r.Value = newest
	r.State = OK
	if c.For() > 0 {
		if i := windowEdge(pts, col.Rate, times, T, c.For(), c.Decisive().Op.high()); i >= 0 {
			r.Edge, r.EdgeAt = pts[i].V, time.Unix(pts[i].T, 0).In(o.Now.Location())
		}
	}
	for _, x := range []*Expr{c.Crit, c.Warn} {
		if x == nil {
			continue
		}
		since, held, why := run(x, pts, col.Rate, times, T)
		switch {
		case held:
			r.State = Critical
			if x == c.Warn {
				r.State = Warning
			}
			r.Fired, r.Since = x, time.Unix(since, 0).In(o.Now.Location())
			return r
		case why != "" && r.State == OK:
			r.State, r.Reason, r.Value = Unknown, why, math.NaN()
		}
	}
	return r
}

// windowEdge returns the index in pts of the lowest value (high: for > and
// >=) or the highest value in the window of a for duration d ending at T:
// for a rate the intervals ending after T-d, for a level the samples from
// the last sample set at or before T-d on (as run and the window's average
// count them). The newest of equal values wins; -1 when the window has no
// value.
func windowEdge(pts []tsdb.Point, rate bool, times []int64, T int64, d time.Duration, high bool) int {
	ws := T - int64(d/time.Second)
	if !rate {
		if k := sort.Search(len(times), func(k int) bool { return times[k] > ws }) - 1; k >= 0 {
			ws = times[k] - 1 // include the sample set at or before T-d
		}
	}
	best := -1
	for i := len(pts) - 1; i >= 0 && pts[i].T > ws; i-- {
		v := pts[i].V
		if math.IsNaN(v) || pts[i].T > T {
			continue
		}
		if best < 0 || (high && v < pts[best].V) || (!high && v > pts[best].V) {
			best = i
		}
	}
	return best
}

// run decides whether x held over its whole for duration (or, without one,
// at the newest value), and returns the start of the unbroken run of values
// that satisfy it. why is set when the run was cut by missing data before
// it reached back far enough to decide.
func run(x *Expr, pts []tsdb.Point, rate bool, times []int64, T int64) (since int64, held bool, why string) {
	need := int64(x.For / time.Second)
	i := len(pts) - 1
	if !x.Op.holds(pts[i].V, x.Threshold) {
		return 0, false, ""
	}
	start := func(j int) int64 {
		if !rate {
			return pts[j].T
		}
		// The interval ending at pts[j].T starts at the sample set before.
		k := sort.Search(len(times), func(k int) bool { return times[k] >= pts[j].T }) - 1
		if k < 0 {
			return pts[j].T
		}
		return times[k]
	}
	since = start(i)
	short := func(what string) string {
		return fmt.Sprintf("too little data: %s held for the %s recorded%s, less than %s", x.Text,
			FormatDuration(time.Duration(T-since)*time.Second), what, FormatDuration(x.For))
	}
	// Walk back to the start of the run, also past T-D, for Since.
	for ; i > 0; i-- {
		p := pts[i-1]
		if math.IsNaN(p.V) {
			if T-since >= need {
				return since, true, ""
			}
			return since, false, short(" since a gap, reboot or counter reset at " + time.Unix(p.T, 0).UTC().Format("15:04:05 UTC"))
		}
		if rate && p.T != since {
			// The value before is not of the interval just before (a
			// sample set without this series).
			if T-since >= need {
				return since, true, ""
			}
			return since, false, short("")
		}
		if !x.Op.holds(p.V, x.Threshold) {
			return since, T-since >= need, ""
		}
		since = start(i - 1)
	}
	if T-since >= need {
		return since, true, ""
	}
	return since, false, short("")
}

// evaluateStatus evaluates a check of the status pseudo-view.
func evaluateStatus(ctx context.Context, s *tsdb.Store, c *Check, o Options) Result {
	last, _, err := health.Newest(ctx, s, o.Now)
	if err != nil {
		return unknown(c, "%v", err)
	}
	if last.IsZero() {
		return unknown(c, "the store holds no samples")
	}
	r := Result{Check: c, Subject: c.Subject(), Unit: query.Seconds, At: last.In(o.Now.Location()), State: OK, Edge: math.NaN()}
	r.Value = o.Now.Sub(last).Truncate(time.Second).Seconds()
	for _, x := range []*Expr{c.Crit, c.Warn} {
		if x != nil && x.Op.holds(r.Value, x.Threshold) {
			r.State = Critical
			if x == c.Warn {
				r.State = Warning
			}
			r.Fired, r.Since = x, last.In(o.Now.Location())
			break
		}
	}
	return r
}
