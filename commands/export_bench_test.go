package commands

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// BenchmarkExport exports a store holding two days of one host's minutely
// sample sets (about 240 series) to io.Discard.
func BenchmarkExport(b *testing.B) {
	const days = 2
	end := time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)
	dir := filepath.Join(b.TempDir(), "store")
	store, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return end }))
	if err != nil {
		b.Fatal(err)
	}
	w, err := store.Lock(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	gen := synth.New(synth.DefaultHost(), 1)
	points := 0
	err = gen.Minutes(end.AddDate(0, 0, -days), days*24*60, func(t time.Time, s []tsdb.Sample) error {
		points += len(s)
		return w.Append(t, s)
	})
	if err == nil {
		err = w.Maintain(context.Background())
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := Export(context.Background(), ExportOptions{DataDir: dir}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}
