package report

import (
	"io"

	"github.com/srvmon/srvmon/tsdb/query"
)

// CSVStream writes an answer that query.StreamColumns hands over a UTC day
// at a time as CSV in the Options' CSVLayout: the bytes WriteResult writes
// for the whole answer. Pass Columns() and Write to StreamColumns, then
// call Flush.
type CSVStream struct {
	w    io.Writer
	o    Options
	part interface {
		Write(*query.Result) error
		Flush() error
	}
	err error // the first error met writing
}

// NewCSVStream returns a CSVStream that writes to w.
func NewCSVStream(w io.Writer, o Options) *CSVStream {
	c := &CSVStream{w: w, o: o}
	if o.CSVLayout != CSVWide {
		c.part = newLongCSVWriter(w, o)
	}
	return c
}

// Columns returns what takes the answer's columns before its first day:
// the wide layout writes its header then. It is nil for the long layout,
// which needs none (so StreamColumns need not find them).
func (c *CSVStream) Columns() func(*query.Result) error {
	if c.o.CSVLayout != CSVWide {
		return nil
	}
	return func(cols *query.Result) error {
		c.part = newWideCSVWriter(c.w, cols, c.o)
		return nil
	}
}

// Write writes the rows of a day and returns the first error met writing
// so far.
func (c *CSVStream) Write(r *query.Result) error {
	c.err = c.part.Write(r)
	return c.err
}

// Err returns the first error met writing, nil if none: an error of
// StreamColumns is the answer's when Err is nil.
func (c *CSVStream) Err() error { return c.err }

// Flush writes what is buffered and returns the first error met writing.
func (c *CSVStream) Flush() error {
	if c.err != nil || c.part == nil {
		return c.err
	}
	c.err = c.part.Flush()
	return c.err
}
