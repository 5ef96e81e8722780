package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/commands/interrupt"
	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/sampler/recorder"
	"github.com/srvmon/srvmon/tsdb"
)

// RecordOptions are the settings of Record.
type RecordOptions struct {
	DataDir string // store directory; created if missing
	// Interval between sample sets, a whole number of seconds; sample sets
	// are taken at multiples of it (like sar). 0 takes one sample set, or,
	// with Count > 1, one a second.
	Interval time.Duration
	// Count stops after that many sample sets; 0 means one when Interval is
	// 0 and no limit (until ctx is done) otherwise.
	Count int
	// Collectors selects collectors: names, "all", "default", and "-name" to
	// remove one; a list that starts with a removal starts from the
	// defaults. Empty means the default collectors.
	Collectors  []string
	Instance    string        // "instance" label; "" means the host name
	Retention   int           // days of data to keep; 0 keeps everything
	LockTimeout time.Duration // how long to wait for another writer
	// TextfileDir is a directory of *.prom files (node_exporter's textfile
	// format) recorded with every sample set; "" reads none.
	TextfileDir string
	// ProcTop is how many processes the procs collector keeps per sample
	// set by each of CPU, memory and IO; 0 means sampler.DefaultProcTop.
	ProcTop int
	// ProcCmdline stores the top processes' command lines.
	ProcCmdline bool
}

// envTextfileDir names the environment variable that sets --textfile-dir.
const envTextfileDir = "SRVMON_TEXTFILE_DIR"

func newRecordCommand() *cli.Command {
	return &cli.Command{
		Name:  "record",
		Usage: "take sample sets of this host and append them to the store",
		Description: `record takes one sample set (every enabled collector, one timestamp) and
appends it to the store, creating the store if needed. It prints nothing on
success, so cron mails only problems. Run it every minute from cron or a
systemd timer (see contrib/), or let it loop with --interval.

A collector that fails is reported on stderr ("srvmon: collector X: ...")
and the others are still recorded; the run fails (exit 1) only if the store
cannot be written. Runs that overlap wait for the store lock (--lock-timeout)
and every run that succeeds gets its own second.

With --interval, sample sets are taken at multiples of the interval (at :00,
:10, :20 ... for 10s) and the loop ends cleanly on SIGINT or SIGTERM, after
finishing the sample set in progress.

Your own metrics: with --textfile-dir DIR (or $SRVMON_TEXTFILE_DIR) every
run also records the *.prom files in DIR, in the Prometheus text format as
node_exporter's textfile collector reads them. Write them from cron to a
temporary name and rename it into place, so that a run never sees half a
file. A file that is malformed, has timestamps, uses a name of srvmon's or
changes while being read is skipped, never failing the run: record says so
on stderr once (not in every run), srvmon status lists it with what is
wrong, and srvmon_textfile_scrape_error{file,reason} names it
(node_textfile_scrape_error is 1, as node_exporter's).

Who used the host: the procs collector stores, per sample set, the top
processes (--proc-top N by CPU over the interval, N by resident memory and
N by IO; their union, 20 each by default) with their CPU seconds, IO bytes,
memory and threads, plus an "other" remainder so the parts add up to the
host's totals; the cgroups collector stores every cgroup v2 group (systemd
services, slices, containers). Per process srvmon keeps the command name and
the executable path, not the arguments: command lines often carry passwords
and tokens, and the store is readable by whoever can read its directory.
--proc-cmdline adds the arguments, cut to ` + strconv.Itoa(sampler.MaxCmdline) + ` bytes. The counters of the
previous run are kept in DIR/` + sampler.StateFile + `.

Collectors: ` + strings.Join(sampler.Names(), ", ") + `
Default:    ` + strings.Join(sampler.Default(), ", ") + `

Examples:
  srvmon record                                   # one sample set (cron)
  srvmon record --interval 10s                    # every 10 s until Ctrl-C
  srvmon record --count 3 --interval 1s           # three sample sets, 1 s apart
  srvmon record --collectors all                  # every collector
  srvmon record --collectors -diskstats,-netdev   # the defaults but these two
  srvmon record --collectors cpu,meminfo          # just these two
  srvmon record --data /tmp/s --instance web1     # another store, another name
  srvmon record --textfile-dir /var/lib/srvmon/textfile  # and the scripts' metrics
  srvmon record --proc-top 50                     # more processes per sample set
  srvmon record --collectors -procs,-cgroups      # no processes, no services`,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.DurationFlag{
				Name:  "interval",
				Usage: "take a sample set every `DURATION` (whole seconds) until interrupted; 0 takes one",
			},
			&cli.IntFlag{
				Name:  "count",
				Usage: "stop after `N` sample sets (0: no limit with --interval); without --interval they are 1s apart",
			},
			&cli.StringSliceFlag{
				Name:        "collectors",
				Usage:       "collectors to run, comma-separated: `NAMES`, \"all\", or \"-name\" to drop one from the defaults",
				DefaultText: strings.Join(sampler.Default(), ","),
			},
			&cli.StringFlag{
				Name:        "instance",
				Usage:       "`NAME` put in the instance label of every series",
				DefaultText: "host name",
			},
			&cli.IntFlag{
				Name:  "retention",
				Usage: "keep `DAYS` days of data (0 keeps everything)",
				Value: tsdb.DefaultRetentionDays,
			},
			&cli.StringFlag{
				Name:      "textfile-dir",
				Usage:     "also record the *.prom files (Prometheus text format) in `DIR`",
				Sources:   cli.EnvVars(envTextfileDir),
				TakesFile: true,
			},
			&cli.IntFlag{
				Name:  "proc-top",
				Usage: "keep the top `N` processes by CPU, by memory and by IO (their union) per sample set",
				Value: sampler.DefaultProcTop,
			},
			&cli.BoolFlag{
				Name:  "proc-cmdline",
				Usage: "also store the top processes' command lines (arguments may hold passwords; off by default)",
			},
			lockTimeoutFlag(),
		},
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			return Record(ctx, RecordOptions{
				DataDir:     cmd.String("data"),
				Interval:    cmd.Duration("interval"),
				Count:       cmd.Int("count"),
				Collectors:  cmd.StringSlice("collectors"),
				Instance:    cmd.String("instance"),
				Retention:   cmd.Int("retention"),
				LockTimeout: cmd.Duration("lock-timeout"),
				TextfileDir: cmd.String("textfile-dir"),
				ProcTop:     cmd.Int("proc-top"),
				ProcCmdline: cmd.Bool("proc-cmdline"),
			}, cmd.Root().ErrWriter)
		}),
	}
}

