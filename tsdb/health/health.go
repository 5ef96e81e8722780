// Package health computes the health of a store and of the recorder that
// fills it: when it last recorded, how regularly, which collectors fail,
// how big the store grows, how far pushes lag and what is damaged. srvmon
// status prints it; serve's /healthz and its page show the same numbers.
package health

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/lastrun"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/remote"
)

// MinStale is the least StaleAfter returns.
const MinStale = 5 * time.Minute

// StaleAfter is how old the newest sample may get before the store counts
// as stale (recording stopped): three recording intervals, at least
// MinStale, so that one or two missed runs are not an alarm.
func StaleAfter(interval time.Duration) time.Duration {
	return max(3*interval, MinStale)
}

// DefaultInterval is the recording interval assumed when there are too
// few samples to tell (srvmon record runs every minute from cron).
const DefaultInterval = time.Minute

// Interval returns the recording interval of sample set times (Unix
// seconds, sorted): the median of the differences, DefaultInterval with
// fewer than two.
func Interval(times []int64) time.Duration {
	if len(times) < 2 {
		return DefaultInterval
	}
	d := make([]int64, len(times)-1)
	for i := range d {
		d[i] = times[i+1] - times[i]
	}
	slices.Sort(d)
	return time.Duration(max(1, d[len(d)/2])) * time.Second
}

// Newest returns the time of the newest sample at or before now and, when
// the store holds samples after now (a clock that was ahead, an import),
// the newest of those; zero times when there are none. With samples after
// now it reads back from now: the last hour, two days, then a day at a
// time.
func Newest(ctx context.Context, s *tsdb.Store, now time.Time) (newest, future time.Time, err error) {
	first, last, ok, err := s.Bounds(ctx)
	if err != nil || !ok {
		return time.Time{}, time.Time{}, err
	}
	end := now.Truncate(time.Second).Add(time.Second)
	if last.Before(end) {
		return last, time.Time{}, nil
	}
	future = last
	newestIn := func(from, to time.Time) (time.Time, error) {
		var t time.Time
		err := s.Read(ctx, from, to, nil, func(_ tsdb.Series, pts []tsdb.Point) error {
			if pt := time.Unix(pts[len(pts)-1].T, 0).UTC(); pt.After(t) {
				t = pt
			}
			return nil
		})
		return t, err
	}
	for _, back := range []time.Duration{time.Hour, 48 * time.Hour} {
		if newest, err = newestIn(now.Add(-back), end); err != nil || !newest.IsZero() {
			return newest, future, err
		}
	}
	for e := now.Add(-48 * time.Hour); !e.Before(first); e = e.Add(-24 * time.Hour) {
		if newest, err = newestIn(e.Add(-24*time.Hour), e); err != nil || !newest.IsZero() {
			return newest, future, err
		}
	}
	return time.Time{}, future, nil
}

// Days is how many days of recording Compute looks at for missed runs and
// failing collectors unless Options.Days says otherwise.
const Days = 7

// Options say what Compute looks at.
type Options struct {
	Now      time.Time      // defaults to time.Now()
	Location *time.Location // of the days missed runs are counted in; defaults to time.Local
	// Stale is how old the newest sample may be; 0 means StaleAfter the
	// recording interval seen.
	Stale time.Duration
	// RetentionDays is the retention record runs with, for the size it
	// implies; 0 keeps everything.
	RetentionDays int
	// Verify reads every file of the store against its checksum
	// (tsdb.Store.Verify); otherwise only the damage the reads of this
	// process came across is reported (tsdb.Store.Damage).
	Verify bool
	// SkipDisk leaves out the disk usage (a walk of the store directory).
	SkipDisk bool
	// Days is how many days (today included) missed runs and failing
	// collectors are looked for in; 0 means the default, Days.
	Days int
}

