// Package live is serve's live range: while at least one client watches,
// a Hub takes a sample set of the host every second with the collectors
// record uses, computes the views of the page from the last few sets with
// the engine of query (query.Window, the formulas srvmon query uses on
// the store), keeps the events of a window (5 minutes by default) in
// memory and hands each new one to every client. With a process sampler
// it also takes the host's processes every few seconds
// (Options.TopInterval), and each such event carries the top processes by
// CPU and by memory over that interval, computed by query's Top as srvmon
// query top computes them from the store. It never writes the
// store, and it stops sampling a few seconds after the last client has
// left: an idle serve runs no collector.
//
// A client that falls behind (its buffer of events is full) is dropped;
// it may reconnect and ask for what it missed by the time of its last
// event. The package never prints; serve wires it to HTTP (Server-Sent
// Events, see package web).
package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/query"
)

// Defaults of Options.
const (
	DefaultWindow  = 5 * time.Minute
	DefaultClients = 16
	DefaultLinger  = 3 * time.Second
	DefaultBuffer  = 10
	// DefaultTopInterval is how often the processes are sampled: reading
	// every process's /proc files costs 10-15 ms on a VM with a hundred
	// processes, more than the rest of a second's work (BenchmarkSecond),
	// so once a second would take serve over 1 % of a core; top(1)
	// refreshes every 3 s.
	DefaultTopInterval = 5 * time.Second
)

// TopBy are the resources the live top processes are ranked by (the
// tables of an event's Top, in this order).
var TopBy = []string{"cpu", "mem"}

// DefaultViews are the views of the live range: those of the page's
// overview that change second by second, and fs for the filesystem pages
// (disk and net have pages too).
var DefaultViews = []string{"cpu", "load", "mem", "disk", "net", "fs"}

// Collectors are the collectors the views of DefaultViews read (boot tells
// a reboot between two sets, as in the store).
var Collectors = []string{"boot", "cpu", "diskstats", "filesystem", "load", "meminfo", "netdev", "stat"}

// SampleFunc takes one sample set at time at, as sampler.Sampler.SampleAt
// does; the errors are those of collectors that failed (the others'
// samples are still used).
type SampleFunc func(ctx context.Context, at time.Time) ([]tsdb.Sample, []error)

// RecordedFunc reads the sample sets stored in [from, to), oldest first,
// with the processes' series only when procs is true.
type RecordedFunc func(ctx context.Context, from, to time.Time, procs bool) ([]query.SampleSet, error)

// Options configure a Hub. The zero value of each field but Sample means
// its default.
type Options struct {
	Sample SampleFunc // required
	// Views are the query views each event carries. Defaults to
	// DefaultViews. (The top processes are not a view: see Procs.)
	Views []string
	// Window is how much history the hub keeps for a client that
	// connects. Defaults to 5 minutes.
	Window time.Duration
	// MaxClients is the most clients at once; Subscribe refuses more with
	// ErrTooManyClients. Defaults to 16.
	MaxClients int
	// Linger is how long sampling goes on after the last client left, so
	// that a page reloaded or a stream reconnected finds it running.
	// Defaults to 3 s.
	Linger time.Duration
	// Buffer is how many events a client may be behind before it is
	// dropped. Defaults to 10.
	Buffer int
	// Interval between sample sets. Defaults to one second (tests use
	// less).
	Interval time.Duration
	// Procs, when not nil, samples the host's processes (ProcSampler)
	// every TopInterval, at multiples of it, for the top processes
	// the events at those seconds carry.
	Procs SampleFunc
	// TopInterval defaults to DefaultTopInterval; whole seconds.
	TopInterval time.Duration
	// TopN is how many processes each top lists; 0: query.DefaultTopN.
	TopN int
	// Recorded, when not nil, reads the sample sets a recorder stored in
	// [from, to) (StoreSource). While a recorder stores one every second
	// (found every few seconds: the last seconds all in the store) the hub
	// takes each second's set from there, waiting up to RecordedWait for
	// it, and neither samples the host nor its processes (the top is the
	// recorder's processes over TopInterval of its sets); it samples again
	// from the first second the recorder misses.
	Recorded RecordedFunc
	// RecordedWait defaults to 500 ms: a recorder appends a second's set
	// some tens of milliseconds after the second (its collectors' time).
	RecordedWait time.Duration
	// Location is the zone of the top tables' times; nil: time.Local.
	Location *time.Location
	// Warn receives collector errors (once per collector and run of the
	// sampler) and errors of the computation. nil drops them.
	Warn func(error)
}

