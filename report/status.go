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
	sw := &statusWriter{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0), loc: loc}
	sw.writeSamples(r)
	sw.writeCollectors(r)
	sw.line("series", "%d in the newest sample set", r.Series)
	sw.writeDisk(r.Disk)
	sw.writePush(r.Push)
	sw.writeDamage(r)
	return sw.tw.Flush()
}

// statusWriter writes the "key  value" lines of the text status.
type statusWriter struct {
	tw  *tabwriter.Writer
	loc *time.Location
}

// line writes one line: the key k, then the value.
func (sw *statusWriter) line(k, format string, args ...any) {
	fmt.Fprintf(sw.tw, "%s\t%s\n", k, fmt.Sprintf(format, args...))
}

// list writes one line per item of a list under key k, the key on the
// first line only, or the line empty when the list is.
func (sw *statusWriter) list(k, empty string, items []string) {
	if len(items) == 0 && empty != "" {
		sw.line(k, "%s", empty)
	}
	for i, it := range items {
		if i > 0 {
			k = ""
		}
		sw.line(k, "%s", it)
	}
}

// at is a time as the status shows it.
func (sw *statusWriter) at(t time.Time) string { return t.In(sw.loc).Format("2006-01-02 15:04:05 MST") }

// ago is a number of seconds as the status shows it.
func ago(s float64) string { return check.FormatDuration(time.Duration(s) * time.Second) }

// writeSamples writes the state, the store, the range of its samples, how
// old the newest is, and the runs the recorder missed.
func (sw *statusWriter) writeSamples(r *health.Report) {
	state := "OK"
	if !r.OK() {
		state = "PROBLEM: " + strings.Join(r.Problems, "; ")
	}
	sw.line("status", "%s", state)
	sw.line("store", "%s", r.Store)
	if r.Newest.IsZero() {
		sw.line("samples", "none")
	} else {
		sw.line("samples", "%s to %s", sw.at(r.First), sw.at(r.Newest))
		stale := ""
		if r.Stale {
			stale = ", STALE"
		}
		sw.line("newest", "%s ago (stale after %s%s)", ago(r.AgeSeconds), ago(r.StaleAfterSeconds), stale)
	}
	if !r.Future.IsZero() {
		sw.line("future", "samples up to %s lie after now (a clock that was ahead, or an import); they are not counted as the newest", sw.at(r.Future))
	}
	sw.line("interval", "%s", ago(r.IntervalSeconds))
	var missed []string
	for _, d := range r.Missed {
		missed = append(missed, fmt.Sprintf("%s %d/%d", d.Day[5:], d.Missed, d.Recorded+d.Missed))
	}
	sw.line("missed runs", "%s (day missed/due, last %d days)", strings.Join(missed, "  "), health.Days)
}

// writeCollectors writes the failing collectors and the skipped textfiles.
func (sw *statusWriter) writeCollectors(r *health.Report) {
	var failed []string
	for _, c := range r.FailedCollectors {
		msg := "failing since " + sw.at(c.Since)
		if c.LastError != "" {
			msg += ": " + c.LastError
		}
		failed = append(failed, fmt.Sprintf("%s %s (%s)", c.Name, msg, c.Metric))
	}
	sw.list("collectors", "all succeeded in the newest sample set", failed)
	var skipped []string
	for _, tf := range r.SkippedTextfiles {
		skipped = append(skipped, fmt.Sprintf("%s skipped since %s: %s", tf.File, sw.at(tf.Since), tf.Error))
	}
	sw.list("textfiles", "", skipped)
}

// writeDisk writes the store's size by day and the retention it implies.
func (sw *statusWriter) writeDisk(d *health.Disk) {
	if d == nil {
		return
	}
	var days []string
	for _, db := range d.Days {
		days = append(days, db.Day[5:]+" "+Humanize(float64(db.Bytes), query.Bytes))
	}
	sw.line("disk", "%s in total; by UTC day: %s", Humanize(float64(d.TotalBytes), query.Bytes), strings.Join(days, ", "))
	switch {
	case d.PerDayBytes == 0:
		sw.line("retention", "%s (no complete day yet to tell the size it implies)", retention(d.RetentionDays))
	case d.RetentionDays == 0:
		sw.line("retention", "%s: grows by about %s a day", retention(0), Humanize(float64(d.PerDayBytes), query.Bytes))
	default:
		sw.line("retention", "%s at about %s a day: about %s", retention(d.RetentionDays),
			Humanize(float64(d.PerDayBytes), query.Bytes), Humanize(float64(d.RetentionBytes), query.Bytes))
	}
}

// writePush writes how far each push target has acknowledged.
func (sw *statusWriter) writePush(push []health.Push) {
	var targets []string
	for _, p := range push {
		switch {
		case p.Error != "":
			targets = append(targets, p.Error)
		case p.Acked.IsZero():
			targets = append(targets, fmt.Sprintf("%s: nothing acknowledged yet (lag %s)", p.URL, ago(p.LagSeconds)))
		default:
			targets = append(targets, fmt.Sprintf("%s: acknowledged up to %s, lag %s (last push %s)", p.URL, sw.at(p.Acked), ago(p.LagSeconds), sw.at(p.Updated)))
		}
	}
	sw.list("push", "none", targets)
}

// writeDamage writes the damage found and what earlier repairs moved aside.
func (sw *statusWriter) writeDamage(r *health.Report) {
	how := "files read"
	if r.Verified {
		how = "every file verified"
	}
	sw.list("damage", "none ("+how+")", r.Damage)
	if len(r.Quarantined) > 0 {
		sw.line("quarantined", "%s (moved aside by earlier repairs)", strings.Join(r.Quarantined, ", "))
	}
}

func retention(days int) string {
	if days == 0 {
		return "keeps everything"
	}
	return fmt.Sprintf("%d days", days)
}
