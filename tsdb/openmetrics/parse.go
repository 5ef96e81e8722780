package openmetrics

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb"
)

// MaxLineLen is the longest line Parse reads, in bytes.
const MaxLineLen = 1 << 20

// ParseError is an error in the text Parse reads.
type ParseError struct {
	Line int    // line number, from 1
	Msg  string // what is wrong
}

// Error returns "line N: msg".
func (e *ParseError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Msg }

// mtype is an OpenMetrics metric type.
type mtype int

const (
	tUnknown mtype = iota
	tCounter
	tGauge
	tInfo
	tStateset
	tSummary
	tHistogram
	tGaugeHistogram
)

var typeNames = [...]string{
	tUnknown:        "unknown",
	tCounter:        "counter",
	tGauge:          "gauge",
	tInfo:           "info",
	tStateset:       "stateset",
	tSummary:        "summary",
	tHistogram:      "histogram",
	tGaugeHistogram: "gaugehistogram",
}

// suffixes lists, per type, what the family name is followed by in its
// sample names.
var suffixes = [...][]string{
	tUnknown:        {""},
	tCounter:        {"_total", "_created"},
	tGauge:          {""},
	tInfo:           {"_info"},
	tStateset:       {""},
	tSummary:        {"", "_count", "_sum", "_created"},
	tHistogram:      {"_bucket", "_count", "_sum", "_created"},
	tGaugeHistogram: {"_bucket", "_gcount", "_gsum"},
}

// Parse reads OpenMetrics text from r and calls fn for each sample, in the
// order of the input. It checks the whole text as it goes (see the package
// documentation for what it accepts) and returns a *ParseError for the
// first problem, a read error wrapped with the line number, or the first
// error fn returns, wrapped with the line number. Samples before the
// problem have been passed to fn already: a caller that wants all or
// nothing must stage them.
//
// The Series passed to fn has its labels sorted, without empty values, and
// is not modified afterwards, so fn may keep it. Timestamps are Unix
// seconds, rounded down when the input has fractions.
func Parse(r io.Reader, fn func(s tsdb.Series, p tsdb.Point) error) error {
	p := &parser{
		fn:         fn,
		families:   map[string]int{},
		samples:    map[string]string{},
		famMetrics: map[string]struct{}{},
		famSeries:  map[string]int64{},
	}
	return p.run(bufio.NewReaderSize(r, 64<<10))
}

type parser struct {
	fn   func(tsdb.Series, tsdb.Point) error
	line int  // number of the line being parsed
	eof  bool // "# EOF" seen

	families map[string]int    // family name -> line it started on
	samples  map[string]string // sample name -> family that may have it (sealed families)

	// The current family.
	fam                       string
	ftype                     mtype
	hasType, hasHelp, hasUnit bool
	sealed                    bool                // metadata complete, sample names registered
	famMetrics                map[string]struct{} // label sets (metrics) seen in the family
	famSeries                 map[string]int64    // series key -> last timestamp, for series left
	curMetric                 string              // label set of the current metric
	haveMetric                bool

	// The current sample name and series.
	metric     string      // sample name of the last sample line
	skip       bool        // its samples are not reported (_created)
	exemplarOK bool        // its samples may have exemplars
	raw        []byte      // name{labels} text of the last sample line
	series     tsdb.Series // the series of the last sample line, unless skip
	key        string      // its key; "" when skip
	lastT      int64       // its last timestamp
	hasLast    bool

	lbuf, mbuf, ebuf []tsdb.Label // scratch
}

