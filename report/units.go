package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/srvmon/srvmon/tsdb/query"
)

// scale is how a magnitude of a unit prints: values are divided by div and
// followed by suffix.
type scale struct {
	div    float64
	suffix string
}

var (
	binaryPrefixes = []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
	siPrefixes     = []string{"", "k", "M", "G", "T", "P", "E"}
)

// scaleFor returns the scale that prints magnitudes around maxAbs of unit u:
// binary prefixes for bytes (KiB, MiB/s), SI prefixes for rates and counts
// (k/s, M), ms and µs for small durations and min, h, d for long ones.
func scaleFor(u query.Unit, maxAbs float64) scale {
	if math.IsNaN(maxAbs) || math.IsInf(maxAbs, 0) {
		maxAbs = 0
	}
	switch u {
	case query.Percent:
		return scale{1, "%"}
	case query.Bytes, query.BytesPerSecond:
		per := ""
		if u == query.BytesPerSecond {
			per = "/s"
		}
		div, i := 1.0, 0
		for maxAbs >= 1024*div && i < len(binaryPrefixes)-1 {
			div *= 1024
			i++
		}
		return scale{div, " " + binaryPrefixes[i] + "B" + per}
	case query.Seconds:
		switch {
		case maxAbs == 0:
			return scale{1, " s"}
		case maxAbs < 1e-3:
			return scale{1e-6, " µs"}
		case maxAbs < 1:
			return scale{1e-3, " ms"}
		case maxAbs < 3600:
			return scale{1, " s"}
		case maxAbs < 86400*2:
			return scale{3600, " h"}
		}
		return scale{86400, " d"}
	case query.PerSecond:
		div, p := siScale(maxAbs)
		return scale{div, p + "/s"}
	case query.Celsius:
		return scale{1, " °C"}
	}
	div, p := siScale(maxAbs)
	return scale{div, p}
}

// siScale returns the SI prefix for maxAbs; numbers below 10 000 print in
// full.
func siScale(maxAbs float64) (float64, string) {
	if maxAbs < 1e4 {
		return 1, ""
	}
	div, i := 1.0, 0
	for maxAbs >= 1000*div && i < len(siPrefixes)-1 {
		div *= 1000
		i++
	}
	return div, siPrefixes[i]
}

// Humanize formats v of unit u for people: percentages with one decimal
// ("12.3%"), bytes with binary prefixes ("1.50 MiB/s"), rates and counts
// with SI prefixes above 10 000 ("12.3k/s"), durations in µs, ms, s, h or d,
// and about three significant digits. NaN (no value) is "".
func Humanize(v float64, u query.Unit) string {
	if math.IsNaN(v) {
		return ""
	}
	if math.IsInf(v, 0) {
		if v > 0 {
			return "+Inf"
		}
		return "-Inf"
	}
	sc := scaleFor(u, math.Abs(v))
	x := v / sc.div
	if u == query.Percent {
		return strconv.FormatFloat(x, 'f', 1, 64) + sc.suffix
	}
	if x == 0 {
		return "0" + sc.suffix
	}
	// Whole numbers printed at their own scale (counts, packets) stay whole.
	if sc.div == 1 && x == math.Trunc(x) && u != query.Seconds {
		return strconv.FormatFloat(x, 'f', 0, 64) + sc.suffix
	}
	return sig3(x) + sc.suffix
}

// sig3 formats x with about three significant digits: 123, 12.3, 1.23, and
// 0.0123 below 1; 1.23e+09 from a million up, which only a value past the
// largest prefix reaches.
func sig3(x float64) string {
	ax := math.Abs(x)
	var dec int
	switch {
	case ax >= 1e6:
		// Past the largest prefix (1.8e308 counts would print 309 digits).
		return strconv.FormatFloat(x, 'e', 2, 64)
	case ax >= 100:
		dec = 0
	case ax >= 10:
		dec = 1
	case ax >= 1:
		dec = 2
	default:
		dec = 2 - int(math.Floor(math.Log10(ax)))
		if dec > 6 {
			dec = 6
		}
	}
	// A value that rounds up to the next power of ten (99.96 to 100.0)
	// keeps three digits ("100", not "100.0"): one magnitude, one look.
	if p := math.Pow(10, float64(dec)); dec > 0 && math.Round(ax*p)/p >= math.Pow(10, float64(3-dec)) {
		dec--
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if s == "-0" || strings.Trim(s, "-0.") == "" {
		return "0"
	}
	return s
}

// unitLabel is how a unit is named in titles: "%", "bytes/s", "1/s".
func unitLabel(u query.Unit) string {
	switch u {
	case query.Percent:
		return "%"
	case query.None:
		return ""
	}
	return string(u)
}

// axisFormatter returns a function that labels the ticks of an axis from lo
// to hi in steps of about step: one scale for all ticks, and as many
// decimals as the step needs.
func axisFormatter(u query.Unit, lo, hi, step float64) func(float64) string {
	sc := scaleFor(u, math.Max(math.Abs(lo), math.Abs(hi)))
	dec := 0
	if s := step / sc.div; s > 0 && !math.IsInf(s, 0) {
		dec = int(math.Ceil(-math.Log10(s) - 1e-9))
		dec = max(0, min(dec, 4))
	}
	zero := strings.TrimPrefix(scaleFor(u, 0).suffix, " ")
	return func(v float64) string {
		if v == 0 {
			return "0" + zero
		}
		s := strconv.FormatFloat(v/sc.div, 'f', dec, 64)
		if strings.Trim(s, "-0.") == "" {
			s = strings.TrimPrefix(s, "-")
		}
		return s + strings.TrimPrefix(sc.suffix, " ")
	}
}

// formatValue formats v for machines (CSV, JSON): base units, unrounded,
// shortest exact form, without exponent unless the number is tiny or huge
// (as encoding/json does).
func formatValue(v float64) string {
	return string(appendValue(nil, v))
}

func appendValue(b []byte, v float64) []byte {
	abs := math.Abs(v)
	if abs < 1<<53 && v == float64(int64(v)) && (v != 0 || !math.Signbit(v)) {
		// An integer that a float64 holds exactly (every one below 2^53):
		// its shortest decimal is its digits, as AppendFloat would write
		// them, at a fraction of the cost. (-0 is left to AppendFloat.)
		return strconv.AppendInt(b, int64(v), 10)
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