// ErrTooManyClients is returned by Subscribe when Options.MaxClients
// clients are connected.
var ErrTooManyClients = errors.New("too many live clients")

// ErrClosed is returned by Subscribe once the hub is closed.
var ErrClosed = errors.New("live: hub closed")

// Event is the views' values of one sample set: the rates over the
// interval that ends at T (from the set before) and the levels at T.
type Event struct {
	T int64 `json:"t"` // Unix seconds of the sample set
	// Interval is the seconds since the set before, over which the rates
	// were computed.
	Interval int64 `json:"interval"`
	// Views holds, per view, per thing (a device or interface name, ""
	// for the whole host), per quantity (as query names them: user, r/s,
	// util), the value; null where there is none (a counter reset, a
	// reboot).
	Views map[string]map[string]map[string]Value `json:"views"`
	// Text is each value of Views as people read it (report.Humanize:
	// "12.5%", "3.4 MB/s"), the page's legends, so that they read as
	// every other page and report.
	Text map[string]map[string]map[string]string `json:"text"`
	// Top is, every Options.TopInterval with Options.Procs, the top
	// processes over the interval that ends at T, per resource of TopBy:
	// what srvmon query top --format json prints for the same sample sets
	// (the report's JSON, computed by query.Top), without the processes'
	// user, executable and command line (a stream is shared by every
	// client; /api/v1/top gives them to trusted requests). TopHTML is the
	// same as the table element the page shows (report's html format).
	Top     map[string]json.RawMessage `json:"top,omitempty"`
	TopHTML map[string]string          `json:"top_html,omitempty"`
	// Recorded says that the sample set is a recorder's, read from the
	// store (Options.Recorded), not the hub's own.
	Recorded bool `json:"recorded,omitempty"`
	// Errors are the collectors that failed in this set.
	Errors []string `json:"errors,omitempty"`
	// Sampled is when the sample set was taken (T, to the nanosecond); not
	// sent.
	Sampled time.Time `json:"-"`
	// JSON is the event in JSON, encoded once for every client. The events
	// the hub keeps for clients that connect later have only T and JSON
	// (the maps take several times the memory), and only the newest top
	// (the page shows no older one).
	JSON []byte `json:"-"`
}

// Value is a number in JSON, null for NaN.
type Value float64

// MarshalJSON writes v, or null for NaN and infinities.
func (v Value) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// Stats are counters of a hub, for tests and /healthz.
type Stats struct {
	Clients    int    `json:"clients"`     // connected now
	Sampling   bool   `json:"sampling"`    // the sampler runs
	SampleSets uint64 `json:"sample_sets"` // taken since the hub was made
	Dropped    uint64 `json:"dropped"`     // clients dropped for falling behind
	// FromStore says that the newest second came from the store (a
	// recorder at --interval 1s), StoreSets how many did.
	FromStore bool   `json:"from_store"`
	StoreSets uint64 `json:"store_sets"`
}

// Hub is the live sampler and its clients. It is safe for concurrent use.
type Hub struct {
	o Options

	mu      sync.Mutex
	clients map[*Client]struct{}
	events  []Event // the window, oldest first, without Top
	// topT is the time of the newest event with a top, topJSON that event
	// with it.
	topT    int64
	topJSON []byte
	running bool
	stop    chan struct{} // closed to stop the sampler now (Close)
	idle    *time.Timer   // stops the sampler Linger after the last client left
	closed  bool
	stats   Stats
	done    chan struct{} // closed when the sampler goroutine ended
}