func (p *parser) errorf(format string, args ...any) error {
	return &ParseError{Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) run(br *bufio.Reader) error {
	var long []byte
	for {
		line, rerr := br.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for rerr == bufio.ErrBufferFull && len(long) <= MaxLineLen {
				line, rerr = br.ReadSlice('\n')
				long = append(long, line...)
			}
			if len(long) > MaxLineLen {
				p.line++
				return p.errorf("line is longer than %d bytes", MaxLineLen)
			}
			line = long
		}
		if rerr != nil && rerr != io.EOF {
			return fmt.Errorf("read line %d: %w", p.line+1, rerr)
		}
		if len(line) == 0 {
			break
		}
		p.line++
		if p.eof {
			return p.errorf("content after # EOF")
		}
		if line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		} else if string(line) != "# EOF" {
			return p.errorf("the input ends inside this line, without # EOF: it is truncated")
		}
		if err := p.parseLine(line); err != nil {
			return err
		}
		if rerr == io.EOF {
			break
		}
	}
	if !p.eof {
		return &ParseError{Line: p.line + 1, Msg: "missing # EOF at the end (OpenMetrics requires it; the input may be truncated)"}
	}
	return nil
}

func (p *parser) parseLine(line []byte) error {
	switch {
	case len(line) == 0:
		return p.errorf("empty line (OpenMetrics does not allow blank lines)")
	case line[len(line)-1] == '\r' && !bytes.HasPrefix(line, []byte("# HELP ")):
		return p.errorf("line ends with a carriage return (OpenMetrics lines end with \\n only)")
	case line[0] == '#':
		return p.meta(line)
	}
	return p.sample(line)
}

// meta parses a line that starts with '#'.
func (p *parser) meta(line []byte) error {
	if string(line) == "# EOF" {
		if err := p.endFamily(); err != nil {
			return err
		}
		p.eof = true
		return nil
	}
	var what, thing string
	switch {
	case bytes.HasPrefix(line, []byte("# TYPE ")):
		what, thing = "TYPE", "type"
	case bytes.HasPrefix(line, []byte("# HELP ")):
		what, thing = "HELP", "help text"
	case bytes.HasPrefix(line, []byte("# UNIT ")):
		what, thing = "UNIT", "unit"
	default:
		return p.errorf("unexpected comment %q: OpenMetrics allows only # TYPE, # HELP, # UNIT and # EOF lines", clip(line))
	}
	rest := line[len("# TYPE "):]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return p.errorf("# %s line without a %s after the family name", what, thing)
	}
	name, text := string(rest[:sp]), rest[sp+1:]
	if !tsdb.ValidMetricName(name) {
		return p.errorf("invalid metric family name %q in # %s line", name, what)
	}
	if name != p.fam || p.sealed {
		if err := p.startFamily(name); err != nil {
			return err
		}
	}
	switch what {
	case "TYPE":
		if p.hasType {
			return p.errorf("second # TYPE line for family %s", name)
		}
		i := slices.Index(typeNames[:], string(text))
		if i < 0 {
			return p.errorf("invalid metric type %q for family %s (want one of %s)", clip(text), name, strings.Join(typeNames[:], ", "))
		}
		p.ftype, p.hasType = mtype(i), true
	case "HELP":
		if p.hasHelp {
			return p.errorf("second # HELP line for family %s", name)
		}
		if !utf8.Valid(text) {
			return p.errorf("help text of family %s is not valid UTF-8", name)
		}
		p.hasHelp = true
	case "UNIT":
		if p.hasUnit {
			return p.errorf("second # UNIT line for family %s", name)
		}
		for _, c := range text {
			if !isNameChar(c) {
				return p.errorf("invalid unit %q for family %s", clip(text), name)
			}
		}
		if len(text) > 0 && !strings.HasSuffix(name, "_"+string(text)) {
			return p.errorf("family name %s does not end with its unit _%s", name, text)
		}
		p.hasUnit = true
	}
	return nil
}

// startFamily ends the current family and starts the family name.
func (p *parser) startFamily(name string) error {
	if err := p.endFamily(); err != nil {
		return err
	}
	if l, ok := p.families[name]; ok {
		return p.errorf("metric family %s already appeared at line %d (families must not be interleaved, and each has one set of # lines, before its samples)", name, l)
	}
	p.families[name] = p.line
	p.fam, p.ftype = name, tUnknown
	p.hasType, p.hasHelp, p.hasUnit, p.sealed = false, false, false, false
	clear(p.famMetrics)
	clear(p.famSeries)
	p.haveMetric = false
	p.metric, p.raw, p.key, p.hasLast = "", p.raw[:0], "", false
	return nil
}

