package report

import (
	"slices"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// summariesDamage is the damage the summaries' reads came across, each
// damaged file once, in the order found: a report whose figures have holes
// says so in its own output, not only on stderr.
func summariesDamage(ss []*query.Summary) []tsdb.Damage {
	var out []tsdb.Damage
	for _, s := range ss {
		for _, d := range s.Result.Damage {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// damageText is one damaged file as a report line, its time range in loc:
// "blocks/2026-11-29.g1/data: checksum mismatch; samples from 2026-11-29
// 01:00 to 2026-11-30 01:00 +01:00 may be missing".
func damageText(d tsdb.Damage, loc *time.Location) string {
	switch {
	case d.From.IsZero():
		return printable(d.File + ": " + d.Reason)
	case !d.To.After(d.From):
		return printable(d.File + ": " + d.Reason + " (no samples lost with it)")
	}
	return printable(d.File + ": " + d.Reason + "; samples of " + PeriodText(d.From, d.To, loc) + " may be missing")
}

// damageHeadline introduces the damage list of a report.
func damageHeadline(n int) string {
	if n == 1 {
		return "damaged: 1 file of the store could not be read; the figures below leave its samples out"
	}
	return "damaged: " + strconv.Itoa(n) + " files of the store could not be read; the figures below leave their samples out"
}
