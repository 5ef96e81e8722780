package commands_test

import (
	"bufio"
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestE2EExportPromtool checks that what srvmon export writes passes
// promtool check metrics (the export help's own example), and that export
// and serve's /metrics give every metric the same type.
func TestE2EExportPromtool(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	promtool := need(t, "promtool", "prometheus")
	bin := srvmonBinary(t)
	now := time.Now().UTC().Truncate(time.Minute)
	dir := importedStore(t, bin, now, 30, nil)
	exported, err := exec.Command(bin, "export", "--data", dir).Output()
	if err != nil {
		t.Fatalf("srvmon export: %v", err)
	}
	// promtool check metrics reads the Prometheus text format, where a
	// sample belongs to the family of its own name: it takes an OpenMetrics
	// counter's foo_total for an untyped family without help, because
	// OpenMetrics names the family (TYPE and HELP) foo. That note is allowed
	// where the export does give foo as a counter with help.
	promtoolCheck(t, promtool, exported, func(note string) bool {
		name, ok := strings.CutSuffix(note, "_total no help text")
		return ok && bytes.Contains(exported, []byte("\n# TYPE "+name+" counter\n# HELP "+name+" "))
	})

	srv := startServe(t, bin, dir)
	code, body, err := fetch(http.DefaultClient, srv.url+"/metrics")
	if err != nil || code != 200 {
		t.Fatalf("/metrics: %d %v", code, err)
	}
	// OpenMetrics names a counter's family without _total and an info's
	// without _info, and leaves an unknown type's line out; the text format
	// has no info (a gauge there) and says untyped.
	exportTypes := map[string]string{}
	for _, f := range families(exported) {
		exportTypes[f.sample] = f.typ
	}
	checked := 0
	for _, f := range families(body) {
		want := f.typ
		got, ok := exportTypes[f.sample]
		if !ok {
			continue // /metrics' own srvmon_last_sample_timestamp_seconds
		}
		if got == "info" {
			got = "gauge"
		}
		if got != want {
			t.Errorf("%s: export types it %s, /metrics %s", f.sample, exportTypes[f.sample], want)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d metrics compared", checked)
	}
}

type family struct{ sample, typ string }

// families lists the metrics of text or OpenMetrics exposition with the
// type given for them ("untyped" when there is no # TYPE line).
func families(body []byte) []family {
	var out []family
	typeOf := map[string]string{} // family name -> type
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			typeOf[name] = typ
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		if seen[name] {
			continue
		}
		seen[name] = true
		typ := "untyped"
		for _, fam := range []string{name, strings.TrimSuffix(name, "_total"), strings.TrimSuffix(name, "_info")} {
			if t, ok := typeOf[fam]; ok {
				typ = t
				break
			}
		}
		out = append(out, family{name, typ})
	}
	return out
}
