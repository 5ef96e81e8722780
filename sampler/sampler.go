package sampler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// Options configures New.
type Options struct {
	// Instance is the value of the "instance" label added to every sample.
	// It is required.
	Instance string
	// TextfileDir is the directory whose *.prom files the textfile
	// collector reads. Setting it enables that collector; without it the
	// collector records nothing.
	TextfileDir string
	// StateDir is the directory where the procs and cgroups collectors keep
	// what they need from one sample set to the next (each process's
	// counters, what the host was found to lack) in the file StateFile;
	// record passes the store directory. Without it the state lives in the
	// Sampler only, which serves a long-running caller.
	StateDir string
	// ProcTop is how many processes the procs collector keeps per sample
	// set by each of CPU, resident memory and IO (their union is stored).
	// 0 means DefaultProcTop.
	ProcTop int
	// ProcCmdline stores each top process's command line (arguments
	// truncated to MaxCmdline bytes) in srvmon_process_info. Command lines
	// often hold passwords: it is off unless asked for.
	ProcCmdline bool
	// ProcRankOver is the shortest interval the procs collector's ranking
	// thresholds (0.5 % of one CPU, 4 KiB/s of IO) are taken over. 0 means
	// a minute, record's: with the store, a shorter one ranks every process
	// that ran and churns series. serve's live range, which stores
	// nothing, passes its own interval, so that its top by CPU names a
	// process at a few percent.
	ProcRankOver time.Duration
}

// DefaultProcTop is Options.ProcTop's default.
const DefaultProcTop = 20

// A Note is what a collector has to say that is not a failure: the files a
// host lacks, a damaged state file that was replaced. SampleAt returns notes
// among its errors; they leave node_scrape_collector_success at 1.
type Note struct {
	Collector string
	Msg       string
}

func (n *Note) Error() string { return fmt.Sprintf("collector %q: %s", n.Collector, n.Msg) }

// A collector reads one measurement family and appends its samples to r.
// A collector that returns an error may already have appended the samples of
// the parts that worked (filesystem: every mount that answered).
type collector interface {
	update(ctx context.Context, r *run) error
}

// factory builds a collector; it must do no I/O.
type factory func() collector

type registration struct {
	defaultEnabled bool
	factory        factory
}

// registry holds the collectors registered by init() functions.
var registry = map[string]registration{}

// register makes a collector available under name. It is called from init()
// functions only.
func register(name string, defaultEnabled bool, f factory) {
	if _, dup := registry[name]; dup {
		panic("sampler: collector " + name + " registered twice")
	}
	registry[name] = registration{defaultEnabled: defaultEnabled, factory: f}
}

// Names returns the names of all collectors, sorted.
func Names() []string { return slices.Clone(sortedNames()) }

// Default returns the names of the collectors enabled by default, sorted.
func Default() []string { return slices.Clone(defaultNames()) }

// sortedNames and defaultNames are Names and Default, made once: a
// one-shot record asks for them four times (the record command's help and
// flag defaults, Select), and sorting the registry each time was half of
// building its command line. The registry is complete before any caller
// runs: register is called from init functions only.
var (
	sortedNames = sync.OnceValue(func() []string {
		names := make([]string, 0, len(registry))
		for name := range registry {
			names = append(names, name)
		}
		sort.Strings(names)
		return names
	})
	defaultNames = sync.OnceValue(func() []string {
		var names []string
		for _, name := range sortedNames() {
			if registry[name].defaultEnabled {
				names = append(names, name)
			}
		}
		return names
	})
)

type namedCollector struct {
	name string
	c    collector
}

// Sampler runs a fixed set of collectors. It is safe for concurrent use.
// Only the procs and cgroups collectors keep state from one sample set to
// the next (see Options.StateDir); calls that use it take turns.
type Sampler struct {
	instance    string
	textfileDir string
	collectors  []namedCollector
	opts        Options
	state       stateKeeper
}

