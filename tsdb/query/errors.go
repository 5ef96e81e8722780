// The errors of Run and Summarize, and the suggestions they make.

package query

import (
	"errors"
	"fmt"
	"strings"
	"time"
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
