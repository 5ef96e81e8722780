package web_test

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
	"github.com/srvmon/srvmon/tsdb/tsdbtest"
)

// testNow is the clock of the test servers: a sample was recorded each
// minute up to it.
var testNow = time.Date(2026, 5, 14, 15, 30, 0, 0, time.UTC)

// newStore returns a store with minutely synthetic history of host h for
// the span before end (the last sample at end), through Store.Import (the
// path srvmon import takes).
func newStore(tb testing.TB, h synth.Host, end time.Time, span time.Duration) *tsdb.Store {
	tb.Helper()
	s, err := tsdb.Create(filepath.Join(tb.TempDir(), "store"), tsdb.WithRetention(0), tsdbtest.WithClock(func() time.Time { return end }))
	if err != nil {
		tb.Fatal(err)
	}
	importSynth(tb, s, h, end.Add(-span+time.Minute), int(span/time.Minute))
	return s
}

// importSynth imports n minutes of synthetic history of h from start.
func importSynth(tb testing.TB, s *tsdb.Store, h synth.Host, start time.Time, n int) {
	tb.Helper()
	if err := importSynthErr(s, h, start, n); err != nil {
		tb.Fatal(err)
	}
}

func importSynthErr(s *tsdb.Store, h synth.Host, start time.Time, n int) error {
	series, pts := synth.New(h, 42).Points(start, n)
	return importPointsErr(s, series, pts)
}

func importPoints(tb testing.TB, s *tsdb.Store, series []tsdb.Series, pts [][]tsdb.Point) {
	tb.Helper()
	if err := importPointsErr(s, series, pts); err != nil {
		tb.Fatal(err)
	}
}

func importPointsErr(s *tsdb.Store, series []tsdb.Series, pts [][]tsdb.Point) error {
	_, err := s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for i, ser := range series {
			for _, p := range pts[i] {
				if err := yield(ser, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return err
}

func newLogger(w io.Writer) *log.Logger { return log.New(w, "", 0) }

// emptyStore returns a store without samples.
func emptyStore(tb testing.TB) *tsdb.Store {
	tb.Helper()
	s, err := tsdb.Create(filepath.Join(tb.TempDir(), "store"))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// newServer returns a web.Server on s with the test clock.
func newServer(s *tsdb.Store, o web.Options) *web.Server {
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return web.New(s, o)
}

// reply is a recorded response.
type reply struct {
	target string
	code   int
	header http.Header
	body   string
}

// get sends a GET for target to h, with header name/value pairs.
func get(tb testing.TB, h http.Handler, target string, header ...string) reply {
	tb.Helper()
	return do(tb, h, http.MethodGet, target, header...)
}

func do(tb testing.TB, h http.Handler, method, target string, header ...string) reply {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	return reply{target: method + " " + target, code: resp.StatusCode, header: resp.Header, body: string(body)}
}

// want fails the test if r's status is not code.
func (r reply) want(tb testing.TB, code int) reply {
	tb.Helper()
	if r.code != code {
		body := r.body
		if len(body) > 2000 {
			body = body[:2000] + "..."
		}
		tb.Fatalf("%s: status %d, want %d; body:\n%s", r.target, r.code, code, body)
	}
	return r
}

// contains fails the test if s lacks one of subs.
func contains(tb testing.TB, what, s string, subs ...string) {
	tb.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			if len(s) > 3000 {
				s = s[:3000] + "..."
			}
			tb.Fatalf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
