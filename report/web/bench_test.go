package web_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// benchStore is 30 days of minutely history of the default host (about
// 240 series, ten million points), the last day in the head log as on a
// live host; made once per process.
var benchStore = sync.OnceValue(func() *tsdb.Store {
	dir, err := os.MkdirTemp("", "srvmon-web-bench-")
	if err != nil {
		panic(err)
	}
	tempDirs = append(tempDirs, dir)
	s, err := tsdb.Create(dir, tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return testNow }))
	if err != nil {
		panic(err)
	}
	start := testNow.Add(-30*24*time.Hour + time.Minute)
	if err := importSynthErr(s, synth.DefaultHost(), start, 30*24*60); err != nil {
		panic(err)
	}
	return s
})

func benchGet(b *testing.B, target string) {
	srv := newServer(benchStore(), web.Options{})
	req := httptest.NewRequest(http.MethodGet, target, nil)
	// Warm up: the first request opens the blocks it needs.
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%s: %d %s", target, rec.Code, rec.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d", target, rec.Code)
		}
	}
}

// BenchmarkOverview is the server time of the overview page: six queries
// over the range, downsampled to the charts' width, drawn as SVG.
func BenchmarkOverview(b *testing.B) {
	for _, rng := range []string{"1h", "24h", "7d", "30d"} {
		b.Run(rng, func(b *testing.B) { benchGet(b, "/?range="+rng) })
	}
}

// BenchmarkMetrics is the server time of a scrape of /metrics.
func BenchmarkMetrics(b *testing.B) { benchGet(b, "/metrics") }

// BenchmarkHealthz is the server time of /healthz.
func BenchmarkHealthz(b *testing.B) { benchGet(b, "/healthz") }

// BenchmarkQuery is the server time of /api/v1/query of a day of the cpu
// view.
func BenchmarkQuery(b *testing.B) { benchGet(b, "/api/v1/query?view=cpu&last=24h") }
