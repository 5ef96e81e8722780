package openmetrics_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// sample is one parsed sample, in a form easy to compare.
type sample struct {
	s tsdb.Series
	p tsdb.Point
}

func (s sample) String() string {
	return s.s.Key() + " " + strconv.FormatFloat(s.p.V, 'g', -1, 64) + " " + strconv.FormatInt(s.p.T, 10)
}

func parse(r io.Reader) ([]sample, error) {
	var got []sample
	err := openmetrics.Parse(r, func(s tsdb.Series, p tsdb.Point) error {
		got = append(got, sample{s, p})
		return nil
	})
	return got, err
}

func lines(ss []sample) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "Empty", in: "# EOF\n", want: ""},
		{name: "EOFWithoutNewline", in: "# TYPE a gauge\na 1 2\n# EOF", want: "a 1 2\n"},
		{
			name: "CounterWithCreatedAndExemplar",
			in: `# TYPE foo_seconds counter
# UNIT foo_seconds seconds
# HELP foo_seconds Some text and \n some \" escaping
foo_seconds_total{b="2",a="1"} 17 1520879607
foo_seconds_created{b="2",a="1"} 1520430000.123 1520879607
foo_seconds_total{a="1",b="2"} 18 1520879667 # {trace_id="KOO5S4vxi0o"} 0.67 1520879607.789
foo_seconds_created{a="1",b="2"} 1520430000.123 1520879667
# EOF
`,
			want: "foo_seconds_total{a=\"1\",b=\"2\"} 17 1520879607\nfoo_seconds_total{a=\"1\",b=\"2\"} 18 1520879667\n",
		},
		{
			name: "SummaryWithInterleavedPoints",
			in: `# TYPE foo_seconds summary
# UNIT foo_seconds seconds
foo_seconds_count{a="bb"} 0 123
foo_seconds_sum{a="bb"} 0 123
foo_seconds{a="bb",quantile="0.5"} NaN 123
foo_seconds_count{a="bb"} 0 456
foo_seconds_sum{a="bb"} 0 456
foo_seconds{a="bb",quantile="0.5"} 1.5 456
foo_seconds_count{a="ccc"} 0 123
# EOF
`,
			want: `foo_seconds_count{a="bb"} 0 123
foo_seconds_sum{a="bb"} 0 123
foo_seconds{a="bb",quantile="0.5"} NaN 123
foo_seconds_count{a="bb"} 0 456
foo_seconds_sum{a="bb"} 0 456
foo_seconds{a="bb",quantile="0.5"} 1.5 456
foo_seconds_count{a="ccc"} 0 123
`,
		},
		{
			name: "Histogram",
			in: `# TYPE foo histogram
foo_bucket{le="0.1"} 8 10 # {} 0.054
foo_bucket{le="+Inf"} 17 10
foo_count 17 10
foo_sum 324789.3 10
foo_created 1520430000.123 10
# TYPE bar gaugehistogram
bar_bucket{le="+Inf"} 42 10
bar_gcount 42 10
bar_gsum 3289.3 10
# EOF
`,
			want: "foo_bucket{le=\"0.1\"} 8 10\nfoo_bucket{le=\"+Inf\"} 17 10\nfoo_count 17 10\nfoo_sum 324789.3 10\n" +
				"bar_bucket{le=\"+Inf\"} 42 10\nbar_gcount 42 10\nbar_gsum 3289.3 10\n",
		},
		{
			name: "StatesetAndInfo",
			in: `# TYPE foo stateset
foo{entity="controller",foo="a"} 1.0 5
foo{entity="controller",foo="bb"} 0.0 5
foo{entity="controller",foo="a"} 0 6
foo{entity="controller",foo="bb"} 1 6
foo{entity="replica",foo="a"} 1.0 5
# TYPE srvmon_boot info
srvmon_boot_info{kernel="6.1"} 1.0 5
# EOF
`,
			want: `foo{entity="controller",foo="a"} 1 5
foo{entity="controller",foo="bb"} 0 5
foo{entity="controller",foo="a"} 0 6
foo{entity="controller",foo="bb"} 1 6
foo{entity="replica",foo="a"} 1 5
srvmon_boot_info{kernel="6.1"} 1 5
`,
		},
		{
			name: "SamplesWithoutTypeAreUnknownFamilies",
			in:   "a 1 1\na{x=\"1\"} 2 1\n# TYPE b counter\nb_total 1 1\nc_total 3 1\nc_total 4 2\n# EOF\n",
			want: "a 1 1\na{x=\"1\"} 2 1\nb_total 1 1\nc_total 3 1\nc_total 4 2\n",
		},
		{
			name: "EmptyFamilies",
			in:   "# TYPE a gauge\n# HELP b \n# TYPE c counter\n# HELP c x\n# UNIT d_bytes \n# EOF\n",
			want: "",
		},
		{
			name: "Labels",
			in: `# TYPE m gauge
m{} 1 1
m{z="1",a="2"} 2 1
m{a="",b="x"} 3 1
m{a="\\\"\n",b="\a\ü"} 4 1
m{a="ü€𝄞 ,}={",b="` + "\x00\t\r" + `"} 5 1
# EOF
`,
			want: `m 1 1
m{a="2",z="1"} 2 1
m{b="x"} 3 1
m{a="\\\"\n",b="\\a\\ü"} 4 1
m{a="ü€𝄞 ,}={",b="` + "\x00\t\r" + `"} 5 1
`,
		},
		{
			name: "SameSeriesWrittenDifferently",
			in:   "m{a=\"1\",b=\"2\"} 1 1\nm{b=\"2\",a=\"1\"} 2 2\nm{a=\"1\",b=\"2\",c=\"\"} 3 3\n# EOF\n",
			want: "m{a=\"1\",b=\"2\"} 1 1\nm{a=\"1\",b=\"2\"} 2 2\nm{a=\"1\",b=\"2\"} 3 3\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if g := lines(got); g != tt.want {
				t.Errorf("samples:\n%s\nwant:\n%s", g, tt.want)
			}
		})
	}
}