// New returns a Hub that samples with o.Sample once a client subscribes.
func New(o Options) (*Hub, error) {
	if o.Sample == nil {
		return nil, errors.New("live: no sample function")
	}
	if len(o.Views) == 0 {
		o.Views = DefaultViews
	}
	for _, v := range o.Views {
		if query.ViewHelp(v) == "" {
			return nil, errors.New("live: unknown view " + v)
		}
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MaxClients <= 0 {
		o.MaxClients = DefaultClients
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.TopInterval <= 0 {
		o.TopInterval = DefaultTopInterval
	}
	if o.TopInterval%time.Second != 0 {
		return nil, fmt.Errorf("live: top interval %s is not whole seconds", o.TopInterval)
	}
	if o.RecordedWait <= 0 {
		o.RecordedWait = 500 * time.Millisecond
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Warn == nil {
		o.Warn = func(error) {}
	}
	return &Hub{o: o, clients: map[*Client]struct{}{}}, nil
}

// Window returns Options.Window.
func (h *Hub) Window() time.Duration { return h.o.Window }

// MaxClients returns Options.MaxClients.
func (h *Hub) MaxClients() int { return h.o.MaxClients }

// Client is one subscriber: it receives the events in C until it
// unsubscribes, is dropped (Done is closed) or the hub closes.
type Client struct {
	h    *Hub
	ch   chan Event
	done chan struct{}
	once sync.Once
}

// C returns the channel of new events.
func (c *Client) C() <-chan Event { return c.ch }

// Done is closed when the client was dropped for falling behind or the hub
// closed: the stream should end.
func (c *Client) Done() <-chan struct{} { return c.done }

func (c *Client) end() { c.once.Do(func() { close(c.done) }) }

// Close unsubscribes c. Sampling stops Options.Linger after the last
// client closed.
func (c *Client) Close() {
	h := c.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	c.end()
	h.left()
}

// left notes that clients left; with none left, the sampler stops after
// Options.Linger. h.mu is held.
func (h *Hub) left() {
	h.stats.Clients = len(h.clients)
	if len(h.clients) > 0 || !h.running || h.idle != nil {
		return
	}
	stop := h.stop
	h.idle = time.AfterFunc(h.o.Linger, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.clients) == 0 && h.stop == stop && h.running {
			close(stop)
			h.running = false
			h.stats.Sampling = false
			h.idle = nil
		}
	})
}

// Subscribe adds a client and returns it with the events of the window
// after the Unix second since (all of them for since 0), oldest first. It
// starts the sampler if it is not running. It returns ErrTooManyClients
// when Options.MaxClients are connected, ErrClosed after Close.
func (h *Hub) Subscribe(since int64) (*Client, []Event, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, ErrClosed
	}
	if len(h.clients) >= h.o.MaxClients {
		return nil, nil, ErrTooManyClients
	}
	c := &Client{h: h, ch: make(chan Event, h.o.Buffer), done: make(chan struct{})}
	h.clients[c] = struct{}{}
	h.stats.Clients = len(h.clients)
	if h.idle != nil {
		h.idle.Stop()
		h.idle = nil
	}
	if !h.running {
		h.running = true
		h.stats.Sampling = true
		h.stop = make(chan struct{})
		h.done = make(chan struct{})
		h.events = nil // what is left from an earlier run is older than the window, or nearly
		h.topT, h.topJSON = 0, nil
		go h.sample(h.stop, h.done)
	}
	var backlog []Event
	for _, e := range h.events {
		if e.T > since {
			if e.T == h.topT {
				e.JSON = h.topJSON
			}
			backlog = append(backlog, e)
		}
	}
	return c, backlog, nil
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Close stops the sampler and ends every client's stream (their Done is
// closed); Subscribe fails from then on. It waits for the sampler to end.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	for c := range h.clients {
		c.end()
	}
	if h.running {
		close(h.stop)
		h.running = false
		h.stats.Sampling = false
	}
	if h.idle != nil {
		h.idle.Stop()
		h.idle = nil
	}
	done := h.done
	h.mu.Unlock()
	if done != nil {
		<-done
	}
}

