// Streaming: the raw-resolution answer one UTC day at a time, so that a
// month of every series costs the memory of a day.

package query

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// Stream computes what Run computes at raw resolution (o.Step and
// o.MaxPoints 0, o.MaxAnswer 0) and hands it to fn one UTC day of the range
// at a time, in time order. Each Result holds the quantities that have
// points in its day, in Run's order, with those points; their Stats are
// not computed (zero) and its Damage is nil (the store lists what it met).
// The points of a quantity over all calls are exactly Run's: rates and
// gaps across midnight included. fn must not keep the Result or its
// points after it returns: their memory is reused for the next day.
//
// Memory follows the largest day of the range, not its length: Stream
// reads the store twice, the first time keeping only what each series'
// rates and gaps need from the days around (the recording interval, the
// first sample of each later day). Errors are Run's; when the range holds
// nothing to show, fn is never called and the error is Run's
// *NoDataError. Samples appended to the store while Stream runs may be
// left out.
func Stream(ctx context.Context, s *tsdb.Store, what string, o Options, fn func(*Result) error) error {
	return StreamColumns(ctx, s, what, o, nil, fn)
}

// StreamColumns is Stream that first, before the first day, calls cols
// (when not nil) once with a Result whose Quantities are those of Run's
// answer, in its order, without points: what a renderer needs to write a
// column per quantity (the wide CSV layout) before the rows. Finding them
// computes the range once more without keeping its points (the store is
// read three times instead of twice). When the range holds nothing to
// show, neither cols nor fn is called.
func StreamColumns(ctx context.Context, s *tsdb.Store, what string, o Options, cols, fn func(*Result) error) error {
	if o.Step != 0 || o.MaxPoints != 0 || o.MaxAnswer != 0 {
		return errors.New("query stream: only every sample (Step, MaxPoints and MaxAnswer 0) is streamed")
	}
	e, err := newEngine(s, what, o)
	if err != nil {
		return err
	}
	e.streaming = true
	ctx, damage := tsdb.WithDamageLog(ctx)
	err = e.stream(ctx, cols, fn)
	var nd *NoDataError
	if errors.As(err, &nd) && len(damage.List()) > 0 {
		nd.Damaged = true
	}
	return err
}

// streamGroup is what streaming keeps of a group between days.
type streamGroup struct {
	g       *group
	present []bool  // per term: it has points in the range
	bs      []bound // its columns bound over the whole range, as Run binds them

	// The first pass.
	hist   map[int64]int // intervals between consecutive joined times: how many
	n      int           // joined times seen
	last   int64         // the last joined time seen
	firsts []dayFirst    // per day with joined times, the first one

	// The second pass.
	next  int          // index in firsts of the first day after the current one
	tail  *joinedPoint // the last joined time of the days before, if any
	terms int          // how many terms are present
	read  int          // how many of them the current day has read
	done  bool         // the current day is computed
}

type dayFirst struct {
	day int
	t   int64
}

// stream computes the range a day at a time (see Stream).
func (e *engine) stream(ctx context.Context, cols, fn func(*Result) error) error {
	if err := e.clipToStoredDays(ctx); err != nil {
		return err
	}
	if err := e.registerAll(ctx); err != nil {
		return err
	}
	if err := e.checkFilter(); err != nil {
		return err
	}
	days := e.utcDays()
	sgs, err := e.firstPass(ctx, days)
	if err != nil {
		return err
	}
	groups, ncols := e.sortedGroups()
	byGroup := make(map[*group]*streamGroup, len(sgs))
	for _, sg := range sgs {
		byGroup[sg.g] = sg
	}
	if cols != nil {
		r, err := e.streamedColumns(ctx, days, sgs, byGroup, groups, ncols)
		if err != nil {
			return err
		}
		if err := cols(r); err != nil {
			return err
		}
	}
	shown := false
	err = e.computeDays(ctx, days, sgs, byGroup, func() error {
		r := e.resultOf(nil)
		for ci := 0; ci < ncols; ci++ {
			for _, g := range groups {
				o := &g.out[ci]
				if len(o.pts) == 0 || e.agg == "sum" && !g.cols[ci].counted {
					continue
				}
				q := e.quantity(g, ci)
				q.Points = o.pts
				r.Quantities = append(r.Quantities, q)
			}
		}
		if len(r.Quantities) == 0 {
			return nil
		}
		shown = true
		return fn(r)
	})
	if err != nil {
		return err
	}
	if !shown {
		return e.noData(ctx)
	}
	return nil
}

