package remote_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/remote/prompb"
)

// receiver is a remote-write receiver in the test process. It decodes every
// request, checks the protocol, and keeps the samples per series. With
// prometheus set it behaves like Prometheus without out-of-order
// ingestion: a request is applied all or nothing, and refused with 400 "out
// of order sample" if a sample is older than the newest one of its series.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	prometheus bool
	samples    map[string]map[int64]float64 // series text → ms → value
	maxT       map[string]int64
	requests   int
	sizes      []int    // samples per accepted request
	problems   []string // protocol violations
	headers    http.Header
	// respond, if set, answers a request instead of the receiver: return
	// 0 to go on as usual.
	respond func(w http.ResponseWriter, n int) int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, samples: map[string]map[int64]float64{}, maxT: map[string]int64{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/api/v1/write" }

func (r *receiver) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.headers = req.Header.Clone()
	if r.respond != nil {
		if code := r.respond(w, r.requests); code != 0 {
			return
		}
	}
	for h, want := range map[string]string{
		"Content-Encoding":                  "snappy",
		"Content-Type":                      "application/x-protobuf",
		"X-Prometheus-Remote-Write-Version": "0.1.0",
	} {
		if got := req.Header.Get(h); got != want {
			r.problem("header %s = %q, want %q", h, got, want)
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		r.problem("snappy: %v", err)
		http.Error(w, err.Error(), 400)
		return
	}
	prompb.Init()
	var wr prompb.WriteRequest
	if err := proto.Unmarshal(raw, &wr); err != nil {
		r.problem("protobuf: %v", err)
		http.Error(w, err.Error(), 400)
		return
	}
	n := 0
	newMax := map[string]int64{}
	for _, ts := range wr.Timeseries {
		key := labelsKey(ts.Labels)
		if !slices.IsSortedFunc(ts.Labels, func(a, b *prompb.Label) int { return strings.Compare(a.Name, b.Name) }) {
			r.problem("labels of %s are not sorted", key)
		}
		last, ok := newMax[key]
		if !ok {
			last, ok = r.maxT[key]
			if !ok {
				last = -1 << 62
			}
		}
		for _, s := range ts.Samples {
			if s.Timestamp <= last {
				if r.prometheus {
					http.Error(w, "out of order sample", http.StatusBadRequest)
					return
				}
				r.problem("%s: sample at %d after one at %d", key, s.Timestamp, last)
			}
			last = s.Timestamp
			n++
		}
		newMax[key] = last
	}
	for _, ts := range wr.Timeseries {
		key := labelsKey(ts.Labels)
		m := r.samples[key]
		if m == nil {
			m = map[int64]float64{}
			r.samples[key] = m
		}
		for _, s := range ts.Samples {
			if _, dup := m[s.Timestamp]; dup {
				r.problem("%s: sample at %d received twice", key, s.Timestamp)
			}
			m[s.Timestamp] = s.Value
		}
	}
	for k, v := range newMax {
		r.maxT[k] = v
	}
	r.sizes = append(r.sizes, n)
	w.WriteHeader(http.StatusNoContent)
}

// labelsKey prints labels as a series key: name{a="x",...}.
func labelsKey(ls []*prompb.Label) string {
	var name string
	var rest []string
	for _, l := range ls {
		if l.Name == "__name__" {
			name = l.Value
			continue
		}
		rest = append(rest, l.Name, l.Value)
	}
	return tsdb.NewSeries(name, rest...).Key()
}

// count returns the number of samples held.
func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.samples {
		n += len(m)
	}
	return n
}

// check fails t unless the receiver holds exactly want (series key → points)
// and saw no protocol violation.
func (r *receiver) check(t *testing.T, want map[string][]tsdb.Point) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems[:min(len(r.problems), 10)] {
		t.Error(p)
	}
	for key, pts := range want {
		got := r.samples[key]
		if len(got) != len(pts) {
			t.Errorf("%s: receiver holds %d samples, want %d", key, len(got), len(pts))
			continue
		}
		for _, p := range pts {
			if v, ok := got[p.T*1000]; !ok || v != p.V {
				t.Errorf("%s at %d: receiver holds %v (present %v), want %v", key, p.T, v, ok, p.V)
				break
			}
		}
	}
	for key := range r.samples {
		if _, ok := want[key]; !ok {
			t.Errorf("receiver holds unexpected series %s", key)
		}
	}
}

// testStore returns a store holding n series (a counter per i, label
// instance=h) with a point every minute in [from, to), and what it holds.
func testStore(t testing.TB, n int, from, to time.Time) (*tsdb.Store, map[string][]tsdb.Point) {
	t.Helper()
	s, err := tsdb.Create(filepath.Join(t.TempDir(), "store"), tsdb.WithRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	want := addPoints(t, s, n, from, to)
	return s, want
}

// addPoints imports points of testStore's series in [from, to) into s and
// returns them.
func addPoints(t testing.TB, s *tsdb.Store, n int, from, to time.Time) map[string][]tsdb.Point {
	t.Helper()
	want := map[string][]tsdb.Point{}
	_, err := s.Import(context.Background(), func(yield func(tsdb.Series, tsdb.Point) error) error {
		for i := range n {
			ser := tsdb.NewSeries("test_requests_total", "i", strconv.Itoa(i), "instance", "h")
			for tm := from; tm.Before(to); tm = tm.Add(time.Minute) {
				p := tsdb.Point{T: tm.Unix(), V: float64(tm.Unix()/60*100 + int64(i))}
				want[ser.Key()] = append(want[ser.Key()], p)
				if err := yield(ser, p); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// merge returns the union of point sets.
func merge(sets ...map[string][]tsdb.Point) map[string][]tsdb.Point {
	out := map[string][]tsdb.Point{}
	for _, s := range sets {
		for k, pts := range s {
			out[k] = append(out[k], pts...)
		}
	}
	return out
}

// withLabel returns want with a label added to every series.
func withLabel(want map[string][]tsdb.Point, name, value string) map[string][]tsdb.Point {
	out := map[string][]tsdb.Point{}
	for k, pts := range want {
		s, err := tsdb.ParseSeries(k)
		if err != nil {
			panic(err)
		}
		out[s.With(name, value).Key()] = pts
	}
	return out
}
