package report

import (
	"bytes"
	"github.com/srvmon/srvmon/tsdb/query"
	"testing"
)

// Every format of every renderer, compared with a golden file.
func TestGolden(t *testing.T) {
	results := map[string]func() *query.Result{
		"cpu":  cpuResult,
		"disk": diskResult,
		"fs":   fsResult,
	}
	for name, mk := range results {
		for _, format := range Formats() {
			layouts := []string{""}
			if format == FormatCSV {
				layouts = CSVLayouts()
			}
			for _, layout := range layouts {
				file := name + "." + format
				if layout != "" {
					file = name + "." + layout + ".csv"
				}
				t.Run(file, func(t *testing.T) {
					o := testOptions
					o.CSVLayout = layout
					var buf bytes.Buffer
					if err := WriteResult(&buf, mk(), format, o); err != nil {
						t.Fatal(err)
					}
					golden(t, "result."+file, buf.Bytes())
				})
			}
		}
	}
	for _, format := range []string{FormatText, FormatCSV, FormatJSON, FormatHTML} {
		t.Run("summary."+format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummaries(&buf, testSummaries(), format, testOptions); err != nil {
				t.Fatal(err)
			}
			golden(t, "summary."+format, buf.Bytes())
		})
	}
	t.Run("chart.svg", func(t *testing.T) {
		golden(t, "chart.disk.util.svg", []byte(chartSVG(diskResult(), "util", 0, 0, testLoc)))
	})
}
