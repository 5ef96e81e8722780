package query

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
)

// sarSeconds is how long TestE2ESarAgreement records.
const sarSeconds = 10

// Tolerances of TestE2ESarAgreement. srvmon and sar read the same kernel
// counters at instants a few milliseconds apart, so over ten seconds their
// averages differ only by what happened in those milliseconds at both ends
// (and memory by what changed between two reads).
const (
	sarCPUPoints   = 2.0       // CPU %: percentage points
	sarMemFraction = 0.01      // memory used: 1% of MemTotal ...
	sarMemBytes    = 64 << 20  // ... or 64 MiB, whichever is larger
	sarRateFrac    = 0.10      // bytes/s: 10% ...
	sarRateBytes   = 512 << 10 // ... or 512 KiB/s, whichever is larger
	sarUtilPoints  = 5.0       // disk % util: percentage points
	// disk await: 10% or 0.02 ms, whichever is larger. sar prints await in
	// ms with two decimals, so 0.02 ms is two of its last digits; 10% is
	// what the I/Os completed in the few milliseconds between sar's and
	// srvmon's reads at both ends can move a ratio over the hundreds or
	// thousands of I/Os that makeLoad's writes and discards complete in
	// ten seconds. (It was 1 ms, about this machine's whole await; two runs
	// here: 1.2327 vs 1.23 ms and 1.9716 vs 1.97 ms with 3.5 and 5.5 MB/s
	// discarded.)
	sarAwaitFrac = 0.10
	sarAwaitMs   = 0.02
	sarQueueFrac = 0.10 // disk aqu-sz: 10% ...
	sarQueue     = 0.05 // ... or 0.05, whichever is larger
	sarFSPoints  = 0.5  // filesystem %: percentage points (files are written meanwhile)
	dfPoints     = 1.0  // df rounds Capacity up to a whole percent
)

