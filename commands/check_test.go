package commands

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/metric"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// checkT0 is the first sample set of checkStore.
var checkT0 = time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC)

func checkAt(m int) string { return checkT0.Add(time.Duration(m) * time.Minute).Format(time.RFC3339) }

// checkStore records a host every minute from checkT0 to minute 20: CPU
// 95% busy in the intervals ending at minutes 6..17 (a 12-minute plateau
// from 10:05 to 10:17), 80% in the interval 18, 10% otherwise; "/" 50%
// used.
func checkStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return checkT0.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	smp := func(name string, v float64, kv ...string) tsdb.Sample {
		return tsdb.Sample{Series: tsdb.NewSeries(name, append([]string{"instance", "h1"}, kv...)...), Value: v}
	}
	var busy, idle float64
	for m := 0; m <= 20; m++ {
		if m > 0 {
			b := 0.10
			switch {
			case m >= 6 && m <= 17:
				b = 0.95
			case m == 18:
				b = 0.80
			}
			busy += 60 * b
			idle += 60 * (1 - b)
		}
		set := []tsdb.Sample{smp(metric.BootInfo, 1, "boot_id", "b"),
			smp("srvmon_cpu_seconds_total", busy, "mode", "user"), smp("srvmon_cpu_seconds_total", idle, "mode", "idle"),
			smp("node_filesystem_size_bytes", 100e9, "mountpoint", "/"), smp("node_filesystem_free_bytes", 50e9, "mountpoint", "/"),
			smp("node_filesystem_avail_bytes", 50e9, "mountpoint", "/")}
		for _, mode := range []string{"nice", "system", "iowait", "irq", "softirq", "steal"} {
			set = append(set, smp("srvmon_cpu_seconds_total", 0, "mode", mode))
		}
		if err := w.Append(checkT0.Add(time.Duration(m)*time.Minute), set); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rePerf is one item of performance data, label=value[UOM];warn;crit;min;max.
var rePerf = regexp.MustCompile(`^('[^'=]+'|[^' =]+)=(U|-?[0-9]+(\.[0-9]+)?)(%|s|B|c)?;(-?[0-9.]+:?)?;(-?[0-9.]+:?)?;(-?[0-9.]+)?;(-?[0-9.]+)?$`)

// checkPluginOutput checks that out is plugin output: a first line
// "SRVMON STATE - text [| perfdata]", further lines "STATE: text",
// perfdata after " | " on the first and the last line only.
func checkPluginOutput(t *testing.T, out string, state string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "SRVMON "+state+" - ") {
		t.Fatalf("first line %q does not start with SRVMON %s - ", lines[0], state)
	}
	for i, l := range lines {
		text, perf, ok := strings.Cut(l, " | ")
		if !ok {
			continue
		}
		if i != 0 && i != len(lines)-1 {
			t.Errorf("line %d %q has performance data in the middle of the long output", i+1, l)
		}
		if i > 0 && !regexp.MustCompile(`^(OK|WARNING|CRITICAL|UNKNOWN): `).MatchString(text) {
			t.Errorf("line %d %q does not start with a state", i+1, l)
		}
		for _, p := range strings.Fields(perf) {
			if !rePerf.MatchString(p) {
				t.Errorf("line %d: %q is not label=value[UOM];warn;crit;min;max", i+1, p)
			}
		}
	}
}

