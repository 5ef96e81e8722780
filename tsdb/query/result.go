// Package query turns what the store holds into what a sysadmin asks for:
// views named like sar's groups (cpu, mem, disk, net, ...) computed from raw
// counters over the exact interval between two samples, raw series chosen by
// label matchers, time ranges, downsampling and the statistics of a report.
// It computes; package report renders.
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
	Count          Unit = "count" // processes, inodes, load average
	None           Unit = ""      // raw series of unknown unit
)

// Series is one quantity of one thing over time, such as the "util" of disk
// sda or the "user" CPU share of all CPUs.
type Series struct {
	Name   string       `json:"name"`   // quantity: "user", "r/s", "util"; for raw selectors the metric name
	Labels []tsdb.Label `json:"labels"` // what it is about (device, mountpoint, cpu, instance, ...), sorted by name
	Unit   Unit         `json:"unit"`
	// Points are in time order. V is NaN where there is no value: a gap in
	// recording, a reboot, a counter reset. Renderers show NaN as a gap.
	Points []tsdb.Point `json:"points"`
}

// Result is the answer to one query.
type Result struct {
	View string    `json:"view"` // "cpu", "disk", ... or "raw"
	From time.Time `json:"from"` // the range asked, [From, To)
	To   time.Time `json:"to"`
	// Step is the bucket width when downsampled (points are at bucket
	// starts), 0 at raw resolution (points at sample times).
	Step   time.Duration `json:"step"`
	Agg    string        `json:"agg,omitempty"` // avg|min|max|last|p95 when Step > 0
	Series []Series      `json:"series"`        // the view's column order, then by labels
}

// Stat is the statistics of one series of a Result over its range, for
// srvmon report.
type Stat struct {
	Series int       `json:"series"` // index into Result.Series
	Count  int       `json:"count"`  // points with a value
	Avg    float64   `json:"avg"`    // for rates: the exact average over the covered time
	Min    float64   `json:"min"`
	P95    float64   `json:"p95"`
	Max    float64   `json:"max"`
	MaxAt  time.Time `json:"max_at"` // when Max was reached (start of that interval)
}

// Interval is a span of time, such as one of the busiest intervals or a gap.
type Interval struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Value float64   `json:"value,omitempty"` // what made it busy (e.g. total CPU %), if anything
	Unit  Unit      `json:"unit,omitempty"`  // the unit of Value
}

// Summary is what srvmon report shows for one view over a period.
type Summary struct {
	Result    Result     `json:"result"`
	Stats     []Stat     `json:"stats"`
	Busiest   []Interval `json:"busiest"`              // the busiest intervals of the period, busiest first
	BusiestBy string     `json:"busiest_by,omitempty"` // what Busiest ranks by, such as "100-idle" (CPU busy %)
	Gaps      []Interval `json:"gaps"`                 // missed recording runs (periods longer than a few intervals without samples)
}
