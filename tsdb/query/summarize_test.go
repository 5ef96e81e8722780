package query

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

func TestSummarize_Fixture(t *testing.T) {
	s, base := rateFixture(t)
	o := Options{From: at(base), To: at(base + 1000)}
	sum, err := Summarize(context.Background(), s, "node_network_receive_bytes_total", o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Result.Step != 0 || len(sum.Result.Quantities) != 1 {
		t.Fatalf("step %s, %d series", sum.Result.Step, len(sum.Result.Quantities))
	}
	st := sum.Result.Quantities[0].Stats
	// Nine valid intervals: 7200 bytes over 570 s; the others are 10/s and
	// two are 20/s (240, over 180..240, and 990). Max is labelled with the
	// end of its interval.
	if st.Count != 9 || !close(st.Avg, 7200.0/570) || st.Min != 10 || st.Max != 20 || st.P95 != 20 ||
		!st.MaxAt.Equal(at(base+240)) || st.Total != 7200 || st.TotalUnit != Bytes || st.Overall != st.Avg {
		t.Errorf("stat %+v", st)
	}
	if len(sum.Totals) != 1 || sum.Totals[0] != 0 {
		t.Errorf("totals %v, want [0]", sum.Totals)
	}
	type iv struct {
		from, to int64
		v        float64
		peak     int64
	}
	var got []iv
	for _, b := range sum.Busiest {
		got = append(got, iv{b.From.Unix() - at(base).Unix(), b.To.Unix() - at(base).Unix(), b.Value, b.PeakAt.Unix() - at(base).Unix()})
	}
	// Episodes: adjacent intervals at least 80% as busy as the peak are
	// one (the three at 10/s from 0 to 180; 780-900 at 10/s is not part of
	// the 20/s peak at 990), each with its peak and when.
	wantBusy := []iv{{180, 240, 20, 240}, {900, 990, 20, 990}, {0, 180, 10, 60}, {300, 360, 10, 360}, {420, 480, 10, 480}}
	if len(got) != len(wantBusy) {
		t.Fatalf("busiest %v, want %v", got, wantBusy)
	}
	for i := range got {
		if got[i] != wantBusy[i] {
			t.Errorf("busiest %v, want %v", got, wantBusy)
			break
		}
	}
	if len(sum.Gaps) != 1 || !sum.Gaps[0].From.Equal(at(base+480)) || !sum.Gaps[0].To.Equal(at(base+780)) {
		t.Errorf("gaps %v, want the one from +480 to +780", sum.Gaps)
	}
}

func TestSummarize_Synth(t *testing.T) {
	s := synthStore(t)
	o := Options{From: day0, To: day0.Add(synthEnd + time.Hour)}
	sum, err := Summarize(context.Background(), s, "cpu", o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Result.Step != 15*time.Minute {
		t.Errorf("step %s, want 15m (at most %d points over 37 h)", sum.Result.Step, summaryPoints)
	}
	for _, ser := range sum.Result.Quantities {
		st := ser.Stats
		if st.Count == 0 || st.Min > st.Avg || st.Avg > st.Max || st.P95 > st.Max || st.P95 < st.Min {
			t.Errorf("%s %v: %+v", ser.Name, ser.Labels, st)
		}
	}
	if len(sum.Busiest) != busiestN {
		t.Fatalf("%d busy episodes, want %d", len(sum.Busiest), busiestN)
	}
	for i, a := range sum.Busiest {
		if a.PeakAt.Before(a.From) || a.PeakAt.After(a.To) {
			t.Errorf("episode %d peaks at %s, outside %s-%s", i, a.PeakAt, a.From, a.To)
		}
		for _, b := range sum.Busiest[i+1:] {
			if a.From.Before(b.To) && b.From.Before(a.To) {
				t.Errorf("episodes overlap: %v and %v", a, b)
			}
		}
	}
	for i := 1; i < len(sum.Busiest); i++ {
		if sum.Busiest[i].Value > sum.Busiest[i-1].Value {
			t.Errorf("busiest not in order: %v", sum.Busiest)
		}
	}
	// The two gaps; not the single missed run, nor the hour after the
	// newest sample.
	wantGaps := [][2]time.Time{
		{day0.Add(gapInHour[0] - time.Minute), day0.Add(gapInHour[1])},
		{day0.Add(gapAcross[0] - time.Minute), day0.Add(gapAcross[1])},
	}
	if len(sum.Gaps) != len(wantGaps) {
		t.Fatalf("gaps %v, want %v", sum.Gaps, wantGaps)
	}
	for i, g := range sum.Gaps {
		if !g.From.Equal(wantGaps[i][0]) || !g.To.Equal(wantGaps[i][1]) {
			t.Errorf("gap %d from %s to %s, want %s to %s", i, g.From.UTC(), g.To.UTC(), wantGaps[i][0], wantGaps[i][1])
		}
	}
}

// A report's totals line: bytes read and written per disk, received and
// sent per interface, CPU seconds by mode; the CPU seconds of all modes
// add up to the time covered times the CPUs.
func TestSummarize_Totals(t *testing.T) {
	s := synthStore(t)
	o := Options{From: day0.Add(2 * time.Hour), To: day0.Add(6 * time.Hour)}
	for view, want := range map[string]struct {
		names []string
		unit  Unit
	}{
		"disk": {[]string{"rbytes/s", "wbytes/s"}, Bytes},
		"net":  {[]string{"rxbytes/s", "txbytes/s"}, Bytes},
		"cpu":  {cpuModes, Seconds},
	} {
		sum, err := Summarize(context.Background(), s, view, o)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, i := range sum.Totals {
			q := sum.Result.Quantities[i]
			names[q.Name] = true
			if q.Stats.TotalUnit != want.unit || !(q.Stats.Total >= 0) {
				t.Errorf("%s %s %v: total %v %s, want %s", view, q.Name, q.Labels, q.Stats.Total, q.Stats.TotalUnit, want.unit)
			}
		}
		if len(names) != len(want.names) {
			t.Errorf("%s: totals of %v, want %v", view, names, want.names)
		}
		if view != "cpu" {
			continue
		}
		// A mode's share (its avg) is its CPU seconds over all modes'.
		for _, inst := range []string{"web1", "db1"} {
			var all float64
			for _, i := range sum.Totals {
				if q := sum.Result.Quantities[i]; (tsdb.Series{Labels: q.Labels}).Get("instance") == inst {
					all += q.Stats.Total
				}
			}
			for _, i := range sum.Totals {
				q := sum.Result.Quantities[i]
				if (tsdb.Series{Labels: q.Labels}).Get("instance") == inst && !close(q.Stats.Total, q.Stats.Avg/100*all) {
					t.Errorf("%s %s: %v CPU seconds of %v, but avg %v%%", inst, q.Name, q.Stats.Total, all, q.Stats.Avg)
				}
			}
		}
	}
}

// TestSummarize_RangeOfCenturies checks that a period far larger than the
// store (0001-01-01 to 9999-12-31) is computed over the days the store
// holds: the same exact averages and totals as over those days, without
// sizing hourly sums and buckets by the ten thousand years asked for (which
// took gigabytes and minutes before).
func TestSummarize_RangeOfCenturies(t *testing.T) {
	s, base := rateFixture(t)
	ctx := context.Background()
	what := "node_network_receive_bytes_total"
	held, err := Summarize(ctx, s, what, Options{From: at(base), To: at(base + 1000)})
	if err != nil {
		t.Fatal(err)
	}
	huge, err := Summarize(ctx, s, what, Options{
		From: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(huge.Result.Quantities) != 1 {
		t.Fatalf("%d quantities over the centuries, want 1", len(huge.Result.Quantities))
	}
	got, want := huge.Result.Quantities[0].Stats, held.Result.Quantities[0].Stats
	if got.Avg != want.Avg || got.Total != want.Total || got.Overall != want.Overall { // min and max depend on the step
		t.Errorf("over the centuries %+v, over the stored span %+v", got, want)
	}
	if fmt.Sprint(huge.Gaps) != fmt.Sprint(held.Gaps) {
		t.Errorf("gaps over the centuries %v, over the stored span %v", huge.Gaps, held.Gaps)
	}
}
