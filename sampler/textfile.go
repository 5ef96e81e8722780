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
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

func init() {
	register("textfile", false, func() collector { return textfileCollector{} })
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
type textfileCollector struct{}

// textfileMaxBytes bounds one file: a runaway script must not make record
// read gigabytes or store millions of series.
const textfileMaxBytes = 4 << 20

// textfileSkip is why a file was skipped.
type textfileSkip struct {
	file, reason string
	err          error
}

func (textfileCollector) update(_ context.Context, r *run) error {
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
	for _, s := range skips {
		r.add("srvmon_textfile_scrape_error", 1, "file", s.file, "reason", s.reason)
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
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(data))
	if err != nil {
		return nil, &textfileSkip{reason: "malformed", err: err}
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []tsdb.Sample
	own := map[string]bool{}
	emit := func(name string, labels []*dto.LabelPair, extraName, extraValue string, v float64) *textfileSkip {
		if _, ok := metric.Lookup(name); ok || strings.HasPrefix(name, "srvmon_textfile_") {
			return &textfileSkip{reason: "collision", err: fmt.Errorf("metric %s is one of srvmon's own", name)}
		}
		kv := make([]string, 0, 2*len(labels)+2)
		for _, lp := range labels {
			if lp.GetName() == "instance" {
				return &textfileSkip{reason: "invalid", err: fmt.Errorf("%s: the instance label is srvmon's", name)}
			}
			kv = append(kv, lp.GetName(), lp.GetValue())
		}
		if extraName != "" {
			kv = append(kv, extraName, extraValue)
		}
		ser := tsdb.NewSeries(name, kv...)
		if err := ser.Validate(); err != nil {
			return &textfileSkip{reason: "invalid", err: err}
		}
		if f, dup := seen[ser.Key()]; dup {
			return &textfileSkip{reason: "collision", err: fmt.Errorf("series %s is also in %s", ser.Key(), filepath.Base(f))}
		}
		if own[ser.Key()] {
			return &textfileSkip{reason: "malformed", err: fmt.Errorf("series %s appears twice", ser.Key())}
		}
		own[ser.Key()] = true
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, tsdb.Sample{Series: ser, Value: v})
		}
		return nil
	}
	for _, name := range names {
		fam := fams[name]
		for _, m := range fam.GetMetric() {
			if m.TimestampMs != nil {
				return nil, &textfileSkip{reason: "timestamp", err: fmt.Errorf("%s has a timestamp; textfiles must not", name)}
			}
			var skip *textfileSkip
			ls := m.GetLabel()
			switch fam.GetType() {
			case dto.MetricType_COUNTER:
				skip = emit(name, ls, "", "", m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				skip = emit(name, ls, "", "", m.GetGauge().GetValue())
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					if skip == nil {
						skip = emit(name, ls, "quantile", strconv.FormatFloat(q.GetQuantile(), 'g', -1, 64), q.GetValue())
					}
				}
				if skip == nil {
					skip = emit(name+"_sum", ls, "", "", s.GetSampleSum())
				}
				if skip == nil {
					skip = emit(name+"_count", ls, "", "", float64(s.GetSampleCount()))
				}
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					if skip == nil {
						skip = emit(name+"_bucket", ls, "le", strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64), float64(b.GetCumulativeCount()))
					}
				}
				if skip == nil {
					skip = emit(name+"_sum", ls, "", "", h.GetSampleSum())
				}
				if skip == nil {
					skip = emit(name+"_count", ls, "", "", float64(h.GetSampleCount()))
				}
			default:
				skip = emit(name, ls, "", "", m.GetUntyped().GetValue())
			}
			if skip != nil {
				return nil, skip
			}
		}
	}
	return out, nil
}
