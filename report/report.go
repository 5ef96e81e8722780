package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb/query"
)

// ErrUnknownFormat is returned (wrapped) by WriteResult and WriteSummaries for
// a format they do not know; the message names the valid ones.
var ErrUnknownFormat = errors.New("unknown format")

// Options are the settings shared by every renderer. The zero value is
// ready to use.
type Options struct {
	// Loc is the zone times print in, with the offset shown. Defaults to
	// time.Local.
	Loc *time.Location
	// Width and Height are the size of the terminal for table and graph, in
	// characters. Defaults to 80x24.
	Width, Height int
	// Color draws graphs in colour (ANSI escapes); without it the series
	// are told apart by their drawing character. The caller decides: srvmon
	// uses colour on a terminal unless $NO_COLOR is set.
	Color bool
	// CSVLayout is "long" (the default) or "wide"; see the package
	// documentation.
	CSVLayout string
	// Title is the title of an html page. Defaults to one made from the
	// views and the period.
	Title string
}

// Formats: the first six are those of WriteResult (in the order Formats
// lists them); WriteSummaries takes text (the same as table), csv, json
// and html.
const (
	FormatTable  = "table"
	FormatGraph  = "graph"
	FormatCSV    = "csv"
	FormatJSON   = "json"
	FormatNDJSON = "ndjson"
	FormatHTML   = "html"
	FormatText   = "text" // summaries only; the same as table
)

// CSV layouts.
const (
	CSVLong = "long"
	CSVWide = "wide"
)

// Formats returns the formats WriteResult accepts: table, graph, csv, json,
// ndjson and html.
func Formats() []string { return formatNames(resultWriters) }

var resultWriters = []formatWriter[*query.Result]{
	{FormatTable, writeResultTable}, {FormatGraph, writeResultGraph}, {FormatCSV, writeResultCSV},
	{FormatJSON, writeResultJSON}, {FormatNDJSON, writeResultNDJSON}, {FormatHTML, writeResultHTML},
}

// SummaryFormats returns the formats WriteSummaries accepts: text (also
// called table), csv, json and html.
func SummaryFormats() []string { return formatNames(summaryWriters) }

var summaryWriters = []formatWriter[[]*query.Summary]{
	{FormatText, writeSummaryText}, {FormatTable, writeSummaryText}, {FormatCSV, writeSummaryCSV},
	{FormatJSON, writeSummaryJSON}, {FormatHTML, writeSummaryHTML},
}

// formatWriter is one format of WriteResult, WriteSummaries or WriteTop:
// its name and the function that writes a T in it.
type formatWriter[T any] struct {
	name  string
	write func(io.Writer, T, Options) error
}

func formatNames[T any](writers []formatWriter[T]) []string {
	names := make([]string, len(writers))
	for i, f := range writers {
		names[i] = f.name
	}
	return names
}

// writeAs writes v to w in format with its writer. An unknown format is an
// error wrapping ErrUnknownFormat that names the formats of writers.
func writeAs[T any](writers []formatWriter[T], w io.Writer, v T, format string, o Options) error {
	for _, f := range writers {
		if f.name == format {
			return f.write(w, v, o)
		}
	}
	return fmt.Errorf("%w %q; the formats are %s", ErrUnknownFormat, format, strings.Join(formatNames(writers), ", "))
}

// csvWide says whether layout, a value of Options.CSVLayout, is the wide
// one. An unknown layout is an error wrapping ErrUnknownFormat that names
// the layouts.
func csvWide(layout string) (bool, error) {
	switch layout {
	case CSVLong:
		return false, nil
	case CSVWide:
		return true, nil
	}
	return false, fmt.Errorf("%w: CSV layout %q; the layouts are %s", ErrUnknownFormat, layout, strings.Join(CSVLayouts(), ", "))
}

// CSVLayouts returns the layouts of Options.CSVLayout: long and wide.
func CSVLayouts() []string { return []string{CSVLong, CSVWide} }

// AutoPoints is the most points per series that format shows of a range
// when the user chose no step, so that it stays readable: a longer range
// gets a step (a day of minutely samples becomes 10-minute rows in a
// table, as sar shows a day). It is 0, every sample, for csv, json and
// ndjson.
func AutoPoints(format string) int {
	switch format {
	case FormatTable:
		return 150
	case FormatGraph:
		return 300
	case FormatHTML:
		return 1000
	}
	return 0
}

// WriteResult writes r to w in format, one of Formats. An unknown format or
// CSV layout is an error wrapping ErrUnknownFormat that names the valid
// ones; errors writing to w are returned.
func WriteResult(w io.Writer, r *query.Result, format string, o Options) error {
	if r == nil {
		return errors.New("write result: no result")
	}
	return writeAs(resultWriters, w, r, format, o.withDefaults())
}

func writeResultGraph(w io.Writer, r *query.Result, o Options) error {
	return writeGraph(w, r, o, o.Color)
}

// writeResultCSV writes r as CSV in the layout o.CSVLayout.
func writeResultCSV(w io.Writer, r *query.Result, o Options) error {
	wide, err := csvWide(o.CSVLayout)
	if err != nil {
		return err
	}
	if wide {
		return writeWideCSV(w, r, o)
	}
	return writeLongCSV(w, r, o)
}

// WriteSummaries writes the summaries of srvmon report to w in format, one
// of SummaryFormats. An unknown format is an error wrapping
// ErrUnknownFormat that names the valid ones; errors writing to w are
// returned.
func WriteSummaries(w io.Writer, ss []*query.Summary, format string, o Options) error {
	for i, s := range ss {
		if s == nil {
			return fmt.Errorf("write summaries: summary %d is nil", i)
		}
	}
	return writeAs(summaryWriters, w, ss, format, o.withDefaults())
}

func (o Options) withDefaults() Options {
	if o.Loc == nil {
		o.Loc = time.Local
	}
	if o.CSVLayout == "" {
		o.CSVLayout = CSVLong
	}
	if o.Width <= 0 {
		o.Width = defaultWidth
	}
	if o.Height <= 0 {
		o.Height = defaultHeight
	}
	return o
}

// Default terminal size, when Options do not say.
const (
	defaultWidth  = 80
	defaultHeight = 24
)
