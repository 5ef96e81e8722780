package synth

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// The synthetic processes follow the collector's contract: every sample
// set's processes and remainder add up to the host's user+nice+system CPU
// time over the minute; cc1 comes and goes with a new pid each time.
func TestProcessesAddUp(t *testing.T) {
	h := DefaultHost()
	h.Processes = 3
	g := New(h, 1)
	start := time.Date(2025, 3, 10, 0, 55, 0, 0, time.UTC)
	var prevBusy float64
	pids := map[string]bool{}
	err := g.Minutes(start, 30, func(ts time.Time, ss []tsdb.Sample) error {
		var busy, procs float64
		for _, s := range ss {
			switch {
			case s.Series.Metric == "srvmon_cpu_seconds_total":
				if m := s.Series.Get("mode"); m == "user" || m == "nice" || m == "system" {
					busy += s.Value
				}
			case s.Series.Metric == "srvmon_process_cpu_seconds":
				procs += s.Value
				if s.Series.Get("comm") == "cc1" {
					pids[s.Series.Get("pid")] = true
				}
			}
		}
		if ts.After(start) && math.Abs(procs-(busy-prevBusy)) > 1e-6 {
			t.Errorf("%v: processes %g s, host %g s", ts, procs, busy-prevBusy)
		}
		prevBusy = busy
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 3 {
		t.Errorf("cc1 pids %v, want 3 in 30 minutes", pids)
	}
}

// A store of the synthetic host with processes answers Top with the tar
// backup first by IO in the second hour of the day, and cc1 first by CPU
// while it runs (minutes 0 to 2 of every 10).
func TestStoreWithProcesses(t *testing.T) {
	h := DefaultHost()
	h.Processes = 3
	day := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	s, err := tsdb.Create(filepath.Join(t.TempDir(), "s"), tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return day.AddDate(0, 0, 2) }))
	if err != nil {
		t.Fatal(err)
	}
	series, pts := New(h, 1).Points(day.Add(50*time.Minute), 30)
	if _, err := s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for i, ser := range series {
			for _, p := range pts[i] {
				if err := yield(ser, p); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	at := day.Add(61*time.Minute + 30*time.Second)
	r, err := query.Top(context.Background(), s, query.TopOptions{At: at, From: day, To: day.AddDate(0, 0, 1), By: "io"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Processes[0].Comm != "tar" || math.Abs(r.Processes[0].ReadRate-8<<20) > 0.25*(8<<20) {
		t.Errorf("by io at 01:01:30: %+v", r.Processes[0])
	}
	r, err = query.Top(context.Background(), s, query.TopOptions{At: at, From: day, To: day.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Processes[0].Comm != "cc1" {
		t.Errorf("by cpu at 01:01:30: %+v", r.Processes[0])
	}
	sv, err := query.Services(context.Background(), s, query.ServicesOptions{From: day, To: day.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.Services) != 6 || sv.Services[0].Cgroup != "system.slice/app.service" && sv.Services[0].Cgroup != "user.slice" {
		t.Errorf("services: %+v", sv.Services)
	}
}
