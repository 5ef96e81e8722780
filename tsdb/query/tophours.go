// What Top reads, hour by hour: each series' use over each UTC hour of the
// range, from the store's hourly summaries where they answer the hour
// exactly and from raw samples elsewhere (the hours the range cuts, hours
// with a reboot, a gap, a counter reset or a sample set without CPU deltas,
// and Window's sets).

package query

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
)

// hostCPUSeconds and hostMemTotal are the host series Top reads beside the
// process series: the CPU time of every mode (the capacity the processes'
// shares divide by) and MemTotal.
const (
	hostCPUSeconds = "srvmon_cpu_seconds_total"
	hostMemTotal   = "node_memory_MemTotal_bytes"
)

// topSeries chooses the series Top reads (the boot series, the sample set
// times, are read apart).
func topSeries(ser tsdb.Series) bool {
	switch ser.Metric {
	case ProcessInfo, ProcessCPU, ProcessRead, ProcessWritten, ProcessRSS, ProcessThreads, hostCPUSeconds, hostMemTotal:
		return true
	}
	return false
}

// topHours holds what one Top computation has read. Each series' use comes
// as one tsdb.HourSummary per UTC hour, over the points at the ends of the
// counted intervals (Count, Sum, Max, FirstT, LastT), and for the host's
// CPU counters the increase over those intervals (Increase: the interval
// that ends at the hour's first point plus the sum, in time order, of those
// inside the hour). A summary written at compaction holds exactly that
// when every sample set of the hour ends a counted interval, and the raw
// parts are computed the same way, point by point in time order: the
// answer does not depend on where an hour came from, to the last bit.
type topHours struct {
	s          pointReader
	start, end int64 // the range: the intervals counted end in it
	readFrom   int64 // where the reads start: the sets before the first interval
	endsIn     bool
	// ivs are the intervals of the hours read raw: per instance, interval
	// end: length.
	ivs map[string]map[int64]int64
	// deltaAt are the interval ends whose sample set has CPU deltas: a set
	// after a gap, a reboot or a run without the collector has none, and
	// its interval is not covered.
	deltaAt map[string]map[int64]bool
	parts   map[string]*seriesHours // by series key
	// answered are the hours the summaries answered; boots the sample
	// sets of each instance by boot and hour (from the boot series'
	// summaries), sorted by their last set.
	answered map[int64]bool
	boots    map[string][]bootHour
	// covered and sets are the answered hours' part of the covered
	// seconds (per instance) and the sample sets counted.
	covered map[string]float64
	sets    int
}

// seriesHours are a series' hours read.
type seriesHours struct {
	ser   tsdb.Series
	hours []tsdb.HourSummary
}

// summed is a series' summaries as read.
type summed struct {
	key string
	ser tsdb.Series
	hs  []tsdb.HourSummary
}

// bootHour are an instance's sample sets of one boot in one hour.
type bootHour struct {
	first, last int64
	n           int
	boot        string
}

// readTopHours reads what Top adds up over [start, end).
func readTopHours(ctx context.Context, s pointReader, o TopOptions, start, end int64) (*topHours, error) {
	readFrom := start
	if o.endsIn {
		readFrom = start - lookback // the sample sets before the first interval's end
	}
	th := &topHours{s: s, start: start, end: end, readFrom: readFrom, endsIn: o.endsIn, ivs: map[string]map[int64]int64{},
		deltaAt: map[string]map[int64]bool{}, parts: map[string]*seriesHours{},
		boots: map[string][]bootHour{}, covered: map[string]float64{}}
	return th, th.read(ctx, o.rawOnly)
}

// read reads the range: the whole hours the summaries answer from them
// (only from a store, and not with rawOnly), the rest raw.
func (th *topHours) read(ctx context.Context, rawOnly bool) error {
	if s, ok := th.s.(*tsdb.Store); ok && !rawOnly {
		var err error
		if th.answered, err = th.readSummaries(ctx, s); err != nil {
			return err
		}
	}
	for _, w := range rawWindows(th.start, th.end, th.answered) {
		if err := th.readRaw(ctx, w[0], w[1]); err != nil {
			return err
		}
	}
	return nil
}

