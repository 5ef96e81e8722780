package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
)

// A report whose reads met damage names each damaged file and the time
// it covers in its own output (text, html and json), once however many
// views met it; one without damage has no such section.
func TestSummaries_ListDamage(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	block := tsdb.Damage{File: "blocks/2026-11-29.g1/data", From: day, To: day.Add(24 * time.Hour), Reason: "checksum mismatch; the block is not read"}
	head := tsdb.Damage{File: "head/2026-11-30.log", From: day.Add(30 * time.Hour), To: day.Add(30*time.Hour + time.Minute), Reason: "a damaged record"}
	ss := testSummaries()
	ss[0].Result.Damage = []tsdb.Damage{block}
	ss[len(ss)-1].Result.Damage = []tsdb.Damage{block, head}
	out := map[string]string{}
	for _, f := range []string{FormatText, FormatHTML, FormatJSON} {
		var b bytes.Buffer
		if err := WriteSummaries(&b, ss, f, testOptions); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = b.String()
	}
	for _, f := range []string{FormatText, FormatHTML} {
		for _, d := range []tsdb.Damage{block, head} {
			if n := strings.Count(out[f], d.File); n != 1 {
				t.Errorf("%s names %s %d times, want once:\n%s", f, d.File, n, out[f])
			}
		}
		if !strings.Contains(out[f], "2026-11-29 02:00 to 2026-11-30 02:00") { // in testLoc
			t.Errorf("%s lacks the block's time range:\n%s", f, out[f])
		}
	}
	if !strings.HasPrefix(out[FormatText], "damaged: 2 files of the store could not be read") {
		t.Errorf("text report does not open with the damage:\n%s", out[FormatText])
	}
	var doc struct {
		Damage []struct{ File, From, To, Reason string }
	}
	if err := json.Unmarshal([]byte(out[FormatJSON]), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Damage) != 2 || doc.Damage[0].File != block.File || doc.Damage[1].File != head.File ||
		doc.Damage[0].From != "2026-11-29T02:00:00+02:00" || doc.Damage[1].Reason != head.Reason {
		t.Errorf("json damage = %+v", doc.Damage)
	}

	for _, f := range []string{FormatText, FormatHTML, FormatJSON} {
		var b bytes.Buffer
		if err := WriteSummaries(&b, testSummaries(), f, testOptions); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(b.String()), "damaged") {
			t.Errorf("%s of an undamaged report mentions damage", f)
		}
	}
}