// New returns a Sampler running the named collectors, in sorted order.
// Repeated names count once. It returns an error for an unknown name (listing
// the valid ones), for an empty list and for an empty Options.Instance.
func New(names []string, opts Options) (*Sampler, error) {
	if opts.Instance == "" {
		return nil, errors.New("new sampler: instance is required")
	}
	if len(names) == 0 {
		return nil, errors.New("new sampler: no collectors selected")
	}
	if opts.ProcTop < 0 {
		return nil, fmt.Errorf("new sampler: proc top %d is negative", opts.ProcTop)
	}
	if opts.ProcRankOver < 0 {
		return nil, fmt.Errorf("new sampler: proc rank interval %s is negative", opts.ProcRankOver)
	}
	if opts.ProcTop == 0 {
		opts.ProcTop = DefaultProcTop
	}
	sorted := append([]string(nil), names...)
	if opts.TextfileDir != "" {
		sorted = append(sorted, "textfile")
	}
	sort.Strings(sorted)
	s := &Sampler{instance: opts.Instance, textfileDir: opts.TextfileDir, opts: opts}
	s.state.dir = opts.StateDir
	for i, name := range sorted {
		if i > 0 && name == sorted[i-1] {
			continue
		}
		reg, ok := registry[name]
		if !ok {
			return nil, fmt.Errorf("new sampler: unknown collector %q (valid: %s)", name, strings.Join(Names(), ", "))
		}
		s.collectors = append(s.collectors, namedCollector{name: name, c: reg.factory()})
	}
	return s, nil
}

// Sample is SampleAt the current second.
func (s *Sampler) Sample(ctx context.Context) ([]tsdb.Sample, []error) {
	return s.SampleAt(ctx, time.Now().Truncate(time.Second))
}

// SampleAt is SampleAfter without a previous sample set: the procs
// collector's deltas then run from the sample set its state remembers.
func (s *Sampler) SampleAt(ctx context.Context, at time.Time) ([]tsdb.Sample, []error) {
	return s.SampleAfter(ctx, at, time.Time{})
}

// SampleAfter runs every collector once, one after the other, for a sample
// set with timestamp at (the time collector's node_time_seconds), and
// returns their samples followed by node_scrape_collector_duration_seconds
// and node_scrape_collector_success for each collector. Every sample
// carries the instance label. A collector that fails adds one error,
// wrapped with its name, and success 0; it does not stop the others.
// Samples a failing collector produced before it failed are kept. Notes
// (*Note) come among the errors without changing success. Once ctx is
// done, the remaining collectors fail with ctx.Err().
//
// prev, when not zero, is the time of the sample set the store holds
// before this one: the procs collector's deltas (srvmon_process_*
// Delta metrics) cover the interval since the previous sample set, so it
// stores none when its state was saved at another time (a sample set taken
// without it, a failed write).
func (s *Sampler) SampleAfter(ctx context.Context, at, prev time.Time) ([]tsdb.Sample, []error) {
	r := newRun(ctx, s.instance)
	r.textfileDir = s.textfileDir
	r.at, r.prev = at, prev
	r.opts = &s.opts
	r.keeper = &s.state
	defer s.state.release(r)
	var errs []error
	type result struct {
		name     string
		duration time.Duration
		err      error
	}
	results := make([]result, 0, len(s.collectors))
	for _, nc := range s.collectors {
		start := time.Now()
		err := ctx.Err()
		if err == nil {
			err = nc.c.update(ctx, r)
		}
		results = append(results, result{nc.name, time.Since(start), err})
		if err != nil {
			errs = append(errs, &CollectorError{Collector: nc.name, Err: err})
		}
	}
	errs = append(errs, r.notes...)
	errs = append(errs, s.state.finish(r)...)
	for _, res := range results {
		success := 1.0
		if res.err != nil {
			success = 0
		}
		r.add("node_scrape_collector_duration_seconds", roundMicro(res.duration), "collector", res.name)
		r.add("node_scrape_collector_success", success, "collector", res.name)
	}
	return r.samples, errs
}

// roundMicro returns d in seconds rounded to whole microseconds: stored
// values with fewer significant digits compress much better.
func roundMicro(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1e6
}