// rawWindows returns [start, end) without the answered hours, as runs.
func rawWindows(start, end int64, answered map[int64]bool) [][2]int64 {
	var out [][2]int64
	for lo := start; lo < end; {
		h := floorDiv(lo, hour) * hour
		if answered[h] {
			lo = h + hour
			continue
		}
		hi := lo
		for hi < end && !answered[floorDiv(hi, hour)*hour] {
			hi = min(floorDiv(hi, hour)*hour+hour, end)
		}
		out = append(out, [2]int64{lo, hi})
		lo = hi
	}
	return out
}

// add notes parts as the use of ser (key) over their hours.
func (th *topHours) add(key string, ser tsdb.Series, parts ...tsdb.HourSummary) {
	sh := th.parts[key]
	if sh == nil {
		sh = &seriesHours{ser: ser}
		th.parts[key] = sh
	}
	sh.hours = append(sh.hours, parts...)
}

// readRaw reads the sample set times and the points of the intervals that
// end in [lo, hi), from the sample set before lo on (an interval, and a
// counter's increase, start there).
func (th *topHours) readRaw(ctx context.Context, lo, hi int64) error {
	from := th.readFrom
	if lo > th.start {
		from = max(from, th.setBefore(lo, hi))
	}
	st, err := readSetTimes(ctx, th.s, from, hi)
	if err != nil {
		return err
	}
	for inst, m := range st.intervals(th.start, th.end, th.endsIn) {
		for t, d := range m {
			if t >= lo && t < hi {
				if th.ivs[inst] == nil {
					th.ivs[inst] = map[int64]int64{}
				}
				th.ivs[inst][t] = d
			}
		}
	}
	type counter struct {
		ser tsdb.Series
		pts []tsdb.Point
	}
	var counters []counter // added once the window's deltas are known
	err = th.s.Read(ctx, time.Unix(from, 0), time.Unix(hi, 0), topSeries, func(ser tsdb.Series, pts []tsdb.Point) error {
		if ser.Metric == hostCPUSeconds {
			counters = append(counters, counter{ser, pts})
			return nil
		}
		th.addRawHours(ser, pts, lo, hi)
		return nil
	})
	for _, c := range counters {
		th.addRawIncrease(c.ser, c.pts, lo, hi)
	}
	return err
}

// addRawHours adds the hours of a series' points that end intervals in
// [lo, hi).
func (th *topHours) addRawHours(ser tsdb.Series, pts []tsdb.Point, lo, hi int64) {
	inst := ser.Get("instance")
	iv := th.ivs[inst]
	key := ser.Key()
	var cur tsdb.HourSummary
	for _, p := range pts {
		if _, ok := iv[p.T]; !ok || p.T < lo || p.T >= hi {
			continue
		}
		if ser.Metric == ProcessCPU {
			th.markDelta(inst, p.T)
		}
		if h := floorDiv(p.T, hour) * hour; cur.Count == 0 || cur.Start != h {
			if cur.Count > 0 {
				th.add(key, ser, cur)
			}
			cur = tsdb.HourSummary{Start: h, FirstT: p.T, Max: p.V}
		}
		cur.Count++
		cur.Sum += p.V
		cur.Max = max(cur.Max, p.V)
		cur.LastT = p.T
	}
	if cur.Count > 0 {
		th.add(key, ser, cur)
	}
}

func (th *topHours) markDelta(inst string, t int64) {
	if th.deltaAt[inst] == nil {
		th.deltaAt[inst] = map[int64]bool{}
	}
	th.deltaAt[inst][t] = true
}

