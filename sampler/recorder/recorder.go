// Package recorder is srvmon's recording loop and its clock policy: it takes
// sample sets with a sampler.Sampler and appends them to a tsdb.Store, one
// set a run or one at every multiple of an interval, each in a second of its
// own, and finishes the set in progress when it is interrupted.
//
// It sits under sampler because it drives the sampler, and above tsdb,
// which it writes to: the store must not know the collectors (sampler
// imports tsdb, never the reverse), and commands only moves flags into
// Options.
package recorder

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/lastrun"
	"github.com/srvmon/srvmon/tsdb/param"
)

// Options configures Run.
type Options struct {
	// Interval between sample sets, a whole number of seconds; sample sets
	// are taken at multiples of it (like sar). 0 takes one sample set, or,
	// with Count > 1, one a second.
	Interval time.Duration
	// Count stops after that many sample sets; 0 means one when Interval is
	// 0 and no limit (until ctx is done) otherwise.
	Count int
	// Warn receives what goes wrong without ending the run: a collector's
	// error (reading "collector NAME: ..."), a *ClockError and each
	// tsdb.Damage the store came across (once). nil drops them.
	Warn func(error)
}

// ClockError says that the clock is behind the newest sample set in the
// store by more than a second; the sample set is recorded at Now anyway.
type ClockError struct{ Last, Now time.Time }

func (e *ClockError) Error() string {
	return fmt.Sprintf("the clock went backwards: the newest sample set is from %s, the time is now %s",
		e.Last.Format(time.RFC3339), e.Now.Format(time.RFC3339))
}

// Plan checks count and interval and returns how many sample sets Run
// takes (0: until interrupted) and how far apart. Invalid values give a
// *param.Error naming "count" or "interval".
func Plan(count int, interval time.Duration) (int, time.Duration, error) {
	if count < 0 {
		return 0, 0, &param.Error{Param: "count", Value: strconv.Itoa(count), Valid: "use a whole number, 0 or more"}
	}
	if interval < 0 || interval%time.Second != 0 {
		return 0, 0, &param.Error{Param: "interval", Value: interval.String(),
			Valid: "use a whole number of seconds like 10s or 1m, or 0 for one sample set"}
	}
	switch {
	case interval == 0 && count <= 1:
		return 1, 0, nil
	case interval == 0:
		return count, time.Second, nil
	default:
		return count, interval, nil
	}
}

// Run takes sample sets with smp as o says and appends them to store. A
// failed collector or a clock that went backwards goes to o.Warn and the
// run goes on; a store error ends it. When ctx is done Run finishes the
// sample set in progress and returns nil, unless no sample set was recorded
// yet.
func Run(ctx context.Context, store *tsdb.Store, smp *sampler.Sampler, o Options) error {
	count, interval, err := Plan(o.Count, o.Interval)
	if err != nil {
		return err
	}
	warn := o.Warn
	if warn == nil {
		warn = func(error) {}
	}
	interrupted := errors.New("interrupted before a sample set was recorded")
	reported := 0 // damage the store found, passed to warn once each
	for n := 0; count == 0 || n < count; n++ {
		if n == 0 && ctx.Err() != nil {
			return interrupted
		}
		if n > 0 && !sleepUntil(ctx, nextTick(time.Now(), interval)) {
			return nil // interrupted between sample sets
		}
		err := recordSet(ctx, store, smp, warn)
		damage := store.Damage()
		for _, d := range damage[reported:] {
			warn(d) // a tsdb.Damage: recording goes on
		}
		reported = len(damage)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				if n > 0 {
					return nil // interrupted while waiting for the lock
				}
				return interrupted
			}
			return err
		}
	}
	return nil
}

