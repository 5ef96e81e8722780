package sampler

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/srvmon/srvmon/tsdb"
)

// This file parses the Prometheus text exposition format (0.0.4) as
// node_exporter's textfile collector reads it. It replaces
// prometheus/common/expfmt's parser, which links client_model, the
// protobuf runtime and net/http into every one-shot `srvmon record`
// (about 2.5 ms of CPU and 190 page faults at start on this project's VM).

// promSample is one sample line, resolved to the series Prometheus would
// scrape: a summary's quantile and a histogram's le come back in their
// canonical spelling (0.50 -> 0.5, +inf -> +Inf).
type promSample struct {
	name    string
	kv      []string // label name/value pairs as written, the canonical quantile or le last
	value   float64
	stamped bool // the line carries a timestamp
}

// promFamily is what the TYPE and HELP lines and the samples so far say
// about one metric family.
type promFamily struct {
	typ              string // counter, gauge, summary, histogram, untyped; "" when not declared
	help, hasSamples bool
}

// errPromText is a malformed line; the wrapping error gives the line.
var errPromText = errors.New("malformed")

// parsePromText parses data and calls fn for each sample in input order.
// It returns the first malformed line (as "line N: reason") or fn's error.
func parsePromText(data string, fn func(promSample) error) error {
	fams := map[string]*promFamily{}
	family := func(name string) *promFamily {
		f := fams[name]
		if f == nil {
			f = &promFamily{}
			fams[name] = f
		}
		return f
	}
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimLeft(line, " \t")
		var err error
		switch {
		case line == "":
			continue
		case line[0] == '#':
			err = promComment(line[1:], family)
		default:
			var s promSample
			if s, err = promSampleLine(line, fams); err == nil {
				err = fn(s)
			}
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
	}
	return nil
}

// promComment reads a comment line after its '#': HELP and TYPE are checked
// and remembered, other comments ignored.
func promComment(rest string, family func(string) *promFamily) error {
	fields := strings.Fields(rest)
	if len(fields) < 2 || (fields[0] != "HELP" && fields[0] != "TYPE") {
		return nil // a comment, as "# TYPE" alone is for expfmt
	}
	if !tsdb.ValidMetricName(fields[1]) {
		return fmt.Errorf("%w %s line: no valid metric name", errPromText, fields[0])
	}
	f := family(fields[1])
	if fields[0] == "HELP" {
		if f.help {
			return fmt.Errorf("%w: second HELP line for %s", errPromText, fields[1])
		}
		f.help = true
		return nil
	}
	if len(fields) != 3 {
		return fmt.Errorf("%w TYPE line for %s", errPromText, fields[1])
	}
	switch fields[2] {
	case "counter", "gauge", "summary", "histogram", "untyped":
	default:
		return fmt.Errorf("%w: unknown type %q for %s", errPromText, fields[2], fields[1])
	}
	if f.typ != "" || f.hasSamples {
		return fmt.Errorf("%w: TYPE line for %s after its samples or a second one", errPromText, fields[1])
	}
	f.typ = fields[2]
	return nil
}

