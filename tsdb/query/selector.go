package query

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb"
)

// MatchOp is how a label matcher compares: "=", "!=", "=~" or "!~".
type MatchOp string

// The matcher operators, as in PromQL.
const (
	MatchEqual     MatchOp = "="
	MatchNotEqual  MatchOp = "!="
	MatchRegexp    MatchOp = "=~"
	MatchNotRegexp MatchOp = "!~"
)

// Matcher is one label matcher of a Selector. A label a series does not
// have has the value "", so l="" matches series without l and l!="" those
// with it. Regular expressions (RE2 syntax) match the whole value.
type Matcher struct {
	Name  string
	Op    MatchOp
	Value string
	re    *regexp.Regexp
}

// Matches reports whether the label value v (empty when absent) matches.
func (m Matcher) Matches(v string) bool {
	switch m.Op {
	case MatchEqual:
		return v == m.Value
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp:
		return m.re.MatchString(v)
	case MatchNotRegexp:
		return !m.re.MatchString(v)
	}
	return false
}

// String returns the matcher as it is written: name="value".
func (m Matcher) String() string {
	return m.Name + string(m.Op) + `"` + tsdb.EscapeLabelValue(m.Value) + `"`
}

// Selector chooses raw series, written as in PromQL:
// metric{label="value",other!="x",re=~"sd.*",notre!~"lo|docker.*"}. The
// metric name or the braces may be left out, not both; __name__ matches the
// metric name.
type Selector struct {
	Metric   string // "" selects any metric (the matchers then must)
	Matchers []Matcher
}

// Matches reports whether s selects the series ser.
func (s Selector) Matches(ser tsdb.Series) bool {
	if s.Metric != "" && ser.Metric != s.Metric {
		return false
	}
	for _, m := range s.Matchers {
		v := ""
		if m.Name == "__name__" {
			v = ser.Metric
		} else {
			v = ser.Get(m.Name)
		}
		if !m.Matches(v) {
			return false
		}
	}
	return true
}

// MetricName returns the single metric name s can select, from the name
// before the braces or a __name__="..." matcher.
func (s Selector) MetricName() (string, bool) {
	if s.Metric != "" {
		return s.Metric, true
	}
	for _, m := range s.Matchers {
		if m.Name == "__name__" && m.Op == MatchEqual {
			return m.Value, true
		}
	}
	return "", false
}

// String returns the selector in canonical form, which ParseSelector reads
// back to an equal selector.
func (s Selector) String() string {
	if len(s.Matchers) == 0 {
		return s.Metric
	}
	parts := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		parts[i] = m.String()
	}
	return s.Metric + "{" + strings.Join(parts, ",") + "}"
}

// SelectorForms says what a selector looks like, for error messages.
const SelectorForms = `a metric name such as node_load1, optionally with label matchers: ` +
	`node_disk_read_bytes_total{device="sda"} (also !=, =~ and !~ with RE2 regular expressions)`

// ParseSelector parses a selector such as
// node_disk_read_bytes_total{device=~"sd.*",instance="web1"}. Values are
// quoted with "", ” or “ (no escapes in the last); whitespace between
// tokens is ignored.
func ParseSelector(in string) (Selector, error) {
	p := selParser{s: in}
	sel, err := p.parse()
	if err != nil {
		return Selector{}, fmt.Errorf("invalid selector %q: %v; use %s", in, err, SelectorForms)
	}
	return sel, nil
}

type selParser struct {
	s   string
	pos int
}