// keep is how many sample sets the computation of an event sees: the
// newest, the one before it for the rates, and a few more so that the
// recording interval (which tells a gap) is the median of several, as
// query finds it in the store.
const keep = 5

// sample takes a sample set at every multiple of the interval until stop
// is closed.
func (h *Hub) sample(stop chan struct{}, done chan<- struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	l := &sampleLoop{h: h, stop: stop, topEvery: int64(h.o.TopInterval / time.Second), warned: map[string]bool{}}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		next := time.Now().Truncate(h.o.Interval).Add(h.o.Interval)
		timer.Reset(time.Until(next))
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		at := next.Truncate(time.Second)
		if len(l.sets) > 0 && !at.After(l.sets[len(l.sets)-1].T) {
			continue // an interval under a second: one set a second
		}
		samples, errs, ok := l.samplesAt(ctx, at)
		if !ok {
			return
		}
		newTop, topErrs := l.updateTop(ctx, at, samples)
		errs = append(errs, topErrs...)
		if ctx.Err() != nil {
			return
		}
		ev := Event{T: at.Unix(), Sampled: next, Recorded: l.fromStore, Errors: l.warnOnce(errs)}
		l.sets = appendSet(l.sets, query.SampleSet{T: at, Samples: samples}, keep)
		if len(l.sets) < 2 {
			h.publish(stop, &Event{T: at.Unix(), Recorded: l.fromStore}, false) // counted; the rates need the next set
			continue
		}
		ev.Interval = at.Unix() - l.sets[len(l.sets)-2].T.Unix()
		ev.Views, ev.Text = h.compute(l.sets)
		if newTop {
			ev.Top, ev.TopHTML = h.top(l.procSets)
		}
		h.publish(stop, &ev, true)
	}
}

// sampleLoop is the state the hub's sampler keeps from one second to the
// next.
type sampleLoop struct {
	h    *Hub
	stop chan struct{}
	sets []query.SampleSet // the newest keep sets
	// procSets are the sets of the next top (two of the hub's, or the
	// recorder's of a TopInterval).
	procSets  []query.SampleSet
	fromStore bool  // the seconds come from a recorder's sets in the store
	topEvery  int64 // seconds between tops: Options.TopInterval
	warned    map[string]bool
}

// samplesAt returns the sample set of the second at: the recorder's from
// the store while it stores one every second, else the hub's own, with the
// errors of sampling. It is false when ctx ended.
func (l *sampleLoop) samplesAt(ctx context.Context, at time.Time) ([]tsdb.Sample, []error, bool) {
	h := l.h
	if h.o.Recorded != nil && !l.fromStore && at.Unix()%probeEvery == 0 {
		if before := h.recorderAtOneSecond(ctx, at); before != nil {
			// The rates of the next seconds from the recorder's sets
			// alone, as query computes them.
			l.fromStore = true
			l.sets = append(l.sets[:0], before...)
		}
	}
	if l.fromStore {
		samples, ok := h.waitRecorded(ctx, l.stop, at)
		if ok {
			return samples, nil, ctx.Err() == nil
		}
		l.fromStore = false // the recorder stopped or lags: sample again
	}
	if ctx.Err() != nil {
		return nil, nil, false
	}
	samples, errs := h.o.Sample(ctx, at)
	return samples, errs, true
}