// promSampleLine reads `name{label="value",...} value [timestamp]` and
// resolves it against the families declared so far.
func promSampleLine(line string, fams map[string]*promFamily) (promSample, error) {
	var s promSample
	i := 0
	for i < len(line) && isPromNameChar(line[i], i == 0) {
		i++
	}
	if i == 0 {
		return s, fmt.Errorf("%w: no metric name at %q", errPromText, clipLine(line))
	}
	s.name, line = line[:i], strings.TrimLeft(line[i:], " \t")
	if strings.HasPrefix(line, "{") {
		var err error
		if s.kv, line, err = promLabels(line[1:]); err != nil {
			return s, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	fields := strings.Fields(line)
	if len(fields) == 0 || len(fields) > 2 {
		return s, fmt.Errorf("%w: %s: want a value and at most a timestamp, have %q", errPromText, s.name, clipLine(line))
	}
	v, err := parsePromFloat(fields[0])
	if err != nil {
		return s, fmt.Errorf("%w: %s: value %q", errPromText, s.name, fields[0])
	}
	s.value = v
	if len(fields) == 2 {
		if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
			return s, fmt.Errorf("%w: %s: timestamp %q", errPromText, s.name, fields[1])
		}
		s.stamped = true
	}
	return s, resolvePromSample(&s, fams)
}

// resolvePromSample checks a sample against its family: the _sum, _count
// and _bucket samples of a declared summary or histogram belong to it, a
// summary's own samples need a quantile and a bucket an le, which come back
// canonical and last.
func resolvePromSample(s *promSample, fams map[string]*promFamily) error {
	typ := ""
	base := s.name
	for _, suffix := range []string{"_sum", "_count", "_bucket"} {
		b, ok := strings.CutSuffix(s.name, suffix)
		if f := fams[b]; ok && f != nil && (f.typ == "histogram" || f.typ == "summary" && suffix != "_bucket") {
			base, typ = b, f.typ
			break
		}
	}
	f := fams[base]
	if f == nil {
		f = &promFamily{}
		fams[base] = f
	}
	f.hasSamples = true
	if typ == "" {
		typ = f.typ
	}
	special := ""
	switch {
	case typ == "summary" && base == s.name:
		special = "quantile"
	case typ == "histogram" && s.name == base+"_bucket":
		special = "le"
	case typ == "histogram" && base == s.name:
		return fmt.Errorf("%w: %s is a histogram: want %[2]s_bucket, %[2]s_sum or %[2]s_count", errPromText, s.name)
	}
	if special == "" {
		return nil
	}
	for i := 0; i < len(s.kv); i += 2 {
		if s.kv[i] != special {
			continue
		}
		q, err := parsePromFloat(s.kv[i+1])
		if err != nil {
			return fmt.Errorf("%w: %s: %s %q", errPromText, s.name, special, s.kv[i+1])
		}
		s.kv = append(append(s.kv[:i:i], s.kv[i+2:]...), special, strconv.FormatFloat(q, 'g', -1, 64))
		return nil
	}
	return fmt.Errorf("%w: %s: no %s label", errPromText, s.name, special)
}

// promLabels reads the labels after '{' up to and including '}' and returns
// them as name/value pairs and the rest of the line.
func promLabels(line string) ([]string, string, error) {
	var kv []string
	for {
		line = strings.TrimLeft(line, " \t")
		if strings.HasPrefix(line, "}") {
			return kv, line[1:], nil
		}
		i := 0
		for i < len(line) && isPromNameChar(line[i], i == 0) && line[i] != ':' {
			i++
		}
		if i == 0 {
			return nil, "", fmt.Errorf("%w: no label name at %q", errPromText, clipLine(line))
		}
		name := line[:i]
		for j := 0; j < len(kv); j += 2 {
			if kv[j] == name {
				return nil, "", fmt.Errorf("%w: label %s twice", errPromText, name)
			}
		}
		line = strings.TrimLeft(line[i:], " \t")
		if !strings.HasPrefix(line, "=") {
			return nil, "", fmt.Errorf("%w: label %s: no '='", errPromText, name)
		}
		line = strings.TrimLeft(line[1:], " \t")
		value, rest, err := promQuoted(line)
		if err != nil {
			return nil, "", fmt.Errorf("label %s: %w", name, err)
		}
		kv = append(kv, name, value)
		line = strings.TrimLeft(rest, " \t")
		switch {
		case strings.HasPrefix(line, ","):
			line = line[1:]
		case !strings.HasPrefix(line, "}"):
			return nil, "", fmt.Errorf("%w: after label %s: want ',' or '}'", errPromText, name)
		}
	}
}

// promQuoted reads a double-quoted label value with the escapes \\, \" and
// \n and returns it and the rest of the line.
func promQuoted(line string) (string, string, error) {
	if !strings.HasPrefix(line, `"`) {
		return "", "", fmt.Errorf("%w: value not quoted", errPromText)
	}
	var b strings.Builder
	for i := 1; i < len(line); i++ {
		switch c := line[i]; c {
		case '"':
			return b.String(), line[i+1:], nil
		case '\\':
			i++
			if i == len(line) {
				return "", "", fmt.Errorf("%w: value not closed", errPromText)
			}
			switch line[i] {
			case '\\', '"':
				b.WriteByte(line[i])
			case 'n':
				b.WriteByte('\n')
			default:
				return "", "", fmt.Errorf("%w: escape \\%c", errPromText, line[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("%w: value not closed", errPromText)
}

// parsePromFloat parses a value as the text format has it: Go's float
// syntax including NaN and ±Inf, without hexadecimal exponents or digit
// separators (expfmt refuses them too).
func parsePromFloat(s string) (float64, error) {
	if strings.ContainsAny(s, "pP_") {
		return 0, errPromText
	}
	return strconv.ParseFloat(s, 64)
}

// isPromNameChar says whether c may stand in a metric name, first says
// whether it is the name's first character.
func isPromNameChar(c byte, first bool) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || !first && c >= '0' && c <= '9'
}

// clipLine shortens a line for an error message.
func clipLine(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