// Report is the health of a store and of its recorder.
type Report struct {
	Store string `json:"store"` // the store directory
	// First and Newest are the oldest sample and the newest at or before
	// Now; Newest is zero when there is none.
	First  time.Time `json:"first,omitzero"`
	Newest time.Time `json:"newest,omitzero"`
	// Future is the newest sample after Now (a clock that was ahead, an
	// import), zero when none: it never counts as the newest.
	Future     time.Time `json:"future,omitzero"`
	AgeSeconds float64   `json:"age_seconds"` // Now - Newest
	// IntervalSeconds is the recording interval seen over the last Days.
	IntervalSeconds   float64 `json:"interval_seconds"`
	StaleAfterSeconds float64 `json:"stale_after_seconds"`
	Stale             bool    `json:"stale"` // no sample, or Newest older than StaleAfter
	// Missed are the runs missed per day (in Options.Location) over the
	// last Options.Days days, oldest first.
	Missed []DayRuns `json:"missed_runs"`
	// FailedCollectors are the collectors whose success series is 0 in
	// the newest sample set.
	FailedCollectors []Collector `json:"failed_collectors"`
	// SkippedTextfiles are the textfiles the newest record run skipped
	// (srvmon record --textfile-dir), with why.
	SkippedTextfiles []Textfile `json:"skipped_textfiles"`
	Series           int        `json:"series"` // series in the newest sample set
	// Disk is the bytes on disk per UTC day of samples and in total (nil
	// with Options.SkipDisk).
	Disk *Disk `json:"disk,omitempty"`
	// Push is the lag of each push receiver.
	Push []Push `json:"push"`
	// Damage lists the damaged files found (each "FILE: what is wrong;
	// samples from .. to .. could not be read"); Verified says whether
	// every file was checked or only those read.
	Damage      []string `json:"damage"`
	Verified    bool     `json:"verified"`
	Quarantined []string `json:"quarantined,omitempty"` // moved to DIR/damaged/ by earlier repairs
	// Problems are what makes the store unhealthy (stale, damaged), one
	// sentence each; empty when it is healthy.
	Problems []string `json:"problems"`
}

// OK reports whether the store is healthy: not stale and not damaged.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// DayRuns counts the recording runs of one day.
type DayRuns struct {
	Day      string `json:"day"`      // 2006-01-02
	Recorded int    `json:"recorded"` // sample sets
	Missed   int    `json:"missed"`   // runs the interval says should have happened and did not
}

// Collector is a failing collector.
type Collector struct {
	Name   string    `json:"name"`
	Metric string    `json:"metric"` // the success series it was found in
	Since  time.Time `json:"since"`  // the first failing sample set of the current run of failures (within the last Days)
	// LastError is the collector's error in the newest record run that
	// kept it (tsdb/lastrun); "" when the store has none (a record older
	// than srvmon's keeping them).
	LastError string `json:"last_error,omitempty"`
}

// Textfile is a textfile the newest record run skipped.
type Textfile struct {
	File  string    `json:"file"`  // its name in the textfile directory
	Error string    `json:"error"` // "REASON: what is wrong", REASON as in srvmon_textfile_scrape_error{reason}
	Since time.Time `json:"since"` // the first run of those in a row that skipped it for this error
}

// Disk is what the store takes on disk.
type Disk struct {
	Days       []DayBytes `json:"days"` // the last Days UTC days with data
	TotalBytes int64      `json:"total_bytes"`
	// PerDayBytes is the average of the complete days (not the first, not
	// today) among the last Days, 0 when there is none yet.
	PerDayBytes   int64 `json:"per_day_bytes"`
	RetentionDays int   `json:"retention_days"` // 0: keeps everything
	// RetentionBytes is PerDayBytes times RetentionDays: about what the
	// store grows to; 0 when unknown or unbounded.
	RetentionBytes int64 `json:"retention_bytes"`
}

// DayBytes is one UTC day's bytes on disk.
type DayBytes struct {
	Day   string `json:"day"`
	Bytes int64  `json:"bytes"`
}

// Push is the state of pushes to one receiver.
type Push struct {
	URL   string    `json:"url"`
	Acked time.Time `json:"acked_until,omitzero"` // samples before it are acknowledged; zero: none yet
	// LagSeconds is Newest - Acked: how much recorded history the
	// receiver has not acknowledged (Newest - First when nothing was).
	LagSeconds float64   `json:"lag_seconds"`
	Updated    time.Time `json:"updated,omitzero"` // when a push last wrote the position
	Error      string    `json:"error,omitempty"`  // the position file is damaged or unreadable
}

// Compute computes the health of the store s at o.Now.
func Compute(ctx context.Context, s *tsdb.Store, o Options) (*Report, error) {
	o = o.withDefaults()
	r := &Report{Store: s.Dir(), Missed: []DayRuns{}, FailedCollectors: []Collector{}, SkippedTextfiles: []Textfile{},
		Push: []Push{}, Damage: []string{}, Problems: []string{}}
	if err := r.compute(ctx, s, o); err != nil {
		return nil, fmt.Errorf("health: %w", err)
	}
	return r, nil
}

// withDefaults fills in the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Days <= 0 {
		o.Days = Days
	}
	return o
}