// TestE2ESarAgreement records this machine once a second with the real
// sampler while sar (sysstat) watches the same seconds, and checks that the
// averages srvmon computes over the interval (query.Stats.Avg, the number
// every renderer prints) agree with sar's "Average:" (and -F's "Summary:")
// lines: CPU % per mode (sar -u), memory used (-r: kbmemused and
// %memused), per disk bytes read and written, await, aqu-sz and %util
// (-d), bytes received and sent per network interface (-n DEV), and per
// filesystem %fsused and %ufsused (-F); and that fs %used is df's Use%,
// within the tolerances above. It makes some disk,
// network and CPU activity meanwhile so that the numbers are not all zero.
func TestE2ESarAgreement(t *testing.T) {
	if testing.Short() {
		t.Skip("records for ten seconds")
	}
	var dfOut []byte
	rec := recordBesideSar(t, []string{"boot", "cpu", "diskstats", "filesystem", "meminfo", "netdev"},
		[]string{"-u", "ALL", "-r", "-d", "-p", "-n", "DEV", "-F", "MOUNT"}, makeLoad, func() {
			// df right after the last sample set: filesystems change meanwhile.
			var err error
			if dfOut, err = exec.Command("df", "-P").Output(); err != nil {
				t.Fatalf("df -P: %v", err)
			}
		})
	ctx, s, t0, sets := context.Background(), rec.store, rec.t0, rec.sets
	sar := parseSarAverages(rec.out)
	t.Logf("sar output:\n%s", rec.out)

	// The range holds the sample sets at t0 ... t0+10s: sar's instants.
	o := Options{From: t0, To: t0.Add((sarSeconds + 1) * time.Second)}
	// sar's memory figures are the average of its ten readings at t0+1s ...
	// t0+10s: its reading at t0 only starts the rates.
	gauges := Options{From: t0.Add(time.Second), To: o.To}
	avgOver := func(view string, o Options) map[string]float64 { // "name/key" → average
		sum, err := Summarize(ctx, s, view, o)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Result.Step != 0 {
			t.Fatalf("%s: step %s, want every sample", view, sum.Result.Step)
		}
		out := map[string]float64{}
		for _, ser := range sum.Result.Quantities {
			out[ser.Name+"/"+tsdb.Series{Labels: ser.Labels}.Get("device")] = ser.Stats.Avg
		}
		return out
	}
	avg := func(view string) map[string]float64 { return avgOver(view, o) }

	// CPU %. sar -u ALL shows user and nice without the guest time, which
	// the kernel (and srvmon) count in them; system without irq and soft.
	cpu := avg("cpu")
	all := sar.find(t, "CPU", "all")
	for _, c := range []struct {
		name string
		sar  float64
	}{
		{"user", all["%usr"] + all["%guest"]}, {"nice", all["%nice"] + all["%gnice"]}, {"system", all["%sys"]},
		{"iowait", all["%iowait"]}, {"irq", all["%irq"]}, {"softirq", all["%soft"]}, {"steal", all["%steal"]}, {"idle", all["%idle"]},
	} {
		got := cpu[c.name+"/"]
		t.Logf("cpu %-8s srvmon %6.2f  sar %6.2f", c.name, got, c.sar)
		if math.Abs(got-c.sar) > sarCPUPoints {
			t.Errorf("cpu %s: srvmon %.2f%%, sar %.2f%%: more than %.1f points apart", c.name, got, c.sar, sarCPUPoints)
		}
	}

	mem := avgOver("mem", gauges)
	sm := sar.find(t, "kbmemfree", "")
	total := 100 * sm["kbmemused"] * 1024 / sm["%memused"]
	memTol := math.Max(sarMemFraction*total, sarMemBytes)
	t.Logf("mem used  srvmon %.0f  sar %.0f bytes; %%used srvmon %.2f sar %.2f", mem["used/"], sm["kbmemused"]*1024, mem["%used/"], sm["%memused"])
	if d := math.Abs(mem["used/"] - sm["kbmemused"]*1024); d > memTol {
		t.Errorf("memory used: srvmon %.0f, sar %.0f bytes: %.0f apart, more than %.0f", mem["used/"], sm["kbmemused"]*1024, d, memTol)
	}
	if d := math.Abs(mem["%used/"] - sm["%memused"]); d > 100*memTol/total {
		t.Errorf("%% memory used: srvmon %.2f, sar %.2f", mem["%used/"], sm["%memused"])
	}

	// rateOK compares a rate's averages. Besides sarRateFrac or
	// sarRateBytes it allows what sar may have missed or added at the ends:
	// sar's first reading comes when its sadc child has started, up to half
	// a second after srvmon's on a loaded machine (CI once saw 16 MB/s of
	// writeback in the first second move the average by 1 MB/s), and its
	// intervals drift 10-20 ms each (rates like 170.30 tps): sarEnds.
	rateOK := func(what string, got, want float64, perSec []float64) {
		t.Helper()
		ends := sarEnds(perSec, want)
		tol := math.Max(sarRateFrac*math.Max(got, want), sarRateBytes) + ends
		t.Logf("%-22s srvmon %12.0f  sar %12.0f (ends allow %.0f)", what, got, want, ends)
		if math.Abs(got-want) > tol {
			t.Errorf("%s: srvmon %.0f, sar %.0f bytes/s: more than %.0f apart", what, got, want, tol)
		}
	}
	kB := func(section, key, col string) []float64 {
		v := sarPerSecond(rec.out, section, key, col)
		for i := range v {
			v[i] *= 1024
		}
		return v
	}
	disk := avg("disk")
	hasDiscards := false
	for _, ser := range samplesOf(sets[0]) {
		hasDiscards = hasDiscards || ser == "node_disk_discards_completed_total"
	}
	compared := 0
	for _, row := range sar.rows("DEV") {
		dev := row.key
		if _, ok := disk["rbytes/s/"+dev]; !ok {
			continue // sar shows devices srvmon leaves out (zram, partitions)
		}
		compared++
		rateOK("disk "+dev+" read", disk["rbytes/s/"+dev], row.v["rkB/s"]*1024, kB("DEV", dev, "rkB/s"))
		rateOK("disk "+dev+" written", disk["wbytes/s/"+dev], row.v["wkB/s"]*1024, kB("DEV", dev, "wkB/s"))
		// sysstat's await counts discards; so does srvmon's where the
		// kernel has discard counters (4.18 and later).
		if row.v["dkB/s"] == 0 || hasDiscards {
			t.Logf("disk %s: %.0f I/Os a second, %.0f kB/s discarded", dev, row.v["tps"], row.v["dkB/s"])
			tps, await := sarPerSecond(rec.out, "DEV", dev, "tps"), sarPerSecond(rec.out, "DEV", dev, "await")
			withinPlus(t, "disk "+dev+" await (ms)", 1000*disk["await/"+dev], row.v["await"], sarAwaitFrac, sarAwaitMs, sarRatioEnds(await, tps))
		} else {
			t.Logf("disk %s await not compared: %.0f kB/s discarded, which this kernel does not count", dev, row.v["dkB/s"])
		}
		within(t, "disk "+dev+" aqu-sz", disk["aqu-sz/"+dev], row.v["aqu-sz"], sarQueueFrac, sarQueue)
		t.Logf("disk %s util srvmon %.2f sar %.2f", dev, disk["util/"+dev], row.v["%util"])
		if d := math.Abs(disk["util/"+dev] - row.v["%util"]); d > sarUtilPoints {
			t.Errorf("disk %s %%util: srvmon %.2f, sar %.2f", dev, disk["util/"+dev], row.v["%util"])
		}
	}
	if compared == 0 && len(sar.rows("DEV")) > 0 {
		t.Errorf("no disk in common: sar shows %v", sar.rows("DEV"))
	}
	netv := avg("net")
	compared = 0
	for _, row := range sar.rows("IFACE") {
		iface := row.key
		if _, ok := netv["rxbytes/s/"+iface]; !ok {
			continue
		}
		compared++
		rateOK("net "+iface+" received", netv["rxbytes/s/"+iface], row.v["rxkB/s"]*1024, kB("IFACE", iface, "rxkB/s"))
		rateOK("net "+iface+" sent", netv["txbytes/s/"+iface], row.v["txkB/s"]*1024, kB("IFACE", iface, "txkB/s"))
	}
	if compared == 0 {
		t.Errorf("no network interface in common: sar shows %v", sar.rows("IFACE"))
	}

	fs := statsBy(t, ctx, s, "fs", o, "mountpoint", func(st Stats) float64 { return st.Avg })
	compared = 0
	for _, row := range sar.rows("MOUNTPOINT") {
		mnt := row.key
		if _, ok := fs["%fsused/"+mnt]; !ok {
			continue // sar shows filesystems srvmon leaves out
		}
		compared++
		within(t, "fs "+mnt+" %fsused", fs["%fsused/"+mnt], row.v["%fsused"], 0, sarFSPoints)
		within(t, "fs "+mnt+" %ufsused", fs["%ufsused/"+mnt], row.v["%ufsused"], 0, sarFSPoints)
	}
	if compared == 0 {
		t.Errorf("no filesystem in common: sar shows %v", sar.rows("MOUNTPOINT"))
	}
	fsLast := statsBy(t, ctx, s, "fs", o, "mountpoint", func(st Stats) float64 { return st.Last })
	compared = 0
	for _, line := range strings.Split(string(dfOut), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		mnt := strings.Join(f[5:], " ")
		got, ok := fsLast["%used/"+mnt]
		if !ok || strings.HasPrefix(mnt, os.TempDir()) {
			continue // not recorded, or a test's own mount that comes and goes
		}
		capacity, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err != nil {
			continue
		}
		compared++
		t.Logf("fs %-20s %%used srvmon %6.2f (last sample)  df %3.0f%%", mnt, got, capacity)
		if got > capacity+0.01 || got < capacity-dfPoints-sarFSPoints {
			t.Errorf("fs %s: srvmon %%used %.2f, df's Use%% %.0f (rounded up)", mnt, got, capacity)
		}
	}
	if compared == 0 {
		t.Errorf("no filesystem in common with df:\n%s", dfOut)
	}
}

