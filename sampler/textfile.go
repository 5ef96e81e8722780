package sampler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

func init() {
	register("textfile", false, func() collector { return &textfileCollector{} })
}

// textfileCollector reads the metrics the host's own scripts write into
// *.prom files in Options.TextfileDir, in the Prometheus text format as
// node_exporter's textfile collector reads them, and records their samples
// like any other series (with the instance label added).
//
// A file that cannot be used is skipped, never failing the run, and named
// in srvmon_textfile_scrape_error{file,reason} = 1 (reasons: unreadable,
// too_large, malformed, timestamp, collision, invalid, changing);
// srvmon_textfile_scrape_error without labels is 1 when any file was
// skipped, 0 otherwise. Each file used gets srvmon_textfile_mtime_seconds.
// A file is "changing" when its size or modification time moved while it
// was read: scripts should write to a temporary name (not ending in .prom)
// and rename it into place, which replaces the file atomically.
// node_textfile_scrape_error is 1 when any file was skipped, as
// node_exporter's, for dashboards and alerts written for it.
//
// Why a file was skipped, in words, goes beyond the series: the collector
// keeps the skips of its newest run for Sampler.TextfileSkips, which srvmon
// record keeps in the store (tsdb/lastrun) for srvmon status and prints on
// stderr once when a file is first skipped for a reason (not every run, so
// cron does not mail every minute about one bad file).
type textfileCollector struct {
	mu    sync.Mutex
	skips []TextfileSkip // of the newest run
}

// TextfileSkip is a textfile the newest sample set skipped, and why.
type TextfileSkip struct {
	File   string // the file's name in the textfile directory
	Reason string // as in srvmon_textfile_scrape_error{reason}
	Err    error  // what was wrong, in words
}

// TextfileSkips returns the textfiles the newest sample set of s skipped
// (nil without the textfile collector or a textfile directory).
func (s *Sampler) TextfileSkips() []TextfileSkip {
	for _, nc := range s.collectors {
		if tc, ok := nc.c.(*textfileCollector); ok {
			tc.mu.Lock()
			defer tc.mu.Unlock()
			return slices.Clone(tc.skips)
		}
	}
	return nil
}

// textfileMaxBytes bounds one file: a runaway script must not make record
// read gigabytes or store millions of series.
const textfileMaxBytes = 4 << 20

// textfileSkip is why a file was skipped.
type textfileSkip struct {
	file, reason string
	err          error
}

func (tc *textfileCollector) update(_ context.Context, r *run) error {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.skips = nil
	if r.textfileDir == "" {
		return nil
	}
	entries, err := os.ReadDir(r.textfileDir)
	if err != nil {
		// The directory itself missing is the run's problem, not a file's.
		return fmt.Errorf("textfile directory: %w", err)
	}
	var skips []textfileSkip
	seen := map[string]string{} // series key -> file that produced it
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".prom") || e.IsDir() {
			continue
		}
		mtime, samples, skip := readTextfile(filepath.Join(r.textfileDir, name), seen)
		if skip != nil {
			skip.file = name
			skips = append(skips, *skip)
			continue
		}
		for _, s := range samples {
			r.add(s.Series.Metric, s.Value, labelPairs(s.Series.Labels)...)
		}
		r.add("srvmon_textfile_mtime_seconds", mtime, "file", name)
	}
	errVal := 0.0
	if len(skips) > 0 {
		errVal = 1
	}
	r.add("srvmon_textfile_scrape_error", errVal)
	r.add("node_textfile_scrape_error", errVal)
	for _, s := range skips {
		r.add("srvmon_textfile_scrape_error", 1, "file", s.file, "reason", s.reason)
		tc.skips = append(tc.skips, TextfileSkip{File: s.file, Reason: s.reason, Err: s.err})
	}
	return nil
}

// labelPairs returns labels as the name/value pairs run.add takes.
func labelPairs(labels []tsdb.Label) []string {
	kv := make([]string, 0, 2*len(labels))
	for _, l := range labels {
		kv = append(kv, l.Name, l.Value)
	}
	return kv
}

