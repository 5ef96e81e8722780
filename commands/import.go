package commands

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// ImportOptions are the settings of Import.
type ImportOptions struct {
	DataDir     string        // store directory; created if missing
	Input       string        // file to read; "" or "-" means stdin
	Verbose     bool          // say what was imported on stderr
	Progress    bool          // stderr is a terminal: say it too
	LockTimeout time.Duration // how long to wait for another writer
}

func newImportCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "add the samples of an OpenMetrics file (from 'srvmon export') to the store",
		ArgsUsage: "[FILE|-]",
		Description: `import reads OpenMetrics text (as written by "srvmon export" or a Prometheus
exporter, with a timestamp on every sample) from FILE, or from stdin when
FILE is "-" or missing, and adds every sample to the store, creating the
store if needed. Samples for a series and second that the store already holds
replace the stored values. Import keeps all it imports; the next "srvmon
record" applies its --retention (default 365 days) to old data again.

It is all or nothing: if the input is malformed, the disk fills up or the
import is interrupted (Ctrl-C, SIGTERM), the error says why (naming the
line for bad input) and the store is left exactly as it was. On success it
prints one line on stderr when -v is given or stderr is a terminal, and
nothing otherwise (cron, scripts): how many samples of how many series it
imported and the time range they span, for example
  srvmon: imported 2880 samples of 2 series (2025-06-01T00:00:00Z to
  2025-06-01T23:59:00Z) from may.om into /var/lib/srvmon
An input without samples says so on stderr in any case. If every sample
went in but compacting finished days into blocks failed, it says what went
in and warns (the next record compacts them).

Examples:
  srvmon import backup.om
  srvmon export --data /mnt/old/srvmon | srvmon import --data /var/lib/srvmon
  srvmon import -v --data /tmp/copy may.om`,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.BoolFlag{
				Name:    "verbose",
				Aliases: []string{"v"},
				Usage:   "say what was imported even when stderr is not a terminal",
			},
			lockTimeoutFlag(),
		},
		Action: withAtMostOneArg("file", "import them one by one or concatenate them", func(ctx context.Context, cmd *cli.Command) error {
			return Import(ctx, ImportOptions{
				DataDir:     cmd.String("data"),
				Input:       cmd.Args().First(),
				Verbose:     cmd.Bool("verbose"),
				Progress:    onTerminal(cmd.Root().ErrWriter),
				LockTimeout: cmd.Duration("lock-timeout"),
			}, cmd.Root().Reader, cmd.Root().ErrWriter)
		}),
	}
}

// Import adds the samples of the OpenMetrics text in o.Input (or stdin) to
// the store in o.DataDir, all or nothing. With o.Verbose or o.Progress it
// says what it imported on stderr; otherwise it writes nothing on success
// but a note when the input holds no samples.
func Import(ctx context.Context, o ImportOptions, stdin io.Reader, stderr io.Writer) error {
	if err := checkDataDir(o.DataDir); err != nil {
		return err
	}
	if o.LockTimeout < 0 {
		return usagef("invalid --lock-timeout %s; use a duration of 0 or more like 10s", o.LockTimeout)
	}
	in, name := stdin, "stdin"
	if o.Input != "" && o.Input != "-" {
		f, err := os.Open(o.Input)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		in, name = f, o.Input
	}
	// Retention is record's job (its --retention): an import of old data
	// must not delete what it has just added.
	store, err := tsdb.Create(o.DataDir, tsdb.WithLockTimeout(o.LockTimeout), tsdb.WithRetention(0))
	if err != nil {
		return fmt.Errorf("store %s: %w", o.DataDir, err)
	}
	defer store.Close()

	// Import holds one day's points at a time (16 bytes each, while the
	// day is compacted). With the collector's default slack (GOGC 100: as
	// much garbage as live data) 200 MB of OpenMetrics in one day peaked
	// at 103 MB RSS, over the 100 MB target; at 50, 88 MB for about 7 %
	// more CPU. A GOGC the user set is kept.
	if old := debug.SetGCPercent(50); old != 100 {
		debug.SetGCPercent(old)
	} else {
		defer debug.SetGCPercent(old)
	}
	in, stop := interruptible(ctx, in)
	defer stop()
	br := bufio.NewReaderSize(in, 64<<10)
	res, err := store.Import(ctx, func(yield func(tsdb.Series, tsdb.Point) error) error {
		return openmetrics.Parse(br, yield)
	})
	switch {
	case err != nil && res.Samples > 0:
		// Every sample is in the store; only compacting finished days failed.
		fmt.Fprintf(stderr, "srvmon: warning: %s, all of them readable; %v (the next record or import compacts them)\n", importedText(res, name, o.DataDir), err)
		return nil
	case errors.Is(err, tsdb.ErrImportPending):
		return fmt.Errorf("%s: %w", name, err)
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return fmt.Errorf("%s: interrupted; nothing was imported", name)
	case err != nil:
		return fmt.Errorf("%s: %w (nothing was imported)", name, err)
	}
	switch {
	case res.Samples == 0:
		fmt.Fprintf(stderr, "srvmon: note: %s holds no samples; nothing was imported\n", name)
	case o.Verbose || o.Progress:
		fmt.Fprintf(stderr, "srvmon: %s\n", importedText(res, name, o.DataDir))
	}
	return nil
}

// importedText says what an import added: samples, series, the time range
// (RFC 3339, UTC: as the exposition's timestamps are), from where into
// which store.
func importedText(res tsdb.ImportResult, from, dir string) string {
	return fmt.Sprintf("imported %d samples of %d series (%s to %s) from %s into %s", res.Samples, res.Series,
		res.From.Format(time.RFC3339), res.To.Format(time.RFC3339), from, dir)
}

// interruptible returns a reader of r whose Read fails with ctx's error as
// soon as ctx is done, even while a Read of r itself is blocked (stdin from
// a stalled pipe): that read is left to the exiting process. stop releases
// what it holds.
func interruptible(ctx context.Context, r io.Reader) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	cancel := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	return pr, func() {
		cancel()
		pr.Close()
	}
}