// sarRecording is what recordBesideSar recorded.
type sarRecording struct {
	store *tsdb.Store     // the sample sets, one a second from t0
	t0    time.Time       // the first sample set's time, sar's first reading
	sets  [][]tsdb.Sample // the sample sets
	out   string          // sar's output (LC_ALL=C)
}

// recordBesideSar records this machine with the collectors once a second
// for sarSeconds while sar with sarArgs watches the same seconds (sar is
// started just before a whole second, so that its readings and srvmon's
// fall within milliseconds of each other), with load running meanwhile;
// after is called right after the last sample set. Sample sets are kept in
// memory and appended afterwards, so that a slow fsync cannot delay a
// reading. It skips without sar, or fails under CI=true.
func recordBesideSar(t *testing.T, collectors, sarArgs []string, load func(context.Context, *testing.T, string) func(), after func()) sarRecording {
	t.Helper()
	sarPath, err := exec.LookPath("sar")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sar (sysstat) is not installed; .ci/run installs it")
		}
		t.Skip("sar (sysstat) is not installed")
	}
	dir := t.TempDir()
	s, err := tsdb.Create(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	smp, err := sampler.New(collectors, sampler.Options{Instance: "sar"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopLoad := load(ctx, t, dir)
	defer stopLoad()
	w, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	t0 := time.Now().Truncate(time.Second).Add(2 * time.Second)
	time.Sleep(time.Until(t0.Add(-10 * time.Millisecond)))
	var sarOut, sarErr bytes.Buffer
	cmd := exec.Command(sarPath, append(sarArgs, "1", strconv.Itoa(sarSeconds))...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "S_COLORS=never", "S_TIME_FORMAT=ISO")
	cmd.Stdout, cmd.Stderr = &sarOut, &sarErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sets := make([][]tsdb.Sample, sarSeconds+1)
	for i := range sets {
		tick := t0.Add(time.Duration(i) * time.Second)
		time.Sleep(time.Until(tick))
		if late := time.Since(tick); late > 100*time.Millisecond {
			t.Logf("sample set %d read %s late", i, late)
		}
		samples, errs := smp.Sample(ctx)
		for _, err := range errs {
			t.Logf("sampler: %v", err)
		}
		sets[i] = samples
	}
	if after != nil {
		after()
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sar: %v: %s", err, sarErr.String())
	}
	stopLoad()
	for i, samples := range sets {
		if err := w.Append(t0.Add(time.Duration(i)*time.Second), samples); err != nil {
			t.Fatal(err)
		}
	}
	return sarRecording{store: s, t0: t0, sets: sets, out: sarOut.String()}
}

// statsBy returns a statistic of view over o by "name/value of label".
func statsBy(t *testing.T, ctx context.Context, s *tsdb.Store, view string, o Options, label string, stat func(Stats) float64) map[string]float64 {
	t.Helper()
	sum, err := Summarize(ctx, s, view, o)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, q := range sum.Result.Quantities {
		out[q.Name+"/"+tsdb.Series{Labels: q.Labels}.Get(label)] = stat(q.Stats)
	}
	return out
}

// within checks that srvmon's got is within frac of sar's want, or abs,
// whichever is larger.
func within(t *testing.T, what string, got, want, frac, abs float64) {
	t.Helper()
	withinPlus(t, what, got, want, frac, abs, 0)
}

// withinPlus is within with extra added to the tolerance (sarEnds).
func withinPlus(t *testing.T, what string, got, want, frac, abs, extra float64) {
	t.Helper()
	tol := math.Max(frac*math.Max(math.Abs(got), math.Abs(want)), abs) + extra
	t.Logf("%-28s srvmon %12.4f  sar %12.4f (tolerance %.4f)", what, got, want, tol)
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s: srvmon %.4f, sar %.4f: more than %.4f apart", what, got, want, tol)
	}
}

// sarAverages are the rows of the "Average:" lines of sar's output, per
// section (named by the section's first column).
type sarAverages map[string][]sarRow

type sarRow struct {
	key string             // value of the key column (CPU, DEV, IFACE), "" if none
	v   map[string]float64 // column → value
}

// parseSarAverages reads the "Average:" sections of sar's output (LC_ALL=C):
// each is a header line, then one line per CPU, device or interface, then a
// blank line.
func parseSarAverages(out string) sarAverages {
	res := sarAverages{}
	var header []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			header = nil
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Average:" && f[0] != "Summary:" {
			continue
		}
		f = f[1:]
		if header == nil {
			header = f
			continue
		}
		row := sarRow{v: map[string]float64{}}
		section := header[0]
		for i, name := range header {
			if i >= len(f) {
				break
			}
			switch name {
			case "CPU", "DEV", "IFACE", "MOUNTPOINT":
				row.key, section = f[i], name
			default:
				if x, err := strconv.ParseFloat(f[i], 64); err == nil {
					row.v[name] = x
				}
			}
		}
		res[section] = append(res[section], row)
	}
	return res
}

