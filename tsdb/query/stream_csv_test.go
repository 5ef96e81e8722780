package query_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// streamedCSV renders what a day at a time as srvmon query does at every
// sample: the wide layout's columns from StreamColumns before the first
// day, then each day's rows; layout FormatNDJSON is NDJSON.
func streamedCSV(t *testing.T, s *tsdb.Store, what string, o query.Options, layout string) ([]byte, error) {
	t.Helper()
	var b bytes.Buffer
	format := report.FormatCSV
	if layout == report.FormatNDJSON {
		format, layout = report.FormatNDJSON, ""
	}
	cs, err := report.NewStream(&b, format, report.Options{Loc: time.UTC, CSVLayout: layout})
	if err != nil {
		t.Fatal(err)
	}
	if err := query.StreamColumns(context.Background(), s, what, o, cs.Columns(), cs.Write); err != nil {
		return nil, err
	}
	if err := cs.Flush(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return b.Bytes(), nil
}

// Every sample as CSV (and as NDJSON) written a day at a time is, byte for
// byte, what the whole answer of Run renders as, in both layouts, on the synthetic store
// (gaps, a missed run, reboots, a reset, an instance that stops at
// midnight, a block and a head log): the wide header lists the columns of
// the whole range before the first day, a day without some of them leaves
// their cells empty.
func TestStreamColumns_CSVSameAsRun(t *testing.T) {
	s := query.SynthStore(t)
	day0, end := query.Day0, query.SynthEnd
	cases := []struct {
		what string
		o    query.Options
	}{
		{`{__name__=~".+"}`, query.Options{From: day0, To: day0.Add(end)}},
		{"cpu", query.Options{From: day0, To: day0.Add(end), PerCPU: true}},
		{"disk", query.Options{From: day0, To: day0.Add(end), Agg: "sum"}},
		{"net", query.Options{From: day0.Add(23*time.Hour + 30*time.Minute), To: day0.Add(25 * time.Hour)}},
		{"mem", query.Options{From: day0.Add(26*time.Hour + 55*time.Minute), To: day0.Add(48 * time.Hour)}},
		{`{__name__=~"node_.*"}`, query.Options{From: day0.Add(23*time.Hour + 30*time.Minute), To: day0.Add(25 * time.Hour)}},
		{"nosuchmetric_total", query.Options{From: day0, To: day0.Add(end)}},
	}
	for i, c := range cases {
		want, werr := query.Run(context.Background(), s, c.what, c.o)
		layouts := []string{report.CSVWide, report.CSVLong, report.FormatNDJSON}
		if i == 0 {
			// Every series over the whole range as NDJSON took 9 of this
			// test's 13 s (140 s under the race detector); the other
			// cases compare NDJSON across the same day boundaries.
			layouts = layouts[:2]
		}
		for _, layout := range layouts {
			got, gerr := streamedCSV(t, s, c.what, c.o, layout)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("%s %s: Run's error %v, streamed %v", c.what, layout, werr, gerr)
			}
			if werr != nil {
				continue
			}
			var b bytes.Buffer
			format := report.FormatCSV
			if layout == report.FormatNDJSON {
				format = layout
			}
			if err := report.WriteResult(&b, want, format, report.Options{Loc: time.UTC, CSVLayout: layout}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, b.Bytes()) {
				t.Errorf("%s %s: streamed CSV (%d bytes) differs from Run's (%d bytes) at byte %d", c.what, layout, len(got), b.Len(), firstDiff(got, b.Bytes()))
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
