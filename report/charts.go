package report

import (
	"slices"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// ChartCol is one quantity of a view in a chart, drawn under the name As.
type ChartCol struct{ Name, As string }

// ChartSpec is one chart: quantities of one view drawn together.
type ChartSpec struct {
	ID    string
	Title string // the chart's title, with the unit added by the renderer
	Cols  []ChartCol
	// Stacked draws the quantities as stacked areas, except those named
	// (As) in Lines, drawn over them.
	Stacked bool
	Lines   []string
}

func col(name, as string) ChartCol { return ChartCol{name, as} }

// viewCharts are the charts of each view that serve's overview and the
// html report draw: one per view (disks two), CPU stacked by mode.
var viewCharts = map[string][]ChartSpec{
	"cpu": {{ID: "cpu", Title: "CPU time", Cols: []ChartCol{col("user", "user"), col("nice", "nice"), col("system", "system"),
		col("iowait", "iowait"), col("irq", "irq"), col("softirq", "softirq"), col("steal", "steal"), col("busy", "busy")},
		Stacked: true, Lines: []string{"busy"}}},
	"load": {{ID: "load", Title: "Load average", Cols: []ChartCol{col("load1", "1 min"), col("load5", "5 min"), col("load15", "15 min")}}},
	"mem": {{ID: "mem", Title: "Memory", Cols: []ChartCol{col("used", "used"), col("cached", "cached"), col("buffers", "buffers"),
		col("free", "free"), col("available", "available")}}},
	"disk": {{ID: "disk-util", Title: "Disk utilization", Cols: []ChartCol{col("util", "util")}},
		{ID: "disk-bytes", Title: "Disk throughput", Cols: []ChartCol{col("rbytes/s", "read"), col("wbytes/s", "write")}}},
	"net": {{ID: "net-bytes", Title: "Network throughput", Cols: []ChartCol{col("rxbytes/s", "in"), col("txbytes/s", "out")}}},
	"fs":  {{ID: "fs-used", Title: "Filesystem space used", Cols: []ChartCol{col("%used", "used")}}},
	"pressure": {{ID: "pressure", Title: "Time stalled", Cols: []ChartCol{col("%scpu", "cpu some"), col("%sio", "io some"),
		col("%fio", "io full"), col("%smem", "memory some"), col("%fmem", "memory full")}}},
	"tcp": {{ID: "tcp-opens", Title: "TCP connections", Cols: []ChartCol{col("active/s", "opened"), col("passive/s", "accepted"), col("atmptf/s", "failed")}},
		{ID: "tcp-errors", Title: "TCP trouble", Cols: []ChartCol{col("retrans/s", "retransmits"), col("estres/s", "resets"), col("lsndrop/s", "listen drops")}}},
	"sock": {{ID: "sock", Title: "Sockets in use", Cols: []ChartCol{col("totsck", "all"), col("tcpsck", "tcp"), col("udpsck", "udp"), col("tcp-tw", "tcp time-wait")}}},
}

// ViewCharts returns the charts drawn for r's view: those of viewCharts
// (all of them when r has no quantities, as for a page's layout), or, for
// another view, raw series or a result none of whose quantities those
// charts draw, a chart per unit with the quantities of that unit, in r's
// order.
func ViewCharts(r *query.Result) []ChartSpec {
	if cs, ok := viewCharts[r.View]; ok && (len(r.Quantities) == 0 || drawsAny(cs, r)) {
		return slices.Clone(cs)
	}
	return byUnit(r, nil)
}

// byUnit returns a chart per unit of the quantities of r that none of
// the drawn charts has, in r's order.
func byUnit(r *query.Result, drawn []ChartSpec) []ChartSpec {
	var out []ChartSpec
	byUnit := map[query.Unit]int{}
	for _, q := range quantities(r) {
		if drawsQuantity(drawn, q) {
			continue
		}
		u := r.Quantities[seriesOf(r, q)[0]].Unit
		i, ok := byUnit[u]
		if !ok {
			i = len(out)
			byUnit[u] = i
			out = append(out, ChartSpec{ID: r.View + "-" + string(u), Title: r.View}) // the renderer adds the unit
		}
		out[i].Cols = append(out[i].Cols, col(q, q))
	}
	return out
}

// drawsAny reports whether one of the charts draws a quantity of r.
func drawsAny(charts []ChartSpec, r *query.Result) bool {
	for _, q := range quantities(r) {
		if drawsQuantity(charts, q) {
			return true
		}
	}
	return false
}

// drawsQuantity reports whether one of the charts draws quantity q.
func drawsQuantity(charts []ChartSpec, q string) bool {
	for _, cs := range charts {
		for _, c := range cs.Cols {
			if c.Name == q {
				return true
			}
		}
	}
	return false
}

// Options returns the ChartOptions of cs at a size and zone.
func (cs ChartSpec) Options(width, height int, loc *time.Location) ChartOptions {
	return ChartOptions{Width: width, Height: height, Loc: loc, Stacked: cs.Stacked, Lines: cs.Lines}
}

// Result picks the quantities of the chart out of a view's result and
// names them all after the chart, so that it is drawn as one quantity:
// grouped by device, each quantity told apart by a "series" label when
// there are several.
func (cs ChartSpec) Result(res *query.Result) *query.Result {
	out := &query.Result{View: res.View, From: res.From, To: res.To, Step: res.Step, Agg: res.Agg}
	var groups []string
	byGroup := map[string][]query.Quantity{}
	for _, cl := range cs.Cols {
		for _, ser := range res.Quantities {
			if ser.Name != cl.Name {
				continue
			}
			key := tsdb.Series{Metric: "x", Labels: ser.Labels}.Key()
			if _, ok := byGroup[key]; !ok {
				groups = append(groups, key)
			}
			ns := ser
			ns.Name = cs.Title
			if len(cs.Cols) > 1 {
				ns.Labels = append(slices.Clone(ser.Labels), tsdb.Label{Name: "series", Value: cl.As})
				slices.SortFunc(ns.Labels, func(a, b tsdb.Label) int { return strings.Compare(a.Name, b.Name) })
			}
			byGroup[key] = append(byGroup[key], ns)
		}
	}
	for _, g := range groups {
		out.Quantities = append(out.Quantities, byGroup[g]...)
	}
	return out
}
