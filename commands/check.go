package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query/check"
)

// CheckOptions are the settings of Check.
type CheckOptions struct {
	DataDir string
	Crit    []string // expressions that are CRITICAL when true
	Warn    []string // expressions that are WARNING when true
	File    string   // a file of checks, one a line; "" for none
	// QuietOK prints nothing when every check is OK.
	QuietOK bool
	// NotifyOnChange prints only the checks whose state changed since the
	// last run (state kept in the store directory).
	NotifyOnChange bool
	Stale          time.Duration // 0: three recording intervals, at least 5 minutes
	At             time.Time     // evaluate as of this time; zero: now
	UTC            bool          // show times in UTC
	Now            time.Time     // the current time; zero: time.Now()
}

func newCheckCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "check conditions on the recorded history, as a Nagios/Icinga plugin or from cron",
		ArgsUsage: "EXPR...",
		Description: `check evaluates conditions over what srvmon record stored, and prints and
exits the way monitoring plugins do, so that Nagios, Icinga, Sensu or monit
run it like any other plugin, and cron mails only problems.

An EXPR is
  ` + check.Grammar + `
where VIEW.COLUMN is a column 'srvmon query VIEW' prints (cpu.busy,
mem.available, fs.%used, disk.util, net.rxbytes/s, load.load1, ...) or
status.age (how long ago the newest sample was taken), OP is >, >=, < or
<=, and THRESHOLD may carry the column's unit: 90%, 500MiB (or 2GB, 100kB),
30s or 5m, or a plain number. Label matchers choose series (every one when
absent): a check that chooses several checks each and reports the worst.

Without 'for' a check looks at the newest interval (rates such as cpu.busy
are computed from the counters between the two newest sample sets; levels
such as mem.available are the newest sample). With 'for D' the condition
must have held for every interval (every sample set) of the trailing D,
and the recorded data must cover D without a gap; the value shown is the
exact average over D. Too little data to decide is UNKNOWN, never CRITICAL.

Each EXPR is CRITICAL when true; --warn EXPR adds a WARNING condition (one
with the same subject and duration shares its line and perfdata with the
CRITICAL one). --file reads checks one a line, for /etc/srvmon/checks:
  # comment
  cpu:  cpu.busy > 90% for 10m
  warn cpu: cpu.busy > 75% for 10m
  root: fs.%used{mountpoint="/"} > 90%

Output: the first line is "SRVMON STATE - what | perfdata", one more line
per further check. Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a
bad expression, no store, too little data, recording stopped).

--notify-on-change remembers each check's state in the store directory
(file check-state) and prints a line only for checks whose state changed,
one more when one recovers: run from cron every minute, it mails once per
incident and once when it is over.

Examples:
  srvmon check 'cpu.busy > 90% for 10m' 'fs.%used > 90%' --warn 'fs.%used > 80%'
  srvmon check 'mem.available < 500MiB for 5m' 'load.load1 > 4 for 15m'
  srvmon check 'disk.util{device="sda"} > 80% for 5m' 'net.rxbytes/s{device="eth0"} > 100MiB'
  srvmon check 'status.age > 5m'          # is srvmon record still running?
  srvmon check --file /etc/srvmon/checks --notify-on-change`,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringSliceFlag{Name: "warn", Usage: "a WARNING condition `EXPR` (repeatable)"},
			&cli.StringFlag{Name: "file", Usage: "read checks from `FILE`, one a line ([warn] [NAME:] EXPR, # comments)", TakesFile: true},
			&cli.BoolFlag{Name: "quiet-ok", Usage: "print nothing when every check is OK"},
			&cli.BoolFlag{Name: "notify-on-change", Usage: "print only checks whose state changed since the last run (state kept in the store directory)"},
			&cli.DurationFlag{Name: "stale", Usage: "a newest sample older than `DURATION` makes checks UNKNOWN (default: 3 recording intervals, at least 5m)"},
			timeFlag("at", "evaluate as of `TIME` instead of now", "now"),
			&cli.BoolFlag{Name: "utc", Usage: "show times in UTC instead of local time"},
		},
		// A plugin answers a wrong command line with UNKNOWN too.
		OnUsageError: func(ctx context.Context, cmd *cli.Command, err error, sub bool) error {
			_, werr := fmt.Fprintf(cmd.Root().Writer, "%s UNKNOWN - %v\n", report.PluginPrefix, onUsageError(ctx, cmd, err, sub))
			if werr != nil {
				return werr
			}
			return &exitStatus{code: int(check.Unknown)}
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			st, err := Check(ctx, CheckOptions{
				DataDir:        cmd.String("data"),
				Crit:           cmd.Args().Slice(),
				Warn:           cmd.StringSlice("warn"),
				File:           cmd.String("file"),
				QuietOK:        cmd.Bool("quiet-ok"),
				NotifyOnChange: cmd.Bool("notify-on-change"),
				Stale:          cmd.Duration("stale"),
				At:             flagTime(cmd, "at"),
				UTC:            cmd.Bool("utc"),
			}, cmd.Root().Writer, cmd.Root().ErrWriter)
			if err != nil {
				return err
			}
			if st != check.OK {
				return &exitStatus{code: int(st)}
			}
			return nil
		},
	}
}