func TestCheck_PluginOutputAndExit(t *testing.T) {
	dir := checkStore(t)
	tests := []struct {
		name  string
		args  []string
		code  int
		lines []string // exact lines
	}{
		{"Critical", []string{"--at", checkAt(16), "cpu.busy > 90% for 10m", "--warn", "cpu.busy > 75% for 10m", "fs.%used > 90%"}, 2, []string{
			"SRVMON CRITICAL - cpu.busy 95.0% > 90% for 10m (since 10:05) | cpu_busy=95.0%;75;90;0;100 cpu_busy_lowest=95.0%;75;90;0;100",
			"OK: fs.%used 50.0% | fs_pct_used=50.0%;;90;0;100",
		}},
		{"Warning", []string{"--at", checkAt(18), "cpu.busy > 90% for 10m", "--warn", "cpu.busy > 75% for 10m"}, 1, []string{
			"SRVMON WARNING - cpu.busy 93.5% > 75% for 10m (since 10:05) | cpu_busy=93.5%;75;90;0;100 cpu_busy_lowest=80.0%;75;90;0;100",
		}},
		{"OK", []string{"--at", checkAt(20), "cpu.busy > 90% for 10m", "fs.%used{mountpoint=\"/\"} >= 90%"}, 0, []string{
			"SRVMON OK - cpu.busy not > 90% for 10m: lowest 10.0% at 10:20 (avg 76.5%) | cpu_busy=76.5%;;90;0;100 cpu_busy_lowest=10.0%;;90;0;100",
			`OK: fs.%used{mountpoint="/"} 50.0% | fs_pct_used_/=50.0%;;90;0;100`,
		}},
		{"QuietOK", []string{"--at", checkAt(20), "--quiet-ok", "cpu.busy > 90% for 10m"}, 0, nil},
		{"QuietOKNotQuietOnProblems", []string{"--at", checkAt(16), "--quiet-ok", "cpu.busy > 90% for 10m"}, 2, []string{
			"SRVMON CRITICAL - cpu.busy 95.0% > 90% for 10m (since 10:05) | cpu_busy=95.0%;;90;0;100 cpu_busy_lowest=95.0%;;90;0;100",
		}},
		{"TooLittleData", []string{"--at", checkAt(16), "cpu.busy > 5% for 1h", "fs.%used > 90%"}, 3, []string{
			"SRVMON UNKNOWN - cpu.busy: too little data: cpu.busy > 5% for 1h held for the 16m recorded, less than 1h | cpu_busy=U;;5;0;100 cpu_busy_lowest=U;;5;0;100",
			"OK: fs.%used 50.0% | fs_pct_used=50.0%;;90;0;100",
		}},
		{"CriticalBeatsUnknown", []string{"--at", checkAt(16), "cpu.busy > 5% for 1h", "cpu.busy > 90%"}, 2, []string{
			"SRVMON CRITICAL - cpu.busy 95.0% > 90% (since 10:05) | cpu_busy=95.0%;;90;0;100",
			"UNKNOWN: cpu.busy: too little data: cpu.busy > 5% for 1h held for the 16m recorded, less than 1h | cpu_busy=U;;5;0;100 cpu_busy_lowest=U;;5;0;100",
		}},
		{"Stale", []string{"--at", checkAt(26), "cpu.busy > 90%", "status.age > 5m"}, 2, []string{
			"SRVMON CRITICAL - status.age 360 s > 5m (since 10:20) | status_age=360s;;300;0;",
			"UNKNOWN: cpu.busy: the newest sample of cpu is 6m old, more than 5m (is srvmon record running? see status.age) | cpu_busy=U;;90;0;100",
		}},
		{"BadExpression", []string{"cpu.busy > 90" + "MiB"}, 3, []string{
			`SRVMON UNKNOWN - bad check "cpu.busy > 90MiB": at column 12: the column is a percentage; write the threshold like 90%, got "90MiB"; the form is VIEW.COLUMN[{LABEL="VALUE",...}] OP THRESHOLD [for DURATION]`,
		}},
		{"NoSuchSeries", []string{"--at", checkAt(16), `fs.%used{mountpoint="/srv"} > 90%`}, 3, []string{
			`SRVMON UNKNOWN - fs.%used{mountpoint="/srv"}: no series of fs.%used{mountpoint="/srv"} matches mountpoint="/srv"; there are: mountpoint="/" | fs_pct_used_/srv=U;;90;0;100`,
		}},
		{"NoChecks", nil, 3, []string{
			"SRVMON UNKNOWN - no checks given; pass expressions such as 'cpu.busy > 90% for 10m', --warn EXPR or --file FILE (see 'srvmon check --help')",
		}},
		{"BadFlag", []string{"--nosuch"}, 3, []string{
			"SRVMON UNKNOWN - unknown flag --nosuch for 'srvmon check'; run 'srvmon check --help' for the valid flags",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"check", "--utc", "--data", dir}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			if tt.lines == nil {
				if stdout != "" {
					t.Errorf("output %q, want none", stdout)
				}
				return
			}
			if want := strings.Join(tt.lines, "\n") + "\n"; stdout != want {
				t.Errorf("output\n%s\nwant\n%s", stdout, want)
			}
			checkPluginOutput(t, stdout, []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[tt.code])
		})
	}
	code, stdout, _ := run(t, "check", "--data", filepath.Join(t.TempDir(), "none"), "cpu.busy > 90%")
	if code != 3 || !strings.HasPrefix(stdout, "SRVMON UNKNOWN - no store in ") {
		t.Errorf("missing store: exit status %d, output %q", code, stdout)
	}
}

