// Queries over sample sets held in memory (serve's live range): the same
// engine, formulas and results as Run over the store.

package query

import (
	"context"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// SampleSet is the samples of one run of the collectors, all at time T
// (what a recorder appends to the store in one go).
type SampleSet struct {
	T       time.Time
	Samples []tsdb.Sample
}

// Window is a few sample sets held in memory, indexed by series, that Run
// can be asked about as if they were in a store: serve's live range keeps
// the last seconds of a sampler this way and never writes them. A Window is
// read-only once made and safe for concurrent use.
type Window struct {
	series []windowSeries
	first  int64 // Unix seconds of the oldest and newest set
	newest int64
}

type windowSeries struct {
	ser tsdb.Series
	pts []tsdb.Point
}

// NewWindow indexes sets (oldest first; a set not after the one before it
// is left out, as the store keeps one sample set a second).
func NewWindow(sets []SampleSet) *Window {
	w := &Window{}
	idx := map[string]int{}
	last := int64(0)
	for _, set := range sets {
		t := set.T.Unix()
		if len(w.series) > 0 && t <= last || len(set.Samples) == 0 {
			continue
		}
		if len(idx) == 0 {
			w.first = t
		}
		last, w.newest = t, t
		for _, s := range set.Samples {
			key := s.Series.Key()
			i, ok := idx[key]
			if !ok {
				i = len(w.series)
				idx[key] = i
				w.series = append(w.series, windowSeries{ser: s.Series})
			}
			w.series[i].pts = append(w.series[i].pts, tsdb.Point{T: t, V: s.Value})
		}
	}
	return w
}

// Run computes what over o.From to o.To from the window's sample sets,
// exactly as the package-level Run computes it from a store holding the
// same sets (same views, formulas, gaps and resets); only raw resolution
// and steps are answered (no hourly summaries), and a range with nothing
// gives a *NoDataError whose Nearest is zero.
func (w *Window) Run(what string, o Options) (*Result, error) {
	e, err := newEngine(nil, what, o)
	if err != nil {
		return nil, err
	}
	e.mem = w
	e.rawOnly = true
	if err := e.run(context.Background()); err != nil {
		return nil, err
	}
	return e.result(), nil
}

// read is tsdb.Store.Read over the window: the points in [from, to) of the
// series match accepts, in the order they were first seen.
func (w *Window) read(from, to time.Time, match func(tsdb.Series) bool, fn func(tsdb.Series, []tsdb.Point) error) error {
	a, b := from.Unix(), to.Unix()
	for _, s := range w.series {
		if !match(s.ser) {
			continue
		}
		lo, hi := 0, len(s.pts)
		for lo < hi && s.pts[lo].T < a {
			lo++
		}
		for hi > lo && s.pts[hi-1].T >= b {
			hi--
		}
		if lo == hi {
			continue
		}
		if err := fn(s.ser, s.pts[lo:hi:hi]); err != nil {
			return err
		}
	}
	return nil
}

// windowReader is a Window as a pointReader.
type windowReader struct{ w *Window }

func (r windowReader) Read(_ context.Context, from, to time.Time, match func(tsdb.Series) bool, fn func(tsdb.Series, []tsdb.Point) error) error {
	return r.w.read(from, to, match, fn)
}

// readPoints reads raw points from the store or the window.
func (e *engine) readPoints(ctx context.Context, from, to time.Time, match func(tsdb.Series) bool, fn func(tsdb.Series, []tsdb.Point) error) error {
	if e.mem != nil {
		return e.mem.read(from, to, match, fn)
	}
	return e.s.Read(ctx, from, to, match, fn)
}