// updateTop updates the sets of the top when one is due at at: the
// recorder's of the last TopInterval when they hold its processes, else
// samples (the set of at) with the hub's own processes. It reports whether
// a new top is to be computed, and the errors of sampling the processes.
func (l *sampleLoop) updateTop(ctx context.Context, at time.Time, samples []tsdb.Sample) (bool, []error) {
	h := l.h
	if at.Unix()%l.topEvery != 0 {
		return false, nil
	}
	ownProcs := !l.fromStore
	if l.fromStore {
		// The recorder's sets hold its processes when it runs the
		// procs collector: the top of its last TopInterval of them,
		// read with them once. Without them, the hub's own.
		rs, err := h.o.Recorded(ctx, at.Add(-h.o.TopInterval), at.Add(time.Second), true)
		switch {
		case err != nil:
			h.o.Warn(fmt.Errorf("live: reading the store: %w", err))
		case len(rs) == int(l.topEvery)+1 && hasProcesses(rs[len(rs)-1]):
			l.procSets = rs
			return true, nil
		default:
			ownProcs = true
		}
	}
	if !ownProcs || h.o.Procs == nil {
		return false, nil
	}
	ps, errs := h.o.Procs(ctx, at)
	set := query.SampleSet{T: at, Samples: make([]tsdb.Sample, 0, len(samples)+len(ps))}
	set.Samples = append(append(set.Samples, samples...), ps...)
	if len(l.procSets) > 0 && l.procSets[len(l.procSets)-1].T.Unix() != at.Unix()-l.topEvery {
		l.procSets = l.procSets[:0] // a top spans one interval
	}
	l.procSets = appendSet(l.procSets, set, 2)
	return len(l.procSets) == 2, errs
}

// warnOnce returns the texts of errs, and passes each text to
// Options.Warn the first time it appears.
func (l *sampleLoop) warnOnce(errs []error) []string {
	var texts []string
	for _, err := range errs {
		texts = append(texts, err.Error())
		if !l.warned[err.Error()] {
			l.warned[err.Error()] = true
			l.h.o.Warn(err)
		}
	}
	return texts
}

// hasProcesses reports whether set holds the processes' CPU.
func hasProcesses(set query.SampleSet) bool {
	for _, smp := range set.Samples {
		if smp.Series.Metric == query.ProcessCPU {
			return true
		}
	}
	return false
}

// appendSet appends set to sets, keeping the newest n.
func appendSet(sets []query.SampleSet, set query.SampleSet, n int) []query.SampleSet {
	sets = append(sets, set)
	if len(sets) > n {
		copy(sets, sets[1:])
		clear(sets[n:])
		sets = sets[:n]
	}
	return sets
}

// probeEvery is how often, in seconds, a hub that samples the host itself
// looks whether a recorder stores a sample set every second
// (Options.Recorded), and probeSets how many consecutive seconds it must
// find.
const (
	probeEvery = 5
	probeSets  = 3
)

// recorderAtOneSecond returns the recorder's sample sets of the probeSets
// seconds before at when the store holds one of each (a recorder at
// --interval 1s runs), else nil.
func (h *Hub) recorderAtOneSecond(ctx context.Context, at time.Time) []query.SampleSet {
	sets, err := h.o.Recorded(ctx, at.Add(-probeSets*time.Second), at, false)
	if err != nil {
		h.o.Warn(fmt.Errorf("live: reading the store: %w", err))
		return nil
	}
	if len(sets) != probeSets {
		return nil
	}
	return sets
}

