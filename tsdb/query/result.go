// Package query turns what the store holds into what a sysadmin asks for:
// views named like sar's groups (cpu, mem, disk, net, ...) computed from raw
// counters over the exact interval between two samples, raw series chosen by
// label matchers, time ranges, downsampling and the statistics of a report.
// It computes every number a person reads, once; package report renders.
//
// # One definition of an aggregate
//
// Every quantity is a ratio of sums, num/den (times a scale): a rate's num
// is a counter's increase and its den the time it took; await's num is the
// time spent on I/O and its den the I/Os completed; a CPU mode's num its
// CPU seconds and den all modes' CPU seconds; a gauge's num its value and
// den 1 per sample (memory and fs %used: used over total per sample). The
// value over a bucket, the whole range or a report period is Σnum/Σden over
// what it covers, never a mean of per-interval values, so the Average of a
// range is the same at every step and equals the one computed by hand from
// the counters at the range's ends.
//
// # Time: intervals, buckets and labels
//
// A rate belongs to the interval between two consecutive samples, and both
// must lie in the range [From, To): no sample outside the range
// contributes. Every value is labelled with the end of its interval, as sar
// labels its rows: at raw resolution the later sample's time; downsampled,
// the end of its bucket. Buckets are aligned to multiples of the step in
// the time zone of Options.From (so 1h buckets start at whole local hours
// and 1d buckets at local midnight, also across a change to or from
// daylight saving time: such a day's bucket is 23 or 25 hours long) and
// clipped to the range; a bucket
// holds the values whose interval ends in (start, end] (the first one also
// a gauge's sample at From). A bucket cut by From or To is partial
// (Result.PartialFirst, PartialLast).
package query

import (
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// Unit is the unit of a quantity, in base units.
type Unit string

// The units of view quantities. Values are in base units (bytes, seconds),
// never pre-scaled: renderers humanise.
const (
	Percent        Unit = "percent" // 0..100
	BytesPerSecond Unit = "bytes/s"
	PerSecond      Unit = "1/s" // operations, packets, errors, forks... per second
	Bytes          Unit = "bytes"
	Seconds        Unit = "seconds"
	Count          Unit = "count" // processes, inodes, load average, packets
	Celsius        Unit = "celsius"
	None           Unit = "" // raw series of unknown unit
)

// Quantity is one quantity of one thing over time, such as the "util" of
// disk sda or the "user" CPU share of all CPUs, with its statistics over
// the whole range.
type Quantity struct {
	Name   string       // quantity: "user", "r/s", "util"; for raw selectors the metric name
	Labels []tsdb.Label // what it is about (device, mountpoint, cpu, instance, ...), sorted by name
	Unit   Unit
	// Points are in time order, each labelled with the end of its interval
	// or bucket. V is NaN where there is no value: a gap in recording, a
	// reboot, a counter reset. Renderers show NaN as a gap.
	Points []tsdb.Point
	// Stats are the quantity's statistics over the whole range.
	Stats Stats
}

// Stats are the statistics of one Quantity over the range of its Result,
// computed once here so that every renderer shows the same numbers.
type Stats struct {
	// Count is the number of Points with a value.
	Count int
	// Avg is the exact average over the range: the ratio of the sums of
	// everything the range covers (see the package documentation), the
	// same whatever the step or aggregation. NaN when Count is 0.
	Avg float64
	// Total is what the quantity counted over the range: the sum of the
	// counters' increases (bytes, operations, packets; CPU seconds of a
	// mode; a disk's busy seconds), in TotalUnit. NaN for a quantity that
	// counts nothing (a gauge, await, a queue size).
	Total     float64
	TotalUnit Unit
	// Min, P95, Max and Last are over the Points (at raw resolution the
	// values between consecutive samples; downsampled, the bucket values,
	// except that with Agg p95 P95 is over every value in the range).
	// MaxAt is the label (end of interval) of the first point at Max. NaN
	// and zero when Count is 0.
	Min, P95, Max, Last float64
	MaxAt               time.Time
	// Overall is the whole range aggregated as the Points are (Result.Agg:
	// avg → Avg, min → Min, max → Max, last → Last, p95 → P95, sum → Total):
	// what a table's summary row shows.
	Overall float64
}

// Result is the answer to one query.
type Result struct {
	View string    // "cpu", "disk", ... or "raw"
	From time.Time // the range asked, [From, To)
	To   time.Time
	// Step is the bucket width when downsampled, 0 at raw resolution
	// (points at sample times).
	Step time.Duration
	// Agg is how values combine inside a bucket and in Stats.Overall: avg
	// (the default), min, max, last, p95 or sum. With sum, a point at raw
	// resolution is what its interval counted.
	Agg string
	// PartialFirst and PartialLast say that the first or last bucket is
	// cut by From or To (always false at raw resolution).
	PartialFirst, PartialLast bool
	Quantities                []Quantity // the view's column order, then by labels
	// Damage lists the damaged files the store could not read for this
	// result, with the time ranges they held; the points of those ranges
	// may be missing (tsdb.Damage).
	Damage []tsdb.Damage
}

// Partial reports whether the values labelled t are a partial bucket's:
// the first bucket's when PartialFirst, the last one's when PartialLast.
// Every quantity of a downsampled result has a point per bucket, so the
// first and last points are those buckets'. Always false at raw
// resolution. Every renderer marks partial values through it: the table's
// "*", JSON's and NDJSON's "partial", the CSV layouts' partial column.
func (r *Result) Partial(t int64) bool {
	if !r.PartialFirst && !r.PartialLast || len(r.Quantities) == 0 {
		return false
	}
	pts := r.Quantities[0].Points
	if len(pts) == 0 {
		return false
	}
	return r.PartialFirst && t == pts[0].T || r.PartialLast && t == pts[len(pts)-1].T
}

// Interval is a span of time, such as one of the busiest intervals or a gap.
type Interval struct {
	From  time.Time
	To    time.Time
	Value float64 // what made it busy (e.g. total CPU %), if anything: an episode's peak
	Unit  Unit    // the unit of Value
	// PeakAt is when a busy episode peaked: the end of its busiest
	// interval (zero for a gap).
	PeakAt time.Time
	// Top are the processes that used most of a busy episode of the cpu,
	// mem or disk view (by CPU, memory or IO), most first, when the store
	// holds process series for it.
	Top []Consumer
}

// Summary is what srvmon report shows for one view over a period: the
// Result (its Quantities carry their Stats), the busiest intervals and the
// gaps in recording.
type Summary struct {
	Result    Result
	Busiest   []Interval // the busy episodes of the period, busiest first; none when idle
	BusiestBy string     // what Busiest ranks by, such as "100-idle" (CPU busy %)
	// Totals are the quantities of a totals line, indexes into
	// Result.Quantities whose Stats.Total (in Stats.TotalUnit) is what they
	// counted over the period: bytes read and written per disk, received
	// and sent per interface, CPU seconds by mode; for other views every
	// quantity that counts something.
	Totals []int
	Gaps   []Interval // missed recording runs (periods longer than a few intervals without samples)
}