// utcDays cuts the range at UTC midnights: [start, end) of each day.
func (e *engine) utcDays() [][2]int64 {
	var days [][2]int64
	for a := e.start; a < e.end; {
		b := min(e.end, floorDiv(a, day)*day+day)
		days = append(days, [2]int64{a, b})
		a = b
	}
	return days
}

// firstPass reads the days once for what each group's rates and gaps need
// from the days around (see streamGroup), and returns the groups.
func (e *engine) firstPass(ctx context.Context, days [][2]int64) ([]*streamGroup, error) {
	sgs := make([]*streamGroup, len(e.groups))
	for i, g := range e.groups {
		sgs[i] = &streamGroup{g: g, present: make([]bool, len(g.pts))}
		for t := range sgs[i].present {
			sgs[i].present[t] = true // the indexes list it
		}
	}
	// The first pass binds the columns to the terms the indexes list; a
	// term they list whose points are all out of the range or lost to
	// damage changes the binding, and the pass is done again with it.
	for range 2 {
		changed, err := e.scanDays(ctx, days, sgs)
		if err != nil {
			return nil, err
		}
		if !changed {
			break
		}
	}
	for _, sg := range sgs {
		sg.g.interval = sg.interval()
		for _, p := range sg.present {
			if p {
				sg.terms++
			}
		}
	}
	return sgs, nil
}

