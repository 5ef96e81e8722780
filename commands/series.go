package commands

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/query"
)

// SeriesOptions are the settings of ListSeries.
type SeriesOptions struct {
	DataDir string
	// Selector chooses the series listed; "" lists all of them.
	Selector string
	RangeOptions
	// Stderr gets a warning for each damaged file met; nil: none.
	Stderr io.Writer
}

func newSeriesCommand() *cli.Command {
	return &cli.Command{
		Name:      "series",
		Usage:     "list the series the store holds in a time range",
		ArgsUsage: "[SELECTOR]",
		Description: `series prints the key of every series with samples in the range, one per
line, sorted: metric{label="value",...}, as 'srvmon query' and 'srvmon export'
write them. A SELECTOR lists only the series it matches; it is
  ` + query.SelectorForms + `.

The range is today so far unless --from, --to or --last say otherwise.
Times are
  ` + query.TimeForms + `.
When nothing matches, series says so on stderr, with the range the store
holds, and exits with status 1.

Examples:
  srvmon series
  srvmon series --last 7d 'node_disk_read_bytes_total'
  srvmon series '{__name__=~"node_network_.*",device="eth0"}'`,
		Flags: storeRangeFlags("range", "midnight today", "6h or 2d",
			&cli.BoolFlag{Name: "utc", Usage: "read times without an offset as UTC instead of local time"},
		),
		Action: withAtMostOneArg("selector", "quote a selector that holds spaces", func(ctx context.Context, cmd *cli.Command) error {
			return ListSeries(ctx, SeriesOptions{
				DataDir:      cmd.String("data"),
				Selector:     cmd.Args().First(),
				RangeOptions: rangeFlags(cmd),
				Stderr:       cmd.Root().ErrWriter,
			}, cmd.Root().Writer)
		}),
	}
}

// ListSeries writes the key of every series of the store in o.DataDir that
// has samples in the range o asks and matches o.Selector, one per line in
// key order. When none does it writes nothing and returns an error that
// says which range the store holds.
func ListSeries(ctx context.Context, o SeriesOptions, stdout io.Writer) error {
	from, to, loc, err := o.timeRange()
	if err != nil {
		return err
	}
	var sel *query.Selector
	if o.Selector != "" {
		s, err := query.ParseSelector(o.Selector)
		if err != nil {
			return usagef("%v", err)
		}
		sel = &s
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	defer warnDamage(o.Stderr, store)
	list, err := store.SeriesIn(ctx, from, to)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.DataDir, err)
	}
	w := bufio.NewWriter(stdout)
	n := 0
	for _, s := range list {
		if sel != nil && !sel.Matches(s) {
			continue
		}
		n++
		fmt.Fprintln(w, s.Key())
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("series: %w", err)
	}
	if n > 0 {
		return nil
	}
	what := "series"
	if sel != nil {
		what = "series matching " + sel.String()
	}
	first, last, ok, err := store.Bounds(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("store %s: %w", o.DataDir, err)
	case !ok:
		return fmt.Errorf("store %s holds no samples", o.DataDir)
	}
	return fmt.Errorf("no %s from %s to %s; the store holds samples from %s to %s", what,
		from.Format(time.RFC3339), to.Format(time.RFC3339), first.In(loc).Format(time.RFC3339), last.In(loc).Format(time.RFC3339))
}
