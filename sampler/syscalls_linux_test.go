package sampler

import (
	"syscall"
	"testing"
)

func TestUname(t *testing.T) {
	set := func(dst *[65]int8, s string) {
		for i := range len(s) {
			dst[i] = int8(s[i])
		}
	}
	c := unameCollector{uname: func(u *syscall.Utsname) error {
		set(&u.Sysname, "Linux")
		set(&u.Nodename, "web-1")
		set(&u.Release, "6.1.0-18-amd64")
		set(&u.Version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)")
		set(&u.Machine, "x86_64")
		set(&u.Domainname, "(none)")
		return nil
	}}
	r := &run{instance: testInstance}
	if err := c.update(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	checkSamples(t, byKey(t, r.samples), map[string]float64{
		key("node_uname_info", "domainname", "(none)", "machine", "x86_64", "nodename", "web-1", "release", "6.1.0-18-amd64",
			"sysname", "Linux", "version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"): 1,
	})
	c.uname = func(*syscall.Utsname) error { return syscall.EFAULT }
	if err := c.update(t.Context(), &run{}); err == nil {
		t.Error("a failing uname was not reported")
	}
}

func TestTimex(t *testing.T) {
	c := timexCollector{adjtimex: func(tx *syscall.Timex) (int, error) {
		tx.Offset = -1500000 // nanoseconds, as STA_NANO says
		tx.Freq = -655360    // -10 ppm in 16-bit fractions
		tx.Maxerror = 250000
		tx.Esterror = 1000
		tx.Status = 0x2001 // STA_PLL | STA_NANO
		tx.Constant = 7
		tx.Tick = 10000
		tx.Tai = 37
		// A PPS device: 0.5 ppm frequency, 0.25 ppm stability, 2 µs jitter
		// (2000 ns with STA_NANO), a 2^8 s interval, and event counts.
		tx.Ppsfreq, tx.Stabil, tx.Jitter, tx.Shift = 32768, 16384, 2000, 8
		tx.Jitcnt, tx.Calcnt, tx.Errcnt, tx.Stbcnt = 1, 120, 2, 3
		return 0, nil // TIME_OK
	}}
	r := &run{instance: testInstance}
	if err := c.update(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	checkSamples(t, byKey(t, r.samples), map[string]float64{
		key("node_timex_sync_status"):                1,
		key("node_timex_offset_seconds"):             -0.0015,
		key("node_timex_frequency_adjustment_ratio"): 0.99999,
		key("node_timex_maxerror_seconds"):           0.25,
		key("node_timex_estimated_error_seconds"):    0.001,
		key("node_timex_status"):                     0x2001,
		key("node_timex_loop_time_constant"):         7,
		key("node_timex_tick_seconds"):               0.01,
		key("node_timex_tai_offset_seconds"):         37,
		// As node_exporter converts them: ppm with 16-bit fraction / 1e6
		// and 65536, jitter by STA_NANO, shift and counts as they are.
		key("node_timex_pps_frequency_hertz"):          0.5e-6,
		key("node_timex_pps_stability_hertz"):          0.25e-6,
		key("node_timex_pps_jitter_seconds"):           2e-6,
		key("node_timex_pps_shift_seconds"):            8,
		key("node_timex_pps_jitter_total"):             1,
		key("node_timex_pps_calibration_total"):        120,
		key("node_timex_pps_error_total"):              2,
		key("node_timex_pps_stability_exceeded_total"): 3,
	})
	// TIME_ERROR: not synchronised; without STA_NANO the offset is in µs.
	c.adjtimex = func(tx *syscall.Timex) (int, error) { tx.Offset = 2500; return timeError, nil }
	r = &run{instance: testInstance}
	if err := c.update(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	got := byKey(t, r.samples)
	if got[key("node_timex_sync_status")] != 0 || got[key("node_timex_offset_seconds")] != 0.0025 {
		t.Errorf("unsynchronised: %v", got)
	}
}
