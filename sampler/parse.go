package sampler

import (
	"iter"
	"math"
	"strings"
)

// The parsers of this package work on the whole file as one string and cut
// it into lines and fields without allocating: the substrings they keep
// (device names, labels) share the file's memory.

// nextLine returns the first line of s and the rest after its newline.
func nextLine(s string) (line, rest string) {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// parseDecimal parses s, digits only, as a uint64: strconv.ParseUint
// without its generality (bases, underscores, errors that describe), which
// was most of the cost of reading the state file's 8,000 numbers.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if d > 9 || v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// nextField returns the first field of s, split on spaces and tabs as
// strings.Fields does for ASCII input, and what follows it.
func nextField(s string) (field, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return s[i:j], s[j:]
}

// fields splits s like strings.Fields (ASCII spaces and tabs) into dst,
// which it reuses, and returns it.
func fields(dst []string, s string) []string {
	dst = dst[:0]
	for {
		var f string
		f, s = nextField(s)
		if f == "" {
			return dst
		}
		dst = append(dst, f)
	}
}

// unescapeOctal undoes the \ooo escaping the kernel applies to spaces, tabs,
// newlines and backslashes in /proc/*/mountinfo paths.
func unescapeOctal(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// tableMetric returns the name in table that is a prefix of prefixLen
// bytes followed by proto, an underscore and field, or "" when there is
// none. Collectors that keep a fixed set of a file's fields (netstat,
// sockstat) look their names up with it without building a string.
func tableMetric(table []string, prefixLen int, proto, field string) string {
	for _, m := range table {
		rest := m[prefixLen:]
		if len(rest) == len(proto)+1+len(field) && rest[len(proto)] == '_' &&
			rest[:len(proto)] == proto && rest[len(proto)+1:] == field {
			return m
		}
	}
	return ""
}

// lines yields the lines of s as nextLine cuts them, without their
// newlines: the loop of every parser that reads a file line by line.
func lines(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for s != "" {
			var line string
			line, s = nextLine(s)
			if !yield(line) {
				return
			}
		}
	}
}
