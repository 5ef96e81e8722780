package commands

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query"
)

// QueryOptions are the settings of Query.
type QueryOptions struct {
	DataDir string
	What    string // a view name or a raw series selector
	RangeOptions
	// Step is the bucket width as given: "" chooses one for long ranges in
	// table and graph formats (every sample otherwise), "0" or "raw" means
	// every sample, else a duration such as 5m or 1h.
	Step      string
	Agg       string // avg (the default), min, max, last, p95 or sum
	PerCPU    bool
	Devices   []string // --device, each may be a comma-separated list
	Mounts    []string
	Ifaces    []string
	Format    string // table (the default), graph, csv, json, ndjson or html
	CSVLayout string // long (the default) or wide
	Output    string // file to write; "" or "-" means stdout
	// Stderr gets a warning for each damaged file met; nil: none.
	Stderr io.Writer
}

func newQueryCommand() *cli.Command {
	var views strings.Builder
	for _, v := range query.Views() {
		fmt.Fprintf(&views, "  %-7s %s\n", v, query.ViewHelp(v))
	}
	return &cli.Command{
		Name:      "query",
		Usage:     "show a view (cpu, mem, disk, net, ...) or raw series over a time range",
		ArgsUsage: "VIEW|SELECTOR",
		Description: `query computes a view, named like sar's groups, from the raw counters in
the store, or shows raw series chosen by a selector, over a range of time:

` + views.String() + `
Rates are computed between consecutive samples over their exact interval,
never across a reboot, a counter that went down, or a gap (a pause longer
than 2.5 recording intervals, so one missed run is bridged and two are a
gap). A gap shows as a gap: an empty row in tables, an empty field in CSV,
null in JSON, a break in graphs.

A SELECTOR is
  ` + query.SelectorForms + `.
Raw counters (names ending in _total and the catalog's counters) are shown
as per-second rates, everything else as stored; 'srvmon series' lists what
exists.

The range is today so far (from the store's first sample if that is later) unless
--from, --to or --last say otherwise.
Times are
  ` + query.TimeForms + `.
They are read and printed in local time (TZ applies) unless --utc is given.

--step cuts the range into buckets, aligned to multiples of the step in the
display time zone and clipped to the range, combined by --agg: avg is the
exact average over the bucket, a ratio of sums computed from the counters;
min, max, last and p95 take the values between consecutive samples; sum is
what counters counted (bytes, packets, CPU seconds) in the bucket. A row is
labelled with the end of its interval or bucket, as sar does. Without
--step, table and graph choose a step for long ranges so that they stay
readable (csv, json and ndjson get every sample); --step 0 shows every
sample. When --from or --to is not on a multiple of the step, the first or
last bucket covers only part of its step: the table marks its time with
"*", JSON and NDJSON say "partial": true, CSV has a partial column (true or
false; long: the last column, wide: the third), HTML names them. The
table's last rows sum up the whole range the same way ("Average:", "Max:",
"Total:"...): the same numbers at every step. A step of whole hours with
avg or sum reads the store's hourly summaries: a month takes a fraction of
a second.
Every sample as CSV (long or wide) or NDJSON is computed and written a UTC
day at a time, in the memory of a day however long the range (wide CSV
reads the store once more first, to know its columns); the other formats
hold the whole answer (json puts each series' statistics before its
points).

Exit status: 0 on success, 1 when the store cannot be read or the range
holds no samples (the message says where the nearest one is), 2 for a usage
error (unknown view, metric, label, format; a bad time or range).

Examples:
  srvmon query cpu                                   # today so far, like sar -u
  srvmon query cpu --last 6h --format graph
  srvmon query mem --from yesterday --to today --step 1h
  srvmon query disk --device sda --last 30m --step 0
  srvmon query net --last 30d --step 1h --agg max --format csv -o net.csv
  srvmon query net --interface eth0 --step 1d --agg sum   # bytes per day
  srvmon query 'node_disk_read_bytes_total{device="sda"}' --last 1h
  srvmon query cpu --per-cpu --from "2024-05-01 13:00" --to "2024-05-01 14:00"

'srvmon query top' and 'srvmon query services' list who used the host: the
top processes and the services (see their --help).`,
		Commands: []*cli.Command{newQueryTopCommand(), newQueryServicesCommand()},
		Flags: storeRangeFlags("range", "midnight today", "6h or 2d",
			&cli.BoolFlag{Name: "utc", Usage: "read and show times in UTC instead of local time"},
			&cli.StringFlag{Name: "step", Usage: "bucket width `DURATION` such as 5m or 1h; 0 for every sample (default: automatic for table and graph)"},
			&cli.StringFlag{Name: "agg", Usage: "how buckets combine values: `AGG` is avg, min, max, last, p95 or sum", Value: "avg"},
			&cli.BoolFlag{Name: "per-cpu", Usage: "cpu view: one set of columns per core"},
			&cli.StringSliceFlag{Name: "device", Usage: "disk view: only devices `NAMES` (comma-separated)"},
			&cli.StringSliceFlag{Name: "mount", Usage: "fs view: only mount points `PATHS` (comma-separated)"},
			&cli.StringSliceFlag{Name: "interface", Usage: "net view: only interfaces `NAMES` (comma-separated)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: report.FormatTable,
				Usage: "output `FORMAT`: " + strings.Join(report.Formats(), ", ")},
			&cli.StringFlag{Name: "csv-layout", Value: report.CSVLong, Usage: "csv `LAYOUT`: long (a row per time and series) or wide (a row per time)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout", TakesFile: true},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			switch cmd.NArg() {
			case 0:
				return usagef("'srvmon query' needs a view or a series selector; the views are %s (see 'srvmon query --help')",
					strings.Join(query.Views(), ", "))
			case 1:
			default:
				return usagef("'srvmon query' takes one view or selector, got %q; quote a selector that holds spaces", cmd.Args().Slice())
			}
			return Query(ctx, QueryOptions{
				DataDir:      cmd.String("data"),
				What:         cmd.Args().First(),
				RangeOptions: rangeFlags(cmd),
				Step:         cmd.String("step"),
				Agg:          cmd.String("agg"),
				PerCPU:       cmd.Bool("per-cpu"),
				Devices:      cmd.StringSlice("device"),
				Mounts:       cmd.StringSlice("mount"),
				Ifaces:       cmd.StringSlice("interface"),
				Format:       cmd.String("format"),
				CSVLayout:    cmd.String("csv-layout"),
				Output:       cmd.String("output"),
				Stderr:       cmd.Root().ErrWriter,
			}, cmd.Root().Writer)
		},
	}
}

