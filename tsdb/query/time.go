package query

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb/param"
)

// TimeForms says which forms ParseTime accepts, for error messages and help.
const TimeForms = `RFC 3339 (2024-05-01T13:00:00+02:00, or without the offset for local time), ` +
	`a date (2024-05-01), a date and time (2024-05-01 13:00), a time today (13:00), ` +
	`now, today, yesterday, or a time ago (-6h, 2d, 1h30m)`

// maxAgo bounds relative times and --last, so that arithmetic never
// overflows: a little over a century.
const maxAgo = 100 * 366 * 24 * time.Hour

// ParseTime parses a time given on the command line, relative to now. Times
// without an offset are in loc (nil means time.Local). It accepts:
//
//	now, today, yesterday           today and yesterday are midnight
//	2024-05-01T13:00:00+02:00       RFC 3339 with an offset (or Z)
//	2024-05-01T13:00:00             the same without one: local time
//	2024-05-01 13:00, 2024-05-01 13:00:05
//	2024-05-01                      midnight
//	13:00, 13:00:05                 today
//	-6h, 6h, 2d, 1w, 1h30m, 90s     that long ago (d is 24 hours, w 7 days)
//	+1h                             that long after now
//
// The result is in loc.
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	now = now.In(loc)
	in := strings.TrimSpace(s)
	switch strings.ToLower(in) {
	case "now":
		return now, nil
	case "today":
		return midnight(now, 0), nil
	case "yesterday":
		return midnight(now, -1), nil
	case "":
		return time.Time{}, errors.New("empty time; use " + TimeForms)
	}
	if t, err := time.Parse(time.RFC3339Nano, in); err == nil {
		return t.In(loc), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, in); err == nil {
			return t.In(loc), nil
		}
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, in, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if c, err := time.ParseInLocation(layout, in, loc); err == nil {
			return time.Date(now.Year(), now.Month(), now.Day(), c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), loc), nil
		}
	}
	if c := in[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') || c == '.' {
		sign := time.Duration(-1)
		rest := in
		switch c {
		case '-':
			rest = in[1:]
		case '+':
			rest, sign = in[1:], 1
		}
		if d, err := parseSpan(rest); err == nil {
			return now.Add(sign * d), nil
		} else if looksRelative(rest) {
			return time.Time{}, fmt.Errorf("invalid time %q: %v; use %s", s, err, TimeForms)
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q; use %s", s, TimeForms)
}

// midnight returns the start of the day of t, days days later, in t's
// location.
func midnight(t time.Time, days int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, t.Location())
}

// looksRelative reports whether s is made of numbers and letters only,
// starting with a number, so that its error can talk about durations.
func looksRelative(s string) bool {
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || s[0] == '.') {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// parseSpan parses a positive length of time such as 6h, 2d, 1w, 1h30m,
// 90s or 1.5h: numbers each followed by a unit (s, m, h, d = 24h, w = 7d).
func parseSpan(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("expected a number at %q", s)
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("bad number %q", s[:i])
		}
		s = s[i:]
		if s == "" {
			return 0, fmt.Errorf("missing unit after %s (s, m, h, d or w)", strconv.FormatFloat(n, 'f', -1, 64))
		}
		var unit time.Duration
		switch s[0] {
		case 's':
			unit = time.Second
		case 'm':
			unit = time.Minute
		case 'h':
			unit = time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'w':
			unit = 7 * 24 * time.Hour
		default:
			return 0, fmt.Errorf("unknown unit %q (use s, m, h, d or w)", s[:1])
		}
		s = s[1:]
		total += n * float64(unit)
		if total > float64(maxAgo) {
			return 0, errors.New("too long (at most 100 years)")
		}
	}
	d := time.Duration(math.Round(total))
	if d <= 0 {
		return 0, errors.New("must be longer than 0")
	}
	return d, nil
}

// ParseSpan parses a length of time as --last and --step take it: 6h, 2d,
// 1w, 1h30m, 90s, 1.5h (d is 24 hours, w 7 days).
func ParseSpan(s string) (time.Duration, error) {
	d, err := parseSpan(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: %v; use a number and a unit such as 90s, 5m, 6h, 2d or 1w", s, err)
	}
	return d, nil
}

// ParseRange turns the --from, --to and --last flags (each "" when not
// given) into the range [from, to):
//
//   - to defaults to now;
//   - --last D means from = to - D, and cannot be combined with --from;
//   - from defaults to the start of the day (in loc) of the last instant
//     before to: without flags, today so far, as sar shows.
//
// from must be before to. Errors are a *param.Error naming the parameter
// ("from", "to" or "last") and saying what is valid.
func ParseRange(from, to, last string, now time.Time, loc *time.Location) (time.Time, time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	now = now.In(loc)
	if from != "" && last != "" {
		return time.Time{}, time.Time{}, &param.Error{Param: "last", Reason: "{from} and {last} both given",
			Valid: "use {last} D alone (from D before {to}) or {from}"}
	}
	end := now
	if to != "" {
		t, err := ParseTime(to, now, loc)
		if err != nil {
			return time.Time{}, time.Time{}, &param.Error{Param: "to", Value: strconv.Quote(to), Reason: err.Error()}
		}
		end = t
	}
	var start time.Time
	switch {
	case last != "":
		d, err := parseSpan(strings.TrimPrefix(strings.TrimSpace(last), "-"))
		if err != nil {
			return time.Time{}, time.Time{}, &param.Error{Param: "last", Value: strconv.Quote(last), Reason: err.Error(),
				Valid: "use a length of time such as 30m, 6h, 2d or 1w"}
		}
		start = end.Add(-d)
	case from != "":
		t, err := ParseTime(from, now, loc)
		if err != nil {
			return time.Time{}, time.Time{}, &param.Error{Param: "from", Value: strconv.Quote(from), Reason: err.Error()}
		}
		start = t
	default:
		start = midnight(end.Add(-time.Nanosecond), 0)
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, notBefore(start, end)
	}
	return start, end, nil
}

// notBefore is the error of a range whose start is not before its end.
func notBefore(from, to time.Time) error {
	return &param.Error{Param: "from", Value: from.Format(time.RFC3339),
		Reason: "is not before {to} " + to.Format(time.RFC3339), Valid: "the range is [from, to)"}
}
