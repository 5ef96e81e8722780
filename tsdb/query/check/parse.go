package check

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/srvmon/srvmon/tsdb/query"
)

// Op is a comparison of a check.
type Op string

// The comparisons a check accepts.
const (
	Greater      Op = ">"
	GreaterEqual Op = ">="
	Less         Op = "<"
	LessEqual    Op = "<="
)

// holds reports whether v op threshold.
func (op Op) holds(v, threshold float64) bool {
	switch op {
	case Greater:
		return v > threshold
	case GreaterEqual:
		return v >= threshold
	case Less:
		return v < threshold
	case LessEqual:
		return v <= threshold
	}
	return false
}

// high reports whether the op fires on high values (> and >=).
func (op Op) high() bool { return op == Greater || op == GreaterEqual }

// Matcher is one LABEL="VALUE" of an expression: the series must have the
// label with exactly that value.
type Matcher struct {
	Name, Value string
}

// Expr is one parsed condition: VIEW.COLUMN{LABEL="VALUE",...} OP THRESHOLD
// [for DURATION].
type Expr struct {
	Name      string    // the check's name ("name:" prefix of --file lines); "" when none
	Text      string    // the expression as written, without the name, spaces normalised
	View      string    // "cpu", "fs", ..., or "status"
	Column    string    // a column the view prints, such as "busy" or "%used"
	Matchers  []Matcher // in the order written
	Op        Op
	Threshold float64 // in the column's base unit (90% is 90, 500MiB is 524288000, 5m is 300)
	// ThresholdText is the threshold as written ("90%", "500MiB").
	ThresholdText string
	For           time.Duration // 0: the newest interval
}

// Subject is VIEW.COLUMN{matchers}: what the expression looks at.
func (e *Expr) Subject() string {
	var b strings.Builder
	b.WriteString(e.View + "." + e.Column)
	if len(e.Matchers) > 0 {
		b.WriteByte('{')
		for i, m := range e.Matchers {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m.Name + "=" + strconv.Quote(m.Value))
		}
		b.WriteByte('}')
	}
	return b.String()
}

// StatusView is the pseudo-view of the recorder's own health: status.age is
// how long ago the newest sample was taken.
const StatusView = "status"

// statusColumns are the columns of StatusView and their units.
var statusColumns = map[string]query.Unit{"age": query.Seconds}

// Grammar describes what Parse accepts, for help texts and messages.
const Grammar = `VIEW.COLUMN[{LABEL="VALUE",...}] OP THRESHOLD [for DURATION]`

// SyntaxError is an expression that does not parse or names what does not
// exist. Its message says where and what is valid.
type SyntaxError struct {
	Expr string // the expression
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("bad check %q: %s", e.Expr, e.Msg) }

// Parse parses one expression, such as 'cpu.busy > 90% for 10m' or
// 'fs.%used{mountpoint="/"} > 90%'. The view and column must be ones
// 'srvmon query VIEW' prints (or status.age), and the threshold's unit must
// suit the column's (a percentage for a percentage; B, kB, MB, KiB, MiB...
// for bytes and bytes/s; s, m, h, d for seconds; a plain number for any).
func Parse(s string) (*Expr, error) {
	p := &parser{src: s}
	e, err := p.parse()
	if err != nil {
		return nil, &SyntaxError{Expr: s, Msg: err.Error()}
	}
	return e, nil
}

