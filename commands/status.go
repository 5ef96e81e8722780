package commands

import (
	"context"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/health"
)

// StatusOptions are the settings of Status.
type StatusOptions struct {
	DataDir   string
	Format    string        // text (the default) or json
	Stale     time.Duration // 0: three recording intervals, at least 5 minutes
	Retention int           // days record keeps, for the size it implies; 0 keeps everything
	NoVerify  bool          // report only the damage reads come across, not every file's checksum
	UTC       bool
	Now       time.Time // zero: time.Now()
}

func newStatusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "is the recorder healthy? newest sample, missed runs, failing collectors, size, push lag, damage",
		Description: `status tells whether srvmon itself is healthy: when the first and the newest
samples were taken and how old the newest is, the recording interval seen,
the runs missed per day over the last 7 days, the collectors that fail,
how many series are recorded, the bytes on disk per day and in total with
the size the retention implies, how far each push receiver lags (from
push's position files) and the damage the store's checksums find (every
file is verified unless --no-verify).

Exit status: 0 when healthy, 1 when the newest sample is older than --stale
(default: three recording intervals, at least 5 minutes) or damage was
found (and for errors), 2 for a usage error. serve's /healthz answers from
the same computation.

Examples:
  srvmon status
  srvmon status --format json | jq .push
  srvmon status --stale 15m >/dev/null || echo 'srvmon is not recording'`,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "`FORMAT`: text or json"},
			&cli.DurationFlag{Name: "stale", Usage: "the newest sample may be `DURATION` old (default: 3 recording intervals, at least 5m)"},
			&cli.IntFlag{Name: "retention", Value: tsdb.DefaultRetentionDays, Usage: "the `DAYS` record keeps (its --retention), for the size they imply; 0 keeps everything"},
			&cli.BoolFlag{Name: "no-verify", Usage: "skip reading every file against its checksum (faster on large stores)"},
			&cli.BoolFlag{Name: "utc", Usage: "show times in UTC instead of local time"},
		},
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			ok, err := Status(ctx, StatusOptions{
				DataDir:   cmd.String("data"),
				Format:    cmd.String("format"),
				Stale:     cmd.Duration("stale"),
				Retention: int(cmd.Int("retention")),
				NoVerify:  cmd.Bool("no-verify"),
				UTC:       cmd.Bool("utc"),
			}, cmd.Root().Writer)
			if err != nil {
				return err
			}
			if !ok {
				return &exitStatus{code: exitError}
			}
			return nil
		}),
	}
}

// Status writes the health of the store in o.DataDir to w and reports
// whether it is healthy (not stale, not damaged).
func Status(ctx context.Context, o StatusOptions, w io.Writer) (bool, error) {
	if o.Format != "text" && o.Format != "json" && o.Format != "" {
		return false, usagef("unknown format %q; use text or json", o.Format)
	}
	if o.Retention < 0 {
		return false, usagef("invalid --retention %d; use a whole number of days, 0 keeps everything", o.Retention)
	}
	if err := checkDataDir(o.DataDir); err != nil {
		return false, err
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return false, err
	}
	defer store.Close()
	loc, _ := zoneAndNow(o.UTC, o.Now)
	r, err := health.Compute(ctx, store, health.Options{Now: o.Now, Location: loc, Stale: o.Stale,
		RetentionDays: o.Retention, Verify: !o.NoVerify})
	if err != nil {
		return false, err
	}
	if err := report.WriteStatus(w, r, o.Format, loc); err != nil {
		return false, err
	}
	return r.OK(), nil
}
