package openmetrics

import (
	"context"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// WriteStore writes to e every series of s with samples in [from, to), with
// those samples, in the order e needs them (readGroups), reading one group
// of series at a time, and returns how many samples it wrote. A zero from
// is the store's oldest sample, a zero to the second after its newest. It
// does not close e.
func WriteStore(ctx context.Context, e *Encoder, s *tsdb.Store, from, to time.Time) (int, error) {
	from, to, ok, err := storeRange(ctx, s, from, to)
	if err != nil || !ok {
		return 0, err
	}
	list, err := s.SeriesIn(ctx, from, to)
	if err != nil {
		return 0, err
	}
	points := 0
	for _, group := range readGroups(list) {
		inGroup := make(map[string]bool, len(group))
		for _, ser := range group {
			inGroup[ser.Key()] = true
		}
		err := s.Read(ctx, from, to, func(ser tsdb.Series) bool { return inGroup[ser.Key()] },
			func(ser tsdb.Series, pts []tsdb.Point) error {
				points += len(pts)
				return e.Series(ser, pts)
			})
		if err != nil {
			return points, err
		}
	}
	return points, nil
}

// storeRange fills in the zero ends of [from, to) from the bounds of s, and
// reports whether the range holds any time.
func storeRange(ctx context.Context, s *tsdb.Store, from, to time.Time) (time.Time, time.Time, bool, error) {
	if from.IsZero() || to.IsZero() {
		first, last, ok, err := s.Bounds(ctx)
		if err != nil || !ok {
			return from, to, false, err
		}
		if from.IsZero() {
			from = first
		}
		if to.IsZero() {
			to = last.Add(time.Second)
		}
	}
	return from, to, from.Before(to), nil
}
