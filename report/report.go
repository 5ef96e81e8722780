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
func Formats() []string {
	return []string{FormatTable, FormatGraph, FormatCSV, FormatJSON, FormatNDJSON, FormatHTML}
}

// SummaryFormats returns the formats WriteSummaries accepts: text (also
// called table), csv, json and html.
func SummaryFormats() []string {
	return []string{FormatText, FormatTable, FormatCSV, FormatJSON, FormatHTML}
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
	o = o.withDefaults()
	switch format {
	case FormatTable:
		return writeResultTable(w, r, o)
	case FormatGraph:
		return writeGraph(w, r, o, o.Color)
	case FormatCSV:
		switch o.CSVLayout {
		case CSVLong:
			return writeLongCSV(w, r, o)
		case CSVWide:
			return writeWideCSV(w, r, o)
		}
		return fmt.Errorf("%w: CSV layout %q; the layouts are %s", ErrUnknownFormat, o.CSVLayout, strings.Join(CSVLayouts(), ", "))
	case FormatJSON:
		return writeResultJSON(w, r, o)
	case FormatNDJSON:
		return writeResultNDJSON(w, r, o)
	case FormatHTML:
		return writeResultHTML(w, r, o)
	}
	return fmt.Errorf("%w %q; the formats are %s", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
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
	o = o.withDefaults()
	switch format {
	case FormatText, FormatTable:
		return writeSummaryText(w, ss, o)
	case FormatCSV:
		return writeSummaryCSV(w, ss, o)
	case FormatJSON:
		return writeSummaryJSON(w, ss, o)
	case FormatHTML:
		return writeSummaryHTML(w, ss, o)
	}
	return fmt.Errorf("%w %q; the formats are %s", ErrUnknownFormat, format, strings.Join(SummaryFormats(), ", "))
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