// waitRecorded waits up to Options.RecordedWait after the second at for
// the recorder's sample set of it, looking every 50 ms.
func (h *Hub) waitRecorded(ctx context.Context, stop chan struct{}, at time.Time) ([]tsdb.Sample, bool) {
	deadline := at.Add(h.o.RecordedWait)
	for {
		sets, err := h.o.Recorded(ctx, at, at.Add(time.Second), false)
		if err != nil {
			h.o.Warn(fmt.Errorf("live: reading the store: %w", err))
			return nil, false
		}
		if len(sets) == 1 {
			return sets[0].Samples, true
		}
		if time.Now().After(deadline) {
			return nil, false
		}
		select {
		case <-stop:
			return nil, false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// compute returns the values of the views at the newest set, as
// numbers and as text.
func (h *Hub) compute(sets []query.SampleSet) (map[string]map[string]map[string]Value, map[string]map[string]map[string]string) {
	w := query.NewWindow(sets)
	newest := sets[len(sets)-1].T
	o := query.Options{From: sets[len(sets)-2].T, To: newest.Add(time.Second)}
	vals := map[string]map[string]map[string]Value{}
	texts := map[string]map[string]map[string]string{}
	for _, view := range h.o.Views {
		res, err := w.Run(view, o)
		if err != nil {
			if !errors.Is(err, query.ErrNoData) {
				h.o.Warn(err)
			}
			continue
		}
		vs, ts := map[string]map[string]Value{}, map[string]map[string]string{}
		for _, q := range res.Quantities {
			v, ok := valueAt(q.Points, newest.Unix())
			if !ok {
				continue
			}
			name := thing(q.Labels)
			if vs[name] == nil {
				vs[name], ts[name] = map[string]Value{}, map[string]string{}
			}
			vs[name][q.Name] = Value(v)
			if !math.IsNaN(v) {
				ts[name][q.Name] = report.Humanize(v, q.Unit)
			}
		}
		vals[view], texts[view] = vs, ts
	}
	return vals, texts
}

// top returns the top processes over the intervals between the sets (each
// with the host's and the processes' samples), by each of TopBy, in
// report's JSON and HTML.
func (h *Hub) top(sets []query.SampleSet) (map[string]json.RawMessage, map[string]string) {
	w := query.NewWindow(sets)
	o := query.TopOptions{From: sets[0].T, To: sets[len(sets)-1].T.Add(time.Second), N: h.o.TopN}
	js, html := map[string]json.RawMessage{}, map[string]string{}
	ro := report.Options{Loc: h.o.Location}
	for _, by := range TopBy {
		o.By = by
		res, err := w.Top(o)
		if err != nil {
			if !errors.Is(err, query.ErrNoData) {
				h.o.Warn(err)
			}
			continue
		}
		res = res.WithoutDetails()
		var j, t bytes.Buffer
		if err := report.WriteTop(&j, res, report.FormatJSON, ro); err != nil {
			h.o.Warn(err)
			continue
		}
		if err := report.WriteTop(&t, res, report.FormatHTML, ro); err != nil {
			h.o.Warn(err)
			continue
		}
		js[by], html[by] = j.Bytes(), t.String()
	}
	if len(js) == 0 {
		return nil, nil
	}
	return js, html
}

// valueAt returns the value of the point at t.
func valueAt(pts []tsdb.Point, t int64) (float64, bool) {
	for i := len(pts) - 1; i >= 0; i-- {
		if pts[i].T == t {
			return pts[i].V, true
		}
		if pts[i].T < t {
			break
		}
	}
	return 0, false
}

// thing names what a quantity is about: its device or mount point, ""
// for the host.
func thing(labels []tsdb.Label) string {
	for _, l := range labels {
		if l.Name == "device" || l.Name == "mountpoint" {
			return l.Value
		}
	}
	return ""
}

// publish counts the sample set of ev (taken by the hub, or read from the
// store) and, with send, keeps ev in the window and hands it to every
// client; a client whose buffer is full is dropped. A sampler that was
// told to stop (stop is not the hub's) is ignored.
func (h *Hub) publish(stop chan struct{}, ev *Event, send bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if stop != h.stop || !h.running {
		return
	}
	h.stats.FromStore = ev.Recorded
	if ev.Recorded {
		h.stats.StoreSets++
	} else {
		h.stats.SampleSets++
	}
	if !send {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		h.o.Warn(fmt.Errorf("live: event at %d: %w", ev.T, err))
		return
	}
	ev.JSON = b
	kept := b
	if ev.Top != nil {
		lean := *ev
		lean.Top, lean.TopHTML = nil, nil
		if kept, err = json.Marshal(&lean); err != nil {
			h.o.Warn(fmt.Errorf("live: event at %d: %w", ev.T, err))
			return
		}
		h.topT, h.topJSON = ev.T, b
	}
	h.events = append(h.events, Event{T: ev.T, Sampled: ev.Sampled, JSON: kept})
	cut := 0
	for cut < len(h.events) && h.events[cut].T <= ev.T-int64(h.o.Window/time.Second) {
		cut++
	}
	if cut > 0 {
		// Reuse the array rather than let it grow: a session of hours
		// keeps the memory of one window.
		n := copy(h.events, h.events[cut:])
		clear(h.events[n:])
		h.events = h.events[:n]
	}
	dropped := false
	for c := range h.clients {
		select {
		case c.ch <- *ev:
		default:
			delete(h.clients, c)
			c.end()
			h.stats.Dropped++
			dropped = true
		}
	}
	if dropped {
		h.left()
	}
}

// HostSampler returns the SampleFunc of this host: the collectors the
// views of DefaultViews read (Collectors), as record runs them, with
// instance as the instance label.
func HostSampler(instance string) (SampleFunc, error) {
	smp, err := sampler.New(Collectors, sampler.Options{Instance: instance})
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return smp.SampleAt, nil
}

// StoreSource returns the RecordedFunc of a store: the samples of each
// stored second in [from, to) of the series of Collectors, and with procs
// of the procs collector. A recorder stores several times as many (every
// collector's, the textfiles'), and the processes' are needed only for a
// top. Two serves side by side for 60 s, one client each, one beside a
// record --interval 1s: every stored series read and indexed each second
// took 1.07 % of a core where sampling took 0.62 %; those of Collectors
// each second and the processes once a top, 0.80 % against 0.62 % (the
// store's head log is parsed whole as it grows, every series the
// recorder writes).
func StoreSource(s *tsdb.Store) RecordedFunc {
	var mu sync.Mutex
	used := map[string]string{} // metric name: its collector, "" when the live range uses none
	collector := func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		c, ok := used[name]
		if !ok {
			d, _ := metric.Lookup(name)
			if d.Collector == "procs" || slices.Contains(Collectors, d.Collector) {
				c = d.Collector
			}
			used[name] = c
		}
		return c
	}
	return func(ctx context.Context, from, to time.Time, procs bool) ([]query.SampleSet, error) {
		match := func(ser tsdb.Series) bool {
			c := collector(ser.Metric)
			return c != "" && (procs || c != "procs")
		}
		byT := map[int64][]tsdb.Sample{}
		err := s.Read(ctx, from, to, match, func(ser tsdb.Series, pts []tsdb.Point) error {
			for _, p := range pts {
				byT[p.T] = append(byT[p.T], tsdb.Sample{Series: ser, Value: p.V})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sets := make([]query.SampleSet, 0, len(byT))
		for t, smp := range byT {
			sets = append(sets, query.SampleSet{T: time.Unix(t, 0), Samples: smp})
		}
		slices.SortFunc(sets, func(a, b query.SampleSet) int { return a.T.Compare(b.T) })
		return sets, nil
	}
}

// ProcSampler returns the SampleFunc of this host's processes for
// Options.Procs: the procs collector as record runs it (its counters kept
// in memory), with its ranking thresholds taken over every (the top
// interval) rather than record's minute, so that a process at a few
// percent of a CPU is named.
func ProcSampler(instance string, every time.Duration) (SampleFunc, error) {
	smp, err := sampler.New([]string{"procs"}, sampler.Options{Instance: instance, ProcRankOver: every})
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return smp.SampleAt, nil
}