// readTextfile reads and parses one file. It returns its modification time
// and samples (without the instance label, sorted labels), or why it must
// be skipped. seen holds the series of the files read before; the file's
// own series are added to it only when the file is used.
func readTextfile(path string, seen map[string]string) (float64, []tsdb.Sample, *textfileSkip) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, &textfileSkip{reason: "unreadable", err: err}
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return 0, nil, &textfileSkip{reason: "unreadable", err: err}
	}
	if before.Size() > textfileMaxBytes {
		return 0, nil, &textfileSkip{reason: "too_large", err: fmt.Errorf("%d bytes, more than %d", before.Size(), textfileMaxBytes)}
	}
	data, err := io.ReadAll(io.LimitReader(f, textfileMaxBytes+1))
	if err != nil {
		return 0, nil, &textfileSkip{reason: "unreadable", err: err}
	}
	if len(data) > textfileMaxBytes {
		return 0, nil, &textfileSkip{reason: "too_large", err: fmt.Errorf("more than %d bytes", textfileMaxBytes)}
	}
	after, err := os.Stat(path)
	if err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || int64(len(data)) != before.Size() {
		return 0, nil, &textfileSkip{reason: "changing", err: errors.New("the file changed while it was read")}
	}
	samples, skip := parseTextfile(string(data), seen)
	if skip != nil {
		return 0, nil, skip
	}
	for _, s := range samples {
		seen[s.Series.Key()] = path
	}
	mtime := float64(before.ModTime().UnixNano()/1e6) / 1e3 // milliseconds, as node_exporter rounds
	return mtime, samples, nil
}

// parseTextfile parses the Prometheus text format and returns its samples:
// counters, gauges and untyped metrics as they are, summaries and histograms
// as the series Prometheus would scrape (name{quantile}, name_bucket{le},
// name_sum, name_count). Non-finite values are left out (the store keeps
// exact decimals). It refuses samples with timestamps (node_exporter's
// rule), names srvmon's collectors use, an instance label (srvmon's own),
// series that are not valid for the store, and series that an earlier file
// (in seen) already has.
func parseTextfile(data string, seen map[string]string) ([]tsdb.Sample, *textfileSkip) {
	var out []tsdb.Sample
	own := map[string]bool{}
	var skip *textfileSkip
	err := parsePromText(data, func(s promSample) error {
		var ser tsdb.Series
		if ser, skip = checkTextfileSample(s, seen, own); skip != nil {
			return skip.err
		}
		if !math.IsNaN(s.value) && !math.IsInf(s.value, 0) {
			out = append(out, tsdb.Sample{Series: ser, Value: s.value})
		}
		return nil
	})
	if skip != nil {
		return nil, skip
	}
	if err != nil {
		return nil, &textfileSkip{reason: "malformed", err: err}
	}
	return out, nil
}

// checkTextfileSample returns a sample's series, or why the sample makes its
// file unusable. own holds the series of the file so far; the sample's is
// added.
func checkTextfileSample(s promSample, seen map[string]string, own map[string]bool) (tsdb.Series, *textfileSkip) {
	if s.stamped {
		return tsdb.Series{}, &textfileSkip{reason: "timestamp", err: fmt.Errorf("%s has a timestamp; textfiles must not", s.name)}
	}
	if _, ok := metric.Lookup(s.name); ok || strings.HasPrefix(s.name, "srvmon_textfile_") {
		return tsdb.Series{}, &textfileSkip{reason: "collision", err: fmt.Errorf("metric %s is one of srvmon's own", s.name)}
	}
	for i := 0; i < len(s.kv); i += 2 {
		if s.kv[i] == "instance" {
			return tsdb.Series{}, &textfileSkip{reason: "invalid", err: fmt.Errorf("%s: the instance label is srvmon's", s.name)}
		}
	}
	ser := tsdb.NewSeries(s.name, s.kv...)
	if err := ser.Validate(); err != nil {
		return tsdb.Series{}, &textfileSkip{reason: "invalid", err: err}
	}
	key := ser.Key()
	if f, dup := seen[key]; dup {
		return tsdb.Series{}, &textfileSkip{reason: "collision", err: fmt.Errorf("series %s is also in %s", key, filepath.Base(f))}
	}
	if own[key] {
		return tsdb.Series{}, &textfileSkip{reason: "malformed", err: fmt.Errorf("series %s appears twice", key)}
	}
	own[key] = true
	return ser, nil
}
