package query

import (
	"testing"

	"github.com/srvmon/srvmon/tsdb"
)

// TestResult_Partial: only the first and last buckets' labels are partial,
// and only when PartialFirst or PartialLast say so; never for a result
// without points.
func TestResult_Partial(t *testing.T) {
	pts := []tsdb.Point{{T: 60}, {T: 120}, {T: 180}}
	for _, c := range []struct{ first, last bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		r := &Result{PartialFirst: c.first, PartialLast: c.last, Quantities: []Quantity{{Points: pts}, {Points: pts}}}
		for _, tc := range []struct {
			t    int64
			want bool
		}{{60, c.first}, {120, false}, {180, c.last}, {0, false}, {240, false}} {
			if got := r.Partial(tc.t); got != tc.want {
				t.Errorf("%+v: Partial(%d) = %v, want %v", c, tc.t, got, tc.want)
			}
		}
		empty := &Result{PartialFirst: c.first, PartialLast: c.last, Quantities: []Quantity{{}}}
		if empty.Partial(0) || (&Result{PartialFirst: true}).Partial(0) {
			t.Errorf("%+v: a result without points has a partial bucket", c)
		}
	}
}
