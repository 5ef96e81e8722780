package openmetrics

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

var (
	// ErrInvalidSeries is wrapped by the errors Encoder.Series returns for a
	// series or points it cannot write as valid OpenMetrics. Nothing was
	// written and the Encoder can still be used.
	ErrInvalidSeries = errors.New("invalid series")

	// ErrOrder is wrapped by the errors Encoder.Series returns when a series
	// comes in an order the Encoder cannot write. Nothing was written and the
	// Encoder can still be used.
	ErrOrder = errors.New("series out of order")

	// ErrClosed is returned by Encoder.Series after Close.
	ErrClosed = errors.New("encoder closed")
)

// Kind is the OpenMetrics type of a stored metric: metric.Type, so that
// what metric.TypeOf says is what the Encoder writes.
type Kind = metric.Type

// The kinds a metric can have.
const (
	Unknown = metric.Untyped     // no type known; written without a # TYPE line
	Counter = metric.CounterType // a monotonic counter; its name should end in "_total"
	Gauge   = metric.GaugeType   // a value that goes up and down
	Info    = metric.InfoType    // a constant 1 whose labels carry information; its name should end in "_info"
)

// FamilyOrder compares two series in the order Encoder.Series accepts
// without ever returning ErrOrder: by metric name, then by labels (name,
// then value, label by label; a series with fewer labels first when one
// label list is a prefix of the other). It returns -1, 0 or +1 and is 0 only
// for equal series. Sorting by Series.Key is not enough: Key order puts
// foo_bar{...} between foo and foo{...}.
func FamilyOrder(a, b tsdb.Series) int {
	if c := strings.Compare(a.Metric, b.Metric); c != 0 {
		return c
	}
	for i := 0; i < len(a.Labels) && i < len(b.Labels); i++ {
		if c := strings.Compare(a.Labels[i].Name, b.Labels[i].Name); c != 0 {
			return c
		}
		if c := strings.Compare(a.Labels[i].Value, b.Labels[i].Value); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.Labels), len(b.Labels))
}

// SortSeries sorts ss by FamilyOrder.
func SortSeries(ss []tsdb.Series) { slices.SortFunc(ss, FamilyOrder) }

// Encoder writes series as OpenMetrics text. Its memory use does not grow
// with the number of points: it keeps the names of the families written so
// far and the keys of the series of the current metric.
type Encoder struct {
	w      *bufio.Writer
	kindOf func(metric string) (Kind, string)
	err    error // first write error; every later call returns it
	closed bool

	families map[string]struct{} // family names written
	samples  map[string]struct{} // sample names the written families may have
	metrics  map[string]struct{} // metrics finished (another metric came after them)

	metric  string              // metric of the current family; "" before the first
	typ     Kind                // type written for it
	seen    map[string]struct{} // keys of the series written for metric
	prev    tsdb.Series         // the last series written (own copy)
	prevKey string
	lastT   int64   // last timestamp written for prev
	lastV   float64 // and its value
	prefix  []byte  // prev's sample line up to the value: `name{labels} `
}

// NewEncoder returns an Encoder that writes to w through its own buffer.
// kindOf tells the kind and the help text of a metric; it is called once per
// metric, and a nil kindOf makes every metric Unknown without help. Close
// must be called to end the output.
func NewEncoder(w io.Writer, kindOf func(metric string) (Kind, string)) *Encoder {
	if kindOf == nil {
		kindOf = func(string) (Kind, string) { return Unknown, "" }
	}
	return &Encoder{
		w:        bufio.NewWriterSize(w, 64<<10),
		kindOf:   kindOf,
		families: map[string]struct{}{},
		samples:  map[string]struct{}{},
		metrics:  map[string]struct{}{},
		seen:     map[string]struct{}{},
	}
}

