// Flag types and parsers the commands share: times in query's grammar,
// ranges, seconds, comma-separated lists.

package commands

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/query"
)

// timeHint says which time forms the time flags accept: query's grammar,
// the one every command shares.
const timeHint = "use " + query.TimeForms

// timeValue is a cli flag value holding a time.Time parsed by
// query.ParseTime, relative to the time the flag is parsed, in local time.
type timeValue struct{ t time.Time }

func (v *timeValue) Set(s string) error {
	t, err := query.ParseTime(s, time.Now(), time.Local)
	if err != nil {
		return errors.New("not a time") // onUsageError adds timeHint
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

// lastFlag returns the --last flag of a command whose --from has no
// default of its own (export).
func lastFlag(what string) cli.Flag {
	return &cli.StringFlag{Name: "last", Usage: what + " the last `DURATION` before --to (or now), like 30m, 6h, 2d or 1w; instead of --from"}
}

// fromLast returns the --from and --to of cmd, with --from set from --last
// when that is given: D before --to, or before now.
func fromLast(cmd *cli.Command) (from, to time.Time, err error) {
	from, to = flagTime(cmd, "from"), flagTime(cmd, "to")
	last := cmd.String("last")
	if last == "" {
		return from, to, nil
	}
	if !from.IsZero() {
		return from, to, usagef("--from and --last both given; use --last D alone (from D before --to) or --from")
	}
	d, err := query.ParseSpan(strings.TrimPrefix(strings.TrimSpace(last), "-"))
	if err != nil {
		return from, to, usagef("--last: %v", err)
	}
	end := to
	if end.IsZero() {
		end = time.Now()
	}
	return end.Add(-d), to, nil
}

// timeRange resolves the --from, --to, --last and --utc flags of query,
// report and series into a range and the zone to print times in. now is
// the current time (zero: time.Now). Bad input gives a *usageError.
func timeRange(from, to, last string, utc bool, now time.Time) (time.Time, time.Time, *time.Location, error) {
	loc, now := zoneAndNow(utc, now)
	f, t, err := query.ParseRange(from, to, last, now, loc)
	if err != nil {
		return time.Time{}, time.Time{}, nil, usageOf(err)
	}
	return f, t, loc, nil
}

// zoneAndNow returns the zone to print times in (UTC with --utc, else the
// local one) and now, or time.Now when now is zero (tests set it).
func zoneAndNow(utc bool, now time.Time) (*time.Location, time.Time) {
	loc := time.Local
	if utc {
		loc = time.UTC
	}
	if now.IsZero() {
		now = time.Now()
	}
	return loc, now
}

// secondsValue is a duration flag that also takes a plain number of
// seconds: --refresh 30 and --refresh 30s mean the same.
type secondsValue struct{ d time.Duration }

func (v *secondsValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if !(n >= 0 && n <= 1e9) { // NaN too
			return errors.New("out of range")
		}
		v.d = time.Duration(n * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a number of seconds or a duration")
	}
	v.d = d
	return nil
}

func (v *secondsValue) String() string {
	if v == nil {
		return ""
	}
	return v.d.String()
}

func (v *secondsValue) Get() any { return v.d }

// secondsFlag returns a flag taking seconds or a duration; read it with
// flagSeconds.
func secondsFlag(name, usage string, def time.Duration) cli.Flag {
	return &cli.GenericFlag{
		Name:  name,
		Usage: usage,
		Value: &secondsValue{d: def},
	}
}

// flagSeconds returns the value of a secondsFlag.
func flagSeconds(cmd *cli.Command, name string) time.Duration {
	d, _ := cmd.Value(name).(time.Duration)
	return d
}

// splitList splits comma-separated flag values and drops empty items.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
