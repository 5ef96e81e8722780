// Package metric says what a metric srvmon records is: its name, kind
// (counter, gauge, info, delta), unit and help, and the type it is exposed with
// in the Prometheus text format (serve's /metrics) and in OpenMetrics
// (export). It is the one answer to "what type is this metric" for every
// layer: the sampler that produces the metrics, the store, tsdb/query,
// serve, push, export and tsdb/synth.
//
// It lives under tsdb, not under sampler, because the store itself needs
// one of these facts (the boot info series that tells one boot from the
// next, BootInfo) and sampler imports tsdb: a sampler/metric package would
// make the store reach up into the collector tree. It imports nothing of
// srvmon's, so any package can import it.
//
// Adding a collector's metrics is a change in one place: add a block of
// Desc entries for the collector to catalog.go (any order; names must be
// unique). Everything else (the README's catalog table, export's and
// /metrics' types and help, query's units and rates for raw series, serve's
// series list) follows from the entry. Tests check the names against
// Prometheus' naming rules, that the collector exists and produces exactly
// them, and that the README is regenerated
// (go test ./sampler -run ReadmeCatalog -update-readme).
package metric

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// BootInfo is the info series whose boot_id label names the boot a sample
// set belongs to. Every sample set holds it; the store and the query engine
// use it so that no rate spans a reboot.
const BootInfo = "srvmon_boot_info"

// Kind says how a metric's values behave over time.
type Kind int

const (
	// Counter values only grow while the host is up and restart from zero at
	// boot; readers compute rates from them.
	Counter Kind = iota + 1
	// Gauge values are read as they are.
	Gauge
	// Info series always have the value 1; their labels carry the
	// information.
	Info
	// Delta values are the increase of an underlying counter over the
	// interval ending at the sample set, since the previous sample set of
	// the same boot: a reader's rate over one interval is the value divided
	// by the interval's length, and over a range the sum of the values
	// divided by the time the intervals cover. A series that is absent from
	// a sample set says nothing about that interval (the per-process series
	// exist only while their process is among the top ones). They are
	// exposed as gauges, with a help text that says what the value is.
	Delta
)

// String returns "counter", "gauge" or "info".
func (k Kind) String() string {
	switch k {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Info:
		return "info"
	case Delta:
		return "delta"
	}
	return "unknown"
}

// Desc describes one metric name srvmon can produce.
type Desc struct {
	Name      string
	Kind      Kind
	Unit      string // base unit: "seconds", "bytes", ... (BaseUnits), or "" for counts and ratios
	Help      string // one sentence, as in a Prometheus # HELP line
	Collector string // the collector producing it; "" for the sampler's own metrics
}

// BaseUnits are the units a Desc may have besides "" (counts and ratios):
// Prometheus' base units, each of which must appear in the metric's name.
var BaseUnits = []string{"seconds", "bytes", "hertz", "celsius", "volts", "amperes", "joules", "watts"}

// sorted is the catalog sorted by name, built on first use so that a
// process that never looks a metric up (record) pays nothing for it.
var sorted = sync.OnceValue(func() []Desc {
	s := slices.Clone(catalog)
	slices.SortFunc(s, func(a, b Desc) int { return strings.Compare(a.Name, b.Name) })
	return s
})

// Catalog returns every metric srvmon can produce, sorted by name. The
// caller may modify the returned slice.
func Catalog() []Desc {
	return slices.Clone(sorted())
}

// Lookup returns the catalog entry of the metric name.
func Lookup(name string) (Desc, bool) {
	s := sorted()
	i, ok := slices.BinarySearchFunc(s, name, func(d Desc, name string) int { return strings.Compare(d.Name, name) })
	if !ok {
		return Desc{}, false
	}
	return s[i], true
}

// DeltaHelp ends the exposed help text of every Delta metric.
const DeltaHelp = " Delta: the increase over the interval since the previous sample set (divide by the interval for a rate; sum over a range); not a counter."

// Type is the type a metric is exposed with. Its zero value is Untyped.
type Type int

// The exposition types.
const (
	Untyped     Type = iota // no type known: "untyped" in the text format, "unknown" in OpenMetrics
	CounterType             // a monotonic counter whose name ends in "_total"
	GaugeType               // a value that goes up and down
	InfoType                // a constant 1 whose name ends in "_info"; a gauge in the text format
)

// String returns the OpenMetrics name of the type: "unknown", "counter",
// "gauge" or "info".
func (t Type) String() string {
	switch t {
	case Untyped:
		return "unknown"
	case CounterType:
		return "counter"
	case GaugeType:
		return "gauge"
	case InfoType:
		return "info"
	}
	return "Kind(" + strconv.Itoa(int(t)) + ")"
}

// TypeOf returns the type and help text name is exposed with, the same for
// serve's /metrics and export. A catalog counter is a counter when its name
// ends in _total and untyped otherwise (the raw /proc/vmstat fields, which
// node_exporter exposes untyped under these names); gauges are gauges, and
// so are info series, as node_exporter exposes its own: the Prometheus text
// format, which "promtool check metrics" reads, has no info type. Deltas
// are gauges too (neither format has a type for an increase over an
// interval) and their help ends with DeltaHelp, which says what the value
// is. A name the catalog does not know (imported from elsewhere) is a
// counter when it ends in _total, else untyped, and has no help.
func TypeOf(name string) (Type, string) {
	d, ok := Lookup(name)
	if !ok {
		if strings.HasSuffix(name, "_total") {
			return CounterType, ""
		}
		return Untyped, ""
	}
	switch {
	case d.Kind == Counter && strings.HasSuffix(name, "_total"):
		return CounterType, d.Help
	case d.Kind == Gauge || d.Kind == Info:
		return GaugeType, d.Help
	case d.Kind == Delta:
		return GaugeType, d.Help + DeltaHelp
	}
	return Untyped, d.Help
}