// Series writes the points of s, which must be in increasing time order. A
// point with the same time and value as the point before it is skipped; the
// same time with another value is an error.
//
// The calls must be grouped by metric name: once another metric has been
// written, a metric cannot come back. Within a metric, the points of one
// series must come in one call or in consecutive calls (a long series may
// be written in chunks). Series sorted by FamilyOrder meet both rules, and
// that order also lets the Encoder resolve every family name clash (a gauge
// foo next to a counter foo_total, a gauge foo_created next to a counter
// foo_total): the counter or info family that would clash is written with
// type "unknown". In any other order such a clash is an error wrapping
// ErrOrder.
//
// Series returns an error wrapping ErrInvalidSeries for a series that is not
// valid OpenMetrics (bad names, labels not sorted or repeated, empty or
// non-UTF-8 label values, label names starting with "__"), for points out of
// time order and for an Info value other than 1, and one wrapping ErrOrder
// for a call out of order. After those errors nothing was written and the
// Encoder can still be used. After a write error every call returns it.
func (e *Encoder) Series(s tsdb.Series, pts []tsdb.Point) error {
	if e.closed {
		return ErrClosed
	}
	if e.err != nil {
		return e.err
	}
	if err := checkSeries(s); err != nil {
		return fmt.Errorf("series %s: %w", s.Key(), err)
	}
	newFamily := s.Metric != e.metric
	if newFamily {
		if _, done := e.metrics[s.Metric]; done {
			return fmt.Errorf("series %s: %w: metric %s came back after other metrics (sort series with FamilyOrder)", s.Key(), ErrOrder, s.Metric)
		}
	}
	same := !newFamily && FamilyOrder(s, e.prev) == 0
	key := ""
	if !same {
		key = s.Key()
		if _, dup := e.seen[key]; dup && !newFamily {
			return fmt.Errorf("series %s: %w: its points must come in consecutive calls", key, ErrOrder)
		}
	}

	typ, family, help := e.typ, "", ""
	if newFamily {
		kind, h := e.kindOf(s.Metric)
		var err error
		if family, typ, err = e.family(s.Metric, kind); err != nil {
			return fmt.Errorf("series %s: %w", s.Key(), err)
		}
		help = h
	}

	// Check every point before writing any.
	if n, err := e.newPoints(s, pts, typ, same); n == 0 || err != nil {
		return err
	}

	if newFamily {
		if e.startFamily(s.Metric, family, typ, help); e.err != nil {
			return e.err
		}
	}
	if !same {
		e.seen[key] = struct{}{}
		e.prev = tsdb.Series{Metric: s.Metric, Labels: slices.Clone(s.Labels)}
		e.prevKey = key
		e.prefix = appendSeries(e.prefix[:0], s)
		e.prefix = append(e.prefix, ' ')
	}
	return e.writePoints(pts, same)
}

// newPoints checks pts of series s, written with type typ, and returns how
// many of them are new: not a repeat of the point before (the last one
// written when same says the series continues). An error wraps
// ErrInvalidSeries.
func (e *Encoder) newPoints(s tsdb.Series, pts []tsdb.Point, typ Kind, same bool) (int, error) {
	n := 0
	lastT, lastV, hasLast := e.lastT, e.lastV, same
	for _, p := range pts {
		if hasLast && p.T <= lastT {
			if p.T == lastT && sameValue(p.V, lastV) {
				continue
			}
			if p.T == lastT {
				return 0, fmt.Errorf("series %s: %w: two values at time %d (%v and %v)", s.Key(), ErrInvalidSeries, p.T, lastV, p.V)
			}
			return 0, fmt.Errorf("series %s: %w: time %d comes after %d (points must be in time order)", s.Key(), ErrInvalidSeries, p.T, lastT)
		}
		if typ == Info && p.V != 1 {
			return 0, fmt.Errorf("series %s: %w: an info metric's value must be 1, not %v at time %d (declare it a gauge)", s.Key(), ErrInvalidSeries, p.V, p.T)
		}
		lastT, lastV, hasLast = p.T, p.V, true
		n++
	}
	return n, nil
}

// writePoints writes the sample lines of pts with the current series'
// prefix, leaving out repeats of the point before (the last one written
// when same says the series continues).
func (e *Encoder) writePoints(pts []tsdb.Point, same bool) error {
	lastT, lastV, hasLast := e.lastT, e.lastV, same
	for _, p := range pts {
		if hasLast && p.T == lastT && sameValue(p.V, lastV) {
			continue
		}
		b := e.w.AvailableBuffer()
		b = append(b, e.prefix...)
		b = appendValue(b, p.V)
		b = append(b, ' ')
		b = strconv.AppendInt(b, p.T, 10)
		b = append(b, '\n')
		if _, err := e.w.Write(b); err != nil {
			e.err = fmt.Errorf("write: %w", err)
			return e.err
		}
		lastT, lastV, hasLast = p.T, p.V, true
	}
	e.lastT, e.lastV = lastT, lastV
	return nil
}

// Close writes "# EOF" and flushes the Encoder's buffer. It does not close
// the underlying writer. Calling it again returns the first call's result.
func (e *Encoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	e.w.WriteString("# EOF\n")
	if err := e.w.Flush(); err != nil {
		e.err = fmt.Errorf("write: %w", err)
	}
	return e.err
}

