package commands

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// ExportOptions are the settings of Export.
type ExportOptions struct {
	DataDir string
	From    time.Time // first time exported (inclusive); zero: the oldest sample
	To      time.Time // end of the range (exclusive); zero: after the newest sample
	Output  string    // file to write; "" or "-" means stdout
}

func newExportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write the store, or a time range of it, as OpenMetrics text",
		Description: `export writes every series with samples in [--from, --to) in the OpenMetrics
text format (one family after the other, types and help from srvmon's metric
catalog, timestamps in seconds), ending with "# EOF". It loads into
Prometheus with "promtool tsdb create-blocks-from openmetrics" and into
another srvmon store with "srvmon import". "promtool check metrics" reads it
as the Prometheus text format: its only notes are "no help text" for each
counter foo_total (OpenMetrics names the counter's family, and its HELP, foo)
and the notes node_exporter's own names get (camelCase node_memory_* and
node_netstat_*, node_entropy_*_bits).

Times take the forms query takes: RFC 3339 (2024-05-01T13:00:00+02:00), a
date (2024-05-01), a date and time (2024-05-01 13:00), a time today (13:00),
now, today, yesterday, or a time ago (-6h, 2d, 1h30m). Without an offset a
time is local: a bare date is local midnight. --last D
exports the D before --to (or now). Without --from, --to and --last
everything is exported. An empty store or range gives an output of just
"# EOF" and a note on stderr.

With -o the output goes to FILE.tmp, which is renamed to FILE once complete,
so FILE is never half written.

Examples:
  srvmon export > all.om
  srvmon export --format openmetrics -o all.om   # the same; promtool reads it
  srvmon export --from 2024-05-01 --to 2024-05-02 -o may1.om
  srvmon export --last 1h | promtool check metrics
  srvmon export --from yesterday --to today -o yesterday.om
  srvmon export --data /var/lib/srvmon | srvmon import --data /tmp/copy`,
		Flags: []cli.Flag{
			dataFlag(),
			timeFlag("from", "export samples at or after `TIME`", "the oldest sample"),
			timeFlag("to", "export samples before `TIME`", "after the newest sample"),
			lastFlag("export"),
			&cli.StringFlag{
				Name:      "output",
				Aliases:   []string{"o"},
				Usage:     "write to `FILE` instead of stdout",
				TakesFile: true,
			},
			&cli.StringFlag{
				Name:  "format",
				Usage: "output `FORMAT`; openmetrics is the only one (tables, CSV and JSON are srvmon query's)",
				Value: "openmetrics",
			},
		},
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			if f := cmd.String("format"); f != "openmetrics" {
				return usagef("unknown --format %q; export writes openmetrics (for tables, CSV or JSON use srvmon query)", f)
			}
			from, to, err := fromLast(cmd)
			if err != nil {
				return err
			}
			return Export(ctx, ExportOptions{
				DataDir: cmd.String("data"),
				From:    from,
				To:      to,
				Output:  cmd.String("output"),
			}, cmd.Root().Writer, cmd.Root().ErrWriter)
		}),
	}
}

// Export writes the samples of the store in o.DataDir that fall in
// [o.From, o.To) as OpenMetrics text to o.Output or stdout. It reads and
// writes one series at a time. When there is nothing to export the output is
// an empty exposition ("# EOF") and a note goes to stderr.
func Export(ctx context.Context, o ExportOptions, stdout, stderr io.Writer) (err error) {
	if err := checkDataDir(o.DataDir); err != nil {
		return err
	}
	if !o.From.IsZero() && !o.To.IsZero() && !o.From.Before(o.To) {
		return usagef("--from %s is not before --to %s; the range is [from, to)",
			o.From.Format(time.RFC3339), o.To.Format(time.RFC3339))
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	damaged := 0
	defer func() {
		if damaged == 0 {
			warnDamage(stderr, store)
		}
	}()

	points := 0
	err = writeOutput(o.Output, stdout, func(out io.Writer) error {
		enc := openmetrics.NewEncoder(out, metric.TypeOf) // buffers, flushes on Close
		n, err := openmetrics.WriteStore(ctx, enc, store, o.From, o.To)
		if points = n; err != nil {
			return fmt.Errorf("export %s: %w", o.DataDir, err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if damaged = warnDamage(stderr, store); damaged > 0 {
		return fmt.Errorf("export %s: %d damaged files could not be read; %d samples of the rest were written", o.DataDir, damaged, points)
	}
	if points == 0 {
		if o.From.IsZero() && o.To.IsZero() {
			fmt.Fprintf(stderr, "srvmon: store %s holds no samples; the export is empty\n", o.DataDir)
		} else {
			fmt.Fprintf(stderr, "srvmon: no samples in %s from %s to %s; the export is empty\n",
				o.DataDir, rangeEnd(o.From, "the oldest sample"), rangeEnd(o.To, "the newest sample"))
		}
	}
	return nil
}

// rangeEnd is an end of the range as the note on an empty export names it.
func rangeEnd(t time.Time, ifZero string) string {
	if t.IsZero() {
		return ifZero
	}
	return t.Format(time.RFC3339)
}
