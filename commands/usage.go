// Usage errors: what Main prints for a wrong command line (exit status 2),
// and how a library's parameter errors are spelled as flags.

package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/query"
)

// usageError is a wrong command line: Main prints it as
// "srvmon: <what is wrong>; <what is valid>" and exits with status 2.
type usageError struct{ msg string }

// usagef returns a *usageError; the format should read
// "<what is wrong>; <what is valid>".
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// flagName spells a library's parameter as the command line's flag.
func flagName(p string) string {
	if f, ok := flagOfParam[p]; ok {
		return "--" + f
	}
	return "--" + p
}

// flagOfParam names the flags whose names differ from the library
// parameters they set.
var flagOfParam = map[string]string{"lock-wait": "lock-timeout"}

// flagHints says what a valid value of a flag looks like, for usage errors.
var flagHints = map[string]string{
	"interval":     "use a whole number of seconds like 10s or 1m, or 0 for one sample set",
	"count":        "use a whole number, 0 or more",
	"retention":    "use a whole number of days; 0 keeps everything",
	"lock-timeout": "use a duration like 10s or 1m",
	"from":         timeHint,
	"to":           timeHint,
	"since":        timeHint,
	"until":        timeHint,
	"last":         "use a length of time such as 30m, 6h, 2d or 1w",
	"step":         "use a length of time such as 5m or 1h, or 0 for every sample",
	"agg":          "use avg, min, max, last, p95 or sum",
	"csv-layout":   "use long or wide",
}

// onUsageError turns cli's flag parsing errors into usage errors that name
// the flag and say what is valid.
func onUsageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	help := fmt.Sprintf("run '%s --help' for the valid flags", cmd.FullName())
	msg := err.Error()
	if m := reUnknownFlag().FindStringSubmatch(msg); m != nil {
		return usagef("unknown flag --%s for '%s'; %s", m[1], cmd.FullName(), help)
	}
	if m := reMissingValue().FindStringSubmatch(msg); m != nil {
		return usagef("flag --%s needs a value; %s", m[1], hintFor(m[1], help))
	}
	if m := reBadValue().FindStringSubmatch(msg); m != nil {
		return usagef("invalid value %q for --%s: %s; %s", m[1], m[2], m[3], hintFor(m[2], help))
	}
	return usagef("%s; %s", msg, help)
}

func hintFor(flag, fallback string) string {
	if h, ok := flagHints[flag]; ok {
		return h
	}
	return fallback
}

// usageOf turns a library's *param.Error about an option's value into a
// *usageError that spells the option as a flag; other errors pass through.
func usageOf(err error) error {
	var pe *param.Error
	if errors.As(err, &pe) {
		return &usageError{msg: param.Render(err, flagName)}
	}
	return err
}

// noArgs returns a usage error if cmd was given arguments.
func noArgs(cmd *cli.Command) error {
	if cmd.NArg() > 0 {
		return usagef("'%s' takes no arguments, got %q; run '%s --help'", cmd.FullName(), cmd.Args().Slice(), cmd.FullName())
	}
	return nil
}

// withAtMostOneArg returns an Action that refuses more than one argument,
// a what, saying hint, and otherwise runs action.
func withAtMostOneArg(what, hint string, action cli.ActionFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.NArg() > 1 {
			return usagef("'%s' takes at most one %s, got %q; %s", cmd.FullName(), what, cmd.Args().Slice(), hint)
		}
		return action(ctx, cmd)
	}
}

// withoutArgs returns an Action that refuses arguments (noArgs) and
// otherwise runs action.
func withoutArgs(action cli.ActionFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if err := noArgs(cmd); err != nil {
			return err
		}
		return action(ctx, cmd)
	}
}

// The patterns that recognise urfave/cli's error messages are compiled on
// first use: package initialisation runs in every record, once a minute.
var (
	reUnknownFlag  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^flag provided but not defined: -+(.*)$`) })
	reBadValue     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): (.*)$`) })
	reMissingValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^flag needs an argument: -*(.*)$`) })
	reNoHelpTopic  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^No help topic for '([^']*)'`) })
)

// queryError returns the error of computing a query as Query returns it: a
// *usageError for one that cannot be answered as asked.
func queryError(dir string, err error) error {
	var ue *query.UsageError
	var pe *param.Error
	switch {
	case errors.As(err, &ue):
		return usagef("%s", ue.Msg)
	case errors.As(err, &pe):
		return usageOf(err)
	case errors.Is(err, query.ErrNoData):
		return err
	case err != nil:
		return fmt.Errorf("query %s: %w", dir, err)
	}
	return nil
}

// oneOf returns given, or valid[0] when given is "", if it is one of valid;
// else a usage error naming the flag and listing valid joined by sep.
func oneOf(flag, given string, valid []string, sep string) (string, error) {
	if given == "" {
		return valid[0], nil
	}
	if !slices.Contains(valid, given) {
		return "", usagef("unknown --%s %q; use %s", flag, given, strings.Join(valid, sep))
	}
	return given, nil
}