// Record takes sample sets as o says and appends them to the store in
// o.DataDir (the loop and its clock policy are recorder.Run's). It writes
// nothing to stderr unless something goes wrong: a failed collector or a
// clock that went backwards is reported there and the run goes on; a store
// error ends it. Invalid options give a *usageError.
func Record(ctx context.Context, o RecordOptions, stderr io.Writer) error {
	if err := checkDataDir(o.DataDir); err != nil {
		return err
	}
	count, _, err := recorder.Plan(o.Count, o.Interval)
	if err != nil {
		return usageOf(err)
	}
	if count != 1 {
		// A loop ends on SIGINT or SIGTERM. A one-shot run arms only if it
		// waits for the store lock (package interrupt).
		interrupt.Arm(ctx)
	}
	if o.Retention < 0 {
		return usagef("invalid --retention %d; use a whole number of days, 0 keeps everything", o.Retention)
	}
	if o.LockTimeout < 0 {
		return usagef("invalid --lock-timeout %s; use a duration of 0 or more like 10s", o.LockTimeout)
	}
	if o.ProcTop < 0 {
		return usagef("invalid --proc-top %d; use a number of processes, 1 or more (0: the default, %d)", o.ProcTop, sampler.DefaultProcTop)
	}
	names, err := resolveCollectors(o.Collectors)
	if err != nil {
		return err
	}
	instance := o.Instance
	if instance == "" {
		if instance, err = os.Hostname(); err != nil {
			return fmt.Errorf("host name for the instance label (pass --instance): %w", err)
		}
	}
	if o.TextfileDir != "" {
		if fi, err := os.Stat(o.TextfileDir); err != nil || !fi.IsDir() {
			return usagef("--textfile-dir %s is not a directory; create it or leave the flag out", o.TextfileDir)
		}
	}
	smp, err := sampler.New(names, sampler.Options{Instance: instance, TextfileDir: o.TextfileDir,
		StateDir: o.DataDir, ProcTop: o.ProcTop, ProcCmdline: o.ProcCmdline})
	if err != nil {
		return usagef("%v; see 'srvmon record --help'", err)
	}

	store, err := tsdb.Create(o.DataDir, tsdb.WithRetention(o.Retention), tsdb.WithLockTimeout(o.LockTimeout))
	if err != nil {
		return fmt.Errorf("store %s: %w", o.DataDir, err)
	}
	defer store.Close()
	return recorder.Run(ctx, store, smp, recorder.Options{Interval: o.Interval, Count: o.Count,
		Warn: func(err error) {
			var ce *recorder.ClockError
			if errors.As(err, &ce) {
				fmt.Fprintf(stderr, "srvmon: warning: %v\n", err)
				return
			}
			var note *sampler.Note
			if errors.As(err, &note) {
				fmt.Fprintf(stderr, "srvmon: note: %v\n", err)
				return
			}
			var dm tsdb.Damage
			if errors.As(err, &dm) {
				fmt.Fprintf(stderr, "srvmon: warning: damaged: %v (run 'srvmon verify')\n", err)
				return
			}
			fmt.Fprintf(stderr, "srvmon: %v\n", err)
		}})
}

// resolveCollectors turns a --collectors list (comma-separated values)
// into collector names (sampler.Select).
func resolveCollectors(spec []string) ([]string, error) {
	names, err := sampler.Select(splitList(spec))
	return names, usageOf(err)
}