// endFamily registers the sample names of the current family, if not done.
func (p *parser) endFamily() error {
	if p.fam == "" || p.sealed {
		return nil
	}
	return p.seal()
}

// seal ends the metadata of the current family: its type is now known, and
// so are the sample names it may have, which no other family may share.
func (p *parser) seal() error {
	for _, suf := range suffixes[p.ftype] {
		if f, ok := p.samples[p.fam+suf]; ok {
			return p.errorf("metric families %s and %s could both have samples named %s (OpenMetrics forbids such a clash)", f, p.fam, p.fam+suf)
		}
	}
	for _, suf := range suffixes[p.ftype] {
		p.samples[p.fam+suf] = p.fam
	}
	p.sealed = true
	return nil
}

// sample parses a sample line.
func (p *parser) sample(line []byte) error {
	// Fast path: the same series, written the same way, as the line before.
	if n := len(p.raw); n > 0 && len(line) > n && line[n] == ' ' && string(line[:n]) == string(p.raw) {
		return p.point(line[n+1:])
	}
	i := 0
	for i < len(line) && line[i] != '{' && line[i] != ' ' {
		i++
	}
	if i == 0 {
		return p.errorf("sample line without a metric name")
	}
	if !validMetricName(line[:i]) {
		return p.errorf("invalid metric name %q", clip(line[:i]))
	}
	if string(line[:i]) != p.metric {
		if err := p.enterMetric(string(line[:i])); err != nil {
			return err
		}
	}
	p.lbuf = p.lbuf[:0]
	if i < len(line) && line[i] == '{' {
		var msg string
		if p.lbuf, i, msg = parseLabels(p.lbuf, line, i); msg != "" {
			return p.errorf("%s", msg)
		}
		slices.SortFunc(p.lbuf, func(a, b tsdb.Label) int { return strings.Compare(a.Name, b.Name) })
		for j := 1; j < len(p.lbuf); j++ {
			if p.lbuf[j].Name == p.lbuf[j-1].Name {
				return p.errorf("label %s appears twice", p.lbuf[j].Name)
			}
		}
	}
	switch {
	case i == len(line):
		return p.errorf("sample without a value")
	case line[i] != ' ':
		return p.errorf("expected a space after the labels, found %q", clip(line[i:]))
	}
	if err := p.identify(); err != nil {
		return err
	}
	p.raw = append(p.raw[:0], line[:i]...)
	return p.point(line[i+1:])
}

// enterMetric switches to the sample name, starting an implicit family of
// type unknown when it cannot be a sample of the current family.
func (p *parser) enterMetric(name string) error {
	suffix, ok := p.belongs(name)
	if !ok {
		if name == p.fam {
			return p.errorf("sample %s does not fit its %s family %s (its samples are named %s)", name, typeNames[p.ftype], p.fam, sampleNames(p.fam, p.ftype))
		}
		if f, ok := p.samples[name]; ok {
			return p.errorf("sample %s belongs to metric family %s, which appeared at line %d (families must not be interleaved)", name, f, p.families[f])
		}
		if err := p.startFamily(name); err != nil {
			return err
		}
	}
	if !p.sealed {
		if err := p.seal(); err != nil {
			return err
		}
	}
	p.metric = name
	p.skip = suffix == "_created"
	p.exemplarOK = (p.ftype == tCounter && suffix == "_total") ||
		((p.ftype == tHistogram || p.ftype == tGaugeHistogram) && suffix == "_bucket")
	return nil
}

