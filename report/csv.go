package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// longCSVHeader is the header of the long CSV layout of a result; see the
// package documentation.
var longCSVHeader = []string{"time", "unix", "view", "name", "labels", "unit", "value", "partial"}

// csvPartial is the partial column's field, with the separator before it
// and the line's end: query.Result.Partial.
func csvPartial(partial bool) string {
	if partial {
		return ",true\n"
	}
	return ",false\n"
}

// summaryCSVHeader is the header of the CSV of summaries; see the package
// documentation.
var summaryCSVHeader = []string{"view", "section", "name", "labels", "unit",
	"from", "from_unix", "to", "to_unix", "count", "avg", "min", "p95", "max", "max_at", "max_at_unix", "value"}

// csvWriter wraps csv.Writer so that a run of writes needs one error check.
type csvWriter struct {
	w   *csv.Writer
	err error
}

func (c *csvWriter) write(rec []string) {
	if c.err == nil {
		c.err = c.w.Write(rec)
	}
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	if c.err != nil {
		return fmt.Errorf("csv: %w", c.err)
	}
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

func rfc3339(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

func csvValue(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return formatValue(v)
}

// writeLongCSV writes a row per timestamp and series, in time order and the
// result's series order within a timestamp.
func writeLongCSV(w io.Writer, r *query.Result, o Options) error {
	lw := newLongCSVWriter(w, o)
	lw.Write(r)
	return lw.Flush()
}

// longCSVWriter writes a result given in parts, such as the days of
// query.Stream, as the long CSV layout: the header, then each part's rows.
// The parts must follow each other in time; the output is the one
// WriteResult writes for the whole result.
type longCSVWriter struct {
	out    chunkWriter
	stamps stampCache
	header bool
	prefix []byte
}

// newLongCSVWriter returns a longCSVWriter that writes to w.
func newLongCSVWriter(w io.Writer, o Options) *longCSVWriter {
	o = o.withDefaults()
	return &longCSVWriter{out: chunkWriter{w: w, buf: make([]byte, 0, csvChunk+4<<10)}, stamps: stampCache{loc: o.Loc}}
}

// Write writes the rows of r (the header first, at the first call) and
// returns the first error met writing so far.
func (lw *longCSVWriter) Write(r *query.Result) error {
	// The columns that stay the same along a series are encoded once (by
	// encoding/csv, so quoting is its); a row then only appends the time,
	// the Unix time and the value, which never need quoting, to one buffer
	// written in large pieces.
	if !lw.header {
		var head bytes.Buffer
		cw := csv.NewWriter(&head)
		cw.Write(longCSVHeader)
		cw.Flush()
		lw.out.buf = append(lw.out.buf, head.Bytes()...)
		lw.header = true
	}
	middle := make([][]byte, len(r.Quantities))
	for i, s := range r.Quantities {
		var b bytes.Buffer
		mw := csv.NewWriter(&b)
		// A trailing empty field makes the writer end the record with ","
		// and a newline; keep "view,name,labels,unit," without the newline.
		mw.Write([]string{r.View, s.Name, labelsText(s.Labels), string(s.Unit), ""})
		mw.Flush()
		middle[i] = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	out, prefix := &lw.out, lw.prefix
	eachTime(r.Quantities, func(t int64, at []int) {
		prefix = lw.stamps.append(prefix[:0], t)
		prefix = append(prefix, ',')
		prefix = strconv.AppendInt(prefix, t, 10)
		prefix = append(prefix, ',')
		end := csvPartial(r.Partial(t))
		for i, s := range r.Quantities {
			for ; at[i] < len(s.Points) && s.Points[at[i]].T == t; at[i]++ {
				b := append(append(out.buf, prefix...), middle[i]...)
				if v := s.Points[at[i]].V; !math.IsNaN(v) {
					b = appendValue(b, v)
				}
				out.buf = append(b, end...)
				out.maybeFlush()
			}
		}
	})
	lw.prefix = prefix
	if out.err != nil {
		return fmt.Errorf("csv: %w", out.err)
	}
	return nil
}

// Flush writes what is buffered (the header alone if nothing was written)
// and returns the first error met writing.
func (lw *longCSVWriter) Flush() error {
	if !lw.header {
		lw.Write(&query.Result{})
	}
	return lw.out.close()
}

// csvChunk is how much CSV a writer buffers before writing it.
const csvChunk = 64 << 10

// chunkWriter collects rows in buf and writes them to w in pieces of
// about csvChunk bytes, keeping the first error.
type chunkWriter struct {
	w   io.Writer
	buf []byte
	err error
}

func (c *chunkWriter) maybeFlush() {
	if len(c.buf) >= csvChunk {
		c.flush()
	}
}

func (c *chunkWriter) flush() {
	if c.err == nil && len(c.buf) > 0 {
		_, c.err = c.w.Write(c.buf)
	}
	c.buf = c.buf[:0]
}

func (c *chunkWriter) close() error {
	c.flush()
	if c.err != nil {
		return fmt.Errorf("csv: %w", c.err)
	}
	return nil
}

// stampCache formats Unix times as RFC 3339 in loc, as
// time.Time.AppendFormat(time.RFC3339) does, without a time zone lookup
// and date computation per call: it keeps the date and zone offset of the
// span of time (within one local day and one zone period) that the last
// time it formatted fell in.
type stampCache struct {
	loc        *time.Location
	lo, hi     int64  // the span [lo, hi) the cache holds
	off        int64  // the zone's offset from UTC in seconds, in the span
	date, zone []byte // "2024-05-01T", "+02:00" (or "Z")
}

func (c *stampCache) append(b []byte, t int64) []byte {
	if t < c.lo || t >= c.hi {
		tt := time.Unix(t, 0).In(c.loc)
		_, off := tt.Zone()
		c.off = int64(off)
		local := t + c.off
		midnight := local - ((local%86400)+86400)%86400 - c.off
		c.lo, c.hi = midnight, midnight+86400
		if start, end := tt.ZoneBounds(); !start.IsZero() || !end.IsZero() {
			if !start.IsZero() {
				c.lo = max(c.lo, start.Unix())
			}
			if !end.IsZero() {
				c.hi = min(c.hi, end.Unix())
			}
		}
		c.date = tt.AppendFormat(c.date[:0], "2006-01-02T")
		c.zone = tt.AppendFormat(c.zone[:0], "Z07:00")
		if tt.Year() < 0 || tt.Year() > 9999 {
			// Not four digits: leave the span empty, format each time.
			c.lo, c.hi = 0, 0
			return tt.AppendFormat(b, time.RFC3339)
		}
	}
	sec := ((t+c.off)%86400 + 86400) % 86400
	b = append(b, c.date...)
	b = append(b, byte('0'+sec/36000), byte('0'+sec/3600%10), ':',
		byte('0'+sec%3600/600), byte('0'+sec%3600/60%10), ':',
		byte('0'+sec%60/10), byte('0'+sec%10))
	return append(b, c.zone...)
}

// eachTime calls fn for every distinct timestamp of series in order, with
// at[i] the index of the first point of series i at or after it; fn
// advances at[i] past the points it uses.
func eachTime(series []query.Quantity, fn func(t int64, at []int)) {
	at := make([]int, len(series))
	for {
		t, found := int64(math.MaxInt64), false
		for i, s := range series {
			if at[i] < len(s.Points) && s.Points[at[i]].T < t {
				t, found = s.Points[at[i]].T, true
			}
		}
		if !found {
			return
		}
		fn(t, at)
		// Skip what fn left (points out of time order).
		for i, s := range series {
			for at[i] < len(s.Points) && s.Points[at[i]].T <= t {
				at[i]++
			}
		}
	}
}

// writeWideCSV writes a row per timestamp and a column per series.
func writeWideCSV(w io.Writer, r *query.Result, o Options) error {
	ww := newWideCSVWriter(w, r, o)
	ww.Write(r)
	return ww.Flush()
}

// wideCSVWriter writes a result given in parts, such as the days of
// query.StreamColumns, as the wide CSV layout: the header, a column per
// quantity of the whole result, then each part's rows. The parts must
// follow each other in time and hold only columns of the header, in its
// order; the output is the one WriteResult writes for the whole result.
type wideCSVWriter struct {
	out    chunkWriter
	stamps stampCache
	cols   []query.Quantity // the header's columns, without points
	of     []int            // per column: the index of its quantity in the part written, or -1
}

// newWideCSVWriter returns a wideCSVWriter that writes to w, with a
// column per quantity of cols (their points are not used).
func newWideCSVWriter(w io.Writer, cols *query.Result, o Options) *wideCSVWriter {
	o = o.withDefaults()
	// The header goes through encoding/csv (quoting); rows hold times and
	// numbers only, which never need quoting.
	var head bytes.Buffer
	cw := csv.NewWriter(&head)
	sp := splitLabels(cols.Quantities)
	header := []string{"time", "unix", "partial"}
	ww := &wideCSVWriter{stamps: stampCache{loc: o.Loc}, of: make([]int, len(cols.Quantities))}
	for _, s := range cols.Quantities {
		header = append(header, wideColumn(s, sp))
		ww.cols = append(ww.cols, query.Quantity{Name: s.Name, Labels: s.Labels, Unit: s.Unit})
	}
	cw.Write(header)
	cw.Flush()
	ww.out = chunkWriter{w: w, buf: append(make([]byte, 0, csvChunk+4<<10), head.Bytes()...)}
	return ww
}

// Write writes the rows of r and returns the first error met writing so
// far, or an error naming a quantity of r that is not a column.
func (ww *wideCSVWriter) Write(r *query.Result) error {
	for k := range ww.of {
		ww.of[k] = -1
	}
	k := 0
	for i, s := range r.Quantities {
		for k < len(ww.cols) && !sameQuantity(ww.cols[k], s) {
			k++
		}
		if k == len(ww.cols) {
			return fmt.Errorf("csv: %s%s is not a column of the header, or out of its order", s.Name, labelsText(s.Labels))
		}
		ww.of[k] = i
		k++
	}
	out := &ww.out
	eachTime(r.Quantities, func(t int64, at []int) {
		b := ww.stamps.append(out.buf, t)
		b = append(b, ',')
		b = strconv.AppendInt(b, t, 10)
		p := csvPartial(r.Partial(t))
		b = append(b, p[:len(p)-1]...)
		for _, i := range ww.of {
			b = append(b, ',')
			if i < 0 {
				continue
			}
			if s := r.Quantities[i]; at[i] < len(s.Points) && s.Points[at[i]].T == t {
				if v := s.Points[at[i]].V; !math.IsNaN(v) {
					b = appendValue(b, v)
				}
				at[i]++
			}
		}
		out.buf = append(b, '\n')
		out.maybeFlush()
	})
	if out.err != nil {
		return fmt.Errorf("csv: %w", out.err)
	}
	return nil
}

// Flush writes what is buffered and returns the first error met writing.
func (ww *wideCSVWriter) Flush() error { return ww.out.close() }

// sameQuantity reports whether a and b are the same quantity (name,
// labels, unit).
func sameQuantity(a, b query.Quantity) bool {
	return a.Name == b.Name && a.Unit == b.Unit && slices.Equal(a.Labels, b.Labels)
}

// wideColumn names the column of s: name{labels} (unit), with only the
// labels that tell the result's series apart.
func wideColumn(s query.Quantity, sp labelSplit) string {
	col := s.Name
	var ls []string
	for _, n := range sp.varying {
		if v := tsdb.LabelValue(s.Labels, n); v != "" {
			ls = append(ls, n, v)
		}
	}
	if len(ls) > 0 {
		col += "{" + labelsText(pairs(ls)) + "}"
	}
	if s.Unit != query.None {
		col += " (" + string(s.Unit) + ")"
	}
	return col
}

// writeSummaryCSV writes, per summary, a "stat" row per series, a "total"
// row per entry of the totals line, a "busiest" row per busy interval
// followed by a "top" row per top consumer of it, and a "gap" row per gap.
func writeSummaryCSV(w io.Writer, ss []*query.Summary, o Options) error {
	cw := &csvWriter{w: csv.NewWriter(w)}
	cw.write(summaryCSVHeader)
	tt := func(t time.Time) (string, string) {
		if t.IsZero() {
			return "", ""
		}
		return rfc3339(t, o.Loc), strconv.FormatInt(t.Unix(), 10)
	}
	for _, s := range ss {
		r := &s.Result
		from, fromUnix := tt(r.From)
		to, toUnix := tt(r.To)
		for _, ser := range r.Quantities {
			st := ser.Stats
			rec := []string{r.View, "stat", ser.Name, labelsText(ser.Labels), string(ser.Unit),
				from, fromUnix, to, toUnix, strconv.Itoa(st.Count), "", "", "", "", "", "", ""}
			if st.Count > 0 {
				maxAt, maxAtUnix := tt(st.MaxAt)
				copy(rec[10:], []string{csvValue(st.Avg), csvValue(st.Min), csvValue(st.P95), csvValue(st.Max), maxAt, maxAtUnix})
			}
			cw.write(rec)
		}
		for _, i := range s.Totals {
			q := r.Quantities[i]
			cw.write([]string{r.View, "total", q.Name, labelsText(q.Labels), string(q.Stats.TotalUnit),
				from, fromUnix, to, toUnix, "", "", "", "", "", "", "", csvValue(q.Stats.Total)})
		}
		unit := busiestUnit(s)
		for _, section := range []struct {
			name string
			ivs  []query.Interval
		}{{"busiest", s.Busiest}, {"gap", s.Gaps}} {
			for _, iv := range section.ivs {
				f, fu := tt(iv.From)
				t, tu := tt(iv.To)
				val, u, peak, peakUnix := "", "", "", ""
				if section.name == "busiest" {
					val, u = csvValue(iv.Value), string(unit)
					peak, peakUnix = tt(iv.PeakAt)
				}
				cw.write([]string{r.View, section.name, "", "", u, f, fu, t, tu, "", "", "", "", "", peak, peakUnix, val})
				// Who used the host in the episode, right after it.
				for _, c := range iv.Top {
					cw.write([]string{r.View, "top", c.Comm, labelsText(pairs([]string{"pid", c.PID})), string(query.Percent),
						f, fu, t, tu, "", "", "", "", "", "", "", csvValue(c.Share)})
				}
			}
		}
	}
	return cw.flush()
}
