package tsdb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Label is one name="value" pair of a series.
type Label struct {
	Name  string
	Value string
}

// Series identifies one time series: a metric name and its labels, sorted by
// name. Labels with an empty value do not exist (as in Prometheus, and as
// tstorage silently drops them), so NewSeries leaves them out.
type Series struct {
	Metric string
	Labels []Label
}

// NewSeries returns the series metric{k1="v1",...} from name/value pairs.
// Labels with an empty value are dropped and the rest sorted by name.
func NewSeries(metric string, nameValues ...string) Series {
	if len(nameValues)%2 != 0 {
		panic("tsdb.NewSeries: odd number of label arguments")
	}
	s := Series{Metric: metric}
	for i := 0; i < len(nameValues); i += 2 {
		if nameValues[i+1] == "" {
			continue
		}
		s.Labels = append(s.Labels, Label{Name: nameValues[i], Value: nameValues[i+1]})
	}
	sort.Slice(s.Labels, func(i, j int) bool { return s.Labels[i].Name < s.Labels[j].Name })
	return s
}

// Get returns the value of the label name, or "" if the series has none.
func (s Series) Get(name string) string { return LabelValue(s.Labels, name) }

// LabelValue returns the value of the label name in ls, or "" if there is
// none (a label with an empty value does not exist).
func LabelValue(ls []Label, name string) string {
	for _, l := range ls {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// With returns a copy of s with the label name set to value (removed when
// value is empty).
func (s Series) With(name, value string) Series {
	kv := make([]string, 0, 2*len(s.Labels)+2)
	for _, l := range s.Labels {
		if l.Name != name {
			kv = append(kv, l.Name, l.Value)
		}
	}
	kv = append(kv, name, value)
	return NewSeries(s.Metric, kv...)
}

// Key returns the canonical text form of s, as Prometheus prints a series:
// name{a="x",b="y"} with labels sorted and values escaped. Two series are the
// same series exactly when their keys are equal.
func (s Series) Key() string {
	if len(s.Labels) == 0 {
		return s.Metric
	}
	var b strings.Builder
	b.Grow(s.keySize())
	s.writeKey(&b)
	return b.String()
}

// keySize is the length of s's key when no label value needs escaping.
func (s Series) keySize() int {
	n := len(s.Metric) + 2
	for _, l := range s.Labels {
		n += len(l.Name) + len(l.Value) + 4
	}
	return n
}

// writeKey writes s's key (Key) to b.
func (s Series) writeKey(b *strings.Builder) {
	b.WriteString(s.Metric)
	if len(s.Labels) == 0 {
		return
	}
	b.WriteByte('{')
	for i, l := range s.Labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.Name)
		b.WriteString(`="`)
		b.WriteString(EscapeLabelValue(l.Value))
		b.WriteByte('"')
	}
	b.WriteByte('}')
}

// sampleKeys returns the key of each sample's series (Key), sharing the
// memory of one string sized for them all: one allocation instead of
// three or four a series, and no page touched twice (Writer.Append of a
// one-shot record). A series that fails Validate is an error.
func sampleKeys(samples []Sample) ([]string, error) {
	size := 0
	for i := range samples {
		if err := samples[i].Series.Validate(); err != nil {
			return nil, err
		}
		size += samples[i].Series.keySize()
	}
	// An escaped value makes b outgrow size: b moves to a bigger buffer,
	// and the keys taken before keep the old one, which nothing changes.
	var b strings.Builder
	b.Grow(size)
	keys := make([]string, len(samples))
	for i := range samples {
		start := b.Len()
		samples[i].Series.writeKey(&b)
		keys[i] = b.String()[start:]
	}
	return keys, nil
}

// String returns Key().
func (s Series) String() string { return s.Key() }

