package commands

import (
	"errors"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/query"
)

// timeHint says which time forms the time flags accept.
const timeHint = "use RFC 3339 like 2024-05-01T13:00:00Z or 2024-05-01T15:00:00+02:00, or a UTC date like 2024-05-01"

// parseTime parses a time flag: RFC 3339 (with an offset or Z) or a date
// 2006-01-02, which means midnight UTC of that day (the store's days are UTC
// days).
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("not a time")
}

// timeValue is a cli flag value holding a time.Time parsed by parseTime.
type timeValue struct{ t time.Time }

func (v *timeValue) Set(s string) error {
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	v.t = t
	return nil
}

func (v *timeValue) String() string {
	if v == nil || v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339)
}

func (v *timeValue) Get() any { return v.t }

// timeFlag returns a flag taking a time; its value is read with flagTime.
func timeFlag(name, usage, defaultText string) cli.Flag {
	return &cli.GenericFlag{
		Name:        name,
		Usage:       usage,
		Value:       &timeValue{},
		DefaultText: defaultText,
	}
}

// flagTime returns the value of a timeFlag, the zero time if it was not set.
func flagTime(cmd *cli.Command, name string) time.Time {
	t, _ := cmd.Value(name).(time.Time)
	return t
}

// timeRange resolves the --from, --to, --last and --utc flags of query,
// report and series into a range and the zone to print times in. now is
// the current time (zero: time.Now). Bad input gives a *usageError.
func timeRange(from, to, last string, utc bool, now time.Time) (time.Time, time.Time, *time.Location, error) {
	loc := time.Local
	if utc {
		loc = time.UTC
	}
	if now.IsZero() {
		now = time.Now()
	}
	f, t, err := query.ParseRange(from, to, last, now, loc)
	if err != nil {
		return time.Time{}, time.Time{}, nil, usagef("%v", err)
	}
	return f, t, loc, nil
}
