package sampler

import (
	"context"
	"fmt"
	"syscall"
)

func init() {
	register("timex", true, func() collector { return timexCollector{adjtimex: syscall.Adjtimex} })
}

// timexCollector reads the kernel clock discipline's state with
// adjtimex(2) in read-only mode (as chronyc tracking and ntptime do): the
// current offset and frequency correction, the error bounds, and whether
// the clock is synchronised. A monitor watches node_timex_sync_status and
// node_timex_offset_seconds to notice a drifting clock. The PPS fields
// (node_timex_pps_*: frequency, jitter, shift, stability and four event
// counters) are zero without a pulse-per-second device; they are recorded
// all the same, as node_exporter exports them, because dashboards written
// for it (Grafana's Node Exporter Full) query them.
type timexCollector struct {
	adjtimex func(*syscall.Timex) (int, error)
}

// timexState is what convertTimex needs of adjtimex's result, in the
// kernel's units.
type timexState struct {
	state              int // return value: TIME_OK ... TIME_ERROR
	offset, freq       int64
	maxerror, esterror int64 // microseconds
	status             int64
	constant, tick     int64
	tai                int64
	// pulse per second: frequency and stability in ppm with 16-bit
	// fraction, jitter in µs (ns with STA_NANO), shift a power of two
	ppsfreq, jitter, shift, stabil int64
	jitcnt, calcnt, errcnt, stbcnt int64 // PPS event counters
}

func (c timexCollector) update(_ context.Context, r *run) error {
	var tx syscall.Timex // Modes 0: read only
	state, err := c.adjtimex(&tx)
	if err != nil {
		return fmt.Errorf("adjtimex: %w", err)
	}
	convertTimex(timexState{
		state: state, offset: int64(tx.Offset), freq: int64(tx.Freq),
		maxerror: int64(tx.Maxerror), esterror: int64(tx.Esterror), status: int64(tx.Status),
		constant: int64(tx.Constant), tick: int64(tx.Tick), tai: int64(tx.Tai),
		ppsfreq: int64(tx.Ppsfreq), jitter: int64(tx.Jitter), shift: int64(tx.Shift), stabil: int64(tx.Stabil),
		jitcnt: int64(tx.Jitcnt), calcnt: int64(tx.Calcnt), errcnt: int64(tx.Errcnt), stbcnt: int64(tx.Stbcnt),
	}, r)
	return nil
}

const (
	timeError = 5      // TIME_ERROR: the clock is not synchronised
	staNano   = 0x2000 // STA_NANO: offset is in nanoseconds, not microseconds
	ppm16frac = 1e6 * 65536
)

// convertTimex emits node_exporter's node_timex_* gauges, converted as
// node_exporter converts them.
func convertTimex(tx timexState, r *run) {
	sync := 1.0
	if tx.state == timeError {
		sync = 0
	}
	div := 1e6
	if tx.status&staNano != 0 {
		div = 1e9
	}
	r.add("node_timex_sync_status", sync)
	r.add("node_timex_offset_seconds", float64(tx.offset)/div)
	r.add("node_timex_frequency_adjustment_ratio", 1+float64(tx.freq)/ppm16frac)
	r.add("node_timex_maxerror_seconds", float64(tx.maxerror)/1e6)
	r.add("node_timex_estimated_error_seconds", float64(tx.esterror)/1e6)
	r.add("node_timex_status", float64(tx.status))
	r.add("node_timex_loop_time_constant", float64(tx.constant))
	r.add("node_timex_tick_seconds", float64(tx.tick)/1e6)
	r.add("node_timex_tai_offset_seconds", float64(tx.tai))
	r.add("node_timex_pps_frequency_hertz", float64(tx.ppsfreq)/ppm16frac)
	r.add("node_timex_pps_jitter_seconds", float64(tx.jitter)/div)
	r.add("node_timex_pps_shift_seconds", float64(tx.shift)) // a power of two, unconverted as node_exporter's
	r.add("node_timex_pps_stability_hertz", float64(tx.stabil)/ppm16frac)
	r.add("node_timex_pps_jitter_total", float64(tx.jitcnt))
	r.add("node_timex_pps_calibration_total", float64(tx.calcnt))
	r.add("node_timex_pps_error_total", float64(tx.errcnt))
	r.add("node_timex_pps_stability_exceeded_total", float64(tx.stbcnt))
}
