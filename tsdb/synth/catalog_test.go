package synth

import (
	"testing"

	"github.com/srvmon/srvmon/tsdb/metric"
)

// TestCatalog checks that every metric the generator produces is in the
// metric catalog, and that what it grows as a counter is a counter there.
func TestCatalog(t *testing.T) {
	g := New(DefaultHost(), 1)
	for _, m := range g.models {
		d, ok := metric.Lookup(m.ser.Metric)
		if !ok {
			t.Errorf("%s: not in the metric catalog", m.ser)
			continue
		}
		if m.kind == counter && d.Kind != metric.Counter {
			t.Errorf("%s: grown as a counter, a %v in the catalog", m.ser, d.Kind)
		}
	}
}
