package query

import (
	"testing"

	"github.com/srvmon/srvmon/tsdb/metric"
)

// TestViewsCatalog checks that every metric a view reads is in the metric
// catalog, and that rate columns read counters and level columns do not.
func TestViewsCatalog(t *testing.T) {
	views := []*view{perCPUView()}
	for _, v := range allViews() {
		views = append(views, v)
	}
	for _, v := range views {
		// Optional terms name node_exporter's counters that srvmon's
		// collectors may not record (yet, or on this kernel); the
		// views count them as zero where they are missing.
		optional := map[string]bool{}
		for _, c := range v.columns {
			for _, tm := range append(append([]term(nil), c.num...), c.den...) {
				optional[tm.metric] = tm.optional
			}
		}
		for _, name := range v.metrics {
			if _, ok := metric.Lookup(name); !ok && !optional[name] {
				t.Errorf("view %s: metric %s is not in the catalog", v.name, name)
			}
		}
		for _, c := range v.columns {
			for _, tm := range append(append([]term(nil), c.num...), c.den...) {
				d, ok := metric.Lookup(tm.metric)
				switch {
				case !ok && tm.optional:
					t.Logf("view %s column %s: optional %s is not in the catalog: it counts as 0", v.name, c.name, tm.metric)
				case !ok:
					t.Errorf("view %s column %s: metric %s is not in the catalog", v.name, c.name, tm.metric)
				case c.kind == rate && d.Kind != metric.Counter:
					t.Errorf("view %s column %s: rate of %s, a %v", v.name, c.name, tm.metric, d.Kind)
				case c.kind == level && d.Kind == metric.Counter:
					t.Errorf("view %s column %s: level of the counter %s", v.name, c.name, tm.metric)
				}
			}
		}
	}
}
