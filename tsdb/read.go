package tsdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/srvmon/srvmon/tsdb/metric"
)

// maxReadRetries bounds how often a read starts over because a writer
// replaced a block it had listed.
const maxReadRetries = 5

// daySource is what the store holds for one UTC day: a block, a head log,
// or both (after late samples or a crash during compaction).
type daySource struct {
	day   int64
	block *block
	head  *headData
}

// sources lists and opens what covers the days of [start, end). Head logs
// are listed before blocks: a compaction that runs in between turns a head
// log into a block, and a reader then finds the block, or the head log, or
// both, never neither.
func (s *Store) sources(ctx context.Context, start, end int64) ([]daySource, error) {
	firstDay, lastDay := dayOf(start), dayOf(end-1)
	for attempt := 0; ; attempt++ {
		srcs, err := s.trySources(ctx, start, end, firstDay, lastDay)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || attempt >= maxReadRetries {
			return srcs, err
		}
	}
}

// sourcesIn returns [from, to) in Unix seconds and what covers its days
// (see sources); none for an empty range.
func (s *Store) sourcesIn(ctx context.Context, from, to time.Time) (start, end int64, srcs []daySource, err error) {
	start, end = from.Unix(), to.Unix()
	if start >= end {
		return start, end, nil, nil
	}
	srcs, err = s.sources(ctx, start, end)
	return start, end, srcs, err
}

func (s *Store) trySources(ctx context.Context, start, end, firstDay, lastDay int64) ([]daySource, error) {
	heads, lost, err := s.listHeadFiles()
	if err != nil {
		return nil, fmt.Errorf("list head logs: %w", err)
	}
	s.forgetHeads(heads)
	for _, d := range lost {
		if d >= firstDay && d <= lastDay {
			s.report(ctx, s.lostHead(d))
		}
	}
	blocks, _, err := s.listBlocks()
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	s.retireBlocks(blocks)
	if err := s.reportLedger(ctx, blocks, firstDay, lastDay); err != nil {
		return nil, err
	}
	byDay := map[int64]*daySource{}
	get := func(d int64) *daySource {
		if byDay[d] == nil {
			byDay[d] = &daySource{day: d}
		}
		return byDay[d]
	}
	for _, ref := range blocks {
		if ref.day < firstDay || ref.day > lastDay {
			continue
		}
		b, err := s.openBlock(ref)
		if errors.Is(err, errDamaged) {
			s.reportBlock(ctx, ref.name) // the head log of the day, if any, is read
			continue
		}
		if err != nil {
			return nil, err
		}
		get(ref.day).block = b
	}
	for _, d := range heads {
		if d < firstDay || d > lastDay {
			continue
		}
		h, err := s.readHead(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue // compacted since we listed it: the block has it
		}
		if err != nil {
			return nil, fmt.Errorf("read head log: %w", err)
		}
		s.noteHeadDamage(ctx, d, h, start, end)
		get(d).head = h
	}
	out := make([]daySource, 0, len(byDay))
	for _, src := range byDay {
		out = append(out, *src)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].day < out[j].day })
	return out, nil
}

// noteHeadDamage adds the damage of day's head log that overlaps [start,
// end) to the store's damage list.
func (s *Store) noteHeadDamage(ctx context.Context, day int64, h *headData, start, end int64) {
	for _, d := range s.headDamage(day, h) {
		if d.To.Unix() > start && d.From.Unix() < end {
			s.report(ctx, d)
		}
	}
}