// ParseAll parses each of exprs (see Parse), stopping at the first error.
func ParseAll(exprs []string) ([]*Expr, error) {
	var out []*Expr
	for _, s := range exprs {
		e, err := Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// parseLine parses a line of a checks file: an expression with an optional
// "name:" prefix. It returns nil for a blank line or a # comment.
func parseLine(line string) (*Expr, error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return nil, nil
	}
	name := ""
	// A name is a word before a colon that starts the line; a view name
	// never holds a colon, so "fs.%used{...}" is never taken for one.
	if i := strings.IndexByte(line, ':'); i > 0 && isName(line[:i]) {
		name, line = line[:i], strings.TrimSpace(line[i+1:])
	}
	e, err := Parse(line)
	if err != nil {
		return nil, err
	}
	e.Name = name
	return e, nil
}

// ParseFile parses the checks file at path: one check a line (see
// parseLine), CRITICAL unless the line starts with "warn ", in which case
// it is a WARNING. A line that does not parse is an error naming the file
// and the line.
func ParseFile(path string) (crit, warn []*Expr, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read checks: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		isWarn := false
		if rest, ok := strings.CutPrefix(line, "warn "); ok {
			line, isWarn = rest, true
		}
		e, err := parseLine(line)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		switch {
		case e == nil:
		case isWarn:
			warn = append(warn, e)
		default:
			crit = append(crit, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read checks: %w", err)
	}
	return crit, warn, nil
}

func isName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return s != "" && !strings.Contains(s, ".")
}

type parser struct {
	src string
	pos int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("at column %d: %s; the form is %s", p.pos+1, fmt.Sprintf(format, args...), Grammar)
}

// parse parses VIEW.COLUMN[{MATCHERS}] OP THRESHOLD [for DURATION].
func (p *parser) parse() (*Expr, error) {
	e := &Expr{}
	p.skipSpace()
	unit, err := p.subject(e)
	if err != nil {
		return nil, err
	}
	if err := p.op(e); err != nil {
		return nil, err
	}
	if err := p.threshold(e, unit); err != nil {
		return nil, err
	}
	if err := p.forClause(e); err != nil {
		return nil, err
	}
	e.Text = e.Subject() + " " + string(e.Op) + " " + e.ThresholdText
	if e.For > 0 {
		e.Text += " for " + FormatDuration(e.For)
	}
	return e, nil
}

// subject parses VIEW.COLUMN and the matchers into e, and returns the
// column's unit.
func (p *parser) subject(e *Expr) (query.Unit, error) {
	start := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		p.pos++
	}
	e.View = p.src[start:p.pos]
	if e.View == "" {
		return "", p.errorf("expected a view name (%s)", strings.Join(append(query.Views(), StatusView), ", "))
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '.' {
		return "", p.errorf("expected '.' and a column after the view %q", e.View)
	}
	p.pos++
	// COLUMN: anything up to '{', a space or an operator.
	start = p.pos
	for p.pos < len(p.src) && !strings.ContainsRune("{ \t<>=", rune(p.src[p.pos])) {
		p.pos++
	}
	e.Column = p.src[start:p.pos]
	unit, err := columnUnit(e.View, e.Column)
	if err != nil {
		p.pos = start
		return "", p.errorf("%v", err)
	}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '{' {
		if e.Matchers, err = p.matchers(); err != nil {
			return "", err
		}
		p.skipSpace()
	}
	return unit, nil
}

// op parses the comparison into e.Op.
func (p *parser) op(e *Expr) error {
	switch {
	case strings.HasPrefix(p.src[p.pos:], ">="):
		e.Op = GreaterEqual
	case strings.HasPrefix(p.src[p.pos:], "<="):
		e.Op = LessEqual
	case strings.HasPrefix(p.src[p.pos:], ">"):
		e.Op = Greater
	case strings.HasPrefix(p.src[p.pos:], "<"):
		e.Op = Less
	default:
		return p.errorf("expected a comparison: >, >=, < or <=")
	}
	p.pos += len(e.Op)
	p.skipSpace()
	return nil
}

// word returns the text up to the next space or the end, and its start.
func (p *parser) word() (string, int) {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ' ' && p.src[p.pos] != '\t' {
		p.pos++
	}
	return p.src[start:p.pos], start
}

// threshold parses the threshold, in unit, into e.
func (p *parser) threshold(e *Expr, unit query.Unit) error {
	var start int
	var err error
	e.ThresholdText, start = p.word()
	if e.Threshold, err = parseThreshold(e.ThresholdText, unit); err != nil {
		p.pos = start
		return p.errorf("%v", err)
	}
	p.skipSpace()
	return nil
}

// forClause parses an optional "for DURATION" and the end.
func (p *parser) forClause(e *Expr) error {
	if p.pos >= len(p.src) {
		return nil
	}
	if !strings.HasPrefix(p.src[p.pos:], "for") || (p.pos+3 < len(p.src) && p.src[p.pos+3] != ' ' && p.src[p.pos+3] != '\t') {
		return p.errorf("expected 'for DURATION' or the end after the threshold")
	}
	p.pos += 3
	p.skipSpace()
	text, start := p.word()
	d, err := parseDuration(text)
	if err != nil || d <= 0 {
		p.pos = start
		return p.errorf("expected a duration after 'for', such as 30s, 10m or 1h")
	}
	if e.View == StatusView {
		p.pos = start
		return p.errorf("status.%s is a single value; 'for' does not apply", e.Column)
	}
	e.For = d
	p.skipSpace()
	if p.pos < len(p.src) {
		return p.errorf("unexpected %q after the duration", p.src[p.pos:])
	}
	return nil
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// matchers parses {name="value",...}; values may also be unquoted words.
func (p *parser) matchers() ([]Matcher, error) {
	p.pos++ // '{'
	var ms []Matcher
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == '}' && len(ms) > 0 {
			p.pos++
			return ms, nil
		}
		start := p.pos
		for p.pos < len(p.src) && isIdent(p.src[p.pos]) && p.src[p.pos] != '-' {
			p.pos++
		}
		name := p.src[start:p.pos]
		if name == "" || ('0' <= name[0] && name[0] <= '9') {
			return nil, p.errorf("expected a label name such as device or mountpoint")
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '=' || strings.HasPrefix(p.src[p.pos:], "=~") {
			return nil, p.errorf("expected '=' after the label %s (only exact matches)", name)
		}
		p.pos++
		p.skipSpace()
		var value string
		if p.pos < len(p.src) && p.src[p.pos] == '"' {
			end := p.pos + 1
			for end < len(p.src) && p.src[end] != '"' {
				if p.src[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(p.src) {
				return nil, p.errorf("unterminated quoted value of %s", name)
			}
			v, err := strconv.Unquote(p.src[p.pos : end+1])
			if err != nil {
				return nil, p.errorf("bad quoted value of %s", name)
			}
			value, p.pos = v, end+1
		} else {
			start := p.pos
			for p.pos < len(p.src) && !strings.ContainsRune(",} \t", rune(p.src[p.pos])) {
				p.pos++
			}
			value = p.src[start:p.pos]
		}
		for _, m := range ms {
			if m.Name == name {
				return nil, p.errorf("label %s given twice", name)
			}
		}
		ms = append(ms, Matcher{Name: name, Value: value})
		p.skipSpace()
		switch {
		case p.pos < len(p.src) && p.src[p.pos] == ',':
			p.pos++
		case p.pos < len(p.src) && p.src[p.pos] == '}':
			p.pos++
			return ms, nil
		default:
			return nil, p.errorf("expected ',' or '}' in the label matchers")
		}
	}
}

// columnUnit returns the unit of view.column, or an error naming the valid
// views or columns.
func columnUnit(view, column string) (query.Unit, error) {
	if view == StatusView {
		if u, ok := statusColumns[column]; ok {
			return u, nil
		}
		return "", fmt.Errorf("no column %q in status; it has: age", column)
	}
	cols := query.Columns(view)
	if cols == nil {
		return "", fmt.Errorf("no view %q; the views are %s", view, strings.Join(append(query.Views(), StatusView), ", "))
	}
	var names []string
	for _, c := range cols {
		if c.Name == column {
			return c.Unit, nil
		}
		names = append(names, c.Name)
	}
	return "", fmt.Errorf("no column %q in %s; it has: %s", column, view, strings.Join(names, ", "))
}

// Byte multipliers: SI (kB, MB, ...) and binary (KiB, MiB, ...).
var byteUnits = map[string]float64{
	"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
}

// siUnits are bare multipliers for counts and rates (10k packets/s).
var siUnits = map[string]float64{"k": 1e3, "M": 1e6, "G": 1e9}

// parseThreshold reads a number with an optional unit suffix that must suit
// the column's unit u, and returns it in u's base unit.
func parseThreshold(s string, u query.Unit) (float64, error) {
	i := 0
	for i < len(s) && (s[i] == '-' || s[i] == '+' || s[i] == '.' || ('0' <= s[i] && s[i] <= '9') || ((s[i] == 'e' || s[i] == 'E') && i > 0 && i+1 < len(s) && (s[i+1] == '-' || s[i+1] == '+' || ('0' <= s[i+1] && s[i+1] <= '9')))) {
		i++
	}
	num, suffix := s[:i], s[i:]
	if num == "" {
		return 0, fmt.Errorf("expected a threshold such as 90%%, 500MiB, 4 or 30s, got %q", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("threshold %q is not a number", s)
	}
	if suffix == "" {
		return v, nil
	}
	switch u {
	case query.Percent:
		if suffix == "%" {
			return v, nil
		}
		return 0, fmt.Errorf("the column is a percentage; write the threshold like 90%%, got %q", s)
	case query.Bytes, query.BytesPerSecond:
		suffix = strings.TrimSuffix(suffix, "/s")
		if m, ok := byteUnits[suffix]; ok {
			return v * m, nil
		}
		return 0, fmt.Errorf("the column is in bytes; write the threshold like 500MiB, 2GB or 100kB, got %q", s)
	case query.Seconds:
		d, err := parseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("the column is a time; write the threshold like 30s, 5m, 250ms or 2h, got %q", s)
		}
		return d.Seconds(), nil
	default:
		suffix = strings.TrimSuffix(suffix, "/s")
		if m, ok := siUnits[suffix]; ok {
			return v * m, nil
		}
		return 0, fmt.Errorf("the column is a plain number; write the threshold like 4, 2.5 or 10k, got %q", s)
	}
}

// parseDuration is time.ParseDuration with d (days) and w (weeks) added.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.ParseFloat(n, 64)
		if err != nil || v < 0 || v > 3650 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(v * 24 * float64(time.Hour)), nil
	}
	if n, ok := strings.CutSuffix(s, "w"); ok {
		v, err := strconv.ParseFloat(n, 64)
		if err != nil || v < 0 || v > 520 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(v * 7 * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}

// FormatDuration writes d the short way: 10m, 1h30m, 45s, 2d.
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
