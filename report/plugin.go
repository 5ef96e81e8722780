package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/query/check"
)

// PluginPrefix starts the first line of srvmon check's output, as
// check_disk's output starts with "DISK".
const PluginPrefix = "SRVMON"

// WritePlugin writes the results of srvmon check the way monitoring plugins
// (Nagios, Icinga, Sensu, monit) print them:
//
//	SRVMON CRITICAL - cpu.busy 97.8% > 90% for 10m (since 16:02) | cpu_busy=97.8%;75;90;0;100 cpu_busy_lowest=93.1%;75;90;0;100
//	WARNING: fs.%used{mountpoint="/"} 86.0% > 85%
//	OK: mem.available not < 500MiB for 5m: highest 1.95 GiB at 16:09 (avg 1.31 GiB) | fs_pct_used_/=86.0%;85;;0;100 mem_available=1406669373B;;524288000:;0; mem_available_highest=2093796557B;;524288000:;0;
//
// The first line has the overall state (the worst of the results, see
// check.Exit) with the text and performance data of the result that
// needs most attention; each further line has another result, and the last
// line carries the performance data of all but the first, as the plugin
// guidelines put long output. Performance data is
// label=value[UOM];warn;crit;min;max with values in base units (% for
// percentages, s for seconds, B for bytes, none for rates and counts) and
// the thresholds as ranges ("90" alerts above 90, "500:" below 500); an
// unknown value is U. Times are shown in loc.
func WritePlugin(w io.Writer, rs []check.Result, loc *time.Location) error {
	if len(rs) == 0 {
		_, err := fmt.Fprintf(w, "%s UNKNOWN - no checks\n", PluginPrefix)
		return err
	}
	first := 0
	for i, r := range rs {
		if check.Worst(rs[first].State, r.State) != rs[first].State {
			first = i
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s - %s | %s", PluginPrefix, check.Exit(rs), pluginText(rs[first], loc), perfData(rs[first]))
	var rest []string
	for i, r := range rs {
		if i == first {
			continue
		}
		b.WriteString("\n" + r.State.String() + ": " + pluginText(r, loc))
		rest = append(rest, perfData(r))
	}
	if len(rest) > 0 {
		b.WriteString(" | " + strings.Join(rest, " "))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// WritePluginLine writes one result as a plugin's first line, for
// srvmon check --notify-on-change, which prints a line per check whose
// state changed: "SRVMON OK - cpu.busy not > 90% for 10m: lowest 3.1% at
// 16:12 (avg 85.0%), was CRITICAL | ...".
func WritePluginLine(w io.Writer, r check.Result, was check.State, loc *time.Location) error {
	_, err := fmt.Fprintf(w, "%s %s - %s, was %s | %s\n", PluginPrefix, r.State, pluginText(r, loc), was, perfData(r))
	return err
}

// pluginText is one result for people: the subject, its value and, when a
// condition holds, the condition and since when; for an OK check with a
// for duration the value that decided it (check.Result.Edge) beside the
// window's average; for UNKNOWN the reason.
func pluginText(r check.Result, loc *time.Location) string {
	name := ""
	if r.Check != nil && r.Check.Name != "" {
		name = r.Check.Name + ": "
	}
	if r.State == check.Unknown {
		return name + r.Subject + ": " + r.Reason
	}
	v := Humanize(r.Value, r.Unit)
	if r.Fired != nil {
		s := fmt.Sprintf("%s%s %s %s %s", name, r.Subject, v, r.Fired.Op, r.Fired.ThresholdText)
		if r.Fired.For > 0 {
			s += " for " + check.FormatDuration(r.Fired.For)
		}
		if !r.Since.IsZero() {
			s += " (since " + sinceClock(r.Since, r.At, loc) + ")"
		}
		return s
	}
	if r.Check != nil && r.Check.For() > 0 {
		// OK with for: the condition did not hold over the whole window,
		// which the window's average cannot show (it may well be past the
		// threshold); the value that decided it can.
		x := r.Check.Decisive()
		if math.IsNaN(r.Edge) {
			return fmt.Sprintf("%s%s %s (avg %s)", name, r.Subject, v, check.FormatDuration(x.For))
		}
		return fmt.Sprintf("%s%s not %s %s for %s: %s %s at %s (avg %s)", name, r.Subject, x.Op, x.ThresholdText,
			check.FormatDuration(x.For), edgeWord(x), Humanize(r.Edge, r.Unit), atClock(r.EdgeAt, r.At, loc), v)
	}
	return name + r.Subject + " " + v
}

// edgeWord names the value that decides a for check with x's comparison:
// the lowest in the window for > and >=, the highest for < and <=.
func edgeWord(x *check.Expr) string {
	if x.Op == check.Less || x.Op == check.LessEqual {
		return "highest"
	}
	return "lowest"
}

// atClock shows t as 16:02, or 16:02:05 when it is not on a whole minute,
// with the date when it is not on the day of ref.
func atClock(t, ref time.Time, loc *time.Location) string {
	if t.Second() != 0 {
		return clockOnDay(t, ref, loc, "15:04:05")
	}
	return clockOnDay(t, ref, loc, "15:04")
}

// sinceClock shows t as 16:02, with the date when it is not on the day of ref.
func sinceClock(t, ref time.Time, loc *time.Location) string { return clockOnDay(t, ref, loc, "15:04") }

// clockOnDay shows t in loc with layout, preceded by the date when it is not on
// the day of ref.
func clockOnDay(t, ref time.Time, loc *time.Location, layout string) string {
	t, ref = t.In(loc), ref.In(loc)
	if t.YearDay() != ref.YearDay() || t.Year() != ref.Year() {
		layout = "Jan 2 " + layout
	}
	return t.Format(layout)
}

// perfData is one result's performance data,
// label=value[UOM];warn;crit;min;max. A check with a for duration has a
// second item, LABEL_lowest (for > and >=) or LABEL_highest (for < and
// <=), the value that decides it (check.Result.Edge): the window's
// average is past the threshold whenever the condition held, but only
// the lowest (highest) value is past it exactly when it held, so a graph
// of it shows how near each check came to firing.
func perfData(r check.Result) string {
	s := perfItem(r, perfLabel(r), r.Value)
	if r.Check != nil && r.Check.For() > 0 {
		edge := r.Edge
		if r.State == check.Unknown {
			edge = math.NaN()
		}
		s += " " + perfItem(r, perfLabelSuffix(perfLabel(r), "_"+edgeWord(r.Check.Decisive())), edge)
	}
	return s
}

// perfLabelSuffix appends suffix to a performance data label, inside its
// quotes when it has them.
func perfLabelSuffix(label, suffix string) string {
	if q, ok := strings.CutSuffix(label, "'"); ok {
		return q + suffix + "'"
	}
	return label + suffix
}

// perfItem is one label=value[UOM];warn;crit;min;max with r's unit and
// thresholds.
func perfItem(r check.Result, label string, value float64) string {
	uom := ""
	switch r.Unit {
	case query.Percent:
		uom = "%"
	case query.Seconds:
		uom = "s"
	case query.Bytes:
		uom = "B"
	}
	val := "U"
	if !math.IsNaN(value) {
		val = perfNumber(value, r.Unit) + uom
	}
	var warn, crit string
	if r.Check != nil {
		if r.Check.Warn != nil {
			warn = perfRange(r.Check.Warn, r.Unit)
		}
		if r.Check.Crit != nil {
			crit = perfRange(r.Check.Crit, r.Unit)
		}
	}
	minmax := ";"
	switch r.Unit {
	case query.Percent:
		minmax = "0;100"
	case query.Bytes, query.BytesPerSecond, query.Seconds, query.PerSecond:
		minmax = "0;"
	}
	return label + "=" + val + ";" + warn + ";" + crit + ";" + minmax
}

// perfRange is the threshold of x as a plugin range: "90" alerts above 90,
// "500:" below 500.
func perfRange(x *check.Expr, u query.Unit) string {
	n := strconv.FormatFloat(x.Threshold, 'f', -1, 64)
	if x.Op == check.Less || x.Op == check.LessEqual {
		return n + ":"
	}
	return n
}

// perfNumber formats a value without exponent: percentages with one
// decimal (as the text shows them), bytes whole, others with up to three
// decimals.
func perfNumber(v float64, u query.Unit) string {
	switch u {
	case query.Percent:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case query.Bytes, query.BytesPerSecond:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// perfLabel names a result in the performance data: the check's name, or
// its view and column with the values of its labels (cpu_busy,
// fs_pct_used_/, disk_util_sda), quoted when it holds a space.
func perfLabel(r check.Result) string {
	var label string
	if r.Check != nil && r.Check.Name != "" {
		label = r.Check.Name
	} else {
		subject := r.Subject
		base, labels, _ := strings.Cut(subject, "{")
		base = strings.NewReplacer("%", "pct_", "/s", "_per_s", ".", "_", "/", "_").Replace(base)
		label = base
		if labels != "" {
			for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
				_, v, _ := strings.Cut(kv, "=")
				if uq, err := strconv.Unquote(v); err == nil {
					v = uq
				}
				label += "_" + v
			}
		}
	}
	label = strings.NewReplacer("=", "_", "'", "_", "\n", " ").Replace(label)
	if strings.ContainsAny(label, " \t") {
		return "'" + label + "'"
	}
	return label
}
