// Package remote sends the samples of a srvmon store to a Prometheus
// remote-write 1.0 receiver (Prometheus, VictoriaMetrics, Mimir, Cortex,
// Thanos receive): the protobuf messages of the Prometheus project's
// remote.proto, encoded by wire.go (package prompb, generated from the same
// .proto files, is the tests' reference), snappy-compressed, one HTTP POST
// per batch.
//
// # What a push sends
//
// A push sends, by sample time, every sample in [start, end):
//
//   - start is where the last acknowledged push to the same URL ended (its
//     position, see Position), minus Options.Overlap; or Options.Since; or,
//     for the first push to a URL, the oldest sample in the store.
//   - end is the push's start time less Settle (30 s), so that a sample
//     set that `srvmon record` took just before the push but wrote just
//     after is sent by the next push, not skipped; or Options.Until if
//     that is earlier.
//
// It reads the store a UTC day (one block) at a time and walks it in aligned windows
// of pushWindow (15 minutes): within a window, series in key order, each
// series' samples in time order, cut into requests of at most BatchSize
// samples. Every series thus reaches the receiver in time order, and no
// sample is ever more than a window older than the newest sample sent
// before it: Prometheus accepts such a stream (in order per series, within
// its head block) even without out-of-order ingestion.
//
// # Position and re-sends (at-least-once)
//
// The position (DIR/push-HASH.json, HASH from the URL) is written
// atomically, only after the receiver acknowledged everything before it: at
// the end of a window, at most every checkpointEvery, and when a push ends
// for any reason. A push that crashes or is killed resumes at the last
// position and re-sends what came after it. Because windows are aligned to
// absolute times, a resumed push cuts the same requests as the one it
// replaces, and a receiver that applies a request all or nothing (as
// Prometheus does) holds each of them wholly or not at all:
//
//   - Prometheus with an out-of-order window, Mimir and Cortex drop a
//     re-sent sample that is identical to a stored one;
//   - Prometheus without one refuses a request of re-sent samples as "out of
//     order sample"; samples before the end of the last push attempt
//     (Position.Attempted) refused that way are counted as already stored
//     (Result.Duplicates) and the push goes on; later ones stop it;
//   - VictoriaMetrics stores a re-sent sample again, which changes no query
//     result (same value, same time); -dedup.minScrapeInterval=1ms removes
//     the copy.
//
// Samples that reach the store late, with a time before the position
// (`srvmon import` of old data, a clock stepped back), are not sent by the
// next push: send them with Options.Since, or re-send a margin each time
// with Options.Overlap (for receivers that accept out-of-order samples).
//
// # Old samples
//
// Prometheus only takes samples within an hour of the newest it holds
// unless out-of-order ingestion is on; a backlog after an outage, or a
// first push of a store's history, needs in prometheus.yml
//
//	storage:
//	  tsdb:
//	    out_of_order_time_window: 30d   # at least the longest backlog
//
// (and --web.enable-remote-write-receiver). Refusals of old samples ("out of
// bounds", "too old sample") stop the push with a message that says so,
// keeping the position. VictoriaMetrics takes anything within its
// -retentionPeriod.
//
// # Failures
//
// Network errors, 5xx and 429 answers are retried with exponential backoff
// (1 s doubling up to 30 s, or the receiver's Retry-After) for up to
// Options.RetryFor per request; then the push fails, keeping its position.
// Any other answer stops the push at once with the receiver's message.
package remote

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
)

const (
	// Settle is how far behind the push's start time the default end of
	// the range is.
	Settle = 30 * time.Second
	// pushWindow is the length of the aligned time windows a push walks.
	pushWindow = 15 * time.Minute
	// DefaultBatchSize is the most samples in one request unless
	// Options.BatchSize says otherwise.
	DefaultBatchSize = 5000
	// DefaultRetryFor is how long a request is retried unless
	// Options.RetryFor says otherwise.
	DefaultRetryFor = time.Minute
	// checkpointEvery is the least time between two position writes during
	// a push.
	checkpointEvery = time.Second

	readChunk  = 24 * time.Hour // how much of the store is read at once: a UTC day, one block
	maxBackoff = 30 * time.Second
)

// Sender sends one snappy-compressed remote-write request (*Client does).
type Sender interface {
	Write(ctx context.Context, body []byte) error
}