func TestParse_Numbers(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"0042", 42}, {"-0", math.Copysign(0, -1)}, {"0", 0}, {"1e3", 1000}, {".5", 0.5}, {"5.", 5},
		{"+Inf", math.Inf(1)}, {"-inf", math.Inf(-1)}, {"+Infinity", math.Inf(1)}, {"INF", math.Inf(1)},
		{"nan", math.NaN()}, {"NaN", math.NaN()}, {"1.5E-7", 1.5e-7}, {"123456789012345678", 123456789012345678},
		{"-1.25e+300", -1.25e300}, {"999999999999999", 999999999999999}, {"-999999999999999", -999999999999999},
		{"4.9406564584124654e-324", 5e-324}, {"0.1", 0.1}, {"+7", 7}, {"1.7976931348623157e308", math.MaxFloat64},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(strings.NewReader("m " + tt.in + " 1\n# EOF\n"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if v := got[0].p.V; math.Float64bits(v) != math.Float64bits(tt.want) && !(math.IsNaN(v) && math.IsNaN(tt.want)) {
				t.Errorf("value = %v, want %v", v, tt.want)
			}
		})
	}
}

func TestParse_Timestamps(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"-10", -10}, {"+2", 2}, {"1700000000", 1700000000}, {"1.999", 1}, {"0.5", 0}, {"-0.0", 0},
		{"-1.5", -2}, {"-0.001", -1}, {"3e0", 3}, {"1.7e9", 1700000000}, {"1700000000.25", 1700000000},
		{"9007199254740993", 9007199254740993}, {"9223372036854775807", math.MaxInt64},
		{"-9223372036854775808", math.MinInt64}, {".5", 0}, {"5.", 5}, {"1520879607.789", 1520879607},
		{"00042", 42}, {"2.5E+1", 25},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(strings.NewReader("m 1 " + tt.in + "\n# EOF\n"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got[0].p.T != tt.want {
				t.Errorf("timestamp = %d, want %d", got[0].p.T, tt.want)
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	long := strings.Repeat("x", openmetrics.MaxLineLen)
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"EmptyInput", "", 1, "missing # EOF"},
		{"MissingEOF", "# TYPE a gauge\na 1 1\n", 3, "missing # EOF"},
		{"TruncatedLine", "a 1 1\na 2", 2, "truncated"},
		{"ContentAfterEOF", "# EOF\na 1 1\n", 2, "content after # EOF"},
		{"BlankLineAfterEOF", "# EOF\n\n", 2, "content after # EOF"},
		{"SecondEOF", "# EOF\n# EOF\n", 2, "content after # EOF"},
		{"BlankLine", "a 1 1\n\na 2 2\n# EOF\n", 2, "empty line"},
		{"CRLF", "a 1 1\r\n# EOF\n", 1, "carriage return"},
		{"Comment", "# hello\n# EOF\n", 1, "unexpected comment"},
		{"EOFWithSpace", "# EOF \n", 1, "unexpected comment"},
		{"NoTimestamp", "# TYPE a gauge\na 1\n# EOF\n", 2, "without a timestamp"},
		{"NoTimestampExemplar", "# TYPE a counter\na_total 1 # {} 1\n# EOF\n", 2, "without a timestamp"},
		{"NoValue", "a\n# EOF\n", 1, "without a value"},
		{"NoValueLabels", "a{b=\"c\"}\n# EOF\n", 1, "without a value"},
		{"BadMetricName", "a-b 1 1\n# EOF\n", 1, `invalid metric name "a-b"`},
		{"DigitMetricName", "1a 1 1\n# EOF\n", 1, `invalid metric name "1a"`},
		{"NoMetricName", "{a=\"b\"} 1 1\n# EOF\n", 1, "without a metric name"},
		{"LeadingSpace", " a 1 1\n# EOF\n", 1, "without a metric name"},
		{"BadLabelName", "a{1b=\"c\"} 1 1\n# EOF\n", 1, `invalid label name "1b"`},
		{"BadLabelName2", "a{b-c=\"d\"} 1 1\n# EOF\n", 1, `invalid label name "b-c"`},
		{"ReservedLabelName", "a{__name__=\"d\"} 1 1\n# EOF\n", 1, "reserved"},
		{"UnquotedValue", "a{b=c} 1 1\n# EOF\n", 1, "not quoted"},
		{"UnterminatedQuote", "a{b=\"c} 1 1\n# EOF\n", 1, "not closed with \""},
		{"EscapedClosingQuote", "a{b=\"c\\\"} 1 1\n# EOF\n", 1, "not closed with \""},
		{"TrailingBackslash", "a{b=\"c\\\n# EOF\n", 1, "not closed with \""},
		{"UnterminatedLabels", "a{b=\"c\" 1 1\n# EOF\n", 1, "expected , or }"},
		{"UnterminatedLabels2", "a{b=\"c\",\n# EOF\n", 1, "not closed with }"},
		{"TrailingComma", "a{b=\"c\",} 1 1\n# EOF\n", 1, "expected a label name"},
		{"SpaceInLabels", "a{b=\"c\", d=\"e\"} 1 1\n# EOF\n", 1, "expected a label name"},
		{"NotUTF8", "a{b=\"\xff\"} 1 1\n# EOF\n", 1, "not valid UTF-8"},
		{"DuplicateLabel", "a{b=\"1\",c=\"2\",b=\"3\"} 1 1\n# EOF\n", 1, "label b appears twice"},
		{"DuplicateLabelEmpty", "a{b=\"\",b=\"3\"} 1 1\n# EOF\n", 1, "label b appears twice"},
		{"NoSpaceAfterLabels", "a{b=\"1\"}1 1\n# EOF\n", 1, "expected a space after the labels"},
		{"BadValue", "a abc 1\n# EOF\n", 1, `invalid value "abc"`},
		{"HexValue", "a 0x1p3 1\n# EOF\n", 1, `invalid value "0x1p3"`},
		{"SignedNaN", "a -NaN 1\n# EOF\n", 1, "invalid value"},
		{"ValueOutOfRange", "a 1e999 1\n# EOF\n", 1, "invalid value"},
		{"EmptyValue", "a  1\n# EOF\n", 1, `invalid value ""`},
		{"BadTimestamp", "a 1 12:00\n# EOF\n", 1, `invalid timestamp "12:00"`},
		{"InfTimestamp", "a 1 +Inf\n# EOF\n", 1, "invalid timestamp"},
		{"HugeTimestamp", "a 1 1e300\n# EOF\n", 1, "invalid timestamp"},
		{"HugeIntTimestamp", "a 1 9223372036854775808\n# EOF\n", 1, "invalid timestamp"},
		{"TrailingText", "a 1 1 x\n# EOF\n", 1, "unexpected text after the timestamp"},
		{"TrailingSpace", "a 1 1 \n# EOF\n", 1, "unexpected text after the timestamp"},
		{"ExemplarOnGauge", "# TYPE a gauge\na 1 1 # {x=\"y\"} 1\n# EOF\n", 2, "exemplar on a a sample"},
		{"BadExemplar", "# TYPE a counter\na_total 1 1 # x\n# EOF\n", 2, "exemplar: labels missing"},
		{"BadExemplarValue", "# TYPE a counter\na_total 1 1 # {} x\n# EOF\n", 2, "exemplar: invalid value"},
		{"LongExemplar", "# TYPE a counter\na_total 1 1 # {x=\"" + strings.Repeat("y", 128) + "\"} 1\n# EOF\n", 2, "longer than 128"},
		{"BackwardsInTime", "a 1 10\na 1 20\na 1 15\n# EOF\n", 3, "goes back in time from 20"},
		{"SameSecond", "a 1 10.2\na 1 10.7\n# EOF\n", 2, "second sample of a at time 10"},
		{"BackwardsInterleaved", "# TYPE h histogram\nh_bucket{le=\"1\"} 1 10\nh_count 1 10\nh_bucket{le=\"1\"} 1 5\n# EOF\n", 4, "goes back in time"},
		{"InterleavedSeries", "a{x=\"1\"} 1 1\na{x=\"2\"} 1 1\na{x=\"1\"} 1 2\n# EOF\n", 3, "metrics must not be interleaved"},
		{"InterleavedMetrics", "# TYPE s summary\ns_count{x=\"1\"} 1 1\ns_count{x=\"2\"} 1 1\ns_sum{x=\"1\"} 1 1\n# EOF\n", 4, "metrics must not be interleaved"},
		{"InterleavedFamilies", "# TYPE a gauge\na 1 1\n# TYPE b gauge\nb 1 1\n# TYPE a gauge\n# EOF\n", 5, "family a already appeared at line 1"},
		{"InterleavedImplicit", "a 1 1\nb 1 1\na 1 2\n# EOF\n", 3, "sample a belongs to metric family a, which appeared at line 1"},
		{"CounterSampleAfterFamily", "# TYPE a counter\na_total 1 1\nb 1 1\na_total 1 2\n# EOF\n", 4, "sample a_total belongs to metric family a"},
		{"MetadataAfterSamples", "# TYPE a gauge\na 1 1\n# HELP a late\n# EOF\n", 3, "family a already appeared"},
		{"CounterWithoutTotal", "# TYPE a counter\na 1 1\n# EOF\n", 2, "sample a does not fit its counter family a (its samples are named a_total, a_created)"},
		{"NameClash", "# TYPE a counter\na_total 1 1\n# TYPE a_created gauge\na_created 1 1\n# EOF\n", 4, "metric families a and a_created could both have samples named a_created"},
		{"NameClashEmptyFamily", "# TYPE a counter\n# TYPE a_total gauge\n# EOF\n", 3, "could both have samples named a_total"},
		{"SecondType", "# TYPE a gauge\n# TYPE a counter\n# EOF\n", 2, "second # TYPE"},
		{"SecondHelp", "# HELP a x\n# HELP a y\n# EOF\n", 2, "second # HELP"},
		{"SecondUnit", "# UNIT a_s s\n# UNIT a_s s\n# EOF\n", 2, "second # UNIT"},
		{"BadType", "# TYPE a untyped\n# EOF\n", 1, `invalid metric type "untyped"`},
		{"TypeWithoutType", "# TYPE a\n# EOF\n", 1, "without a type"},
		{"BadFamilyName", "# TYPE a.b gauge\n# EOF\n", 1, `invalid metric family name "a.b"`},
		{"UnitNotSuffix", "# UNIT a seconds\n# EOF\n", 1, "does not end with its unit"},
		{"BadUnit", "# UNIT a_s s-x\n# EOF\n", 1, "invalid unit"},
		{"HelpNotUTF8", "# HELP a \xff\n# EOF\n", 1, "not valid UTF-8"},
		{"InfoNotOne", "# TYPE a info\na_info 2 1\n# EOF\n", 2, "has value 2, not 1"},
		{"LineTooLong", "a{b=\"" + long + "\"} 1 1\n# EOF\n", 1, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(strings.NewReader(tt.in))
			var pe *openmetrics.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("Parse = %q, want line %d with %q", err, tt.line, tt.msg)
			}
			if want := fmt.Sprintf("line %d: %s", pe.Line, pe.Msg); err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestParse_CallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := openmetrics.Parse(strings.NewReader("a 1 1\na 2 2\na 3 3\n# EOF\n"), func(tsdb.Series, tsdb.Point) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 || err.Error() != "line 2: stop" {
		t.Errorf("Parse = %v after %d calls, want the callback's error at line 2 after 2 calls", err, n)
	}
}

func TestParse_ReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("a 1 1\n"), iotest.ErrReader(errors.New("disk gone")))
	err := openmetrics.Parse(r, func(tsdb.Series, tsdb.Point) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "read line 2: disk gone") {
		t.Errorf("Parse = %v, want the read error at line 2", err)
	}
}