func (p *selParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

func (p *selParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func isNameChar(c byte, first, colon bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9') || (colon && c == ':')
}

func (p *selParser) name(colon bool) string {
	start := p.pos
	for p.pos < len(p.s) && isNameChar(p.s[p.pos], p.pos == start, colon) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *selParser) parse() (Selector, error) {
	var sel Selector
	p.skipSpace()
	if p.pos == len(p.s) {
		return sel, errors.New("empty")
	}
	if c := p.peek(); c != '{' {
		sel.Metric = p.name(true)
		if sel.Metric == "" {
			return sel, fmt.Errorf("unexpected %q at offset %d", c, p.pos)
		}
		p.skipSpace()
	}
	if p.pos == len(p.s) {
		return sel, nil
	}
	if p.peek() != '{' {
		return sel, fmt.Errorf("unexpected %q at offset %d; metric names are [a-zA-Z_:][a-zA-Z0-9_:]*", p.peek(), p.pos)
	}
	p.pos++
	for {
		p.skipSpace()
		if p.peek() == '}' {
			p.pos++
			break
		}
		m, err := p.matcher()
		if err != nil {
			return sel, err
		}
		sel.Matchers = append(sel.Matchers, m)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
		case 0:
			return sel, errors.New("missing '}'")
		default:
			return sel, fmt.Errorf("expected ',' or '}' at offset %d", p.pos)
		}
		break
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return sel, fmt.Errorf("unexpected text after '}': %q", p.s[p.pos:])
	}
	if sel.Metric == "" {
		if len(sel.Matchers) == 0 {
			return sel, errors.New("{} selects nothing: name a metric or give a label matcher")
		}
		empty := true
		for _, m := range sel.Matchers {
			if !m.Matches("") {
				empty = false
			}
		}
		if empty {
			return sel, errors.New("without a metric name, at least one matcher must not match the empty value")
		}
	}
	return sel, nil
}

func (p *selParser) matcher() (Matcher, error) {
	var m Matcher
	m.Name = p.name(false)
	if m.Name == "" {
		if p.pos == len(p.s) {
			return m, errors.New("missing '}'")
		}
		return m, fmt.Errorf("expected a label name at offset %d, found %q", p.pos, p.s[p.pos:p.pos+1])
	}
	p.skipSpace()
	rest := p.s[p.pos:]
	switch {
	case strings.HasPrefix(rest, "=~"):
		m.Op = MatchRegexp
	case strings.HasPrefix(rest, "!~"):
		m.Op = MatchNotRegexp
	case strings.HasPrefix(rest, "!="):
		m.Op = MatchNotEqual
	case strings.HasPrefix(rest, "="):
		m.Op = MatchEqual
	default:
		return m, fmt.Errorf("expected =, !=, =~ or !~ after label %s", m.Name)
	}
	p.pos += len(m.Op)
	p.skipSpace()
	v, err := p.quoted()
	if err != nil {
		return m, fmt.Errorf("label %s: %v", m.Name, err)
	}
	m.Value = v
	if m.Op == MatchRegexp || m.Op == MatchNotRegexp {
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return m, fmt.Errorf("label %s: bad regular expression %q: %v", m.Name, v, regexpReason(err))
		}
		m.re = re
	}
	return m, nil
}

func regexpReason(err error) string {
	var re *syntax.Error
	if errors.As(err, &re) {
		return string(re.Code)
	}
	return err.Error()
}

// quoted reads a quoted string at p.pos.
func (p *selParser) quoted() (string, error) {
	q := p.peek()
	if q != '"' && q != '\'' && q != '`' {
		return "", errors.New(`value must be quoted: "value"`)
	}
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\' && q != '`':
			if p.pos+1 >= len(p.s) {
				return "", errors.New("unterminated escape")
			}
			e := p.s[p.pos+1]
			switch e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				// Let strconv handle \x, \u, \U and octal escapes.
				n := escapeLen(p.s[p.pos:])
				r, _, _, err := strconv.UnquoteChar(p.s[p.pos:p.pos+n], q)
				if n == 0 || err != nil {
					return "", fmt.Errorf("invalid escape \\%c", e)
				}
				b.WriteRune(r)
				p.pos += n
				continue
			}
			p.pos += 2
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return "", errors.New("invalid UTF-8")
			}
			b.WriteString(p.s[p.pos : p.pos+size])
			p.pos += size
		}
	}
	return "", fmt.Errorf("unterminated quoted value starting at offset %d", start)
}

// escapeLen returns the length of the escape sequence at the start of s
// (which starts with a backslash) for \x, \u, \U and octal escapes, or 0.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	n := 0
	switch s[1] {
	case 'x':
		n = 4
	case 'u':
		n = 6
	case 'U':
		n = 10
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n = 4
	default:
		return 0
	}
	if len(s) < n {
		return 0
	}
	return n
}
