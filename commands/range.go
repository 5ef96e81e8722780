// The range flags the commands share: --from, --to, --last and --utc, read
// in query's time grammar, and the zone times are printed in.

package commands

import (
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/query"
)

// lastFlag returns the --last flag of a command whose --from has no
// default of its own (export).
func lastFlag(what string) cli.Flag {
	return &cli.StringFlag{Name: "last", Usage: what + " the last `DURATION` before --to (or now), like 30m, 6h, 2d or 1w; instead of --from"}
}

// storeRangeFlags returns the flags of a command that reads a range of
// the store: --data, then --from, --to and --last (read by rangeFlags),
// then more. Their help calls the range noun ("range", "period"), and gives
// --from's default and examples of --last's durations.
func storeRangeFlags(noun, fromDefault, lastExamples string, more ...cli.Flag) []cli.Flag {
	return append([]cli.Flag{
		dataFlag(),
		&cli.StringFlag{Name: "from", Usage: "start of the " + noun + ", `TIME` (default: " + fromDefault + ")"},
		&cli.StringFlag{Name: "to", Usage: "end of the " + noun + ", `TIME` (default: now)"},
		&cli.StringFlag{Name: "last", Usage: "the " + noun + " is the `DURATION` before --to, such as " + lastExamples},
	}, more...)
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

// RangeOptions are the range flags of query, report and series as given
// ("" when not), read by query.ParseRange: without them the range is today
// so far.
type RangeOptions struct {
	From, To, Last string
	UTC            bool      // read and print times in UTC instead of local time
	Now            time.Time // the current time; zero: time.Now()
}

// rangeFlags returns the --from, --to, --last and --utc flags of cmd.
func rangeFlags(cmd *cli.Command) RangeOptions {
	return RangeOptions{From: cmd.String("from"), To: cmd.String("to"), Last: cmd.String("last"), UTC: cmd.Bool("utc")}
}

// timeRange resolves r into a range and the zone to print times in. Bad
// input gives a *usageError.
func (r RangeOptions) timeRange() (time.Time, time.Time, *time.Location, error) {
	loc, now := zoneAndNow(r.UTC, r.Now)
	f, t, err := query.ParseRange(r.From, r.To, r.Last, now, loc)
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