// Check evaluates the checks o names against the store in o.DataDir and
// writes the plugin output to stdout (warnings to stderr). It returns the
// plugin's exit status. Whatever keeps the checks from being evaluated (a
// bad expression or file, no store) is written as an UNKNOWN line and
// returns Unknown; the error is only for output that cannot be written.
func Check(ctx context.Context, o CheckOptions, stdout, stderr io.Writer) (check.State, error) {
	unknown := func(err error) (check.State, error) {
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		_, werr := fmt.Fprintf(stdout, "%s UNKNOWN - %s\n", report.PluginPrefix, msg)
		return check.Unknown, werr
	}
	loc, now := zoneAndNow(o.UTC, o.Now)
	at := o.At
	if at.IsZero() {
		at = now
	}
	crit, warn, err := checkExprs(o)
	if err != nil {
		return unknown(err)
	}
	if len(crit)+len(warn) == 0 {
		return unknown(errors.New("no checks given; pass expressions such as 'cpu.busy > 90% for 10m', --warn EXPR or --file FILE (see 'srvmon check --help')"))
	}
	if err := checkDataDir(o.DataDir); err != nil {
		return unknown(err)
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return unknown(err)
	}
	defer store.Close()
	rs, err := check.Evaluate(ctx, store, check.Group(crit, warn), check.Options{Now: at.In(loc), Stale: o.Stale})
	if err != nil {
		return unknown(err)
	}
	st := check.Exit(rs)
	if o.NotifyOnChange {
		n, err := check.OpenNotifier(ctx, o.DataDir, 10*time.Second)
		if n == nil {
			return unknown(err)
		}
		defer n.Close()
		if err != nil {
			fmt.Fprintf(stderr, "srvmon: %v\n", err)
		}
		changes := n.Update(rs, now)
		if err := n.Save(); err != nil {
			return unknown(err)
		}
		for _, c := range changes {
			if err := report.WritePluginLine(stdout, c.Result, c.Was, loc); err != nil {
				return st, err
			}
		}
		return st, nil
	}
	if st == check.OK && o.QuietOK {
		return st, nil
	}
	return st, report.WritePlugin(stdout, rs, loc)
}

// checkExprs parses the expressions of o: arguments and --file lines are
// CRITICAL unless a file line starts with "warn", --warn ones WARNING.
func checkExprs(o CheckOptions) (crit, warn []*check.Expr, err error) {
	if crit, err = check.ParseAll(o.Crit); err != nil {
		return nil, nil, err
	}
	if warn, err = check.ParseAll(o.Warn); err != nil {
		return nil, nil, err
	}
	if o.File == "" {
		return crit, warn, nil
	}
	fileCrit, fileWarn, err := check.ParseFile(o.File)
	if err != nil {
		return nil, nil, err
	}
	return append(crit, fileCrit...), append(warn, fileWarn...), nil
}
