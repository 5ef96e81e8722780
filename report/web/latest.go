package web

import (
	"context"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// snapshot is the newest sample of every current series.
type snapshot struct {
	newest  time.Time // time of the newest sample; zero if the store is empty
	samples []latestSample
}

type latestSample struct {
	series tsdb.Series
	point  tsdb.Point
}

// lookBack are the windows before now searched for the newest samples, in
// order: the last hour holds them while recording runs; two days finds them
// after a pause without reading more than the head logs of three days.
var lookBack = []time.Duration{time.Hour, 48 * time.Hour}

// latest returns the newest sample of every series that was recorded in
// the window o.Stale before the newest sample of all (series that stopped,
// such as an unplugged disk, drop out, as they would from node_exporter).
// It reads at most a few days: the windows of lookBack, then the last
// recorded hour of the store when recording stopped more than two days
// ago.
func (s *Server) latest(ctx context.Context) (snapshot, error) {
	now := s.o.Now()
	// Tolerate a store clock a little ahead of ours.
	to := now.Add(time.Hour)
	for _, back := range lookBack {
		snap, err := s.latestIn(ctx, now.Add(-back), to)
		if err != nil || !snap.newest.IsZero() {
			return snap, err
		}
	}
	_, last, ok, err := s.store.Bounds(ctx)
	if err != nil || !ok {
		return snapshot{}, err
	}
	return s.latestIn(ctx, last.Add(-s.o.Stale), last.Add(time.Second))
}

func (s *Server) latestIn(ctx context.Context, from, to time.Time) (snapshot, error) {
	var snap snapshot
	err := s.store.Read(ctx, from, to, nil, func(ser tsdb.Series, pts []tsdb.Point) error {
		p := pts[len(pts)-1]
		snap.samples = append(snap.samples, latestSample{series: ser, point: p})
		if t := time.Unix(p.T, 0); t.After(snap.newest) {
			snap.newest = t
		}
		return nil
	})
	if err != nil {
		return snapshot{}, err
	}
	cut := snap.newest.Add(-s.o.Stale).Unix()
	kept := snap.samples[:0]
	for _, ls := range snap.samples {
		if ls.point.T >= cut {
			kept = append(kept, ls)
		}
	}
	snap.samples = kept
	return snap, nil
}
