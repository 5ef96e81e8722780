package report

import (
	"fmt"
	"io"

	"github.com/srvmon/srvmon/tsdb/query"
)

// Stream writes an answer that query.StreamColumns hands over a UTC day at
// a time, in a format whose output holds nothing computed over the whole
// range (Streams): the bytes WriteResult writes for the whole answer. Pass
// Columns() and Write to StreamColumns, then call Flush.
type Stream struct {
	w    io.Writer
	o    Options
	part interface {
		Write(*query.Result) error
		Flush() error
	}
	err error // the first error met writing
}

// Streams reports whether format can be written a day at a time by a
// Stream: csv and ndjson. The others need the whole answer (json's
// statistics precede each series' points; the table, graph and html show
// statistics or draw the range).
func Streams(format string) bool { return format == FormatCSV || format == FormatNDJSON }

// NewStream returns a Stream that writes to w in format, one Streams
// accepts.
func NewStream(w io.Writer, format string, o Options) (*Stream, error) {
	c := &Stream{w: w, o: o}
	switch {
	case format == FormatNDJSON:
		c.part = newNDJSONWriter(w, o)
	case format != FormatCSV:
		return nil, fmt.Errorf("%w %q: only csv and ndjson are written a day at a time", ErrUnknownFormat, format)
	case o.CSVLayout != CSVWide:
		c.part = newLongCSVWriter(w, o)
	}
	return c, nil
}

// Columns returns what takes the answer's columns before its first day:
// the wide CSV layout writes its header then. It is nil for the others,
// which need none (so StreamColumns need not find them).
func (c *Stream) Columns() func(*query.Result) error {
	if c.part != nil {
		return nil
	}
	return func(cols *query.Result) error {
		c.part = newWideCSVWriter(c.w, cols, c.o)
		return nil
	}
}

// Write writes the rows of a day and returns the first error met writing
// so far.
func (c *Stream) Write(r *query.Result) error {
	c.err = c.part.Write(r)
	return c.err
}

// Err returns the first error met writing, nil if none: an error of
// StreamColumns is the answer's when Err is nil.
func (c *Stream) Err() error { return c.err }

// Flush writes what is buffered and returns the first error met writing.
func (c *Stream) Flush() error {
	if c.err != nil || c.part == nil {
		return c.err
	}
	c.err = c.part.Flush()
	return c.err
}
