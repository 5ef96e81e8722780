// The errors of Run and Summarize, and the suggestions they make.

package query

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

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
	// Damaged says that damage kept samples of the range from being read
	// (the damage itself is reported on its own, with the files' names).
	Damaged bool
}

func (e *NoDataError) Error() string {
	loc := e.From.Location()
	msg := fmt.Sprintf("no samples of %s from %s to %s", e.What, e.From.In(loc).Format(time.RFC3339), e.To.In(loc).Format(time.RFC3339))
	switch {
	case e.Damaged:
		return msg + " could be read: the store is damaged there (see the damage reported)"
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

// TooLargeError is a query whose answer would hold more points than
// Options.MaxAnswer, refused before reading (an estimate from the store's
// indexes).
type TooLargeError struct {
	Points, Max int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer would have about %d points, more than the %d of one response; use a larger step, fewer points per series, a shorter range or filters", e.Points, e.Max)
}

// checkAnswerSize estimates the points of the answer from the store's
// indexes (tsdb.Store.PointCounts) and refuses it when they are more than
// Options.MaxAnswer: per group (a thing the answer has a series for), one
// point per sample time of its most sampled input at raw resolution, at
// most MaxPoints with an automatic step, one per bucket with a step.
func (e *engine) checkAnswerSize(ctx context.Context, step int64, auto bool) error {
	counts, err := e.s.PointCounts(ctx, time.Unix(e.start, 0), time.Unix(e.end, 0), e.accepts)
	if err != nil {
		return err
	}
	// Group as the query will, on a throwaway engine (no side effects).
	g, err := newEngine(e.s, e.what, e.o)
	if err != nil {
		return err
	}
	perGroup := map[*group]int{}
	for key, n := range counts {
		ser, err := tsdb.ParseSeries(key)
		if err != nil {
			continue
		}
		gr, _ := g.register(ser, key)
		perGroup[gr] = max(perGroup[gr], n)
	}
	buckets := 0
	switch {
	case step > 0:
		buckets = int(ceilDiv(e.end-e.start, step)) + 1
	case auto:
		// The step Run takes if the samples are more than MaxPoints.
		s := autoStep(e.start, e.end, e.offset(), e.o.MaxPoints)
		buckets = int(ceilDiv(e.end-e.start, s)) + 1
	}
	total := 0
	for gr, n := range perGroup {
		if buckets > 0 {
			n = min(n, buckets) // a bucket without samples has no point
		}
		total += n * max(1, len(gr.cols))
	}
	if total > e.o.MaxAnswer {
		return &TooLargeError{Points: total, Max: e.o.MaxAnswer}
	}
	return nil
}
