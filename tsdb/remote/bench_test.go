package remote_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/remote"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// BenchmarkPush30Days pushes a 30-day backfill of one host (synth's
// DefaultHost, 171 series, a sample a minute: 7.4 million samples) from a
// store to a receiver on loopback that reads each request and answers 204,
// so that it measures srvmon's side: reading the store, encoding,
// compressing, HTTP. It reports samples pushed per second and the bytes on
// the wire per sample (compressed request bodies), and before compression.
func BenchmarkPush30Days(b *testing.B) {
	const days = 30
	dir := filepath.Join(b.TempDir(), "store")
	end := time.Now().UTC()
	points, err := synth.Build(context.Background(), dir, synth.DefaultHost(), end, days, tsdb.WithRetention(0))
	if err != nil {
		b.Fatal(err)
	}
	store, err := tsdb.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	var wire atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		wire.Add(n)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := remote.NewClient(remote.ClientOptions{URL: srv.URL + "/api/v1/write"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	from := end.Truncate(24*time.Hour).AddDate(0, 0, -days)
	var res remote.Result
	b.ResetTimer()
	for b.Loop() {
		res, err = remote.Push(context.Background(), store, remote.Options{Sender: c, URL: srv.URL, Since: from})
		if err != nil {
			b.Fatal(err)
		}
		if res.Samples != points {
			b.Fatalf("pushed %d samples, want %d", res.Samples, points)
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(wire.Load())/float64(points)/float64(b.N), "wire-B/sample")
	b.ReportMetric(float64(res.RawBytes)/float64(points), "raw-B/sample")
	b.ReportMetric(float64(res.Requests), "requests")
}