// Options are the settings of Push.
type Options struct {
	Sender Sender // nil only with DryRun
	URL    string // names the position and lock files
	// Since and Until, when not zero, replace the start and end of the
	// range (see the package doc). Samples before Since that the position
	// did not cover are skipped for good.
	Since, Until time.Time
	Overlap      time.Duration // re-send this much before the position
	Labels       []tsdb.Label  // external labels; a series' own label of the same name wins
	BatchSize    int           // samples per request; 0 means DefaultBatchSize
	RetryFor     time.Duration // 0 means DefaultRetryFor
	LockWait     time.Duration // how long to wait for another push to the URL
	DryRun       bool          // read and batch, but send and write nothing

	// Progress, if set, is called after every window sent.
	Progress func(Progress)
	// Now and Sleep default to time.Now and a context-aware sleep; tests
	// replace them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Progress is how far a push got.
type Progress struct {
	From, To time.Time // the range being pushed
	Through  time.Time // every sample before it has been sent
	Samples  int       // samples acknowledged
	Bytes    int64     // bytes of acknowledged requests
	Elapsed  time.Duration
}

// SeriesCount is what a push sends of one series, as the receiver will
// name it (external labels added).
type SeriesCount struct {
	Series      tsdb.Series
	Samples     int
	First, Last time.Time
}

// Result says what a push did.
type Result struct {
	From, To   time.Time // the range pushed, [From, To); equal when there was nothing to do
	Samples    int       // samples acknowledged (DryRun: that would be sent)
	Series     int       // distinct series among them
	Requests   int       // requests acknowledged (DryRun: that would be sent)
	Bytes      int64     // compressed bytes of those requests
	RawBytes   int64     // the same, before compression
	Retries    int       // requests sent again after an error
	Duplicates int       // samples refused as already stored (see the package doc)
	Position   Position  // the position after the push
	// FuturePosition, when not zero, is the position the push found: after
	// its end, written while the clock was ahead. The push took everything
	// before its own end as acknowledged and went on from there; samples
	// recorded since with earlier times were not sent (Options.Since
	// sends them).
	FuturePosition time.Time
	// UntilCut says that Options.Until was later than the push could go
	// (Settle before its start): the push ended at To instead, and the
	// next push sends the rest.
	UntilCut  bool
	Elapsed   time.Duration
	PerSeries []SeriesCount // DryRun only, in key order
}

// PushError is a push that stopped; the position was kept at Acked.
type PushError struct {
	Acked time.Time // the position now: everything before it was acknowledged
	Err   error
}

func (e *PushError) Error() string { return e.Err.Error() }
func (e *PushError) Unwrap() error { return e.Err }

// Push sends the samples of store described by o (see the package doc),
// taking the push lock of o.URL in the store directory for its duration
// (except with o.DryRun). It returns what it did, also on error: a
// *PushError after something was attempted, an error wrapping ErrBusy if
// another push to the URL runs.
func Push(ctx context.Context, store *tsdb.Store, o Options) (Result, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.RetryFor <= 0 {
		o.RetryFor = DefaultRetryFor
	}
	if o.Sender == nil && !o.DryRun {
		return Result{}, errors.New("push: no sender")
	}
	if err := o.Check(); err != nil {
		return Result{}, err
	}
	dir := store.Dir()
	if !o.DryRun {
		lock, err := lockPush(ctx, dir, o.URL, o.LockWait)
		if err != nil {
			return Result{}, err
		}
		defer lock.Unlock()
	}
	pos, err := loadPosition(dir, o.URL)
	if err != nil {
		return Result{}, err
	}
	p := &pusher{o: o, store: store, dir: dir, pos: pos, began: o.Now(), labelCache: map[string][]byte{}}
	return p.run(ctx)
}

// Check returns a *param.Error for settings Push cannot work with,
// naming the setting "since", "until", "overlap", "batch-size", "retry-for",
// "lock-wait" or "label".
func (o Options) Check() error {
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return &param.Error{Param: "since", Reason: fmt.Sprintf("{since} %s is not before {until} %s; the range is [since, until)",
			o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"overlap", o.Overlap}, {"retry-for", o.RetryFor}, {"lock-wait", o.LockWait}} {
		if d.v < 0 {
			return &param.Error{Param: d.name, Value: d.v.String(), Valid: "use a duration of 0 or more like 30s"}
		}
	}
	if o.BatchSize < 0 {
		return &param.Error{Param: "batch-size", Value: strconv.Itoa(o.BatchSize), Valid: "use a number of samples like 5000"}
	}
	seen := map[string]bool{}
	for _, l := range o.Labels {
		if !tsdb.ValidLabelName(l.Name) || strings.HasPrefix(l.Name, "__") || l.Value == "" {
			return &param.Error{Param: "label", Value: strconv.Quote(l.Name + "=" + l.Value),
				Valid: "use NAME=VALUE with a label name like job and a value that is not empty"}
		}
		if seen[l.Name] {
			return &param.Error{Param: "label", Reason: "{param} " + l.Name + " given twice; give each label once"}
		}
		seen[l.Name] = true
	}
	return nil
}

type pusher struct {
	o     Options
	store *tsdb.Store
	dir   string
	pos   Position
	began time.Time

	from, to    int64 // the range, Unix seconds
	alreadySent int64 // refusals as out of order before this are duplicates
	acked       int64 // progress: everything before it acknowledged
	lastSave    time.Time
	res         Result
	seen        map[string]*SeriesCount
	labelCache  map[string][]byte // encoded labels by series key (wire.go)
	rawBuf      []byte            // encoded request, reused
}

func (p *pusher) run(ctx context.Context) (Result, error) {
	o := p.o
	// Never past now less Settle: the position must not cover samples
	// not recorded yet.
	to := p.began.Add(-Settle)
	if !o.Until.IsZero() && o.Until.Before(to) {
		to = o.Until
	}
	if p.pos.Acked.After(to) {
		// Written while the clock was ahead: what the receiver
		// acknowledged up to now is everything before now (less Settle).
		p.res.FuturePosition = p.pos.Acked
		p.pos.Acked = to.Truncate(time.Second)
		if !o.DryRun {
			if err := p.save(); err != nil {
				return p.res, err
			}
		}
	}
	from := o.Since
	if from.IsZero() {
		if !p.pos.Acked.IsZero() {
			from = p.pos.Acked.Add(-o.Overlap)
		} else {
			first, _, ok, err := p.store.Bounds(ctx)
			if err != nil {
				return p.res, fmt.Errorf("push: %w", err)
			}
			if !ok {
				first = to // an empty store: nothing to send
			}
			from = first
		}
	}
	p.from, p.to = from.Unix(), to.Unix()
	if p.from > p.to {
		p.from = p.to
	}
	p.res.From, p.res.To = time.Unix(p.from, 0).UTC(), time.Unix(p.to, 0).UTC()
	p.res.UntilCut = !o.Until.IsZero() && p.res.To.Before(o.Until.Truncate(time.Second))
	p.res.Position = p.pos
	p.alreadySent = max(p.pos.Attempted.Unix(), p.pos.Acked.Unix())
	if p.pos.Attempted.IsZero() && p.pos.Acked.IsZero() {
		p.alreadySent = math.MinInt64
	}
	p.acked = p.from
	p.seen = map[string]*SeriesCount{}
	if !o.DryRun && p.to > p.alreadySent {
		// Say durably that samples up to p.to may reach the receiver from
		// now on, before sending any.
		p.pos.Attempted = time.Unix(max(p.to, p.alreadySent), 0).UTC()
		if err := p.save(); err != nil {
			return p.res, err
		}
	}

	err := p.walk(ctx)
	p.res.Elapsed = o.Now().Sub(p.began)
	p.res.Series = len(p.seen)
	if o.DryRun {
		p.finishDryRun()
		return p.res, err
	}
	if err != nil {
		if p.acked > p.from {
			if serr := p.checkpoint(true); serr != nil {
				err = errors.Join(err, serr)
			}
		}
		p.res.Position = p.pos
		return p.res, &PushError{Acked: p.pos.Acked, Err: err}
	}
	p.acked = p.to
	if err := p.checkpoint(true); err != nil {
		return p.res, err
	}
	p.res.Position = p.pos
	return p.res, nil
}

// save writes p.pos.
func (p *pusher) save() error {
	p.pos.Updated = p.o.Now().UTC()
	if err := savePosition(p.dir, p.o.URL, p.pos); err != nil {
		return err
	}
	p.lastSave = p.o.Now()
	return nil
}

// checkpoint moves the position to p.acked if that is further, writing it
// if force or checkpointEvery has passed since the last write.
func (p *pusher) checkpoint(force bool) error {
	if p.o.DryRun || p.acked <= p.pos.Acked.Unix() {
		return nil
	}
	if !force && p.o.Now().Sub(p.lastSave) < checkpointEvery {
		return nil
	}
	p.pos.Acked = time.Unix(p.acked, 0).UTC()
	return p.save()
}

// seriesPoints is one series' points of a read chunk, with a cursor.
type seriesPoints struct {
	ser  tsdb.Series
	key  string
	pts  []tsdb.Point
	next int
}

// walk reads [p.from, p.to) chunk by chunk and sends it window by window.
func (p *pusher) walk(ctx context.Context) error {
	win := int64(pushWindow / time.Second)
	chunk := int64(readChunk / time.Second)
	// Forced window boundaries besides the aligned ones: where the last
	// push ended, so that re-sent samples never share a request with new
	// ones.
	resume := p.pos.Acked.Unix()
	for c0 := p.from; c0 < p.to; {
		c1 := min(alignUp(c0+1, chunk), p.to)
		var list []*seriesPoints
		err := p.store.Read(ctx, time.Unix(c0, 0), time.Unix(c1, 0), nil, func(s tsdb.Series, pts []tsdb.Point) error {
			list = append(list, &seriesPoints{ser: s, key: s.Key(), pts: pts})
			return nil
		})
		if err != nil {
			return fmt.Errorf("read store: %w", err)
		}
		for w0 := c0; w0 < c1; {
			w1 := min(alignUp(w0+1, win), c1)
			if !p.pos.Acked.IsZero() && w0 < resume && resume < w1 {
				w1 = resume
			}
			if err := p.window(ctx, list, w1); err != nil {
				return err
			}
			p.acked = w1
			if err := p.checkpoint(false); err != nil {
				return err
			}
			if p.o.Progress != nil {
				p.o.Progress(Progress{
					From: p.res.From, To: p.res.To, Through: time.Unix(w1, 0).UTC(),
					Samples: p.res.Samples, Bytes: p.res.Bytes, Elapsed: p.o.Now().Sub(p.began),
				})
			}
			w0 = w1
		}
		c0 = c1
	}
	return nil
}

// alignUp returns the smallest multiple of step at or after t.
func alignUp(t, step int64) int64 {
	r := t % step
	if r < 0 {
		r += step
	}
	if r == 0 {
		return t
	}
	return t + step - r
}

// batch is the request being filled.
type batch struct {
	ts         []wireSeries
	samples    int
	minT, maxT int64
}

// window sends the points before end of every series (their cursors move
// past them), in requests of at most BatchSize samples.
func (p *pusher) window(ctx context.Context, list []*seriesPoints, end int64) error {
	b := &batch{minT: math.MaxInt64, maxT: math.MinInt64}
	for _, sp := range list {
		for sp.next < len(sp.pts) && sp.pts[sp.next].T < end {
			room := p.o.BatchSize - b.samples
			i := sp.next
			j := i
			for j < len(sp.pts) && sp.pts[j].T < end && j-i < room {
				j++
			}
			p.add(b, sp, sp.pts[i:j])
			sp.next = j
			if b.samples >= p.o.BatchSize {
				if err := p.send(ctx, b); err != nil {
					return err
				}
				b = &batch{minT: math.MaxInt64, maxT: math.MinInt64}
			}
		}
	}
	if b.samples > 0 {
		return p.send(ctx, b)
	}
	return nil
}

// add appends pts of sp to b. The batch refers to pts, which stay as they
// are until it is sent (window sends every batch it fills before it
// returns).
func (p *pusher) add(b *batch, sp *seriesPoints, pts []tsdb.Point) {
	p.count(sp, pts)
	b.ts = append(b.ts, wireSeries{labels: p.labels(sp), pts: pts})
	b.samples += len(pts)
	b.minT = min(b.minT, pts[0].T)
	b.maxT = max(b.maxT, pts[len(pts)-1].T)
}

// count notes pts of sp in p.seen.
func (p *pusher) count(sp *seriesPoints, pts []tsdb.Point) {
	c := p.seen[sp.key]
	if c == nil {
		c = &SeriesCount{Series: p.external(sp.ser), First: time.Unix(pts[0].T, 0).UTC()}
		p.seen[sp.key] = c
	}
	c.Samples += len(pts)
	c.Last = time.Unix(pts[len(pts)-1].T, 0).UTC()
}

// external returns ser with the external labels it does not have.
func (p *pusher) external(ser tsdb.Series) tsdb.Series {
	for _, l := range p.o.Labels {
		if ser.Get(l.Name) == "" {
			ser = ser.With(l.Name, l.Value)
		}
	}
	return ser
}

// labels returns the remote-write labels of a series, encoded: __name__,
// its labels and the external ones, sorted by name.
func (p *pusher) labels(sp *seriesPoints) []byte {
	if enc, ok := p.labelCache[sp.key]; ok {
		return enc
	}
	ser := p.external(sp.ser)
	ls := make([]tsdb.Label, 0, len(ser.Labels)+1)
	ls = append(ls, tsdb.Label{Name: "__name__", Value: ser.Metric})
	ls = append(ls, ser.Labels...)
	slices.SortFunc(ls, func(a, b tsdb.Label) int { return strings.Compare(a.Name, b.Name) })
	var enc []byte
	for _, l := range ls {
		enc = appendLabel(enc, l.Name, l.Value)
	}
	p.labelCache[sp.key] = enc
	return enc
}

// send encodes b and sends it until the receiver acknowledges it, retrying
// what can be retried.
func (p *pusher) send(ctx context.Context, b *batch) error {
	raw := appendWriteRequest(p.rawBuf[:0], b.ts)
	p.rawBuf = raw
	// A new body each time: net/http may read a request body after Do
	// returned.
	body := snappyEncode(raw)
	acked := func() {
		p.res.Samples += b.samples
		p.res.Requests++
		p.res.Bytes += int64(len(body))
		p.res.RawBytes += int64(len(raw))
	}
	if p.o.DryRun {
		acked()
		return nil
	}
	var failingSince time.Time
	for attempt := 0; ; attempt++ {
		err := p.o.Sender.Write(ctx, body)
		if err == nil {
			acked()
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("push interrupted: %w", ctx.Err())
		}
		span := fmt.Sprintf("%d samples from %s to %s", b.samples,
			time.Unix(b.minT, 0).UTC().Format(time.RFC3339), time.Unix(b.maxT, 0).UTC().Format(time.RFC3339))
		var wait time.Duration
		var we *WriteError
		if errors.As(err, &we) {
			switch we.Rejection() {
			case RejectedOutOfOrder:
				if b.maxT < p.alreadySent {
					p.res.Duplicates += b.samples
					return nil
				}
				return &param.Error{Param: "instance", Err: err,
					Reason: "the receiver refused " + span + " as out of order or duplicates, " +
						"so it already holds newer or different samples of these series",
					Valid: "does another host push the same series? give each its own {param} or an external label"}
			case RejectedTooOld:
				return &param.Error{Param: "since", Err: err,
					Reason: "the receiver refused " + span + " as too old; Prometheus takes samples older than its head block only with " +
						"storage.tsdb.out_of_order_time_window set in its configuration file (longer than the backlog), " +
						"or skip them with {param}"}
			}
			if !we.Retryable() {
				return refused(span, we.StatusCode, err)
			}
			wait = we.RetryAfter
		}
		if wait == 0 {
			wait = min(time.Second<<min(attempt, 5), maxBackoff)
		}
		now := p.o.Now()
		if failingSince.IsZero() {
			failingSince = now
		}
		deadline := failingSince.Add(p.o.RetryFor)
		if !now.Before(deadline) {
			return fmt.Errorf("gave up on %s after %d attempts in %s: %w",
				span, attempt+1, now.Sub(failingSince).Round(time.Second), err)
		}
		if now.Add(wait).After(deadline) {
			if we != nil && we.RetryAfter > 0 {
				return &param.Error{Param: "retry-for", Err: err,
					Reason: fmt.Sprintf("gave up on %s: the receiver asks to retry in %s, later than {param} %s allows",
						span, wait.Round(time.Second), p.o.RetryFor)}
			}
			wait = deadline.Sub(now) // one last try at the deadline
		}
		if err := p.o.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("push interrupted: %w", err)
		}
		p.res.Retries++
	}
}

// refused is the error for a receiver's refusal of span with status,
// with a hint of what to check where there is one.
func refused(span string, status int, err error) error {
	reason := "the receiver refused " + span
	switch status {
	case 401, 403:
		return fmt.Errorf("%s: %w (check the credentials)", reason, err)
	case 404, 405:
		return fmt.Errorf("%s: %w (check the url: it is the remote-write endpoint, such as http://HOST:9090/api/v1/write)", reason, err)
	case 413:
		return &param.Error{Param: "batch-size", Reason: reason, Valid: "the request is too large: lower {param}", Err: err}
	}
	return fmt.Errorf("%s: %w", reason, err)
}

func (p *pusher) finishDryRun() {
	p.res.PerSeries = make([]SeriesCount, 0, len(p.seen))
	for _, c := range p.seen {
		p.res.PerSeries = append(p.res.PerSeries, *c)
	}
	slices.SortFunc(p.res.PerSeries, func(a, b SeriesCount) int { return strings.Compare(a.Series.Key(), b.Series.Key()) })
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
