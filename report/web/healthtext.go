package web

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb/health"
)

// recorderText is the page's status of the recorder, from health.Compute
// over today (what /healthz answers and srvmon status prints): "" when all
// is well, else what is wrong, such as " · recorder stopped? · 3 runs
// missed today · failing: diskstats · push lag 2h · 1 damaged file".
func (s *Server) recorderText(ctx context.Context, now time.Time) (string, error) {
	rep, err := health.Compute(ctx, s.store, health.Options{Now: now, Location: s.o.Location, Stale: s.o.Stale, Days: 1, SkipDisk: true})
	if err != nil {
		return "", err
	}
	var parts []string
	if rep.Stale && !rep.Newest.IsZero() {
		parts = append(parts, "recording stopped? (stale after "+report.DurationText(time.Duration(rep.StaleAfterSeconds)*time.Second)+")")
	}
	missed := 0
	for _, d := range rep.Missed {
		missed += d.Missed
	}
	if missed > 0 {
		parts = append(parts, fmt.Sprintf("%d runs missed today", missed))
	}
	if len(rep.FailedCollectors) > 0 {
		var names []string
		for _, c := range rep.FailedCollectors {
			names = append(names, c.Name)
		}
		parts = append(parts, "failing: "+strings.Join(names, ", "))
	}
	if n := len(rep.SkippedTextfiles); n > 0 {
		parts = append(parts, fmt.Sprintf("%d textfile(s) skipped", n))
	}
	for _, p := range rep.Push {
		if p.Error == "" && p.LagSeconds > 3*rep.IntervalSeconds+300 {
			parts = append(parts, "push lag "+report.DurationText(time.Duration(p.LagSeconds)*time.Second))
		}
	}
	if n := len(rep.Damage); n > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged file(s)", n))
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " · " + strings.Join(parts, " · "), nil
}
