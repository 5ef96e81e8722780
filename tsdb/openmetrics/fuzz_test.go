package openmetrics_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// FuzzParse checks that Parse never panics, fails only with a *ParseError,
// and that whatever it accepts encodes to text that parses to the same data
// and encodes to the same text again.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"# EOF\n",
		"# TYPE a gauge\n# HELP a help \\\" \\n\na{b=\"c\",d=\"\\\\\\n\\\"\"} 1.5 1700000000\na{b=\"c\",d=\"\\\\\\n\\\"\"} NaN 1700000060\n# EOF\n",
		"# TYPE foo counter\nfoo_total{a=\"1\"} 17 1520879607.5 # {trace_id=\"x\"} 0.67 1520879607.789\nfoo_created{a=\"1\"} 1520430000.123 1520879607\n# EOF",
		"# TYPE s summary\ns_count{a=\"bb\"} 0 123\ns_sum{a=\"bb\"} 0 123\ns{a=\"bb\",quantile=\"0.5\"} -Inf 123\ns_count{a=\"bb\"} 0 456\n# EOF\n",
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1 1\nh_bucket{le=\"+Inf\"} 2 1\nh_count 2 1\nh_sum 1.5e-7 1\n# EOF\n",
		"# TYPE st stateset\nst{st=\"a\"} 1 1\nst{st=\"b\"} 0 1\n# TYPE i info\ni_info{v=\"1\"} 1 1\n# UNIT x_bytes bytes\nx_bytes 1e3 -5\n# EOF\n",
		"a 1 1\nb_total{x=\"\\a\"} -0 2\nb_total{x=\"\\a\"} +Inf 3\nc:d{e=\"\"} .5 4.\n# EOF\n",
		"a 1 10\na 1 5\n# EOF\n",
		"a{b=\"1\",b=\"2\"} 1 1\n# EOF\n",
		"# TYPE a counter\na_total 1 1\n# TYPE a_created gauge\n# EOF\n",
	} {
		f.Add([]byte(seed))
	}
	counters := func(m string) (openmetrics.Kind, string) {
		if strings.HasSuffix(m, "_total") {
			return openmetrics.Counter, "h"
		}
		return openmetrics.Gauge, ""
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		first, err := parse(bytes.NewReader(in))
		if err != nil {
			var pe *openmetrics.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not a *ParseError", err)
			}
			return
		}
		out := encodeSamples(t, first, counters)
		second, err := parse(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("Parse of the re-encoded text: %v\ninput:\n%q\nencoded:\n%s", err, in, out)
		}
		if a, b := bySeries(first), bySeries(second); !sameData(a, b) {
			t.Fatalf("data changed in a round trip\ninput:\n%q\nencoded:\n%s", in, out)
		}
		if again := encodeSamples(t, second, counters); !bytes.Equal(again, out) {
			t.Fatalf("encoding is not stable:\n%s\nthen:\n%s", out, again)
		}
	})
}

// encodeSamples writes parsed samples with an Encoder, series sorted by
// FamilyOrder.
func encodeSamples(t *testing.T, ss []sample, kindOf func(string) (openmetrics.Kind, string)) []byte {
	t.Helper()
	by := bySeries(ss)
	var series []tsdb.Series
	seen := map[string]bool{}
	for _, s := range ss {
		if k := s.s.Key(); !seen[k] {
			seen[k] = true
			series = append(series, s.s)
		}
	}
	openmetrics.SortSeries(series)
	var buf bytes.Buffer
	enc := openmetrics.NewEncoder(&buf, kindOf)
	for _, s := range series {
		if err := enc.Series(s, by[s.Key()]); err != nil {
			t.Fatalf("Series(%s): %v", s, err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bySeries(ss []sample) map[string][]tsdb.Point {
	m := map[string][]tsdb.Point{}
	for _, s := range ss {
		k := s.s.Key()
		m[k] = append(m[k], s.p)
	}
	return m
}

func sameData(a, b map[string][]tsdb.Point) bool {
	if len(a) != len(b) {
		return false
	}
	for k, pa := range a {
		if !samePoints(pa, b[k]) {
			return false
		}
	}
	return true
}
