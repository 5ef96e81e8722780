// Flag types and parsers the commands share: times in query's grammar,
// seconds, comma-separated lists.

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
