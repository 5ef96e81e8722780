package openmetrics_test

import (
	"slices"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

func TestReadGroups(t *testing.T) {
	t.Parallel()
	// Key order puts foo_bar between foo and foo{a}.
	list := []tsdb.Series{
		tsdb.NewSeries("foo"),
		tsdb.NewSeries("foo_bar", "a", "1"),
		tsdb.NewSeries("foo", "a", "1"),
		tsdb.NewSeries("zz_total", "a", "1"),
		tsdb.NewSeries("zz_total", "a", "2"),
	}
	var got [][]string
	for _, g := range openmetrics.ReadGroups(list) {
		var keys []string
		for _, s := range g {
			keys = append(keys, s.Key())
		}
		got = append(got, keys)
	}
	want := [][]string{
		{`foo`, `foo{a="1"}`},
		{`foo_bar{a="1"}`, `zz_total{a="1"}`, `zz_total{a="2"}`},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ReadGroups = %q, want %q", got, want)
	}
	if g := openmetrics.ReadGroups(list[3:]); len(g) != 1 {
		t.Errorf("ReadGroups of series already in family order = %d groups, want 1", len(g))
	}
	load := openmetrics.ReadGroups([]tsdb.Series{tsdb.NewSeries("node_load15", "i", "a"), tsdb.NewSeries("node_load1", "i", "a")})
	if len(load) != 2 || load[0][0].Metric != "node_load1" || load[1][0].Metric != "node_load15" {
		t.Errorf("openmetrics.ReadGroups(node_load15, node_load1) = %v, want [[node_load1] [node_load15]]", load)
	}
}