// TestParse_LongLines checks lines longer than the reader's buffer, as 16
// KiB label values make them.
func TestParse_LongLines(t *testing.T) {
	v := strings.Repeat("é\"\\", 30000) // 120 KB escaped
	var buf bytes.Buffer
	enc := openmetrics.NewEncoder(&buf, nil)
	s := tsdb.NewSeries("m", "a", v, "b", strings.Repeat("x", tsdb.MaxLabelValueLen))
	if err := enc.Series(s, pts(1, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := parse(iotest.OneByteReader(&buf))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(got) != 2 || !reflect.DeepEqual(got[0].s, s) || got[1].p != (tsdb.Point{T: 2, V: 2}) {
		t.Errorf("Parse gave %d samples, want the series back with 2 points", len(got))
	}
}

// TestRoundTrip encodes tricky series and values and checks that parsing
// gives them back exactly.
func TestRoundTrip(t *testing.T) {
	values := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, math.Pi, 1e21, 1e-300, -1e-300, 5e-324, -5e-324,
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1 << 53, 1<<53 + 2, -(1 << 53) - 2,
		1<<63 - 1, math.MaxInt64, math.Inf(1), math.Inf(-1), math.NaN(), 123456789, 1.5e-7, 2.2250738585072014e-308,
	}
	labelValues := []string{
		`"`, `\`, "\n", `\n`, `\"`, `\\"`, `a\b`, `\a`, "ü", "日本語", "𝄞", "\x00", "\t\r", "}", "{", ",", "=", " ", "# ",
		`x="y"`, strings.Repeat("long", 4096), "\u2028", "\ufeff",
	}
	kindOf := kinds(map[string]openmetrics.Kind{
		"c_total": openmetrics.Counter, "g": openmetrics.Gauge, "i_info": openmetrics.Info,
		"g_total": openmetrics.Gauge, "pgpgin": openmetrics.Counter, "c_created": openmetrics.Gauge,
	}, map[string]string{"c_total": "Help with \\ \" \n and ü.", "g": "x"})

	var series []tsdb.Series
	for i, lv := range labelValues {
		series = append(series,
			tsdb.NewSeries("g", "v", lv),
			tsdb.NewSeries("c_total", "a", lv, "b", strconv.Itoa(i)),
			tsdb.NewSeries("u:x", "v", lv),
		)
	}
	series = append(series, tsdb.NewSeries("g"), tsdb.NewSeries("g_total"), tsdb.NewSeries("pgpgin"),
		tsdb.NewSeries("c_created"), tsdb.NewSeries("i_info", "v", "1"), tsdb.NewSeries("_"))
	openmetrics.SortSeries(series)

	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string][]tsdb.Point{}
	var buf bytes.Buffer
	enc := openmetrics.NewEncoder(&buf, kindOf)
	for _, s := range series {
		var ps []tsdb.Point
		t0 := rng.Int64N(4e9) - 2e9
		for i := 0; i < 40; i++ {
			v := values[rng.IntN(len(values))]
			if s.Metric == "i_info" {
				v = 1
			}
			ps = append(ps, tsdb.Point{T: t0 + int64(i)*60 + rng.Int64N(60), V: v})
		}
		want[s.Key()] = ps
		// Write in two chunks to exercise continued series.
		if err := enc.Series(s, ps[:10]); err != nil {
			t.Fatal(err)
		}
		if err := enc.Series(s, ps[10:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Series(tsdb.NewSeries("zz"), []tsdb.Point{{T: math.MinInt64, V: 1}, {T: math.MaxInt64, V: 2}}); err != nil {
		t.Fatal(err)
	}
	want["zz"] = []tsdb.Point{{T: math.MinInt64, V: 1}, {T: math.MaxInt64, V: 2}}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}

	got, err := parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, buf.String()[:2000])
	}
	gotBy := map[string][]tsdb.Point{}
	for _, g := range got {
		k := g.s.Key()
		if _, err := tsdb.ParseSeries(k); err != nil {
			t.Errorf("parsed series %q: %v", k, err)
		}
		gotBy[k] = append(gotBy[k], g.p)
	}
	if len(gotBy) != len(want) {
		t.Errorf("got %d series, want %d", len(gotBy), len(want))
	}
	for k, w := range want {
		if !samePoints(gotBy[k], w) {
			t.Errorf("series %.80q: got %v, want %v", k, gotBy[k], w)
		}
	}
	// Labels come back as NewSeries makes them.
	for _, g := range got {
		if r, _ := tsdb.ParseSeries(g.s.Key()); !reflect.DeepEqual(r, g.s) {
			t.Errorf("series %.80q: got %#v, want %#v", g.s.Key(), g.s, r)
			break
		}
	}
}

func samePoints(a, b []tsdb.Point) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].T != b[i].T || !(math.Float64bits(a[i].V) == math.Float64bits(b[i].V) || math.IsNaN(a[i].V) && math.IsNaN(b[i].V)) {
			return false
		}
	}
	return true
}