// compute fills r in: recording, collectors and textfiles, series, disk,
// pushes and damage.
func (r *Report) compute(ctx context.Context, s *tsdb.Store, o Options) error {
	first, _, ok, err := s.Bounds(ctx)
	if err != nil {
		return err
	}
	r.First = first
	if r.Newest, r.Future, err = Newest(ctx, s, o.Now); err != nil {
		return err
	}
	// The last Days local days, from midnight Days-1 days ago.
	y, m, d := o.Now.In(o.Location).Date()
	from := time.Date(y, m, d-(o.Days-1), 0, 0, 0, 0, o.Location)
	var runs recordRuns
	if ok {
		if runs, err = readRuns(ctx, s, from, o.Now); err != nil {
			return err
		}
	}
	interval := Interval(runs.times)
	r.judgeAge(o.Now, interval, o.Stale)
	r.Missed = missedRuns(runs.times, interval, from, o.Now, o.Location)
	r.FailedCollectors = failed(runs.failing, runs.newest())
	r.addLastRunProblems(s.Dir())
	if newestSet := runs.newest(); newestSet > 0 {
		ss, err := s.SeriesIn(ctx, time.Unix(newestSet, 0), time.Unix(newestSet+1, 0))
		if err != nil {
			return err
		}
		r.Series = len(ss)
	}
	if !o.SkipDisk {
		u, err := s.DiskUsage()
		if err != nil {
			return err
		}
		r.Disk = disk(u, o.Now, o.RetentionDays)
	}
	if err := r.addPushes(s.Dir()); err != nil {
		return err
	}
	return r.addDamage(ctx, s, o.Verify)
}

// recordRuns are the record runs found in the last days: the times of
// their sample sets, and the collectors failing in them.
type recordRuns struct {
	times   []int64 // sorted, distinct
	failing map[string]failure
}

// newest is the time of the newest sample set, 0 when there is none.
func (rr recordRuns) newest() int64 {
	if len(rr.times) == 0 {
		return 0
	}
	return rr.times[len(rr.times)-1]
}

// readRuns reads the sample sets from from to now: their times are
// boot_info's, or without the boot collector the collectors' success
// series' (which every sample set has).
func readRuns(ctx context.Context, s *tsdb.Store, from, now time.Time) (recordRuns, error) {
	end := now.Truncate(time.Second).Add(time.Second) // samples at or before now
	var bootTimes, setTimes []int64
	rr := recordRuns{failing: map[string]failure{}}
	err := s.Read(ctx, from, end, func(ser tsdb.Series) bool {
		return ser.Metric == metric.BootInfo || isSuccess(ser.Metric)
	}, func(ser tsdb.Series, pts []tsdb.Point) error {
		if ser.Metric == metric.BootInfo {
			for _, p := range pts {
				bootTimes = append(bootTimes, p.T)
			}
			return nil
		}
		collect(rr.failing, ser, pts)
		for _, p := range pts {
			setTimes = append(setTimes, p.T)
		}
		return nil
	})
	if err != nil {
		return rr, err
	}
	rr.times = bootTimes
	if len(rr.times) == 0 {
		rr.times = setTimes
	}
	slices.Sort(rr.times)
	rr.times = slices.Compact(rr.times)
	return rr, nil
}

// judgeAge sets the recording interval, the staleness limit (stale, or
// StaleAfter the interval) and the age of the newest sample at now, with a
// problem when the store is stale.
func (r *Report) judgeAge(now time.Time, interval, stale time.Duration) {
	r.IntervalSeconds = interval.Seconds()
	if stale <= 0 {
		stale = StaleAfter(interval)
	}
	r.StaleAfterSeconds = stale.Seconds()
	if r.Newest.IsZero() {
		r.Stale = true
		r.Problems = append(r.Problems, "the store holds no samples (is srvmon record running?)")
		return
	}
	age := now.Sub(r.Newest)
	r.AgeSeconds = math.Round(age.Seconds())
	if age > stale {
		r.Stale = true
		r.Problems = append(r.Problems, fmt.Sprintf("the newest sample is %s old, more than %s: is srvmon record running?",
			age.Round(time.Second), stale))
	}
}

// addLastRunProblems adds what the newest record run kept of its problems
// (tsdb/lastrun) in dir: the failing collectors' errors, the skipped
// textfiles.
func (r *Report) addLastRunProblems(dir string) {
	problems, err := lastrun.Load(dir)
	if err != nil {
		r.Damage = append(r.Damage, err.Error())
	}
	for i, c := range r.FailedCollectors {
		if p, ok := problems[lastrun.Key{Kind: lastrun.Collector, Name: c.Name}]; ok {
			r.FailedCollectors[i].LastError = p.Text
		}
	}
	for _, k := range problems.Sorted() {
		if k.Kind == lastrun.Textfile {
			r.SkippedTextfiles = append(r.SkippedTextfiles, Textfile{File: k.Name, Error: problems[k].Text, Since: problems[k].Since})
		}
	}
}

// addPushes adds the position of each push receiver in dir and its lag
// behind the newest sample; a damaged position file is damage.
func (r *Report) addPushes(dir string) error {
	pfs, err := remote.Positions(dir)
	if err != nil {
		return err
	}
	for _, pf := range pfs {
		p := Push{URL: pf.URL, Acked: pf.Acked, Updated: pf.Updated}
		if pf.Err != nil {
			p.URL, p.Error = pf.File, pf.Err.Error()
			r.Damage = append(r.Damage, pf.File+": "+pf.Err.Error())
		} else if !r.Newest.IsZero() {
			since := pf.Acked
			if since.IsZero() {
				since = r.First
			}
			p.LagSeconds = math.Max(0, math.Round(r.Newest.Sub(since).Seconds()))
		}
		r.Push = append(r.Push, p)
	}
	return nil
}

