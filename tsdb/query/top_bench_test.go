package query_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// BenchmarkTop times query.Top and query.Services on 2 days of the
// synthetic host with processes (20 top processes a set of its 6 programs,
// cc1 a new pid every 10 minutes; 6 cgroups), against the cpu view over the
// same range, side by side: what a click on serve's page and query top
// cost.
func BenchmarkTop(b *testing.B) {
	dir, err := os.MkdirTemp(query.TempRootForBench(), "bench-top-")
	if err != nil {
		b.Fatal(err)
	}
	h := synth.DefaultHost()
	h.Processes = 20
	end := time.Now().UTC().Truncate(24 * time.Hour)
	if _, err := synth.Build(context.Background(), dir, h, end, 2); err != nil {
		b.Fatal(err)
	}
	s, err := tsdb.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		from time.Time
		at   bool
	}{{"at", end.Add(-12 * time.Hour), true}, {"1h", end.Add(-time.Hour), false}, {"1d", end.AddDate(0, 0, -1), false}} {
		b.Run("top/"+c.name, func(b *testing.B) {
			for b.Loop() {
				o := query.TopOptions{From: c.from, To: end}
				if c.at {
					o = query.TopOptions{From: c.from.Add(-24 * time.Hour), To: c.from.Add(24 * time.Hour), At: c.from}
				}
				if _, err := query.Top(ctx, s, o); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("services/"+c.name, func(b *testing.B) {
			for b.Loop() {
				o := query.ServicesOptions{From: c.from, To: end}
				if c.at {
					o = query.ServicesOptions{From: c.from.Add(-24 * time.Hour), To: c.from.Add(24 * time.Hour), At: c.from}
				}
				if _, err := query.Services(ctx, s, o); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("cpu-view/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := query.Run(ctx, s, "cpu", query.Options{From: c.from, To: end}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
