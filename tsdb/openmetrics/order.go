package openmetrics

import (
	"slices"

	"github.com/srvmon/srvmon/tsdb"
)

// readGroups puts series (as Store.SeriesIn lists them, in Key order) in
// the order the encoder wants them, FamilyOrder, and splits that
// order into runs that are each in Key order: one Store.Read per run then
// returns every series in FamilyOrder. Key order differs from FamilyOrder
// where a metric name is a prefix of another (node_load1{...} comes after
// node_load15{...} by Key), so there are a few runs, not one.
func readGroups(list []tsdb.Series) [][]tsdb.Series {
	if len(list) == 0 {
		return nil
	}
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, FamilyOrder)
	var groups [][]tsdb.Series
	var cur []tsdb.Series
	prev := ""
	for i, s := range sorted {
		key := s.Key()
		if i > 0 && key <= prev {
			groups = append(groups, cur)
			cur = nil
		}
		cur = append(cur, s)
		prev = key
	}
	return append(groups, cur)
}