// addDamage adds the damaged files, of every file with verify, else of
// those this process read, and a problem when there are any.
func (r *Report) addDamage(ctx context.Context, s *tsdb.Store, verify bool) error {
	var damage []tsdb.Damage
	if verify {
		c, err := s.Verify(ctx)
		if err != nil {
			return err
		}
		damage, r.Quarantined, r.Verified = c.Damage, c.Quarantined, true
	} else {
		damage = s.Damage()
	}
	for _, d := range damage {
		r.Damage = append(r.Damage, d.String())
	}
	if len(r.Damage) > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d damaged file(s): %s", len(r.Damage), strings.Join(r.Damage, "; ")))
	}
	return nil
}

// successMetrics are the series that say whether a collector succeeded:
// srvmon's own and node_exporter's name for it.
var successMetrics = []string{"srvmon_collector_success", "node_scrape_collector_success"}

func isSuccess(name string) bool { return slices.Contains(successMetrics, name) }

// failure is a collector whose newest success value is 0.
type failure struct {
	c    Collector
	last int64 // the time of that value
}

// collect notes a collector whose newest value is 0, with the start of its
// run of failures.
func collect(failing map[string]failure, ser tsdb.Series, pts []tsdb.Point) {
	if len(pts) == 0 || pts[len(pts)-1].V != 0 {
		return
	}
	i := len(pts) - 1
	for i > 0 && pts[i-1].V == 0 {
		i--
	}
	c := Collector{Name: ser.Get("collector"), Metric: ser.Metric, Since: time.Unix(pts[i].T, 0).UTC()}
	failing[ser.Key()] = failure{c: c, last: pts[len(pts)-1].T}
}

// failed lists the collectors failing in the newest sample set, by name
// (one that failed and then stopped being recorded is not listed).
func failed(failing map[string]failure, newest int64) []Collector {
	out := []Collector{}
	for _, f := range failing {
		if f.last == newest {
			out = append(out, f.c)
		}
	}
	slices.SortFunc(out, func(a, b Collector) int { return strings.Compare(a.Name+"\x00"+a.Metric, b.Name+"\x00"+b.Metric) })
	return out
}

// missedRuns counts per day in loc the sample sets and the runs missed
// between them, and after the newest up to now, from the first sample set
// in [from, now] on: a pause of dt counts round(dt/interval)-1 missed runs
// when it is longer than 1.5 intervals, each on the day it should have
// happened.
func missedRuns(times []int64, interval time.Duration, from, now time.Time, loc *time.Location) []DayRuns {
	var days []DayRuns
	idx := map[string]int{}
	for d := from; !d.After(now); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		idx[d.Format(time.DateOnly)] = len(days)
		days = append(days, DayRuns{Day: d.Format(time.DateOnly)})
	}
	day := func(t int64) *DayRuns {
		if i, ok := idx[time.Unix(t, 0).In(loc).Format(time.DateOnly)]; ok {
			return &days[i]
		}
		return nil
	}
	m := int64(interval / time.Second)
	miss := func(a, b int64) {
		dt := b - a
		if 2*dt <= 3*m {
			return
		}
		n := int64(math.Round(float64(dt)/float64(m))) - 1
		for k := int64(1); k <= n; k++ {
			if d := day(a + k*m); d != nil {
				d.Missed++
			}
		}
	}
	for i, t := range times {
		if d := day(t); d != nil {
			d.Recorded++
		}
		if i > 0 {
			miss(times[i-1], t)
		}
	}
	if len(times) > 0 {
		miss(times[len(times)-1], now.Unix()+m) // runs due up to now
	}
	return days
}

// disk summarises u for the last Days UTC days.
func disk(u tsdb.Usage, now time.Time, retention int) *Disk {
	d := &Disk{Days: []DayBytes{}, TotalBytes: u.Total, RetentionDays: retention}
	today := now.UTC().Truncate(24 * time.Hour)
	var sum, n int64
	for i, du := range u.Days {
		if du.Day.After(today.AddDate(0, 0, -Days)) {
			d.Days = append(d.Days, DayBytes{Day: du.Day.Format(time.DateOnly), Bytes: du.Bytes})
			if i > 0 && du.Day.Before(today) {
				sum += du.Bytes
				n++
			}
		}
	}
	if n > 0 {
		d.PerDayBytes = sum / n
		if retention > 0 {
			d.RetentionBytes = d.PerDayBytes * int64(retention)
		}
	}
	return d
}