func TestCheck_File(t *testing.T) {
	dir := checkStore(t)
	file := filepath.Join(t.TempDir(), "checks")
	os.WriteFile(file, []byte(`# the host's checks
cpu: cpu.busy > 90% for 10m
warn cpu: cpu.busy > 75% for 10m

root: fs.%used{mountpoint="/"} > 90%   # no: comments only at line starts
`), 0o644)
	code, stdout, _ := run(t, "check", "--utc", "--data", dir, "--at", checkAt(16), "--file", file)
	if code != 3 || !strings.Contains(stdout, "checks:5: bad check") {
		t.Errorf("a trailing comment: exit status %d, output %q, want UNKNOWN naming line 5", code, stdout)
	}
	os.WriteFile(file, []byte(`# the host's checks
cpu: cpu.busy > 90% for 10m
warn cpu: cpu.busy > 75% for 10m

root: fs.%used{mountpoint="/"} > 90%
`), 0o644)
	code, stdout, _ = run(t, "check", "--utc", "--data", dir, "--at", checkAt(16), "--file", file)
	want := "SRVMON CRITICAL - cpu: cpu.busy 95.0% > 90% for 10m (since 10:05) | cpu=95.0%;75;90;0;100 cpu_lowest=95.0%;75;90;0;100\n" +
		`OK: root: fs.%used{mountpoint="/"} 50.0% | root=50.0%;;90;0;100` + "\n"
	if code != 2 || stdout != want {
		t.Errorf("exit status %d, output\n%s\nwant\n%s", code, stdout, want)
	}
}

// TestCheck_NotifyOnChange runs a check every minute through an episode:
// it prints once when the check turns CRITICAL and once when it recovers.
func TestCheck_NotifyOnChange(t *testing.T) {
	dir := checkStore(t)
	var got []string
	for m := 10; m <= 20; m++ {
		code, stdout, stderr := run(t, "check", "--utc", "--data", dir, "--at", checkAt(m), "--notify-on-change", "cpu.busy > 90% for 10m")
		if want := map[bool]int{true: 2, false: 0}[m >= 15 && m <= 17]; code != want {
			t.Errorf("minute %d: exit status %d, want %d (%s%s)", m, code, want, stdout, stderr)
		}
		if stdout != "" {
			got = append(got, stdout)
		}
	}
	want := []string{
		"SRVMON CRITICAL - cpu.busy 95.0% > 90% for 10m (since 10:05), was OK | cpu_busy=95.0%;;90;0;100 cpu_busy_lowest=95.0%;;90;0;100\n",
		"SRVMON OK - cpu.busy not > 90% for 10m: lowest 80.0% at 10:18 (avg 93.5%), was CRITICAL | cpu_busy=93.5%;;90;0;100 cpu_busy_lowest=80.0%;;90;0;100\n",
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, ""), strings.Join(want, ""))
	}
	// A damaged state file is reported by name and replaced; the checks
	// start afresh (a problem is reported again).
	path := filepath.Join(dir, "check-state")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(stateHeaderForTest)+2] ^= 1
	os.WriteFile(path, data, 0o644)
	code, stdout, stderr := run(t, "check", "--utc", "--data", dir, "--at", checkAt(16), "--notify-on-change", "cpu.busy > 90% for 10m")
	if code != 2 || !strings.Contains(stderr, path+" is damaged") || !strings.HasPrefix(stdout, "SRVMON CRITICAL") {
		t.Errorf("damaged state: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "check", "--utc", "--data", dir, "--at", checkAt(16), "--notify-on-change", "cpu.busy > 90% for 10m")
	if code != 2 || stdout != "" || stderr != "" {
		t.Errorf("after the damaged state was replaced: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

const stateHeaderForTest = "srvmon check state 1\n"