// Query computes o.What over the range o asks from the store in o.DataDir
// and writes it in o.Format to o.Output or stdout. It never writes to the
// store. A query that cannot be answered as asked is a *usageError; a range
// without samples is an error that says where the nearest sample is.
func Query(ctx context.Context, o QueryOptions, stdout io.Writer) (err error) {
	if o.Format, err = oneOf("format", o.Format, report.Formats(), ", "); err != nil {
		return err
	}
	if o.CSVLayout, err = oneOf("csv-layout", o.CSVLayout, report.CSVLayouts(), " or "); err != nil {
		return err
	}
	from, to, loc, err := o.timeRange()
	if err != nil {
		return err
	}
	qo := query.Options{From: from, To: to, Agg: o.Agg, PerCPU: o.PerCPU,
		Devices: splitList(o.Devices), Mounts: splitList(o.Mounts), Interfaces: splitList(o.Ifaces)}
	if qo.Step, qo.MaxPoints, err = queryStep(o.Step, o.Format); err != nil {
		return err
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	if o.From == "" && o.Last == "" {
		// The default range (today so far) starts at the store's first
		// sample when the store is younger.
		if first, _, ok, err := store.Bounds(ctx); err == nil && ok && first.After(qo.From) && first.Before(qo.To) {
			qo.From = first.In(from.Location())
		}
	}
	defer warnDamage(o.Stderr, store)
	ro := report.Options{Loc: loc, CSVLayout: o.CSVLayout}
	if report.Streams(o.Format) && qo.Step == 0 && qo.MaxPoints == 0 {
		// Every sample as CSV or NDJSON: a day at a time, so that a month
		// of every series costs the memory of a day.
		return writeOutput(o.Output, stdout, func(out io.Writer) error {
			cs, err := report.NewStream(out, o.Format, ro)
			if err != nil {
				return fmt.Errorf("query: %w", err)
			}
			err = query.StreamColumns(ctx, store, o.What, qo, cs.Columns(), cs.Write)
			if cs.Err() == nil && err != nil {
				return queryError(o.DataDir, err)
			}
			if err := cs.Flush(); err != nil {
				return fmt.Errorf("query: %w", err)
			}
			return nil
		})
	}
	r, err := query.Run(ctx, store, o.What, qo)
	if err != nil {
		return queryError(o.DataDir, err)
	}
	return writeOutput(o.Output, stdout, func(out io.Writer) error {
		if err := report.WriteResult(out, r, o.Format, terminalOptions(ro, out, os.Getenv)); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		return nil
	})
}

// queryStep turns --step as given into query.Options' Step and MaxPoints:
// "" chooses a step for long ranges in the formats that need one
// (report.AutoPoints), "0" and "raw" are every sample.
func queryStep(step, format string) (time.Duration, int, error) {
	switch s := strings.TrimSpace(step); s {
	case "":
		return 0, report.AutoPoints(format), nil
	case "0", "raw":
		return 0, 0, nil
	default:
		d, err := query.ParseSpan(s)
		if err != nil {
			return 0, 0, usagef("--step: %v", err)
		}
		return d, 0, nil
	}
}
