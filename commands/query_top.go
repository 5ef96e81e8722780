package commands

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query"
)

// TopOptions are the settings of QueryTop.
type TopOptions struct {
	DataDir string
	// Services lists services (cgroups) instead of processes.
	Services bool
	// RangeOptions are read by query.TopRange: without them the range is
	// the last hour. At, when not "", asks for the interval between two
	// sample sets that holds that time.
	RangeOptions
	At        string
	By        string // cpu (the default), mem or io
	N         int    // rows; 0: query.DefaultTopN processes, every service
	Format    string // table (the default), csv, json or ndjson
	CSVLayout string
	Output    string
	Stderr    io.Writer // gets a warning per damaged file met; nil: none
}

func topFlags() []cli.Flag {
	return storeRangeFlags("range", "an hour before --to", "10m or 2h",
		&cli.StringFlag{Name: "at", Usage: "only the interval between two recording runs that holds `TIME`"},
		&cli.BoolFlag{Name: "utc", Usage: "read and show times in UTC instead of local time"},
		&cli.StringFlag{Name: "by", Value: "cpu", Usage: "rank by `RESOURCE`: " + strings.Join(query.TopBy(), ", ")},
		&cli.IntFlag{Name: "n", Usage: "show the first `N` rows (default: 10 processes, every service)"},
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: report.FormatTable,
			Usage: "output `FORMAT`: " + strings.Join(report.TopFormats(), ", ")},
		&cli.StringFlag{Name: "csv-layout", Value: report.CSVLong, Usage: "csv `LAYOUT`: long (a row per process and quantity) or wide (a row per process)"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout", TakesFile: true},
	)
}

func topAction(services bool) cli.ActionFunc {
	return withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
		return QueryTop(ctx, TopOptions{
			DataDir: cmd.String("data"), Services: services,
			RangeOptions: rangeFlags(cmd), At: cmd.String("at"), By: cmd.String("by"), N: int(cmd.Int("n")),
			Format: cmd.String("format"), CSVLayout: cmd.String("csv-layout"), Output: cmd.String("output"),
			Stderr: cmd.Root().ErrWriter,
		}, cmd.Root().Writer)
	})
}

func newQueryTopCommand() *cli.Command {
	return &cli.Command{
		Name:  "top",
		Usage: "the processes that used most CPU, memory or IO over a range or at a time",
		Description: `top lists the processes that used most of a resource (--by cpu, mem or io)
over the range, from what record stored: the top processes of each run by
CPU, memory and IO, and a remainder ("other") so that the rows add up to
the host ("all processes").

  CPU%       percent of one CPU, as pidstat and top show it (200% is two
             CPUs), over the whole range: a process stored in only some runs
             counted in the remainder in the others
  USR% SYS%  the user and system parts
  HOST CPU%  percent of all the host's CPU time (the cpu view's scale)
  RSS        resident memory, averaged over the runs that stored the process
  MEM%       RSS in percent of the host's memory
  READ/s WRITE/s  bytes read from and written to storage per second
  IO%        read plus written bytes in percent of all processes'

A pid reused by a new process is another row (processes are told apart by
pid and start time). CSV and JSON add the start time, the parent pid, the
executable, the command line (recorded with --proc-cmdline only), CPU
seconds, the peak RSS and the runs that stored the process.

The range is the last hour unless --from, --to, --last say otherwise;
--at TIME takes the one interval between two recording runs that holds TIME
(the minute before a run, at one run a minute). Times are
  ` + query.TimeForms + `.

Examples:
  srvmon query top                          # the last hour, by CPU
  srvmon query top --by mem -n 5 --last 1d
  srvmon query top --at "2024-05-01 03:12" --by io
  srvmon query top --from 16:10 --to 16:15 --format json`,
		Flags:  topFlags(),
		Action: topAction(false),
	}
}

func newQueryServicesCommand() *cli.Command {
	return &cli.Command{
		Name:  "services",
		Usage: "CPU, memory, IO and pressure per service (cgroup) over a range or at a time",
		Description: `services lists the cgroups record stored (systemd services and slices,
containers) with what each used over the range, sorted by --by:

  CPU%        percent of one CPU; USR% SYS% its parts; HOST CPU% percent of
              all the host's CPU time
  MEM PEAK    average memory (memory.current) and the largest memory.peak
  READ/s WRITE/s  bytes per second (io.stat)
  PSI CPU, PSI MEM, PSI IO  percent of the time some task of the cgroup
              waited for the resource (pressure "some"; CSV and JSON also
              have "full", every task stalled)
  TASKS       average number of tasks

An empty field is a file the kernel did not give for that cgroup (a
controller not enabled for it). The range and --at are as for 'srvmon query
top'.

Examples:
  srvmon query services --last 6h --by mem
  srvmon query services --at 03:12 --format csv --csv-layout wide`,
		Flags:  topFlags(),
		Action: topAction(true),
	}
}

// QueryTop computes the top processes (or services) over the range o asks
// and writes them in o.Format to o.Output or stdout.
func QueryTop(ctx context.Context, o TopOptions, stdout io.Writer) error {
	var err error
	if o.Format, err = oneOf("format", o.Format, report.TopFormats(), ", "); err != nil {
		return err
	}
	if o.CSVLayout, err = oneOf("csv-layout", o.CSVLayout, report.CSVLayouts(), " or "); err != nil {
		return err
	}
	loc, now := zoneAndNow(o.UTC, o.Now)
	from, to, at, err := query.TopRange(o.From, o.To, o.Last, o.At, now, loc)
	if err != nil {
		return usageOf(err)
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	defer warnDamage(o.Stderr, store)
	var write func(io.Writer) error
	ro := report.Options{Loc: loc, CSVLayout: o.CSVLayout}
	if o.Services {
		var r *query.ServicesResult
		r, err = query.Services(ctx, store, query.ServicesOptions{From: from, To: to, At: at, By: o.By, N: o.N})
		write = func(w io.Writer) error { return report.WriteServices(w, r, o.Format, ro) }
	} else {
		var r *query.TopResult
		r, err = query.Top(ctx, store, query.TopOptions{From: from, To: to, At: at, By: o.By, N: o.N})
		write = func(w io.Writer) error { return report.WriteTop(w, r, o.Format, ro) }
	}
	if err != nil {
		return queryError(o.DataDir, err)
	}
	return writeOutput(o.Output, stdout, func(out io.Writer) error {
		if err := write(out); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		return nil
	})
}