// family returns the family name and type metric is written with, given its
// kind, or an error if it cannot be written without a clash.
func (e *Encoder) family(metric string, kind Kind) (string, Kind, error) {
	switch kind {
	case Counter:
		if f, ok := strings.CutSuffix(metric, "_total"); ok && tsdb.ValidMetricName(f) && !e.clash(f, metric, f+"_created") {
			return f, Counter, nil
		}
		kind = Unknown
	case Info:
		if f, ok := strings.CutSuffix(metric, "_info"); ok && tsdb.ValidMetricName(f) && !e.clash(f, metric) {
			return f, Info, nil
		}
		kind = Unknown
	case Gauge, Unknown:
	default:
		return "", 0, fmt.Errorf("%w: kind %d of metric %s is not a Kind", ErrInvalidSeries, int(kind), metric)
	}
	if e.clash(metric, metric) {
		return "", 0, fmt.Errorf("%w: family %s clashes with a family written before (sort series with FamilyOrder)", ErrOrder, metric)
	}
	return metric, kind, nil
}

// clash reports whether a family named family with the given sample names
// would clash with a family already written: OpenMetrics requires family
// names to be unique and no two families to have samples of the same name.
func (e *Encoder) clash(family string, samples ...string) bool {
	if _, ok := e.families[family]; ok {
		return true
	}
	for _, s := range samples {
		if _, ok := e.samples[s]; ok {
			return true
		}
	}
	return false
}

// startFamily records the new family and writes its metadata lines.
func (e *Encoder) startFamily(metric, family string, typ Kind, help string) {
	if e.metric != "" {
		e.metrics[e.metric] = struct{}{}
	}
	clear(e.seen)
	e.metric, e.typ = metric, typ
	e.families[family] = struct{}{}
	e.samples[metric] = struct{}{}
	if typ == Counter {
		e.samples[family+"_created"] = struct{}{}
	}
	b := e.w.AvailableBuffer()
	// OpenMetrics reads a family without a TYPE line as unknown, and the
	// Prometheus text format, which "promtool check metrics" reads, has no
	// type "unknown": leaving the line out is what both understand.
	if typ != Unknown {
		b = append(b, "# TYPE "...)
		b = append(b, family...)
		b = append(b, ' ')
		b = append(b, typ.String()...)
		b = append(b, '\n')
	}
	if help != "" {
		b = append(b, "# HELP "...)
		b = append(b, family...)
		b = append(b, ' ')
		b = appendEscaped(b, strings.ToValidUTF8(help, "\uFFFD"), true)
		b = append(b, '\n')
	}
	if _, err := e.w.Write(b); err != nil {
		e.err = fmt.Errorf("write: %w", err)
	}
}

// checkSeries reports why s cannot be written, if it cannot.
func checkSeries(s tsdb.Series) error {
	if !tsdb.ValidMetricName(s.Metric) {
		return fmt.Errorf("%w: invalid metric name %q", ErrInvalidSeries, s.Metric)
	}
	for i, l := range s.Labels {
		switch {
		case !tsdb.ValidLabelName(l.Name):
			return fmt.Errorf("%w: invalid label name %q", ErrInvalidSeries, l.Name)
		case strings.HasPrefix(l.Name, "__"):
			return fmt.Errorf("%w: label name %q is reserved", ErrInvalidSeries, l.Name)
		case i > 0 && l.Name <= s.Labels[i-1].Name:
			return fmt.Errorf("%w: labels not sorted by name or repeated (%s after %s)", ErrInvalidSeries, l.Name, s.Labels[i-1].Name)
		case l.Value == "":
			return fmt.Errorf("%w: label %s has an empty value", ErrInvalidSeries, l.Name)
		case !utf8.ValidString(l.Value):
			return fmt.Errorf("%w: label %s has a value that is not UTF-8", ErrInvalidSeries, l.Name)
		}
	}
	return nil
}

// appendSeries appends name{labels} with escaped label values.
func appendSeries(b []byte, s tsdb.Series) []byte {
	b = append(b, s.Metric...)
	if len(s.Labels) == 0 {
		return b
	}
	b = append(b, '{')
	for i, l := range s.Labels {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l.Name...)
		b = append(b, '=', '"')
		b = appendEscaped(b, l.Value, true)
		b = append(b, '"')
	}
	return append(b, '}')
}

// appendEscaped appends s with backslash and line feed escaped, and double
// quote too when quotes: label values and OpenMetrics help texts escape all
// three, help texts of the text format 0.0.4 the first two.
func appendEscaped(b []byte, s string, quotes bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '"' && quotes:
			b = append(b, '\\', '"')
		case c == '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendValue appends v in a form that parses back to the same float64:
// integers below 2^53 as integers, "-0" for negative zero, anything else as
// strconv's shortest 'g' form ("+Inf", "-Inf" and "NaN" included).
func appendValue(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		if v == 0 && math.Signbit(v) {
			return append(b, '-', '0')
		}
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// sameValue reports whether a and b are the same value (NaN equals NaN,
// 0 does not equal -0).
func sameValue(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}
