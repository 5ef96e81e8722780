package query_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// The summary a person reads of a range is the same printed number
// whatever the step: the "Average:" rows of query's table at raw
// resolution, at several steps and with the automatic step, the avg of
// report's text and the avg of its JSON.
func TestRender_AverageSameEverywhere(t *testing.T) {
	s, start, end := query.SynthStoreForTest(t)
	from, to := start.Add(5*time.Hour+17*time.Minute+23*time.Second), end.Add(-3*time.Hour-11*time.Minute)
	ro := report.Options{Loc: time.UTC, Width: 10000, Height: 40}
	sep := regexp.MustCompile(`\s{2,}`)
	for _, view := range query.Views() {
		t.Run(view, func(t *testing.T) {
			var want []string
			for _, o := range []query.Options{{}, {Step: time.Minute}, {Step: 7 * time.Minute}, {Step: time.Hour}, {MaxPoints: 60}} {
				o.From, o.To = from, to
				r, err := query.Run(context.Background(), s, view, o)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := report.WriteResult(&buf, r, report.FormatTable, ro); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, line := range strings.Split(buf.String(), "\n") {
					if strings.HasPrefix(line, "Average:") {
						got = append(got, strings.Join(sep.Split(strings.TrimSpace(line), -1), " | "))
					}
				}
				if len(got) == 0 {
					t.Fatalf("step %s: no Average row:\n%s", r.Step, buf.String())
				}
				if want == nil {
					want = got
					continue
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("step %s: Average rows\n%s\nat raw resolution\n%s", r.Step, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
			// report's avg column, text and JSON, says what the Average
			// rows say.
			sum, err := query.Summarize(context.Background(), s, view, query.Options{From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			printed := map[string]bool{}
			for _, line := range want {
				for _, cell := range strings.Split(line, " | ")[1:] {
					printed[cell] = true
				}
			}
			for _, q := range sum.Result.Quantities {
				if a := report.Humanize(q.Stats.Avg, q.Unit); !printed[a] {
					t.Errorf("report avg of %s %v is %s, not in the Average rows %q", q.Name, q.Labels, a, want)
				}
			}
			var buf bytes.Buffer
			if err := report.WriteSummaries(&buf, []*query.Summary{sum}, report.FormatJSON, ro); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Views []struct {
					Series []struct {
						Name   string
						Labels map[string]string
						Unit   query.Unit
						Avg    *float64
					}
				}
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, js := range doc.Views[0].Series {
				var kv []string
				for k, v := range js.Labels {
					kv = append(kv, k, v)
				}
				if js.Avg == nil {
					continue
				}
				if a := report.Humanize(*js.Avg, js.Unit); !printed[a] {
					t.Errorf("report JSON avg of %s %s is %s, not in the Average rows", js.Name, tsdb.NewSeries("x", kv...).Key(), a)
				}
			}
		})
	}
}