// sampleNames lists the sample names a family of type t may have.
func sampleNames(fam string, t mtype) string {
	var names []string
	for _, suf := range suffixes[t] {
		names = append(names, fam+suf)
	}
	return strings.Join(names, ", ")
}

// belongs returns the suffix that makes name a sample name of the current
// family, if it is one.
func (p *parser) belongs(name string) (string, bool) {
	if p.fam == "" || !strings.HasPrefix(name, p.fam) {
		return "", false
	}
	suf := name[len(p.fam):]
	for _, s := range suffixes[p.ftype] {
		if suf == s {
			return s, true
		}
	}
	return "", false
}

// identify makes the labels in p.lbuf (sorted) the current series, checking
// that the metric they belong to does not come back after another.
func (p *parser) identify() error {
	// A metric is a label set of the family; the label that tells the
	// samples of one point apart (le, quantile, the stateset's state) is not
	// part of it.
	drop := ""
	switch p.ftype {
	case tHistogram, tGaugeHistogram:
		drop = "le"
	case tSummary:
		drop = "quantile"
	case tStateset:
		drop = p.fam
	}
	p.mbuf = p.mbuf[:0]
	for _, l := range p.lbuf {
		if l.Value != "" && l.Name != drop {
			p.mbuf = append(p.mbuf, l)
		}
	}
	mk := tsdb.Series{Labels: p.mbuf}.Key()
	if !p.haveMetric || mk != p.curMetric {
		if _, ok := p.famMetrics[mk]; ok {
			return p.errorf("metric %s%s comes again after other metrics of family %s (metrics must not be interleaved)", p.fam, mk, p.fam)
		}
		p.famMetrics[mk] = struct{}{}
		p.curMetric, p.haveMetric = mk, true
	}

	var s tsdb.Series
	if !p.skip {
		s.Metric = p.metric
		for _, l := range p.lbuf {
			if l.Value != "" {
				s.Labels = append(s.Labels, l)
			}
		}
	}
	key := ""
	if !p.skip {
		key = s.Key()
		if key == p.key {
			return nil
		}
	}
	if p.key != "" && p.hasLast {
		p.famSeries[p.key] = p.lastT
	}
	p.series, p.key = s, key
	p.lastT, p.hasLast = p.famSeries[key]
	return nil
}