func (a sarAverages) rows(section string) []sarRow { return a[section] }

// sarEnds is what a rate's ten-second average may gain or lose at its ends
// because sar reads at other instants than srvmon (see rateOK). Shifting a
// window, or making it a little shorter, moves its average only where the
// rate at its ends differs from the average: half a second's worth of
// that difference at each end (perSec, sar's per-second rows, against
// avg, its average), over the ten seconds. A steady rate gets nothing.
func sarEnds(perSec []float64, avg float64) float64 {
	if n := len(perSec); n > 0 {
		return 0.5 * (math.Abs(perSec[0]-avg) + math.Abs(perSec[n-1]-avg)) / sarSeconds
	}
	return 0
}

// sarRatioEnds is sarEnds for a ratio of sums, such as await (the time of
// the I/Os over their number): how far sar's average of ratio (per second,
// weighted by weight) moves when half of the first or of the last second's
// I/Os and time are left out or counted twice. CI saw a discard of 1 GB
// in the first second, 22 I/Os of 95 ms each, move await from 3.42 ms
// (sar) to 3.88 ms (srvmon). Steady seconds give about nothing.
func sarRatioEnds(ratio, weight []float64) float64 {
	n := len(ratio)
	if n == 0 || len(weight) != n {
		return 0
	}
	var num, den float64
	for i := range ratio {
		num += ratio[i] * weight[i]
		den += weight[i]
	}
	if den == 0 {
		return 0
	}
	avg, worst := num/den, 0.0
	for _, i := range []int{0, n - 1} {
		for _, f := range []float64{-0.5, 0.5} {
			if d := den + f*weight[i]; d > 0 {
				worst = math.Max(worst, math.Abs((num+f*ratio[i]*weight[i])/d-avg))
			}
		}
	}
	return worst
}

