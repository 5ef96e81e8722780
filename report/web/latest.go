package web

import (
	"context"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// snapshot is the newest sample of every current series.
type snapshot struct {
	newest  time.Time // time of the newest sample at or before now; zero if there is none
	future  time.Time // time of the newest sample after now (a clock that was ahead, an import); zero if none
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

// latest returns the newest sample at or before now of every series that
// was recorded in the window o.Stale before the newest sample of all
// (series that stopped, such as an unplugged disk, drop out, as they would
// from node_exporter). Samples after now (a clock that was ahead when they
// were recorded, or an import) never count as the newest; the snapshot says
// when the newest of them lies. It reads at most a few days: the windows of
// lookBack, then the last recorded hour of the store when recording
// stopped more than two days ago.
func (s *Server) latest(ctx context.Context) (snapshot, error) {
	now := s.o.Now()
	to := now.Truncate(time.Second).Add(time.Second) // at or before now
	first, last, ok, err := s.store.Bounds(ctx)
	if err != nil || !ok {
		return snapshot{}, err
	}
	var future time.Time
	if !last.Before(to) {
		future = last
	}
	snap, err := s.newestBefore(ctx, now, to, first, last)
	snap.future = future
	return snap, err
}

// newestBefore finds the newest samples in [first, to), given the store's
// newest sample last.
func (s *Server) newestBefore(ctx context.Context, now, to, first, last time.Time) (snapshot, error) {
	for _, back := range lookBack {
		snap, err := s.latestIn(ctx, now.Add(-back), to)
		if err != nil || !snap.newest.IsZero() {
			return snap, err
		}
	}
	if last.Before(to) {
		return s.latestIn(ctx, last.Add(-s.o.Stale), last.Add(time.Second))
	}
	// The store's newest sample lies in the future: walk back a day at a
	// time (each read bounded by a day) to the newest one before now.
	for end := now.Add(-lookBack[len(lookBack)-1]); !end.Before(first); end = end.Add(-24 * time.Hour) {
		snap, err := s.latestIn(ctx, end.Add(-24*time.Hour), end)
		if err != nil || !snap.newest.IsZero() {
			return snap, err
		}
	}
	return snapshot{}, nil
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