// addRawIncrease adds the increase of a host CPU counter over each counted
// interval that ends in [lo, hi) (one with CPU deltas whose start the
// counter has a point at, and that does not go down), per hour.
func (th *topHours) addRawIncrease(ser tsdb.Series, pts []tsdb.Point, lo, hi int64) {
	inst, key := ser.Get("instance"), ser.Key()
	iv, deltas := th.ivs[inst], th.deltaAt[inst]
	var cur tsdb.HourSummary // Increase: inside the hour; FirstV: the interval before, when bridged
	bridged := false
	flush := func() {
		if cur.Count > 0 {
			if bridged {
				cur.Increase = cur.FirstV + cur.Increase
			}
			th.add(key, ser, cur)
		}
	}
	for j := 1; j < len(pts); j++ {
		t := pts[j].T
		d, ok := iv[t]
		if !ok || !deltas[t] || t < lo || t >= hi || pts[j-1].T != t-d || pts[j].V < pts[j-1].V {
			continue
		}
		h := floorDiv(t, hour) * hour
		if cur.Count == 0 || cur.Start != h {
			flush()
			cur, bridged = tsdb.HourSummary{Start: h}, false
		}
		cur.Count++
		if floorDiv(pts[j-1].T, hour)*hour != h {
			cur.FirstV, bridged = pts[j].V-pts[j-1].V, true
		} else {
			cur.Increase += pts[j].V - pts[j-1].V
		}
	}
	flush()
}

// readSummaries reads the hourly summaries of the range's hours (and of
// the hours before, where the first intervals start), adds the whole hours
// they answer and returns those.
func (th *topHours) readSummaries(ctx context.Context, s *tsdb.Store) (map[int64]bool, error) {
	h0, h1 := ceilDiv(th.start, hour)*hour, floorDiv(th.end, hour)*hour
	if h1 <= h0 {
		return nil, nil
	}
	var sums []summed // in key order
	match := func(ser tsdb.Series) bool { return ser.Metric == metric.BootInfo || topSeries(ser) }
	err := s.ReadSummaries(ctx, time.Unix(floorDiv(th.readFrom, hour)*hour, 0), time.Unix(ceilDiv(th.end, hour)*hour, 0), match,
		func(ser tsdb.Series, hs []tsdb.HourSummary) error {
			if ser.Metric == metric.BootInfo {
				inst, boot := ser.Get("instance"), ser.Get("boot_id")
				for _, h := range hs {
					th.boots[inst] = append(th.boots[inst], bootHour{first: h.FirstT, last: h.LastT, n: h.Count, boot: boot})
				}
				return nil
			}
			sums = append(sums, summed{ser.Key(), ser, hs})
			return nil
		})
	if err != nil {
		return nil, err
	}
	for _, bs := range th.boots {
		slices.SortFunc(bs, func(a, b bootHour) int { return cmp.Compare(a.last, b.last) })
	}
	setsIn := th.setsByHour(h0, h1)
	answered := th.answerable(sums, setsIn, h0, h1)
	var parts []tsdb.HourSummary
	for _, sm := range sums {
		inst := sm.ser.Get("instance")
		parts = parts[:0]
		for _, h := range sm.hs {
			sets, ok := setsIn[instHour{inst, h.Start}]
			if !answered[h.Start] || !ok {
				continue
			}
			if sm.ser.Metric == hostCPUSeconds {
				bridged := false
				if h.Increase, bridged = bridge(sm.hs, h, sets.prev); !bridged && h.Count < 2 {
					continue // no interval counted, as readRaw adds none
				}
			}
			parts = append(parts, h)
		}
		if len(parts) > 0 {
			th.add(sm.key, sm.ser, parts...)
		}
	}
	for ih, sets := range setsIn {
		if answered[ih.h] {
			th.covered[ih.inst] += float64(sets.last - sets.prev)
			th.sets += sets.n
		}
	}
	return answered, nil
}

// bridge returns a counter's increase over the intervals that end in hour
// h: the one from the sample set before (at prev), when the counter has a
// point there and did not go down (bridged), plus those inside.
func bridge(hs []tsdb.HourSummary, h tsdb.HourSummary, prev int64) (inc float64, bridged bool) {
	k := sort.Search(len(hs), func(j int) bool { return hs[j].Start >= floorDiv(prev, hour)*hour })
	if k == len(hs) || hs[k].LastT != prev || h.FirstV < hs[k].LastV {
		return h.Increase, false
	}
	return h.FirstV - hs[k].LastV + h.Increase, true
}

