package tsdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as a writer process that the crash
// tests kill with SIGKILL at random instants.
func TestMain(m *testing.M) {
	if os.Getenv("SRVMON_TSDB_CHILD") != "" {
		os.Exit(childWriter())
	}
	os.Exit(m.Run())
}

// childWriter appends one sample set of n series at time T and runs
// Maintain with the clock at NOW, like one `srvmon record` run.
func childWriter() int {
	dir := os.Getenv("SRVMON_TSDB_DIR")
	t, _ := strconv.ParseInt(os.Getenv("SRVMON_TSDB_T"), 10, 64)
	now, _ := strconv.ParseInt(os.Getenv("SRVMON_TSDB_NOW"), 10, 64)
	n, _ := strconv.Atoi(os.Getenv("SRVMON_TSDB_N"))
	s, err := Open(dir, withClock(func() time.Time { return time.Unix(now, 0) }), WithLockTimeout(time.Minute))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer w.Close()
	if err := w.Append(time.Unix(t, 0), crashSet(t, n)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := w.Maintain(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// crashSet is the sample set written at time t: values derive from t so
// that the checker knows what every acknowledged set must read back as.
// Which of the n series it holds changes from set to set (crashHas), so
// that sets define their schemas by changes (headschema.go).
func crashSet(t int64, n int) []Sample {
	var out []Sample
	for i := range n {
		if crashHas(t, i) {
			out = append(out, Sample{NewSeries("srvmon_crash_test_total", "i", strconv.Itoa(i), "instance", "h"), float64(t*1000 + int64(i))})
		}
	}
	return out
}

// crashHas tells whether the set at t holds series i: the even ones
// always, each odd one in four sets of five.
func crashHas(t int64, i int) bool {
	return i%2 == 0 || (t/60+int64(i))%5 != 0
}

// TestKillAtRandomInstants kills writer processes with SIGKILL at random
// points, during appends and during compactions of a full day, and checks
// after every kill that the store opens, that every acknowledged sample
// set reads back exactly once with its values, and that the next writer
// succeeds.
func TestKillAtRandomInstants(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns many processes")
	}
	iterations := 60
	if v, err := strconv.Atoi(os.Getenv("SRVMON_KILL_ITERATIONS")); err == nil {
		iterations = v
	}
	const nSeries = 150
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := Create(dir); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	acked := map[int64]bool{}
	var killed, completed, killedDuringCompaction int
	base := day0.Unix()
	tick := base
	day := dayOf(base)
	var runLen [2]time.Duration // 0: not measured yet, let the run finish
	for it := 0; it < iterations; it++ {
		// Every fifth run is the first of a new day: it compacts the
		// previous day's head log (one set a minute since the last
		// compaction, a few hundred).
		compacting := it%5 == 4
		if compacting {
			day++
			tick = day * secondsInDay
		} else {
			tick += 60
		}
		// Fill the head with sets written directly (acknowledged) so that
		// a compaction has real work to be killed in.
		if it%5 == 0 {
			s, _ := Open(dir, withClock(func() time.Time { return time.Unix(tick, 0) }))
			w, err := s.Lock(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < 300; k++ {
				tick += 60
				if err := w.Append(time.Unix(tick, 0), crashSet(tick, nSeries)); err != nil {
					t.Fatal(err)
				}
				acked[tick] = true
			}
			w.Close()
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SRVMON_TSDB_CHILD=1", "SRVMON_TSDB_DIR="+dir,
			"SRVMON_TSDB_T="+strconv.FormatInt(tick, 10), "SRVMON_TSDB_NOW="+strconv.FormatInt(tick, 10),
			"SRVMON_TSDB_N="+strconv.Itoa(nSeries))
		var stderr []byte
		cmd.Stderr = writerFunc(func(p []byte) (int, error) { stderr = append(stderr, p...); return len(p), nil })
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill at a uniformly random instant of the run's expected
		// length, learnt from the runs that completed (the machine and
		// the race detector change it a lot).
		kind := 0
		if compacting {
			kind = 1
		}
		started := time.Now()
		timer := time.AfterFunc(time.Hour, func() {})
		if runLen[kind] > 0 {
			delay := time.Duration(rng.Int64N(int64(runLen[kind]) * 5 / 4))
			timer = time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		}
		err := cmd.Wait()
		timer.Stop()
		switch {
		case err == nil:
			acked[tick] = true
			completed++
			runLen[kind] = max(runLen[kind], time.Since(started))
		case cmd.ProcessState != nil && cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled():
			killed++
			if compacting {
				killedDuringCompaction++
			}
		default:
			t.Fatalf("run %d: writer failed: %v\n%s", it, err, stderr)
		}
		checkAcked(t, dir, acked, nSeries, tick)
	}
	t.Logf("%d runs: %d completed, %d killed (%d during a compaction), %d acknowledged sample sets, none lost",
		iterations, completed, killed, killedDuringCompaction, len(acked))
	if killed == 0 || completed == 0 {
		t.Fatalf("the test did not exercise both outcomes: %d killed, %d completed", killed, completed)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// checkAcked opens the store afresh and checks every acknowledged set.
func checkAcked(t *testing.T, dir string, acked map[int64]bool, n int, now int64) {
	t.Helper()
	s, err := Open(dir, withClock(func() time.Time { return time.Unix(now, 0) }))
	if err != nil {
		t.Fatalf("store does not open after a kill: %v", err)
	}
	seen := map[int64]int{}
	// Only the last two days can change: older days are blocks that no
	// later run touches.
	from := (dayOf(now) - 1) * secondsInDay
	err = s.Read(context.Background(), time.Unix(from, 0), time.Unix(now+1, 0), nil, func(ser Series, pts []Point) error {
		i, _ := strconv.Atoi(ser.Get("i"))
		for j, p := range pts {
			if !crashHas(p.T, i) {
				return fmt.Errorf("%s read at %d, where it was not written", ser.Key(), p.T)
			}
			if j > 0 && p.T <= pts[j-1].T {
				return fmt.Errorf("%s: time %d read twice or out of order", ser.Key(), p.T)
			}
			if p.V != float64(p.T*1000+int64(i)) {
				return fmt.Errorf("%s at %d: value %v", ser.Key(), p.T, p.V)
			}
			seen[p.T]++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read after a kill: %v", err)
	}
	for ts := range acked {
		if want := len(crashSet(ts, n)); ts >= from && seen[ts] != want {
			t.Fatalf("acknowledged set at %d: %d of %d series read back", ts, seen[ts], want)
		}
	}
}
