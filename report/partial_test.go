package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// TestPartialBucketsEverywhere: the buckets that query marks as cut by the
// range are marked in the table, JSON, NDJSON, both CSV layouts and the
// HTML page, and only those.
func TestPartialBucketsEverywhere(t *testing.T) {
	for _, c := range []struct{ first, last bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		r := diskResult()
		r.PartialFirst, r.PartialLast = c.first, c.last
		pts := r.Quantities[0].Points
		want := map[int64]bool{pts[0].T: c.first, pts[len(pts)-1].T: c.last}

		var js bytes.Buffer
		if err := WriteResult(&js, r, FormatJSON, testOptions); err != nil {
			t.Fatal(err)
		}
		var doc struct{ PartialFirst, PartialLast bool }
		if err := json.Unmarshal(js.Bytes(), &struct {
			PF *bool `json:"partial_first"`
			PL *bool `json:"partial_last"`
		}{&doc.PartialFirst, &doc.PartialLast}); err != nil {
			t.Fatal(err)
		}
		if doc.PartialFirst != c.first || doc.PartialLast != c.last {
			t.Errorf("%+v: json says %+v", c, doc)
		}

		var nd bytes.Buffer
		if err := WriteResult(&nd, r, FormatNDJSON, testOptions); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(nd.String()), "\n") {
			var p struct {
				Unix    int64
				Partial bool
			}
			if err := json.Unmarshal([]byte(line), &p); err != nil {
				t.Fatal(err)
			}
			if p.Partial != want[p.Unix] {
				t.Errorf("%+v: ndjson line %s", c, line)
			}
		}

		// CSV: the partial column, by name, of every row.
		for _, layout := range []string{CSVLong, CSVWide} {
			o := testOptions
			o.CSVLayout = layout
			var cb bytes.Buffer
			if err := WriteResult(&cb, r, FormatCSV, o); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&cb).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := slices.Index(rows[0], "partial")
			if col < 0 {
				t.Fatalf("%s CSV: no partial column in %v", layout, rows[0])
			}
			marked := 0
			for _, row := range rows[1:] {
				unix, err := strconv.ParseInt(row[1], 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				if want := strconv.FormatBool(want[unix]); row[col] != want {
					t.Errorf("%+v: %s CSV row %v: partial %q, want %q", c, layout, row, row[col], want)
				}
				if row[col] == "true" {
					marked++
				}
			}
			if c.first || c.last {
				if marked == 0 {
					t.Errorf("%+v: %s CSV marks no row partial", c, layout)
				}
			}
		}

		// HTML: the view's line names the cut buckets as the table labels them.
		var hb bytes.Buffer
		if err := WriteResult(&hb, r, FormatHTML, testOptions); err != nil {
			t.Fatal(err)
		}
		clk := newClock(testOptions.Loc, r.From, r.To, false)
		var cut []string
		for _, p := range []tsdb.Point{pts[0], pts[len(pts)-1]} {
			if want[p.T] {
				cut = append(cut, clk.unix(p.T))
			}
		}
		if len(cut) == 0 {
			if strings.Contains(hb.String(), "partial bucket") {
				t.Errorf("%+v: the HTML page mentions partial buckets", c)
			}
		} else if line := "partial buckets (the range cuts them): " + strings.Join(cut, ", "); !strings.Contains(hb.String(), line) {
			t.Errorf("%+v: the HTML page lacks %q", c, line)
		}

		var tb bytes.Buffer
		if err := WriteResult(&tb, r, FormatTable, testOptions); err != nil {
			t.Fatal(err)
		}
		stars := strings.Count(tb.String(), "*")
		wantStars := 0
		for _, cut := range []bool{c.first, c.last} {
			if cut {
				wantStars += 2 * 2 // two devices, in each of the two tables the columns are split into
			}
		}
		if wantStars > 0 {
			wantStars++ // the note under the table
		}
		if stars != wantStars {
			t.Errorf("%+v: %d stars in the table, want %d:\n%s", c, stars, wantStars, tb.String())
		}
	}
}

// TestTotalsEverywhere: the totals line of a report is the same numbers in
// the text, CSV, JSON and HTML report: query's Stats.Total.
func TestTotalsEverywhere(t *testing.T) {
	ss := testSummaries()
	out := map[string]string{}
	for _, f := range []string{FormatText, FormatCSV, FormatJSON, FormatHTML} {
		var b bytes.Buffer
		if err := WriteSummaries(&b, ss, f, testOptions); err != nil {
			t.Fatal(err)
		}
		out[f] = b.String()
	}
	rows, err := csv.NewReader(strings.NewReader(out[FormatCSV])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Views []struct {
			Totals []struct {
				Name  string
				Total float64
				Unit  query.Unit
			}
		}
	}
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for v, s := range ss {
		if len(doc.Views[v].Totals) != len(s.Totals) {
			t.Errorf("view %d: json has %d totals, want %d", v, len(doc.Views[v].Totals), len(s.Totals))
			continue
		}
		for k, i := range s.Totals {
			q := s.Result.Quantities[i]
			n++
			if j := doc.Views[v].Totals[k]; j.Name != q.Name || j.Total != q.Stats.Total || j.Unit != q.Stats.TotalUnit {
				t.Errorf("json total %+v, want %s %v %s", j, q.Name, q.Stats.Total, q.Stats.TotalUnit)
			}
			found := false
			for _, row := range rows {
				if row[0] == s.Result.View && row[1] == "total" && row[2] == q.Name {
					found = true
					if v, err := strconv.ParseFloat(row[16], 64); err != nil || v != q.Stats.Total || row[4] != string(q.Stats.TotalUnit) {
						t.Errorf("csv total row %v, want %v %s", row, q.Stats.Total, q.Stats.TotalUnit)
					}
				}
			}
			if !found {
				t.Errorf("no csv total row for %s", q.Name)
			}
			text := q.Name + " " + Humanize(q.Stats.Total, q.Stats.TotalUnit)
			for _, f := range []string{FormatText, FormatHTML} {
				if !strings.Contains(out[f], text) {
					t.Errorf("%s lacks %q", f, text)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("the fixtures have no totals")
	}
}