// recordSet takes the store lock, takes one sample set and appends it.
func recordSet(ctx context.Context, store *tsdb.Store, smp *sampler.Sampler, warn func(error)) error {
	w, err := store.Lock(ctx)
	if err != nil {
		if errors.Is(err, tsdb.ErrLocked) {
			return &param.Error{Param: "lock-timeout", Err: err, Valid: "another srvmon is writing; raise {param} if this repeats"}
		}
		return fmt.Errorf("store %s: %w", store.Dir(), err)
	}
	defer w.Close()
	// From here on the sample set is finished even if we are interrupted.
	ctx = context.WithoutCancel(ctx)

	now := sampleTime(w, warn)
	prev, _ := w.Last()
	samples, errs := smp.SampleAfter(ctx, now, prev)
	for _, err := range errs {
		warn(collectorError(err))
	}
	if err := w.Append(now, samples); err != nil {
		return fmt.Errorf("store %s: %w", store.Dir(), err)
	}
	keepProblems(store.Dir(), now, errs, smp.TextfileSkips(), warn)
	if err := w.Maintain(ctx); err != nil {
		return fmt.Errorf("store %s: %w", store.Dir(), err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("store %s: %w", store.Dir(), err)
	}
	return nil
}

// sampleTime returns the timestamp of the next sample set: the current
// second, after the newest sample set already in the store. A run that
// overlaps the previous one in the same second waits for the next second, so
// every run gets its own; a clock far behind the store is reported.
func sampleTime(w *tsdb.Writer, warn func(error)) time.Time {
	now := time.Now().UTC().Truncate(time.Second)
	last, ok := w.Last()
	if !ok || last.Before(now) {
		return now
	}
	if last.Sub(now) > time.Second {
		warn(&ClockError{Last: last, Now: now})
		return now
	}
	next := last.Add(time.Second)
	time.Sleep(time.Until(next))
	if now = time.Now().UTC().Truncate(time.Second); now.Before(next) {
		now = next
	}
	return now
}

// TextfileSkipped says that a textfile is skipped; Run passes it to
// Options.Warn once, in the run that first skips the file for that
// reason, not in every run after (srvmon status lists it while it lasts).
type TextfileSkipped struct{ sampler.TextfileSkip }

func (e *TextfileSkipped) Error() string {
	return fmt.Sprintf("textfile %s skipped (%s): %v; skipped in every run until it is fixed (see srvmon status)", e.File, e.Reason, e.Err)
}

// keepProblems keeps the problems of the run at now in the store
// directory (tsdb/lastrun) for srvmon status: each failing collector's
// error and each skipped textfile, and warns about a textfile skipped for a
// new reason. Failing to keep them is a warning: the samples are stored.
func keepProblems(dir string, now time.Time, errs []error, skips []sampler.TextfileSkip, warn func(error)) {
	cur := make(map[lastrun.Key]string, len(errs)+len(skips))
	for _, err := range errs {
		var ce *sampler.CollectorError
		if errors.As(err, &ce) {
			cur[lastrun.Key{Kind: lastrun.Collector, Name: ce.Collector}] = ce.Err.Error()
		}
	}
	bySkip := map[lastrun.Key]sampler.TextfileSkip{}
	for _, sk := range skips {
		k := lastrun.Key{Kind: lastrun.Textfile, Name: sk.File}
		cur[k] = sk.Reason + ": " + sk.Err.Error()
		bySkip[k] = sk
	}
	changed, err := lastrun.Update(dir, now, cur)
	if err != nil {
		warn(fmt.Errorf("keep the run's problems for srvmon status: %w", err))
	}
	for _, k := range changed {
		if sk, ok := bySkip[k]; ok {
			warn(&TextfileSkipped{sk})
		}
	}
}

// collectorError makes sure err reads "collector NAME: ...".
func collectorError(err error) error {
	if strings.HasPrefix(err.Error(), "collector ") {
		return err
	}
	return fmt.Errorf("collector %w", err)
}

// nextTick returns the first multiple of interval (counted from the Unix
// epoch) after t, so a loop never drifts and lines up with the clock.
func nextTick(t time.Time, interval time.Duration) time.Time {
	n := t.UnixNano()
	d := int64(interval)
	return time.Unix(0, (n/d+1)*d)
}

// sleepUntil waits until t and reports whether it got there before ctx was
// done.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
