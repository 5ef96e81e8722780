package check

import (
	"context"
	"math"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// This file is the only one that reads query's Result: the points of a
// view's column at raw resolution, and the exact average over a window
// that query computes.

// quantity is one series of a view's column.
type quantity struct {
	labels []tsdb.Label
	points []tsdb.Point // labelled with the end of their interval (rates) or the sample time (levels)
}

// points returns the quantities of view.column over [from, to) at raw
// resolution.
func points(ctx context.Context, s *tsdb.Store, view, column string, o query.Options) ([]quantity, error) {
	res, err := query.Run(ctx, s, view, o)
	if err != nil {
		return nil, err
	}
	var out []quantity
	for _, q := range res.Quantities {
		if q.Name == column {
			out = append(out, quantity{labels: q.Labels, points: q.Points})
		}
	}
	return out, nil
}

// averages returns the exact average of view.column over [from, to) for
// each series, by the key of its labels: a rate's increase over the time it
// took, a level's mean, as query computes them.
func averages(ctx context.Context, s *tsdb.Store, view, column string, o query.Options) (map[string]float64, error) {
	res, err := query.Run(ctx, s, view, o)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, q := range res.Quantities {
		if q.Name == column {
			out[labelKey(q.Labels)] = q.Stats.Avg
		}
	}
	return out, nil
}

// sampleTimes returns the times of the sample sets in [from, to): those of
// the boot series every sample set holds.
func sampleTimes(ctx context.Context, s *tsdb.Store, from, to time.Time) ([]int64, error) {
	res, err := query.Run(ctx, s, "srvmon_boot_info", query.Options{From: from, To: to})
	if err != nil {
		return nil, err
	}
	var ts []int64
	for _, q := range res.Quantities {
		for _, p := range q.Points {
			if !math.IsNaN(p.V) {
				ts = append(ts, p.T)
			}
		}
	}
	return ts, nil
}