// keysOf returns the keys of series with points in [start, end) in srcs,
// sorted.
func keysOf(srcs []daySource, start, end int64) []string {
	seen := map[string]bool{}
	for _, src := range srcs {
		if src.block != nil {
			for _, si := range src.block.index {
				if si.MaxT >= start && si.MinT < end {
					seen[si.Key] = true
				}
			}
		}
		if src.head != nil {
			for k := range src.head.points {
				if len(src.head.between(k, start, end)) > 0 {
					seen[k] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Read calls fn for each series that match accepts (nil: every series)
// with its points in [from, to), sorted by time, one point per time (a value
// written later for the same second replaces the earlier one). Series come
// in Key order. Read takes no lock and sees every sample set whose Append
// returned.
func (s *Store) Read(ctx context.Context, from, to time.Time, match func(Series) bool, fn func(Series, []Point) error) error {
	defer s.beginRead()()
	start, end, srcs, err := s.sourcesIn(ctx, from, to)
	if err != nil || len(srcs) == 0 {
		return err
	}
	// A series' points per source, joined once: a month of points is
	// megabytes, and growing them by doubling cost as much again.
	days := make([][]Point, 0, len(srcs))
	for _, key := range keysOf(srcs, start, end) {
		if err := ctx.Err(); err != nil {
			return err
		}
		ser, err := s.parseKey(key)
		if err != nil {
			return fmt.Errorf("stored series %q: %w", key, err)
		}
		if match != nil && !match(ser) {
			continue
		}
		days = days[:0]
		for _, src := range srcs {
			var day []Point
			if src.block != nil {
				bp, err := s.selectBlock(src.block, ser, key, start, end)
				if errors.Is(err, errDamaged) {
					s.reportRead(ctx, src.block, err)
				} else if err != nil {
					return err
				}
				day = bp
			}
			if src.head != nil {
				day = sortDedup(append(day, src.head.between(key, start, end)...))
			}
			days = append(days, day)
		}
		pts := slices.Concat(days...)
		if len(pts) == 0 {
			continue
		}
		if err := fn(ser, pts); err != nil {
			return err
		}
	}
	return nil
}

// SeriesIn lists the series with at least one point in [from, to), in Key
// order. For finished days it reads only the block indexes.
func (s *Store) SeriesIn(ctx context.Context, from, to time.Time) ([]Series, error) {
	defer s.beginRead()()
	start, end := from.Unix(), to.Unix()
	if start >= end {
		return nil, nil
	}
	srcs, err := s.sources(ctx, start, end)
	if err != nil {
		return nil, err
	}
	keys := keysOf(srcs, start, end)
	out := make([]Series, 0, len(keys))
	for _, k := range keys {
		ser, err := s.parseKey(k)
		if err != nil {
			return nil, fmt.Errorf("stored series %q: %w", k, err)
		}
		out = append(out, ser)
	}
	return out, nil
}

// Bounds returns the times of the oldest and newest stored points; ok is
// false for an empty store.
func (s *Store) Bounds(ctx context.Context) (first, last time.Time, ok bool, err error) {
	defer s.beginRead()()
	heads, err := s.listHeads()
	if err != nil {
		return first, last, false, fmt.Errorf("list head logs: %w", err)
	}
	blocks, _, err := s.listBlocks()
	if err != nil {
		return first, last, false, fmt.Errorf("list blocks: %w", err)
	}
	if len(heads) == 0 && len(blocks) == 0 {
		return first, last, false, nil
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	if len(blocks) > 0 {
		lo = min(lo, blocks[0].day)
		hi = max(hi, blocks[len(blocks)-1].day)
	}
	if len(heads) > 0 {
		lo = min(lo, heads[0])
		hi = max(hi, heads[len(heads)-1])
	}
	// Look into the first and last day for the exact times.
	minT, maxT := int64(math.MaxInt64), int64(math.MinInt64)
	for _, d := range []int64{lo, hi} {
		srcs, err := s.sources(ctx, d*secondsInDay, (d+1)*secondsInDay)
		if err != nil {
			return first, last, false, err
		}
		for _, src := range srcs {
			if src.block != nil {
				for _, si := range src.block.index {
					minT, maxT = min(minT, si.MinT), max(maxT, si.MaxT)
				}
			}
			if src.head != nil {
				for _, pts := range src.head.points {
					for _, p := range pts {
						minT, maxT = min(minT, p.T), max(maxT, p.T)
					}
				}
			}
		}
	}
	if minT > maxT {
		return first, last, false, nil
	}
	return time.Unix(minT, 0).UTC(), time.Unix(maxT, 0).UTC(), true, nil
}

// ReadSummaries calls fn for each series that match accepts with its hourly
// summaries for the hours that start in [from, to), in Key order. Finished
// days come from the summaries written at compaction; days still in a head
// log are summarised on the fly.
func (s *Store) ReadSummaries(ctx context.Context, from, to time.Time, match func(Series) bool, fn func(Series, []HourSummary) error) error {
	defer s.beginRead()()
	start, end, srcs, err := s.sourcesIn(ctx, from, to)
	if err != nil || len(srcs) == 0 {
		return err
	}
	runs := summaryRuns{}
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if src.head != nil {
			err = s.summarizeHeadDay(ctx, src, match, start, end, runs)
		} else {
			err = s.addBlockSummaries(ctx, src.block, match, start, end, runs)
		}
		if err != nil {
			return err
		}
	}
	return runs.each(fn)
}

// summaryRuns are, per series key, the series and its runs of summaries in
// range, in source order: a block's come from its cached summaries (not to
// be modified); they are joined once, by each.
type summaryRuns map[string]*seriesRuns

type seriesRuns struct {
	ser  Series
	runs [][]HourSummary
}

// add adds the run hs of ser (key) when it is not empty.
func (sr summaryRuns) add(key string, ser Series, hs []HourSummary) {
	if len(hs) == 0 {
		return
	}
	r := sr[key]
	if r == nil {
		r = &seriesRuns{ser: ser}
		sr[key] = r
	}
	r.runs = append(r.runs, hs)
}

// each calls fn for every series in Key order with its runs joined.
func (sr summaryRuns) each(fn func(Series, []HourSummary) error) error {
	for _, k := range slices.Sorted(maps.Keys(sr)) {
		r := sr[k]
		if err := fn(r.ser, slices.Concat(r.runs...)); err != nil {
			return err
		}
	}
	return nil
}

// addBlockSummaries adds the summaries of the hours in [start, end) of the
// series of block b that match accepts to runs. Damage is reported and
// left out as Read leaves it out, whichever file it hit: a damaged summary
// file or block skips the block, a series whose bytes in the data file are
// damaged skips that series (its summaries, written before the damage, are
// not used: the answer is the one the raw points would give).
func (s *Store) addBlockSummaries(ctx context.Context, b *block, match func(Series) bool, start, end int64, runs summaryRuns) error {
	sums, err := s.blockSummaries(b)
	if errors.Is(err, errDamaged) {
		s.reportBlock(ctx, b.ref.name)
		return nil
	}
	if err != nil {
		return err
	}
	inRange := make([][]HourSummary, len(b.index))
	var idx []int
	for i := range b.index {
		if match != nil && !match(b.series[i]) {
			continue
		}
		hs := sums[i] // in time order
		lo := sort.Search(len(hs), func(j int) bool { return hs[j].Start >= start })
		hi := sort.Search(len(hs), func(j int) bool { return hs[j].Start >= end })
		if lo < hi {
			inRange[i] = hs[lo:hi]
			idx = append(idx, i)
		}
	}
	damaged, err := s.checkSeriesBytes(ctx, b, idx)
	if errors.Is(err, errDamaged) {
		s.reportBlock(ctx, b.ref.name)
		return nil
	}
	if err != nil {
		return err
	}
	for _, i := range idx {
		if !damaged[i] {
			runs.add(b.index[i].Key, b.series[i], inRange[i])
		}
	}
	return nil
}

// summarizeHeadDay adds the summaries of the hours in [start, end) of a
// day still in a head log (late samples, or an unfinished day), summarised
// from its points, to runs. Only the series that match accepts are
// summarised, and the boot series read for the reboots between points.
func (s *Store) summarizeHeadDay(ctx context.Context, src daySource, match func(Series) bool, start, end int64, runs summaryRuns) error {
	parsed := map[string]Series{}
	want := func(key string) (bool, error) {
		ser, err := s.parseKey(key)
		if err != nil {
			return false, err
		}
		ok := match == nil || match(ser) || ser.Metric == metric.BootInfo
		if ok {
			parsed[key] = ser
		}
		return ok, nil
	}
	series, err := s.dayPoints(ctx, src, want)
	if err != nil {
		return err
	}
	all := make([]Series, 0, len(series))
	for k, pts := range series {
		series[k] = sortDedup(pts)
		all = append(all, parsed[k])
	}
	rebooted := bootIndex(all, series)
	for k, pts := range series {
		ser := parsed[k]
		if match != nil && !match(ser) {
			continue
		}
		hs := summarize(pts, ser.Get("instance"), rebooted)
		lo := sort.Search(len(hs), func(j int) bool { return hs[j].Start >= start })
		hi := sort.Search(len(hs), func(j int) bool { return hs[j].Start >= end })
		runs.add(k, ser, hs[lo:hi])
	}
	return nil
}

// dayPoints returns the points of a day's head log and block (if any) of
// the series want accepts, per series key, unsorted; a damaged series or
// block is reported and left out.
func (s *Store) dayPoints(ctx context.Context, src daySource, want func(key string) (bool, error)) (map[string][]Point, error) {
	series := map[string][]Point{}
	for k, pts := range src.head.points {
		if ok, err := want(k); err != nil {
			return nil, err
		} else if ok {
			series[k] = append([]Point(nil), pts...)
		}
	}
	if src.block == nil {
		return series, nil
	}
	for i, si := range src.block.index {
		if ok, err := want(si.Key); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		bp, err := s.selectBlock(src.block, src.block.series[i], si.Key, math.MinInt64, math.MaxInt64)
		var sd *seriesDamage
		if errors.As(err, &sd) {
			s.report(ctx, sd.d) // that series alone
			continue
		}
		if errors.Is(err, errDamaged) {
			s.reportBlock(ctx, src.block.ref.name)
			break
		}
		if err != nil {
			return nil, err
		}
		series[si.Key] = append(bp, series[si.Key]...)
	}
	return series, nil
}

// PointCounts returns, for each series that match accepts (nil: every
// series) with points in [from, to), about how many points a Read of the
// range would give, without reading any: finished days count from the
// block indexes (a day cut by the range in proportion to the part of the
// series' span it keeps), head logs exactly. A caller can refuse a read
// too large for it before spending the memory (serve's point cap).
func (s *Store) PointCounts(ctx context.Context, from, to time.Time, match func(Series) bool) (map[string]int, error) {
	defer s.beginRead()()
	start, end := from.Unix(), to.Unix()
	out := map[string]int{}
	if start >= end {
		return out, nil
	}
	srcs, err := s.sources(ctx, start, end)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	accept := func(key string, ser func() (Series, error)) bool {
		if v, seen := ok[key]; seen {
			return v
		}
		v := match == nil
		if !v {
			if sr, err := ser(); err == nil {
				v = match(sr)
			}
		}
		ok[key] = v
		return v
	}
	for _, src := range srcs {
		if b := src.block; b != nil {
			for i, si := range b.index {
				if si.MaxT < start || si.MinT >= end || !accept(si.Key, func() (Series, error) { return b.series[i], nil }) {
					continue
				}
				n := si.Count
				if lo, hi := max(si.MinT, start), min(si.MaxT+1, end); si.MaxT > si.MinT && (lo > si.MinT || hi < si.MaxT+1) {
					n = int(float64(si.Count)*float64(hi-lo)/float64(si.MaxT+1-si.MinT)) + 1
				}
				out[si.Key] += n
			}
		}
		if src.head != nil {
			for k, pts := range src.head.points {
				if !accept(k, func() (Series, error) { return s.parseKey(k) }) {
					continue
				}
				for _, p := range pts {
					if p.T >= start && p.T < end {
						out[k]++
					}
				}
			}
		}
	}
	return out, nil
}

// maxParsedKeys bounds Store.parsed: a store whose series come and go
// (processes) starts it afresh rather than grow it for ever.
const maxParsedKeys = 1 << 16

// parseKey returns ParseSeries(key), parsed once per Store: a server's
// every read would otherwise parse every stored series again (thousands of
// allocations a request). The Series is shared: callers must not modify
// its labels.
func (s *Store) parseKey(key string) (Series, error) {
	if v, ok := s.parsed.Load(key); ok {
		return v.(Series), nil
	}
	ser, err := ParseSeries(key)
	if err != nil {
		return ser, err
	}
	if s.nParsed.Add(1) > maxParsedKeys {
		s.parsed.Clear()
		s.nParsed.Store(0)
	}
	s.parsed.Store(key, ser)
	return ser, nil
}
