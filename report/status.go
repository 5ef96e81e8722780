package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/srvmon/srvmon/tsdb/health"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/query/check"
)

// WriteStatus writes the health report r for people (format "text") or as
// one JSON object (format "json"); times are shown in loc.
func WriteStatus(w io.Writer, r *health.Report, format string, loc *time.Location) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "text", "":
	default:
		return fmt.Errorf("unknown status format %q; use text or json", format)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05 MST") }
	ago := func(s float64) string { return check.FormatDuration(time.Duration(s) * time.Second) }
	line := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	state := "OK"
	if !r.OK() {
		state = "PROBLEM: " + strings.Join(r.Problems, "; ")
	}
	line("status", "%s", state)
	line("store", "%s", r.Store)
	if r.Newest.IsZero() {
		line("samples", "none")
	} else {
		line("samples", "%s to %s", at(r.First), at(r.Newest))
		stale := ""
		if r.Stale {
			stale = ", STALE"
		}
		line("newest", "%s ago (stale after %s%s)", ago(r.AgeSeconds), ago(r.StaleAfterSeconds), stale)
	}
	if !r.Future.IsZero() {
		line("future", "samples up to %s lie after now (a clock that was ahead, or an import); they are not counted as the newest", at(r.Future))
	}
	line("interval", "%s", ago(r.IntervalSeconds))
	var missed []string
	for _, d := range r.Missed {
		missed = append(missed, fmt.Sprintf("%s %d/%d", d.Day[5:], d.Missed, d.Recorded+d.Missed))
	}
	line("missed runs", "%s (day missed/due, last %d days)", strings.Join(missed, "  "), health.Days)
	if len(r.FailedCollectors) == 0 {
		line("collectors", "all succeeded in the newest sample set")
	}
	for i, c := range r.FailedCollectors {
		k := ""
		if i == 0 {
			k = "collectors"
		}
		msg := "failing since " + at(c.Since)
		if c.LastError != "" {
			msg += ": " + c.LastError
		}
		line(k, "%s %s (%s)", c.Name, msg, c.Metric)
	}
	for i, tf := range r.SkippedTextfiles {
		k := ""
		if i == 0 {
			k = "textfiles"
		}
		line(k, "%s skipped since %s: %s", tf.File, at(tf.Since), tf.Error)
	}
	line("series", "%d in the newest sample set", r.Series)
	if d := r.Disk; d != nil {
		var days []string
		for _, db := range d.Days {
			days = append(days, db.Day[5:]+" "+Humanize(float64(db.Bytes), query.Bytes))
		}
		line("disk", "%s in total; by UTC day: %s", Humanize(float64(d.TotalBytes), query.Bytes), strings.Join(days, ", "))
		switch {
		case d.PerDayBytes == 0:
			line("retention", "%s (no complete day yet to tell the size it implies)", retention(d.RetentionDays))
		case d.RetentionDays == 0:
			line("retention", "%s: grows by about %s a day", retention(0), Humanize(float64(d.PerDayBytes), query.Bytes))
		default:
			line("retention", "%s at about %s a day: about %s", retention(d.RetentionDays),
				Humanize(float64(d.PerDayBytes), query.Bytes), Humanize(float64(d.RetentionBytes), query.Bytes))
		}
	}
	if len(r.Push) == 0 {
		line("push", "none")
	}
	for i, p := range r.Push {
		k := ""
		if i == 0 {
			k = "push"
		}
		switch {
		case p.Error != "":
			line(k, "%s", p.Error)
		case p.Acked.IsZero():
			line(k, "%s: nothing acknowledged yet (lag %s)", p.URL, ago(p.LagSeconds))
		default:
			line(k, "%s: acknowledged up to %s, lag %s (last push %s)", p.URL, at(p.Acked), ago(p.LagSeconds), at(p.Updated))
		}
	}
	how := "files read"
	if r.Verified {
		how = "every file verified"
	}
	if len(r.Damage) == 0 {
		line("damage", "none (%s)", how)
	}
	for i, d := range r.Damage {
		k := ""
		if i == 0 {
			k = "damage"
		}
		line(k, "%s", d)
	}
	if len(r.Quarantined) > 0 {
		line("quarantined", "%s (moved aside by earlier repairs)", strings.Join(r.Quarantined, ", "))
	}
	return tw.Flush()
}

func retention(days int) string {
	if days == 0 {
		return "keeps everything"
	}
	return fmt.Sprintf("%d days", days)
}
