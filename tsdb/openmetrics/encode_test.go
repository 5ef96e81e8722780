package openmetrics_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// call is one Encoder.Series call.
type call struct {
	s   tsdb.Series
	pts []tsdb.Point
}

// kinds returns a kindOf function from a table; metrics not in it are
// Unknown without help.
func kinds(m map[string]openmetrics.Kind, help map[string]string) func(string) (openmetrics.Kind, string) {
	return func(metric string) (openmetrics.Kind, string) { return m[metric], help[metric] }
}

func pts(tv ...float64) []tsdb.Point {
	var ps []tsdb.Point
	for i := 0; i < len(tv); i += 2 {
		ps = append(ps, tsdb.Point{T: int64(tv[i]), V: tv[i+1]})
	}
	return ps
}

func encode(t *testing.T, kindOf func(string) (openmetrics.Kind, string), calls []call) string {
	t.Helper()
	var buf bytes.Buffer
	enc := openmetrics.NewEncoder(&buf, kindOf)
	for _, c := range calls {
		if err := enc.Series(c.s, c.pts); err != nil {
			t.Fatalf("Series(%s): %v", c.s, err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.String()
}

func TestEncoder_Output(t *testing.T) {
	k := map[string]openmetrics.Kind{
		"foo_total":              openmetrics.Counter,
		"foo":                    openmetrics.Gauge,
		"foo_created":            openmetrics.Gauge,
		"foo_info":               openmetrics.Info,
		"node_vmstat_pgpgin":     openmetrics.Counter,
		"srvmon_boot_info":       openmetrics.Info,
		"srvmon_version":         openmetrics.Info,
		"node_load1":             openmetrics.Gauge,
		"node_cpu_seconds_total": openmetrics.Counter,
	}
	help := map[string]string{
		"foo_total":  "A \\ b \"c\"\nnext line.",
		"node_load1": "1m load average.",
	}
	const fooHelp = `# HELP foo_total A \\ b \"c\"\nnext line.` + "\n"
	tests := []struct {
		name  string
		calls []call
		want  string
	}{
		{
			name: "Empty",
			want: "# EOF\n",
		},
		{
			name: "CounterWithHelp",
			calls: []call{
				{tsdb.NewSeries("foo_total", "a", "x"), pts(100, 1, 160, 2.5)},
				{tsdb.NewSeries("foo_total", "a", "y"), pts(100, 3)},
			},
			want: `# TYPE foo counter
# HELP foo A \\ b \"c\"\nnext line.
foo_total{a="x"} 1 100
foo_total{a="x"} 2.5 160
foo_total{a="y"} 3 100
# EOF
`,
		},
		{
			name: "CounterWithoutTotalIsUnknown",
			calls: []call{
				{tsdb.NewSeries("node_vmstat_pgpgin"), pts(60, 12345)},
			},
			want: "node_vmstat_pgpgin 12345 60\n# EOF\n",
		},
		{
			name: "Info",
			calls: []call{
				{tsdb.NewSeries("srvmon_boot_info", "kernel", "6.1.0"), pts(60, 1, 120, 1)},
				{tsdb.NewSeries("srvmon_version", "v", "1"), pts(60, 1)},
			},
			want: `# TYPE srvmon_boot info
srvmon_boot_info{kernel="6.1.0"} 1 60
srvmon_boot_info{kernel="6.1.0"} 1 120
srvmon_version{v="1"} 1 60
# EOF
`,
		},
		{
			name: "GaugeThenClashingCounterAndInfo",
			calls: []call{
				{tsdb.NewSeries("foo"), pts(1, 1)},
				{tsdb.NewSeries("foo", "a", "b"), pts(1, 2)},
				{tsdb.NewSeries("foo_created"), pts(1, 3)},
				{tsdb.NewSeries("foo_info"), pts(1, 1)},
				{tsdb.NewSeries("foo_total"), pts(1, 4)},
			},
			want: `# TYPE foo gauge
foo 1 1
foo{a="b"} 2 1
# TYPE foo_created gauge
foo_created 3 1
foo_info 1 1
# HELP foo_total A \\ b \"c\"\nnext line.
foo_total 4 1
# EOF
`,
		},
		{
			name: "CreatedGaugeClashesWithCounter",
			calls: []call{
				{tsdb.NewSeries("foo_created"), pts(1, 3)},
				{tsdb.NewSeries("foo_total"), pts(1, 4)},
			},
			want: "# TYPE foo_created gauge\nfoo_created 3 1\n" + fooHelp + "foo_total 4 1\n# EOF\n",
		},
		{
			name: "InfoThenCounterOfTheSameFamily",
			calls: []call{
				{tsdb.NewSeries("foo_info"), pts(1, 1)},
				{tsdb.NewSeries("foo_total"), pts(1, 4)},
			},
			want: "# TYPE foo info\nfoo_info 1 1\n" + fooHelp + "foo_total 4 1\n# EOF\n",
		},
		{
			name: "Values",
			calls: []call{
				{tsdb.NewSeries("node_load1"), pts(
					1, math.NaN(), 2, math.Inf(1), 3, math.Inf(-1), 4, math.Copysign(0, -1), 5, 0,
					6, 1e21, 7, 0.1, 8, 123456789, 9, -42, 10, 1<<53, 11, 5e-324, 12, math.MaxFloat64, 13, -1.5e-7)},
			},
			want: `# TYPE node_load1 gauge
# HELP node_load1 1m load average.
node_load1 NaN 1
node_load1 +Inf 2
node_load1 -Inf 3
node_load1 -0 4
node_load1 0 5
node_load1 1e+21 6
node_load1 0.1 7
node_load1 123456789 8
node_load1 -42 9
node_load1 9.007199254740992e+15 10
node_load1 5e-324 11
node_load1 1.7976931348623157e+308 12
node_load1 -1.5e-07 13
# EOF
`,
		},
		{
			name: "Timestamps",
			calls: []call{
				{tsdb.NewSeries("up"), pts(-5, 1, 0, 1, 1700000000, 1)},
			},
			want: "up 1 -5\nup 1 0\nup 1 1700000000\n# EOF\n",
		},
		{
			name: "LabelEscaping",
			calls: []call{
				{tsdb.NewSeries("up", "b", "q\"b\\c\nd", "a", "ü€ 𝄞,}= "), pts(1, 1)},
			},
			want: "up{a=\"ü€ 𝄞,}= \",b=\"q\\\"b\\\\c\\nd\"} 1 1\n# EOF\n",
		},
		{
			name: "ChunksAndRepeatedPoints",
			calls: []call{
				{tsdb.NewSeries("up"), pts(1, 1, 2, 2, 2, 2)},
				{tsdb.NewSeries("up"), pts(2, 2, 3, math.NaN())},
				{tsdb.NewSeries("up"), pts(3, math.NaN(), 4, 4)},
				{tsdb.NewSeries("up"), nil},
			},
			want: "up 1 1\nup 2 2\nup NaN 3\nup 4 4\n# EOF\n",
		},
		{
			name: "SeriesWithoutPointsWriteNothing",
			calls: []call{
				{tsdb.NewSeries("a"), nil},
				{tsdb.NewSeries("b"), pts(1, 1)},
				{tsdb.NewSeries("c"), nil},
			},
			want: "b 1 1\n# EOF\n",
		},
		{
			name: "SeriesOfAMetricInAnyOrder",
			calls: []call{
				{tsdb.NewSeries("node_cpu_seconds_total", "cpu", "1", "mode", "idle"), pts(1, 10)},
				{tsdb.NewSeries("node_cpu_seconds_total", "cpu", "0", "mode", "idle"), pts(1, 20)},
			},
			want: `# TYPE node_cpu_seconds counter
node_cpu_seconds_total{cpu="1",mode="idle"} 10 1
node_cpu_seconds_total{cpu="0",mode="idle"} 20 1
# EOF
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encode(t, kinds(k, help), tt.calls); got != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestEncoder_NilKindOf(t *testing.T) {
	got := encode(t, nil, []call{{tsdb.NewSeries("x_total"), pts(1, 1)}})
	if want := "x_total 1 1\n# EOF\n"; got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

// TestEncoder_Errors checks the errors of Series and that after them
// nothing was written and the encoder goes on working.
func TestEncoder_Errors(t *testing.T) {
	k := map[string]openmetrics.Kind{"boot_info": openmetrics.Info, "c_total": openmetrics.Counter, "g": openmetrics.Gauge}
	before := []call{
		{tsdb.NewSeries("g", "a", "1"), pts(10, 1, 20, 2)},
	}
	tests := []struct {
		name   string
		before []call // extra calls before the failing one
		bad    call
		is     error
		msg    string
	}{
		{name: "InvalidMetricName", bad: call{tsdb.Series{Metric: "1x"}, pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: `invalid metric name "1x"`},
		{name: "InvalidLabelName", bad: call{tsdb.Series{Metric: "x", Labels: []tsdb.Label{{Name: "a-b", Value: "v"}}}, pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: `invalid label name "a-b"`},
		{name: "ReservedLabelName", bad: call{tsdb.Series{Metric: "x", Labels: []tsdb.Label{{Name: "__name__", Value: "v"}}}, pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "reserved"},
		{name: "UnsortedLabels", bad: call{tsdb.Series{Metric: "x", Labels: []tsdb.Label{{Name: "b", Value: "v"}, {Name: "a", Value: "v"}}}, pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "not sorted"},
		{name: "RepeatedLabel", bad: call{tsdb.Series{Metric: "x", Labels: []tsdb.Label{{Name: "a", Value: "v"}, {Name: "a", Value: "w"}}}, pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "repeated"},
		{name: "EmptyLabelValue", bad: call{tsdb.Series{Metric: "x", Labels: []tsdb.Label{{Name: "a", Value: ""}}}, pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "empty value"},
		{name: "LabelValueNotUTF8", bad: call{tsdb.NewSeries("x", "a", "\xff"), pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "not UTF-8"},
		{name: "PointsOutOfOrder", bad: call{tsdb.NewSeries("x"), pts(2, 1, 1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "time 1 comes after 2"},
		{name: "TwoValuesAtOneTime", bad: call{tsdb.NewSeries("x"), pts(2, 1, 2, 3)}, is: openmetrics.ErrInvalidSeries, msg: "two values at time 2"},
		{name: "ChunkGoesBack", bad: call{tsdb.NewSeries("g", "a", "1"), pts(15, 1)}, is: openmetrics.ErrInvalidSeries, msg: "time 15 comes after 20"},
		{name: "ChunkConflicts", bad: call{tsdb.NewSeries("g", "a", "1"), pts(20, 7)}, is: openmetrics.ErrInvalidSeries, msg: "two values at time 20"},
		{name: "InfoNotOne", bad: call{tsdb.NewSeries("boot_info"), pts(1, 1, 2, 1700000000)}, is: openmetrics.ErrInvalidSeries, msg: "must be 1"},
		{name: "BadKind", bad: call{tsdb.NewSeries("weird"), pts(1, 1)}, is: openmetrics.ErrInvalidSeries, msg: "not a Kind"},
		{
			name:   "MetricComesBack",
			before: []call{{tsdb.NewSeries("h"), pts(1, 1)}},
			bad:    call{tsdb.NewSeries("g", "a", "2"), pts(1, 1)},
			is:     openmetrics.ErrOrder, msg: "metric g came back",
		},
		{
			name:   "SeriesComesBack",
			before: []call{{tsdb.NewSeries("g", "a", "2"), pts(1, 1)}},
			bad:    call{tsdb.NewSeries("g", "a", "1"), pts(30, 1)},
			is:     openmetrics.ErrOrder, msg: "consecutive calls",
		},
		{
			name:   "PlainFamilyAfterClashingCounter",
			before: []call{{tsdb.NewSeries("c_total"), pts(1, 1)}},
			bad:    call{tsdb.NewSeries("c_created"), pts(1, 1)},
			is:     openmetrics.ErrOrder, msg: "family c_created clashes",
		},
	}
	kindOf := func(m string) (openmetrics.Kind, string) {
		if m == "weird" {
			return openmetrics.Kind(9), ""
		}
		return k[m], ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := append(append([]call{}, before...), tt.before...)
			want := encode(t, kindOf, good)

			var buf bytes.Buffer
			enc := openmetrics.NewEncoder(&buf, kindOf)
			for _, c := range good {
				if err := enc.Series(c.s, c.pts); err != nil {
					t.Fatalf("Series(%s): %v", c.s, err)
				}
			}
			err := enc.Series(tt.bad.s, tt.bad.pts)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Series(%s) = %v, want %v containing %q", tt.bad.s, err, tt.is, tt.msg)
			}
			if err := enc.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if got := buf.String(); got != want {
				t.Errorf("output after the error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestEncoder_WriteError(t *testing.T) {
	enc := openmetrics.NewEncoder(&failWriter{n: 100 << 10}, nil)
	var err error
	ps := make([]tsdb.Point, 1000)
	for i := range ps {
		ps[i] = tsdb.Point{T: int64(i), V: float64(i)}
	}
	for i := 0; i < 1000 && err == nil; i++ {
		err = enc.Series(tsdb.NewSeries("m", "i", strings.Repeat("x", i+1)), ps)
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Series error = %v, want the write error", err)
	}
	if err2 := enc.Series(tsdb.NewSeries("z"), ps); err2 != err {
		t.Errorf("Series after a write error = %v, want %v", err2, err)
	}
	if err2 := enc.Close(); err2 != err {
		t.Errorf("Close after a write error = %v, want %v", err2, err)
	}
}

func TestEncoder_Close(t *testing.T) {
	var buf bytes.Buffer
	enc := openmetrics.NewEncoder(&buf, nil)
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := enc.Series(tsdb.NewSeries("x"), pts(1, 1)); !errors.Is(err, openmetrics.ErrClosed) {
		t.Errorf("Series after Close = %v, want ErrClosed", err)
	}
	if got, want := buf.String(), "# EOF\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if err := openmetrics.NewEncoder(&failWriter{}, nil).Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close on a failing writer = %v, want the write error", err)
	}
}

func TestFamilyOrder(t *testing.T) {
	// In Key order foo_bar{...} and foo_total sort between foo and foo{...};
	// FamilyOrder keeps every metric together, plain names first.
	ss := []tsdb.Series{
		tsdb.NewSeries("foo", "a", "2"),
		tsdb.NewSeries("foo_total"),
		tsdb.NewSeries("foo", "a", "1", "b", "x"),
		tsdb.NewSeries("foo_bar", "a", "1"),
		tsdb.NewSeries("foo"),
		tsdb.NewSeries("foo", "a", "1"),
		tsdb.NewSeries("foo_created"),
	}
	openmetrics.SortSeries(ss)
	var got []string
	for _, s := range ss {
		got = append(got, s.Key())
	}
	want := []string{`foo`, `foo{a="1"}`, `foo{a="1",b="x"}`, `foo{a="2"}`, `foo_bar{a="1"}`, `foo_created`, `foo_total`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("sorted:\n%v\nwant:\n%v", got, want)
	}
	for i := range ss {
		for j := range ss {
			if c, r := openmetrics.FamilyOrder(ss[i], ss[j]), openmetrics.FamilyOrder(ss[j], ss[i]); c != -r || (c == 0) != (i == j) {
				t.Errorf("FamilyOrder(%s, %s) = %d, reverse %d", ss[i], ss[j], c, r)
			}
		}
	}
}

func TestKind_String(t *testing.T) {
	for k, want := range map[openmetrics.Kind]string{
		openmetrics.Unknown: "unknown", openmetrics.Counter: "counter", openmetrics.Gauge: "gauge",
		openmetrics.Info: "info", openmetrics.Kind(7): "Kind(7)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
