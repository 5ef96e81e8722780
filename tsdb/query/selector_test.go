package query

import (
	"reflect"
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
)

func TestParseSelector(t *testing.T) {
	type m = struct {
		name string
		op   MatchOp
		val  string
	}
	tests := []struct {
		in     string
		metric string
		want   []m
	}{
		{"node_load1", "node_load1", nil},
		{"  node_load1  ", "node_load1", nil},
		{"job:rate5m", "job:rate5m", nil},
		{"node_load1{}", "node_load1", nil},
		{`node_disk_read_bytes_total{device="sda"}`, "node_disk_read_bytes_total", []m{{"device", MatchEqual, "sda"}}},
		{` node_x { a = "1" , b != '2', c =~ "sd.*" , d !~ ` + "`lo|eth\\d+`" + ` , } `, "node_x",
			[]m{{"a", MatchEqual, "1"}, {"b", MatchNotEqual, "2"}, {"c", MatchRegexp, "sd.*"}, {"d", MatchNotRegexp, `lo|eth\d+`}}},
		{`{__name__=~"node_disk_.*"}`, "", []m{{"__name__", MatchRegexp, "node_disk_.*"}}},
		{`{device="sda"}`, "", []m{{"device", MatchEqual, "sda"}}},
		{`m{a="x\"y\\z\n\t\u00e9"}`, "m", []m{{"a", MatchEqual, "x\"y\\z\n\té"}}},
		{`m{a='it\'s'}`, "m", []m{{"a", MatchEqual, "it's"}}},
		{`m{mountpoint="/var/lib"}`, "m", []m{{"mountpoint", MatchEqual, "/var/lib"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sel, err := ParseSelector(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Metric != tt.metric {
				t.Errorf("Metric = %q, want %q", sel.Metric, tt.metric)
			}
			var got []m
			for _, x := range sel.Matchers {
				got = append(got, m{x.Name, x.Op, x.Value})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("matchers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseSelector_Errors(t *testing.T) {
	tests := map[string]string{
		"":                      "empty",
		"{}":                    "selects nothing",
		`{a=""}`:                "must not match the empty value",
		`{a=~".*"}`:             "must not match the empty value",
		"m{a}":                  "expected =, !=, =~ or !~ after label a",
		`m{a="x"`:               "missing '}'",
		"m{a=x}":                "value must be quoted",
		`m{1a="x"}`:             "expected a label name",
		`m{a=~"("}`:             "bad regular expression",
		"1m":                    "unexpected '1'",
		`m{a="x"}z`:             "unexpected text after '}'",
		`m{a:b="x"}`:            "expected =, !=, =~ or !~ after label a",
		`m{a="x" b="y"}`:        "expected ',' or '}'",
		"m x":                   "unexpected 'x'",
		`m{a="x\q"}`:            `invalid escape \q`,
		`m{a="unterminated}`:    "unterminated quoted value",
		"node_disk{device=sda}": "value must be quoted",
	}
	for in, want := range tests {
		_, err := ParseSelector(in)
		if err == nil {
			t.Errorf("ParseSelector(%q) succeeded, want an error containing %q", in, want)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "; use a metric name") {
			t.Errorf("ParseSelector(%q) error %q, want one containing %q and what is valid", in, err, want)
		}
	}
}

func TestSelector_Matches(t *testing.T) {
	sda := tsdb.NewSeries("node_disk_read_bytes_total", "device", "sda", "instance", "h1")
	xsda := tsdb.NewSeries("node_disk_read_bytes_total", "device", "xsda", "instance", "h1")
	load := tsdb.NewSeries("node_load1", "instance", "h1")
	tests := []struct {
		sel  string
		ser  tsdb.Series
		want bool
	}{
		{"node_load1", load, true},
		{"node_load1", sda, false},
		{`node_disk_read_bytes_total{device="sda"}`, sda, true},
		{`node_disk_read_bytes_total{device="sdb"}`, sda, false},
		{`node_disk_read_bytes_total{device!="sda"}`, sda, false},
		{`node_disk_read_bytes_total{device!="sdb"}`, sda, true},
		{`node_disk_read_bytes_total{device=~"sd.*"}`, sda, true},
		{`node_disk_read_bytes_total{device=~"sd.*"}`, xsda, false}, // anchored
		{`node_disk_read_bytes_total{device!~"sd.*"}`, xsda, true},
		{`node_load1{device=""}`, load, true}, // absent label is ""
		{`node_load1{device!=""}`, load, false},
		{`node_load1{device!="sda"}`, load, true},
		{`{__name__=~"node_disk_.*",instance="h1"}`, sda, true},
		{`{__name__=~"node_disk_.*",instance="h1"}`, load, false},
		{`{__name__="node_load1"}`, load, true},
		{`{instance="h1"}`, load, true},
		{`{instance="h2"}`, load, false},
	}
	for _, tt := range tests {
		sel, err := ParseSelector(tt.sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := sel.Matches(tt.ser); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", tt.sel, tt.ser, got, tt.want)
		}
	}
}

func TestSelector_MetricName(t *testing.T) {
	for in, want := range map[string]string{"node_load1": "node_load1", `{__name__="x",a="b"}`: "x", `{__name__=~"x.*"}`: "", `{a="b"}`: ""} {
		sel, err := ParseSelector(in)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := sel.MetricName(); got != want || ok != (want != "") {
			t.Errorf("MetricName(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzParseSelector checks that ParseSelector never panics and that what
// it accepts prints (String) as a selector that parses back the same.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"node_load1", `m{a="1",b!="2",c=~"x.*",d!~"y"}`, `{__name__=~"node_.*"}`, `m{a='x\'y'}`,
		"m{a=`\\d`}", `m{a="\u00e9\x41\101"}`, `m{a="x",}`, "m{", `{a=""}`, `m{a=~"(?i)sd[a-z]"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		back, err := ParseSelector(sel.String())
		if err != nil {
			t.Fatalf("ParseSelector(%q) = %s, which does not parse: %v", s, sel, err)
		}
		if back.Metric != sel.Metric || len(back.Matchers) != len(sel.Matchers) {
			t.Fatalf("ParseSelector(%q) = %s, parses back as %s", s, sel, back)
		}
		for i := range sel.Matchers {
			a, b := sel.Matchers[i], back.Matchers[i]
			if a.Name != b.Name || a.Op != b.Op || a.Value != b.Value {
				t.Fatalf("ParseSelector(%q) matcher %d = %s, parses back as %s", s, i, a, b)
			}
		}
	})
}
