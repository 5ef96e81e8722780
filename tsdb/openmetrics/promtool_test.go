package openmetrics_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// TestPromtool checks that Prometheus accepts the Encoder's output as it
// is: "promtool tsdb create-blocks-from openmetrics" must turn it into
// blocks that hold exactly the samples written. It needs promtool (Debian
// package prometheus) and is skipped without it, except under CI=true.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; CI must install it (Debian package prometheus)")
		}
		t.Skip("promtool not installed")
	}

	kindOf := kinds(map[string]openmetrics.Kind{
		"node_cpu_seconds_total": openmetrics.Counter,
		"node_vmstat_pgpgin":     openmetrics.Counter,
		"node_load1":             openmetrics.Gauge,
		"srvmon_boot_info":       openmetrics.Info,
		"clash":                  openmetrics.Gauge,
		"clash_total":            openmetrics.Counter,
		"clash_info":             openmetrics.Info,
	}, map[string]string{
		"node_cpu_seconds_total": "Seconds the CPUs spent in each mode.",
		"node_load1":             "1m load average, with \\ \" and\na new line.",
	})
	series := []tsdb.Series{
		tsdb.NewSeries("node_cpu_seconds_total", "cpu", "0", "mode", "idle"),
		tsdb.NewSeries("node_cpu_seconds_total", "cpu", "0", "mode", "user"),
		tsdb.NewSeries("node_vmstat_pgpgin"),
		tsdb.NewSeries("node_load1"),
		tsdb.NewSeries("srvmon_boot_info", "kernel", "6.1.0-18-amd64", "hostname", "db1"),
		tsdb.NewSeries("clash"),
		tsdb.NewSeries("clash_total", "Upper", "x"),
		tsdb.NewSeries("clash_info"),
		tsdb.NewSeries("node_filesystem_avail_bytes", "mountpoint", "/mnt/a \"b\" \\c\nd", "device", "ü€𝄞\t"),
		tsdb.NewSeries("weird:name_", "l", "{},= #"),
	}
	openmetrics.SortSeries(series)
	values := []float64{0, math.Copysign(0, -1), 1, 0.1, 1.0 / 3, 1e21, -1e-300, 123456789, 1 << 53, 1<<53 + 2,
		math.MaxFloat64, 5e-324, math.Inf(1), math.Inf(-1), math.NaN()}

	var buf bytes.Buffer
	var want []string
	enc := openmetrics.NewEncoder(&buf, kindOf)
	start := int64(1700000000)
	for si, s := range series {
		var ps []tsdb.Point
		for i := 0; i < 48; i++ { // every 10 minutes for 8 hours: several 2h blocks
			v := values[(si+i)%len(values)]
			if s.Metric == "srvmon_boot_info" || s.Metric == "clash_info" {
				v = 1
			}
			p := tsdb.Point{T: start + int64(i)*600 + int64(si), V: v}
			ps = append(ps, p)
			want = append(want, dumpLine(s, p))
		}
		if err := enc.Series(s, ps); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	file, db := filepath.Join(dir, "export.om"), filepath.Join(dir, "db")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics", file, db).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s\ninput:\n%s", err, out, buf.String())
	}

	// promtool 2.42's dump needs a WAL directory, which backfilling does
	// not create.
	if err := os.MkdirAll(filepath.Join(db, "wal"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = exec.CommandContext(ctx, promtool, "tsdb", "dump", db).Output()
	if err != nil {
		t.Fatalf("promtool tsdb dump: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if len(got) != len(want) {
		t.Errorf("promtool holds %d samples, want %d", len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			t.Errorf("first difference in the dump:\n got %s\nwant %s", got[i], want[i])
			break
		}
	}
}

// dumpLine returns the line "promtool tsdb dump" prints for a sample:
// labels with __name__ sorted by name and Go-quoted values, the value as %g
// and the time in milliseconds.
func dumpLine(s tsdb.Series, p tsdb.Point) string {
	ls := append([]tsdb.Label{{Name: "__name__", Value: s.Metric}}, s.Labels...)
	slices.SortFunc(ls, func(a, b tsdb.Label) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.Name + "=" + strconv.Quote(l.Value))
	}
	fmt.Fprintf(&b, "} %g %d", p.V, p.T*1000)
	return b.String()
}
