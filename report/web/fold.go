package web

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// infoMetric carries an interface's operational state in its operstate
// label, as node_exporter's netclass collector records it.
const infoMetric = "node_network_info"

// downStates are the operational states of an interface that is down.
// "unknown" is not one of them: lo and tunnels report it while they work
// (and node_network_up, which is 1 only for "up", is 0 for them).
var downStates = []string{"down", "lowerlayerdown", "notpresent"}

// folding is how a section of the overview splits its devices: those
// shown, and those folded away until a click because they were down at
// the end of the range or idle all of it (every quantity 0 or without
// a value, by query's statistics).
type folding struct {
	label  string          // the device label: "device"
	folded map[string]bool // device -> folded
	names  []string        // the folded devices, in the result's order
	notes  []string        // "ifb0 (down)", "sdb (idle)"
}

// foldDevices decides which devices of res to fold. down holds the
// interfaces that were down at the end of the range.
func foldDevices(res *query.Result, label string, down map[string]bool) folding {
	f := folding{label: label, folded: map[string]bool{}}
	idle := map[string]bool{}
	var order []string
	for _, q := range res.Quantities {
		dev := tsdb.Series{Labels: q.Labels}.Get(label)
		if dev == "" {
			continue
		}
		if _, seen := idle[dev]; !seen {
			idle[dev] = true
			order = append(order, dev)
		}
		if q.Stats.Count > 0 && (q.Stats.Max != 0 || q.Stats.Min != 0) {
			idle[dev] = false
		}
	}
	for _, dev := range order {
		switch {
		case down[dev]:
			f.notes = append(f.notes, dev+" (down)")
		case idle[dev]:
			f.notes = append(f.notes, dev+" (idle)")
		default:
			continue
		}
		f.folded[dev] = true
		f.names = append(f.names, dev)
	}
	// Fold only some: when every device is folded, show them all.
	if len(f.names) == len(order) {
		return folding{label: label}
	}
	return f
}

// split returns the quantities of res of shown devices and of folded ones.
func (f folding) split(res *query.Result) (shown, folded *query.Result) {
	shown, folded = withoutQuantities(res), withoutQuantities(res)
	for _, q := range res.Quantities {
		if f.folded[tsdb.Series{Labels: q.Labels}.Get(f.label)] {
			folded.Quantities = append(folded.Quantities, q)
		} else {
			shown.Quantities = append(shown.Quantities, q)
		}
	}
	return shown, folded
}

// summary is the text of the fold's toggle: "2 idle or down interfaces:
// ifb0 (down), ifb1 (idle)".
func (f folding) summary(noun string) string {
	n := len(f.names)
	if n == 0 {
		return ""
	}
	plural := noun + "s"
	if n == 1 {
		plural = noun
	}
	return strconv.Itoa(n) + " idle or down " + plural + ": " + strings.Join(f.notes, ", ")
}

func withoutQuantities(res *query.Result) *query.Result {
	out := *res
	out.Quantities = nil
	return &out
}

// downInterfaces returns the interfaces whose newest node_network_info
// in the last hour of the range has a down operstate; none when the store has no
// node_network_info.
func (s *Server) downInterfaces(ctx context.Context, req pageRequest) (map[string]bool, error) {
	newest := map[string]int64{}
	down := map[string]bool{}
	// The state at the end of the range: its last hour is enough, and
	// reading no more keeps a 30-day page from reading 30 days of it.
	from := req.to.Add(-time.Hour)
	if from.Before(req.from) {
		from = req.from
	}
	err := s.store.Read(ctx, from, req.to, func(ser tsdb.Series) bool { return ser.Metric == infoMetric },
		func(ser tsdb.Series, pts []tsdb.Point) error {
			if len(pts) == 0 {
				return nil
			}
			dev, t := ser.Get("device"), pts[len(pts)-1].T
			if t >= newest[dev] {
				newest[dev] = t
				down[dev] = slices.Contains(downStates, ser.Get("operstate"))
			}
			return nil
		})
	return down, err
}
