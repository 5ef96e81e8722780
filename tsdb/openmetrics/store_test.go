package openmetrics_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// WriteStore writes every sample of the range, families in the encoder's
// order (node_load1 before node_load15 although its key sorts after), and
// a zero end of the range is the store's.
func TestWriteStore(t *testing.T) {
	s, err := tsdb.Create(filepath.Join(t.TempDir(), "store"), tsdb.WithRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	write := func(from, to time.Time) (int, string) {
		t.Helper()
		var b bytes.Buffer
		enc := openmetrics.NewEncoder(&b, kinds(map[string]openmetrics.Kind{"node_load1": openmetrics.Gauge, "node_load15": openmetrics.Gauge}, nil))
		n, err := openmetrics.WriteStore(context.Background(), enc, s, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		return n, b.String()
	}
	if n, out := write(time.Time{}, time.Time{}); n != 0 || out != "# EOF\n" {
		t.Errorf("an empty store: %d samples, %q; want 0 and # EOF", n, out)
	}
	_, err = s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for _, m := range []string{"node_load15", "node_load1"} {
			for i := range int64(10) {
				if err := yield(tsdb.NewSeries(m, "instance", "h"), tsdb.Point{T: t0.Unix() + 60*i, V: float64(i)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, out := write(time.Time{}, time.Time{})
	if n != 20 || strings.Count(out, "\n") != 2+20+1 {
		t.Errorf("the whole store: %d samples in\n%s\nwant 20", n, out)
	}
	if i, j := strings.Index(out, "node_load1{"), strings.Index(out, "node_load15{"); i < 0 || j < i {
		t.Errorf("node_load1 does not come before node_load15:\n%s", out)
	}
	if n, _ := write(t0.Add(2*time.Minute), time.Time{}); n != 2*8 {
		t.Errorf("from the third sample on: %d samples, want 16", n)
	}
	if n, _ := write(time.Time{}, t0.Add(3*time.Minute)); n != 2*3 {
		t.Errorf("up to the fourth sample: %d samples, want 6", n)
	}
}