// point parses the rest of a sample line after the series: value,
// timestamp, exemplar.
func (p *parser) point(rest []byte) error {
	sp := bytes.IndexByte(rest, ' ')
	tok := rest
	if sp >= 0 {
		tok = rest[:sp]
	}
	v, ok := parseValue(tok)
	if !ok {
		return p.errorf("invalid value %q", clip(tok))
	}
	vtok := tok
	if sp < 0 || (len(rest) > sp+1 && rest[sp+1] == '#') {
		return p.errorf("sample without a timestamp: srvmon stores history, so every sample needs the time it was taken (Unix seconds)")
	}
	rest = rest[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	tok = rest
	if sp >= 0 {
		tok = rest[:sp]
	}
	t, ok := parseTimestamp(tok)
	if !ok {
		return p.errorf("invalid timestamp %q (want Unix seconds)", clip(tok))
	}
	if sp >= 0 {
		ex := rest[sp:]
		if !bytes.HasPrefix(ex, []byte(" # ")) {
			return p.errorf("unexpected text after the timestamp: %q", clip(ex))
		}
		if !p.exemplarOK {
			return p.errorf("exemplar on a %s sample (OpenMetrics allows them only on counter _total and histogram _bucket samples)", p.metric)
		}
		if msg := p.exemplar(ex[3:]); msg != "" {
			return p.errorf("exemplar: %s", msg)
		}
	}
	if p.skip {
		return nil
	}
	if p.hasLast && t <= p.lastT {
		if t == p.lastT {
			return p.errorf("second sample of %s at time %d (timestamps, rounded down to seconds, must increase)", p.key, t)
		}
		return p.errorf("sample of %s at time %d goes back in time from %d (samples of a series must be in time order)", p.key, t, p.lastT)
	}
	if p.ftype == tInfo && v != 1 {
		return p.errorf("info sample %s has value %s, not 1", p.key, clip(vtok))
	}
	p.lastT, p.hasLast = t, true
	if err := p.fn(p.series, tsdb.Point{T: t, V: v}); err != nil {
		// What the caller cannot take (a store's limits) is this line's
		// problem too.
		return fmt.Errorf("line %d: %w", p.line, err)
	}
	return nil
}

// exemplar checks an exemplar: {labels} value [timestamp]. It returns what
// is wrong, or "".
func (p *parser) exemplar(b []byte) string {
	if len(b) == 0 || b[0] != '{' {
		return "labels missing"
	}
	var i int
	var msg string
	if p.ebuf, i, msg = parseLabels(p.ebuf[:0], b, 0); msg != "" {
		return msg
	}
	n := 0
	for j, l := range p.ebuf {
		for _, m := range p.ebuf[:j] {
			if m.Name == l.Name {
				return "label " + l.Name + " appears twice"
			}
		}
		n += utf8.RuneCountInString(l.Name) + utf8.RuneCountInString(l.Value)
	}
	if n > 128 {
		return "labels longer than 128 characters"
	}
	b = b[i:]
	if len(b) == 0 || b[0] != ' ' {
		return "value missing"
	}
	b = b[1:]
	tok, ts, hasTS := bytes.Cut(b, []byte(" "))
	if _, ok := parseValue(tok); !ok {
		return fmt.Sprintf("invalid value %q", clip(tok))
	}
	if hasTS {
		if _, ok := parseTimestamp(ts); !ok {
			return fmt.Sprintf("invalid timestamp %q", clip(ts))
		}
	}
	return ""
}

// parseLabels parses {name="value",...} starting at line[i] == '{' into
// dst. It returns dst, the index after '}', and what is wrong or "".
func parseLabels(dst []tsdb.Label, line []byte, i int) ([]tsdb.Label, int, string) {
	const unterminated = "labels not closed with }"
	i++
	if i < len(line) && line[i] == '}' {
		return dst, i + 1, ""
	}
	for {
		j := i
		for j < len(line) && !isDelim(line[j]) {
			j++
		}
		name := string(line[i:j])
		switch {
		case j == len(line):
			return dst, 0, unterminated
		case name == "":
			return dst, 0, fmt.Sprintf("expected a label name, found %q", clip(line[j:]))
		case !tsdb.ValidLabelName(name):
			return dst, 0, fmt.Sprintf("invalid label name %q", clip(line[i:j]))
		case strings.HasPrefix(name, "__"):
			return dst, 0, fmt.Sprintf("label name %s is reserved (starts with __)", name)
		case line[j] != '=':
			return dst, 0, fmt.Sprintf("expected = after label name %s, found %q", name, clip(line[j:]))
		case j+1 == len(line) || line[j+1] != '"':
			return dst, 0, fmt.Sprintf("value of label %s is not quoted", name)
		}
		value, k, msg := unquote(line, j+1)
		if msg != "" {
			return dst, 0, fmt.Sprintf("label %s: %s", name, msg)
		}
		dst = append(dst, tsdb.Label{Name: name, Value: value})
		switch {
		case k == len(line):
			return dst, 0, unterminated
		case line[k] == '}':
			return dst, k + 1, ""
		case line[k] != ',':
			return dst, 0, fmt.Sprintf("expected , or } after the value of label %s, found %q", name, clip(line[k:]))
		}
		i = k + 1
	}
}

func isDelim(c byte) bool {
	return c == '=' || c == ',' || c == '}' || c == '"' || c == ' ' || c == '{'
}

// unquote reads the quoted label value starting at line[i] == '"'. It
// returns the value, the index after the closing quote, and what is wrong
// or "". Besides \\, \" and \n, a backslash before any other character
// stands for itself, as the OpenMetrics ABNF says.
func unquote(line []byte, i int) (string, int, string) {
	const unterminated = "value not closed with \""
	start := i + 1
	for i = start; i < len(line); i++ {
		if line[i] == '"' {
			if !utf8.Valid(line[start:i]) {
				return "", 0, "value is not valid UTF-8"
			}
			return string(line[start:i]), i + 1, ""
		}
		if line[i] == '\\' {
			break
		}
	}
	b := append([]byte(nil), line[start:i]...)
	for i < len(line) {
		switch c := line[i]; c {
		case '"':
			if !utf8.Valid(b) {
				return "", 0, "value is not valid UTF-8"
			}
			return string(b), i + 1, ""
		case '\\':
			if i+1 == len(line) {
				return "", 0, unterminated
			}
			switch line[i+1] {
			case '\\':
				b = append(b, '\\')
			case '"':
				b = append(b, '"')
			case 'n':
				b = append(b, '\n')
			default:
				b = append(b, '\\')
				i++
				continue
			}
			i += 2
		default:
			b = append(b, c)
			i++
		}
	}
	return "", 0, unterminated
}

// parseValue parses an OpenMetrics number.
func parseValue(b []byte) (float64, bool) {
	d, neg := b, false
	if len(d) > 0 && d[0] == '-' {
		d, neg = d[1:], true
	}
	if n := len(d); n > 0 && n <= 15 {
		if x, ok := digits(d); ok {
			f := float64(x)
			if neg {
				f = -f
			}
			return f, true
		}
	}
	if !validNumber(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// parseTimestamp parses an OpenMetrics timestamp, rounding fractions down
// to whole seconds.
func parseTimestamp(b []byte) (int64, bool) {
	s, neg := b, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s, neg = s[1:], s[0] == '-'
	}
	if n := len(s); n > 0 && n <= 18 {
		if x, ok := digits(s); ok {
			if neg {
				x = -x
			}
			return x, true
		}
	}
	if !validReal(s) {
		return 0, false
	}
	if !bytes.ContainsAny(s, "eE") {
		ip, frac, _ := bytes.Cut(s, []byte("."))
		var x int64
		if len(ip) > 0 {
			n := string(ip)
			if neg {
				n = "-" + n
			}
			var err error
			if x, err = strconv.ParseInt(n, 10, 64); err != nil {
				return 0, false
			}
		}
		if neg && len(bytes.TrimRight(frac, "0")) > 0 {
			if x == math.MinInt64 {
				return 0, false
			}
			x--
		}
		return x, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false
	}
	f = math.Floor(f)
	if !(f >= -(1<<63) && f < 1<<63) {
		return 0, false
	}
	return int64(f), true
}

// digits parses b, all ASCII digits, short enough not to overflow.
func digits(b []byte) (int64, bool) {
	var x int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		x = x*10 + int64(c-'0')
	}
	return x, true
}

// validNumber reports whether b is a number as the OpenMetrics ABNF
// defines it.
func validNumber(b []byte) bool {
	s, signed := b, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s, signed = s[1:], true
	}
	switch t := string(s); {
	case strings.EqualFold(t, "inf"), strings.EqualFold(t, "infinity"):
		return true
	case strings.EqualFold(t, "nan"):
		return !signed
	}
	return validReal(s)
}

// validReal reports whether s is an unsigned OpenMetrics real number:
// digits with an optional fraction and exponent.
func validReal(s []byte) bool {
	i, n := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		n++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			n++
		}
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isNameChar reports whether c may appear in a metric name after its first
// character.
func isNameChar(c byte) bool {
	return c == '_' || c == ':' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// validMetricName is tsdb.ValidMetricName for bytes.
func validMetricName(b []byte) bool {
	if len(b) == 0 || isDigit(b[0]) {
		return false
	}
	for _, c := range b {
		if !isNameChar(c) {
			return false
		}
	}
	return true
}

// clip returns b as a string, cut to 60 bytes, for error messages.
func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