// streamedColumns computes the range once without keeping its points (a
// dry run) for the quantities that have points, in Run's order, and
// rewinds the groups for the run that keeps them.
func (e *engine) streamedColumns(ctx context.Context, days [][2]int64, sgs []*streamGroup, byGroup map[*group]*streamGroup, groups []*group, ncols int) (*Result, error) {
	has := make(map[*group][]bool, len(groups))
	for _, g := range groups {
		has[g] = make([]bool, ncols)
	}
	err := e.computeDays(ctx, days, sgs, byGroup, func() error {
		for _, g := range groups {
			for ci := range g.out {
				has[g][ci] = has[g][ci] || len(g.out[ci].pts) > 0
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := e.resultOf(nil)
	for ci := 0; ci < ncols; ci++ {
		for _, g := range groups {
			if has[g][ci] && (e.agg != "sum" || g.cols[ci].counted) {
				r.Quantities = append(r.Quantities, e.quantity(g, ci))
			}
		}
	}
	if len(r.Quantities) == 0 {
		return nil, e.noData(ctx)
	}
	// The second run starts from the first day again.
	for _, sg := range sgs {
		sg.next, sg.tail = 0, nil
		for ci := range sg.g.out {
			sg.g.out[ci] = colOut{pts: sg.g.out[ci].pts[:0]}
		}
	}
	return r, nil
}

// computeDays computes the range a day at a time after the first pass,
// calling each after each day with the day's points in the groups' out.
func (e *engine) computeDays(ctx context.Context, days [][2]int64, sgs []*streamGroup, byGroup map[*group]*streamGroup, each func() error) error {
	for d, w := range days {
		// A group is computed as soon as its last term is read, so that
		// the day's points are not all held at once (a raw selector's
		// group has one); those missing a term that day at the end.
		for _, sg := range sgs {
			sg.read, sg.done = 0, false
		}
		err := e.readDay(ctx, days, d, false, func(g *group) {
			sg := byGroup[g]
			if sg.read++; sg.read == sg.terms {
				e.computeDay(sg, d, w[0], w[1])
				sg.done = true
			}
		})
		if err != nil {
			return err
		}
		for _, sg := range sgs {
			if !sg.done {
				e.computeDay(sg, d, w[0], w[1])
			}
		}
		if err := each(); err != nil {
			return err
		}
		for _, g := range e.groups {
			for ci := range g.out {
				g.out[ci].pts = g.out[ci].pts[:0]
			}
		}
	}
	return nil
}

// registerAll registers every series the range's indexes list that the
// query reads.
func (e *engine) registerAll(ctx context.Context) error {
	list, err := e.s.SeriesIn(ctx, time.Unix(e.start-lookback, 0), time.Unix(e.end, 0))
	if err != nil {
		return err
	}
	for _, ser := range list {
		if !e.match(ser) || ser.Metric == metric.BootInfo && !e.accepts(ser) {
			continue
		}
		e.register(ser, ser.Key())
	}
	return nil
}

// readDay reads the points of day d of days (the first one from lookback
// before it, as Run reads) into the groups' pts, calling read (if not nil)
// after each, and with boots the boot series into the boot index.
func (e *engine) readDay(ctx context.Context, days [][2]int64, d int, boots bool, read func(*group)) error {
	for _, g := range e.groups {
		clear(g.pts)
	}
	from := days[d][0]
	if d == 0 {
		from -= lookback
	}
	match := func(ser tsdb.Series) bool {
		if boots && ser.Metric == metric.BootInfo {
			return true
		}
		_, ok := e.terms[ser.Key()]
		return ok
	}
	if e.mem == nil {
		// The pages of the blocks read so far are not read again.
		defer e.s.DropPages()
	}
	return e.readPoints(ctx, time.Unix(from, 0), time.Unix(days[d][1], 0), match, func(ser tsdb.Series, pts []tsdb.Point) error {
		if boots && ser.Metric == metric.BootInfo {
			e.boots.add(ser.Get("instance"), ser.Get("boot_id"), pts[0].T, pts[len(pts)-1].T)
			e.boots.addSets(ser.Get("instance"), pts)
		}
		if r, ok := e.terms[ser.Key()]; ok {
			r.g.pts[r.termIx] = pts
			if read != nil {
				read(r.g)
			}
		}
		return nil
	})
}

// scanDays is the first pass: it reads every day and keeps, per group, its
// joined sample times' intervals and each day's first one, the boot index,
// and which terms have points. It reports whether those differ from the
// presence the columns were bound with (they are bound anew then).
func (e *engine) scanDays(ctx context.Context, days [][2]int64, sgs []*streamGroup) (changed bool, err error) {
	e.boots = bootIndex{}
	seen := make([][]bool, len(sgs))
	for i, sg := range sgs {
		sg.bs = bind(sg.g, func(termIx int) bool { return sg.present[termIx] })
		sg.hist, sg.n, sg.last, sg.firsts = map[int64]int{}, 0, 0, nil
		seen[i] = make([]bool, len(sg.present))
	}
	for d := range days {
		if err := e.readDay(ctx, days, d, true, nil); err != nil {
			return false, err
		}
		for i, sg := range sgs {
			for termIx, pts := range sg.g.pts {
				seen[i][termIx] = seen[i][termIx] || len(pts) > 0
			}
			if len(sg.bs) == 0 {
				continue
			}
			times := joinTerms(sg.g, sg.bs, nil).times
			for _, t := range times {
				if sg.n > 0 {
					sg.hist[t-sg.last]++
				}
				sg.last = t
				sg.n++
			}
			if len(times) > 0 {
				sg.firsts = append(sg.firsts, dayFirst{d, times[0]})
			}
		}
	}
	for i, sg := range sgs {
		if !slices.Equal(seen[i], sg.present) {
			sg.present, changed = seen[i], true
		}
	}
	return changed, nil
}

// interval returns the median interval of the group's joined times over
// the range, as medianInterval computes it from all of them.
func (sg *streamGroup) interval() int64 {
	if sg.n < 3 {
		if sg.n == 2 {
			for d := range sg.hist {
				if d < defaultInterval {
					return max(1, d)
				}
			}
		}
		return defaultInterval
	}
	ds := make([]int64, 0, len(sg.hist))
	for d := range sg.hist {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	k := (sg.n - 1) / 2 // the index of the median among the n-1 sorted intervals
	for _, d := range ds {
		if k < sg.hist[d] {
			return max(1, d)
		}
		k -= sg.hist[d]
	}
	return defaultInterval // not reached
}

// computeDay adds the values of day d, [a, b), of sg's group to its
// columns: computeRaw over the day's joined times preceded by the last
// one of the days before (for the first interval), and the mark of a gap
// that starts in the day and ends in a later one.
func (e *engine) computeDay(sg *streamGroup, d int, a, b int64) {
	g := sg.g
	if len(sg.bs) == 0 {
		return
	}
	in := joinTerms(g, sg.bs, sg.tail)
	clear(g.pts) // joined: the day's points are no longer needed
	if len(in.times) == 0 {
		return
	}
	e.computeJoined(g, sg.bs, in, a, b)
	for sg.next < len(sg.firsts) && sg.firsts[sg.next].day <= d {
		sg.next++
	}
	last := in.times[len(in.times)-1]
	if sg.next < len(sg.firsts) && float64(sg.firsts[sg.next].t-last) > gapFactor*float64(g.interval) {
		if mark := last + g.interval; mark >= a && mark < b {
			for _, bc := range sg.bs {
				e.emit(g, bc.ci, mark, mark, 0, 0, false)
			}
		}
	}
	if sg.tail == nil {
		sg.tail = &joinedPoint{}
	}
	sg.tail.t, sg.tail.vals = last, sg.tail.vals[:0]
	for _, v := range in.vals {
		sg.tail.vals = append(sg.tail.vals, v[len(v)-1])
	}
}
