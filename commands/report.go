package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/query"
)

// ReportOptions are the settings of Report.
type ReportOptions struct {
	DataDir      string
	RangeOptions           // without a range, the report covers today so far
	Views        []string  // views to report, in this order; empty: all of them
	Format       string    // text (the default), table, csv, json or html
	Output       string    // file to write; "" or "-" means stdout
	UTC          bool      // times in UTC instead of local time
	Now          time.Time // the current time; zero: time.Now()
}

func newReportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "summarise a period: per view avg, min, p95, max and when, busiest times, gaps",
		Description: `report answers "how was this box yesterday, and when was it worst?" in one
screen. For each view (cpu, mem, disk, net, ...) it shows a table with the
average, minimum, 95th percentile and maximum of every series and the time of
the maximum, the busiest intervals of the period, and the gaps (missed
recording runs).

The period is today so far (since local midnight) unless --from, --to or
--last say otherwise. Times are ` + query.TimeForms + `.

--format text is for people; csv and json are for programs (their columns
and fields are documented and stable); html writes one self-contained page
(inline CSS and SVG charts, no scripts, nothing fetched) that cron can mail.
With -o the output goes to FILE.tmp, renamed to FILE once complete.

Examples:
  srvmon report                              # today so far
  srvmon report --from yesterday --to today  # all of yesterday
  srvmon report --last 6h --view cpu,disk
  srvmon report --from yesterday --to today --format html -o /var/www/srvmon/yesterday.html
  srvmon report --last 1w --format json | jq '.views[] | select(.view=="cpu")'`,
		Flags: storeRangeFlags("period", "midnight today", "6h or 2d",
			&cli.StringSliceFlag{Name: "view", Usage: "report only the views `V1,V2...` (default: all): " + strings.Join(query.Views(), ", ")},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: report.FormatText,
				Usage: "output `FORMAT`: text, csv, json or html"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of stdout", TakesFile: true},
			&cli.BoolFlag{Name: "utc", Usage: "show times in UTC instead of local time"},
		),
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			return Report(ctx, ReportOptions{
				DataDir:      cmd.String("data"),
				RangeOptions: rangeFlags(cmd),
				Views:        cmd.StringSlice("view"),
				Format:       cmd.String("format"),
				Output:       cmd.String("output"),
			}, cmd.Root().Writer, cmd.Root().ErrWriter)
		}),
	}
}

// Report writes the summary of each view of the store in o.DataDir over
// the period o asks, in o.Format, to o.Output or stdout. Views without
// samples in the period are left out, with a note on stderr if they were
// asked for by name; when no view has samples, Report fails and says where
// the nearest sample is.
func Report(ctx context.Context, o ReportOptions, stdout, stderr io.Writer) (err error) {
	if o.Format == "" {
		o.Format = report.FormatText
	}
	if !slices.Contains(report.SummaryFormats(), o.Format) {
		return usagef("unknown --format %q; use text, csv, json or html", o.Format)
	}
	views, err := reportViews(o.Views)
	if err != nil {
		return err
	}
	from, to, loc, err := o.timeRange()
	if err != nil {
		return err
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	defer warnDamage(stderr, store)

	var summaries []*query.Summary
	var noData error
	for _, v := range views {
		s, err := query.Summarize(ctx, store, v, query.Options{From: from, To: to})
		if errors.Is(err, query.ErrNoData) {
			if noData == nil {
				noData = err
			}
			if len(o.Views) > 0 {
				fmt.Fprintf(stderr, "srvmon: %v\n", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("report %s: %w", v, err)
		}
		summaries = append(summaries, s)
	}
	if len(summaries) == 0 && noData != nil {
		if len(views) > 1 {
			return fmt.Errorf("nothing to report: %w", noData)
		}
		return noData
	}

	return writeOutput(o.Output, stdout, func(out io.Writer) error {
		if err := report.WriteSummaries(out, summaries, o.Format, terminalOptions(report.Options{Loc: loc}, out, os.Getenv)); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	})
}

// reportViews checks the --view values (each may be a comma-separated list)
// and returns the views to report: all of them when none is given.
func reportViews(given []string) ([]string, error) {
	all := query.Views()
	if len(given) == 0 {
		return all, nil
	}
	var views []string
	for _, v := range splitList(given) {
		if !slices.Contains(all, v) {
			return nil, usagef("unknown view %q in --view; the views are %s", v, strings.Join(all, ", "))
		}
		if !slices.Contains(views, v) {
			views = append(views, v)
		}
	}
	if len(views) == 0 {
		return nil, usagef("--view names no view; the views are %s", strings.Join(all, ", "))
	}
	return views, nil
}