// instHour is an instance's UTC hour.
type instHour struct {
	inst string
	h    int64
}

// hourSets are an instance's sample sets in one hour: n sets from first
// to last, the set before them at prev; ok when every one of them ends an
// interval Top counts (one boot, the set before of the same boot and read).
type hourSets struct {
	first, last, prev int64
	n                 int
	ok                bool
}

// setsByHour returns the sample sets of each instance and whole hour of
// [h0, h1), from the boot series' summaries.
func (th *topHours) setsByHour(h0, h1 int64) map[instHour]hourSets {
	out := map[instHour]hourSets{}
	from := th.start // where the first set of an interval Top counts lies
	if th.endsIn {
		from = th.readFrom
	}
	for inst, bs := range th.boots {
		for i, b := range bs {
			h := floorDiv(b.last, hour) * hour
			if h < h0 || h >= h1 {
				continue
			}
			k := instHour{inst, h}
			if _, dup := out[k]; dup {
				out[k] = hourSets{} // two boots in the hour
				continue
			}
			sets := hourSets{first: b.first, last: b.last, n: b.n}
			if i > 0 {
				sets.prev = bs[i-1].last
				sets.ok = bs[i-1].boot == b.boot && bs[i-1].last >= from && bs[i-1].last < h
			}
			out[k] = sets
		}
	}
	return out
}

// setBefore returns the earliest of the last sample sets before lo of the
// instances with sets in [lo-1h, hi), lo when there is none.
func (th *topHours) setBefore(lo, hi int64) int64 {
	from := lo
	for _, bs := range th.boots {
		i := sort.Search(len(bs), func(j int) bool { return bs[j].last >= lo-hour })
		if i == len(bs) || bs[i].last >= hi {
			continue
		}
		if j := sort.Search(len(bs), func(j int) bool { return bs[j].last >= lo }); j > 0 {
			from = min(from, bs[j-1].last)
		}
	}
	return from
}

// answerable returns the whole hours of [h0, h1) that the summaries answer
// exactly: some instance has sample sets in the hour and, for each one
// that has, every set ends an interval Top counts with CPU deltas (a
// process CPU series has a point at each set), and every host CPU counter
// has a point at each set and was not reset.
func (th *topHours) answerable(sums []summed, setsIn map[instHour]hourSets, h0, h1 int64) map[int64]bool {
	ok := map[int64]bool{}
	for ih, sets := range setsIn {
		if _, seen := ok[ih.h]; !seen {
			ok[ih.h] = true
		}
		ok[ih.h] = ok[ih.h] && sets.ok
	}
	deltas := map[instHour]bool{}
	for _, sm := range sums {
		ser := sm.ser
		if ser.Metric != ProcessCPU && ser.Metric != hostCPUSeconds {
			continue
		}
		inst := ser.Get("instance")
		for _, h := range sm.hs {
			sets, in := setsIn[instHour{inst, h.Start}]
			atEvery := in && h.Count == sets.n && h.FirstT == sets.first && h.LastT == sets.last
			switch {
			case ser.Metric == ProcessCPU && atEvery:
				deltas[instHour{inst, h.Start}] = true
			case ser.Metric == hostCPUSeconds && in && (!atEvery || h.Resets > 0):
				ok[h.Start] = false
			}
		}
	}
	for ih := range setsIn {
		if !deltas[ih] {
			ok[ih.h] = false
		}
	}
	return ok
}

// sortedKeys returns the keys of the series read, sorted: Top adds them up
// in this order, and each series' hours in time order.
func (th *topHours) sortedKeys() []string {
	keys := make([]string, 0, len(th.parts))
	for k, sh := range th.parts {
		slices.SortFunc(sh.hours, func(a, b tsdb.HourSummary) int { return cmp.Compare(a.Start, b.Start) })
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