// EscapeLabelValue escapes backslash, double quote and newline the way the
// Prometheus text format does.
func EscapeLabelValue(v string) string {
	if !strings.ContainsAny(v, "\\\"\n") {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParseSeries parses the canonical form written by Series.Key (and the same
// form with labels in any order and optional spaces after commas).
func ParseSeries(key string) (Series, error) {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		if !ValidMetricName(key) {
			return Series{}, fmt.Errorf("invalid metric name %q", key)
		}
		return Series{Metric: key}, nil
	}
	name := key[:i]
	if !ValidMetricName(name) {
		return Series{}, fmt.Errorf("invalid metric name %q", name)
	}
	rest := key[i+1:]
	var kv []string
	for {
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, "}") {
			if rest != "}" {
				return Series{}, fmt.Errorf("trailing text after '}' in %q", key)
			}
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return Series{}, fmt.Errorf("missing '=' in labels of %q", key)
		}
		ln := strings.TrimSpace(rest[:eq])
		if !ValidLabelName(ln) {
			return Series{}, fmt.Errorf("invalid label name %q in %q", ln, key)
		}
		rest = rest[eq+1:]
		if !strings.HasPrefix(rest, `"`) {
			return Series{}, fmt.Errorf("label %s: value must be quoted in %q", ln, key)
		}
		v, n, err := unquoteLabelValue(rest)
		if err != nil {
			return Series{}, fmt.Errorf("label %s in %q: %w", ln, key, err)
		}
		kv = append(kv, ln, v)
		rest = strings.TrimLeft(rest[n:], " ")
		if strings.HasPrefix(rest, ",") {
			rest = rest[1:]
			continue
		}
		if rest != "}" {
			return Series{}, fmt.Errorf("expected ',' or '}' after label %s in %q", ln, key)
		}
		break
	}
	return NewSeries(name, kv...), nil
}

// unquoteLabelValue reads a double-quoted, escaped value at the start of s and
// returns it with the number of bytes consumed.
func unquoteLabelValue(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated escape")
			}
			i++
			switch s[i] {
			case '\\':
				b.WriteByte('\\')
			case '"':
				b.WriteByte('"')
			case 'n':
				b.WriteByte('\n')
			default:
				return "", 0, fmt.Errorf("invalid escape \\%c", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated quoted value")
}

// ValidMetricName reports whether n matches [a-zA-Z_:][a-zA-Z0-9_:]*.
func ValidMetricName(n string) bool {
	if n == "" {
		return false
	}
	for i, c := range n {
		if !(c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// ValidLabelName reports whether n matches [a-zA-Z_][a-zA-Z0-9_]*.
func ValidLabelName(n string) bool {
	if n == "" {
		return false
	}
	for i, c := range n {
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// Sample is one value of one series; the time belongs to the sample set.
type Sample struct {
	Series Series
	Value  float64
}

// Point is one stored value: T is Unix time in seconds (UTC), V the value.
type Point struct {
	T int64
	V float64
}

// The longest names and values the store keeps: tstorage truncates longer
// label names and values without a word (two series could become one) and
// stores a metric name's length in 16 bits, so the store refuses them.
const (
	MaxMetricNameLen = 1<<16 - 1
	MaxLabelNameLen  = 256
	MaxLabelValueLen = 16 * 1024
)

// The times the store can hold, in Unix seconds: after 1970 (0 means "no
// time" to tstorage) and before the year 10000 (head logs and blocks are
// named by their day, YYYY-MM-DD).
const (
	MinTime int64 = 1
	MaxTime int64 = 253402300799 // 9999-12-31T23:59:59Z
)

// checkTime returns an error for a time the store cannot hold.
func checkTime(t int64) error {
	if t < MinTime || t > MaxTime {
		return fmt.Errorf("time %d is outside what the store holds (%s to %s, Unix seconds %d to %d)",
			t, time.Unix(MinTime, 0).UTC().Format(time.RFC3339), time.Unix(MaxTime, 0).UTC().Format(time.RFC3339), MinTime, MaxTime)
	}
	return nil
}

// Validate returns an error for a series the store cannot hold faithfully:
// an invalid name, an empty label value, or a name or value longer than
// the limits above.
func (s Series) Validate() error {
	if !ValidMetricName(s.Metric) {
		return fmt.Errorf("invalid metric name %q", clipName(s.Metric))
	}
	if len(s.Metric) > MaxMetricNameLen {
		return fmt.Errorf("metric name %s is %d bytes, longer than the %d the store holds", clipName(s.Metric), len(s.Metric), MaxMetricNameLen)
	}
	for _, l := range s.Labels {
		if !ValidLabelName(l.Name) {
			return fmt.Errorf("series %s: invalid label name %q", clipName(s.Metric), clipName(l.Name))
		}
		if len(l.Name) > MaxLabelNameLen {
			return fmt.Errorf("series %s: label name %s is %d bytes, longer than the %d the store holds", clipName(s.Metric), clipName(l.Name), len(l.Name), MaxLabelNameLen)
		}
		if l.Value == "" {
			return fmt.Errorf("series %s: label %s has an empty value", clipName(s.Metric), l.Name)
		}
		if len(l.Value) > MaxLabelValueLen {
			return fmt.Errorf("series %s: label %s is %d bytes, longer than the %s the store holds", clipName(s.Metric), l.Name, len(l.Value), strconv.Itoa(MaxLabelValueLen))
		}
	}
	return nil
}

// clipName shortens a long name for an error message.
func clipName(s string) string {
	if len(s) > 64 {
		return s[:48] + "..." + strconv.Itoa(len(s)) + " bytes"
	}
	return s
}