// sarPerSecond returns, in order, the values of column col in the
// per-interval rows (not "Average:") of sar's output whose key column
// (DEV, IFACE) is key; with keyCol "", of the section that has col.
func sarPerSecond(out, keyCol, key, col string) []float64 {
	var vals []float64
	ki, ci := -1, -1 // columns of the key and of col in the current section
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] == "Average:" || f[0] == "Summary:" {
			ki, ci = -1, -1
			continue
		}
		if i, j := slices.Index(f, keyCol), slices.Index(f, col); j > 0 && (i > 0 || keyCol == "") {
			ki, ci = i, j // a header line
			continue
		}
		if ci > 0 && ci < len(f) && (keyCol == "" || ki > 0 && ki < len(f) && f[ki] == key) {
			if x, err := strconv.ParseFloat(f[ci], 64); err == nil {
				vals = append(vals, x)
			}
		}
	}
	return vals
}

// find returns the row of section whose key is key.
func (a sarAverages) find(t *testing.T, section, key string) map[string]float64 {
	t.Helper()
	for _, r := range a[section] {
		if r.key == key {
			return r.v
		}
	}
	t.Fatalf("sar printed no Average row %s %q", section, key)
	return nil
}

// makeLoad writes and syncs a file, sends bytes over loopback TCP and keeps
// a CPU partly busy until the returned function is called.
func makeLoad(ctx context.Context, t *testing.T, dir string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(4)
	go func() { // sink
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c)
	}()
	go func() { // 1 MiB every 50 ms over loopback
		defer wg.Done()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 1<<20)
		for ctx.Err() == nil {
			if _, err := c.Write(buf); err != nil {
				return
			}
			sleepCtx(ctx, 50*time.Millisecond)
		}
	}()
	go func() { // 256 KiB written and synced every 100 ms
		defer wg.Done()
		f, err := os.Create(filepath.Join(dir, "load"))
		if err != nil {
			return
		}
		defer f.Close()
		buf := bytes.Repeat([]byte("srvmon"), 256<<10/6)
		for i := 0; ctx.Err() == nil; i++ {
			if i%40 == 0 {
				f.Seek(0, io.SeekStart)
			}
			f.Write(buf)
			f.Sync()
			sleepCtx(ctx, 100*time.Millisecond)
		}
	}()
	go func() { // a quarter of a CPU
		defer wg.Done()
		for ctx.Err() == nil {
			end := time.Now().Add(5 * time.Millisecond)
			for time.Now().Before(end) {
			}
			sleepCtx(ctx, 15*time.Millisecond)
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			ln.Close()
			wg.Wait()
		})
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// samplesOf returns the metric names of a sample set.
func samplesOf(set []tsdb.Sample) []string {
	names := make([]string, len(set))
	for i, smp := range set {
		names[i] = smp.Series.Metric
	}
	return names
}
