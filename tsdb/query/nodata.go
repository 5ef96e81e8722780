package query

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

const day = 86400

// noData explains why a query found nothing: a filter or selector naming
// something the range does not have (a *UsageError listing what it has), or
// a range without samples (a *NoDataError with the nearest sample's time).
func (e *engine) noData(ctx context.Context) error {
	from, to := e.o.From, e.o.To
	if err := e.checkFilter(); err != nil {
		return err
	}
	nearest, err := e.nearest(ctx)
	if err != nil {
		return err
	}
	if e.sel != nil && nearest.IsZero() {
		if err := e.diagnoseSelector(ctx); err != nil {
			return err
		}
		if name, ok := e.sel.MetricName(); ok {
			if _, known := metric.Lookup(name); !known {
				return unknownMetric(name, len(e.sel.Matchers) == 0)
			}
		}
	}
	what := e.what
	for _, f := range [][]string{e.o.Devices, e.o.Mounts, e.o.Interfaces} {
		if len(f) > 0 && e.v != nil {
			what += " (" + e.v.filterParam + " " + strings.Join(f, ",") + ")"
		}
	}
	return &NoDataError{What: what, From: from, To: to, Nearest: nearest}
}

// checkFilter returns a *UsageError when --device, --mount or
// --interface name something the range does not hold while it holds others.
func (e *engine) checkFilter() error {
	if e.filter == nil || len(e.seenFilter) == 0 {
		return nil
	}
	var missing []string
	for v := range e.filter {
		if !e.seenFilter[v] {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	what := map[string]string{"disk": "disk device", "fs": "mount point", "net": "network interface"}[e.v.name]
	return usagef("no %s %s from %s to %s; the %ss there are %s", what, quoteList(missing),
		e.o.From.Format(time.RFC3339), e.o.To.Format(time.RFC3339), what, strings.Join(sortedKeys(e.seenFilter), ", "))
}

// unknownMetric is the error for a metric name neither the store nor the
// catalog knows; bare says the name came alone, so it may be a mistyped view.
func unknownMetric(name string, bare bool) error {
	var names []string
	for _, mi := range metric.Catalog() {
		names = append(names, mi.Name)
	}
	if bare {
		if best := closest(name, Views()); best != "" || !strings.Contains(name, "_") {
			return unknownView(name)
		}
	}
	msg := fmt.Sprintf("unknown metric %q: the store holds no such series", name)
	if best := closest(name, names); best != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", best)
	}
	return usagef("%s; give a view (%s) or a stored metric ('srvmon series' lists them)", msg, strings.Join(Views(), ", "))
}

// diagnoseSelector returns a *UsageError when the selector names a metric
// the range holds but its label matchers rule out every series of it.
func (e *engine) diagnoseSelector(ctx context.Context) error {
	name, ok := e.sel.MetricName()
	if !ok {
		return nil
	}
	all, err := e.s.SeriesIn(ctx, time.Unix(e.start, 0), time.Unix(e.end, 0))
	if err != nil {
		return err
	}
	var same []tsdb.Series
	for _, s := range all {
		if s.Metric == name {
			same = append(same, s)
		}
	}
	if len(same) == 0 {
		return nil
	}
	for _, s := range same {
		if e.sel.Matches(s) {
			// The series is there but none of its samples in the range
			// could be read (damage, reported on its own): no data, not
			// a selector naming nothing.
			return nil
		}
	}
	labels := map[string]bool{}
	for _, s := range same {
		for _, l := range s.Labels {
			labels[l.Name] = true
		}
	}
	for _, m := range e.sel.Matchers {
		if m.Name != "__name__" && !labels[m.Name] && !m.Matches("") {
			return usagef("no series of %s has a label %q; its labels are %s", name, m.Name, strings.Join(sortedKeys(labels), ", "))
		}
	}
	keys := make([]string, 0, len(same))
	for _, s := range same {
		keys = append(keys, s.Key())
	}
	more := ""
	if len(keys) > 10 {
		more = fmt.Sprintf(" and %d more", len(keys)-10)
		keys = keys[:10]
	}
	return usagef("no series matches %s from %s to %s; the %s series there are %s%s", e.sel, e.o.From.Format(time.RFC3339),
		e.o.To.Format(time.RFC3339), name, strings.Join(keys, ", "), more)
}

// nearest returns the time of the input sample nearest to the range, or
// the zero time if the store holds none. It looks day by day outwards from
// the range, using the block indexes, so it reads points of one day only.
func (e *engine) nearest(ctx context.Context) (time.Time, error) {
	first, last, ok, err := e.s.Bounds(ctx)
	if err != nil || !ok {
		return time.Time{}, err
	}
	accepts := func(ser tsdb.Series) bool {
		saved := e.seenFilter
		e.seenFilter = map[string]bool{}
		defer func() { e.seenFilter = saved }()
		return e.accepts(ser)
	}
	find := func(a, b int64, latest bool) (int64, bool, error) {
		list, err := e.s.SeriesIn(ctx, time.Unix(a, 0), time.Unix(b, 0))
		if err != nil {
			return 0, false, err
		}
		if !slices.ContainsFunc(list, accepts) {
			return 0, false, nil
		}
		var best int64
		found := false
		err = e.s.Read(ctx, time.Unix(a, 0), time.Unix(b, 0), accepts, func(_ tsdb.Series, pts []tsdb.Point) error {
			t := pts[0].T
			if latest {
				t = pts[len(pts)-1].T
			}
			if !found || (latest && t > best) || (!latest && t < best) {
				best, found = t, true
			}
			return nil
		})
		return best, found, err
	}
	var before, after int64
	var hasBefore, hasAfter bool
	for b := e.start; b > first.Unix(); {
		a := max(floorDiv(b-1, day)*day, first.Unix())
		t, ok, err := find(a, b, true)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			before, hasBefore = t, true
			break
		}
		b = a
	}
	for a := e.end; a <= last.Unix(); {
		b := min(floorDiv(a, day)*day+day, last.Unix()+1)
		t, ok, err := find(a, b, false)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			after, hasAfter = t, true
			break
		}
		a = b
	}
	switch {
	case hasBefore && (!hasAfter || e.start-before <= after-e.end):
		return time.Unix(before, 0), nil
	case hasAfter:
		return time.Unix(after, 0), nil
	}
	return time.Time{}, nil
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
