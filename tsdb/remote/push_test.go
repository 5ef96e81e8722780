package remote_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/remote"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// options returns push options for r with a clock standing at now and
// sleeps that only record their length.
func options(t *testing.T, r *receiver, now time.Time, sleeps *[]time.Duration) remote.Options {
	t.Helper()
	c, err := remote.NewClient(remote.ClientOptions{URL: r.url(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return remote.Options{
		Sender: c,
		URL:    r.url(),
		Now:    func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			if sleeps != nil {
				*sleeps = append(*sleeps, d)
			}
			now = now.Add(d)
			return ctx.Err()
		},
	}
}

func TestPush_EverythingOnceInOrder(t *testing.T) {
	t.Parallel()
	// 30 hours (two UTC days, several read chunks) of 25 series.
	store, want := testStore(t, 25, t0.Add(-6*time.Hour), t0.Add(24*time.Hour))
	r := newReceiver(t)
	o := options(t, r, t0.Add(48*time.Hour), nil)
	o.BatchSize = 100
	o.Labels = []tsdb.Label{{Name: "job", Value: "node"}, {Name: "instance", Value: "ignored"}}
	res, err := remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, withLabel(want, "job", "node"))
	total := 25 * 30 * 60
	if res.Samples != total || r.count() != total {
		t.Errorf("pushed %d samples, receiver holds %d, want %d", res.Samples, r.count(), total)
	}
	if res.Series != 25 {
		t.Errorf("Result.Series = %d, want 25", res.Series)
	}
	if res.Requests != len(r.sizes) || res.Requests < total/100 {
		t.Errorf("Result.Requests = %d, receiver got %d, want at least %d", res.Requests, len(r.sizes), total/100)
	}
	for _, n := range r.sizes {
		if n > 100 {
			t.Fatalf("a request held %d samples, more than the batch size 100", n)
		}
	}
	if res.Bytes <= 0 || res.RawBytes <= res.Bytes {
		t.Errorf("Bytes %d, RawBytes %d: want compressed bytes below raw bytes", res.Bytes, res.RawBytes)
	}
	// The range is [oldest sample, now - 30s); the position is its end.
	if got, want := res.From, t0.Add(-6*time.Hour); !got.Equal(want) {
		t.Errorf("From = %s, want %s", got, want)
	}
	end := t0.Add(48*time.Hour - remote.Settle)
	pos, err := remote.LoadPosition(store.Dir(), r.url())
	if err != nil {
		t.Fatal(err)
	}
	if !pos.Acked.Equal(end) || !pos.Attempted.Equal(end) || pos.URL != r.url() {
		t.Errorf("position %+v, want acked and attempted until %s", pos, end)
	}
}

// A push starts where the last acknowledged one ended; samples that come
// later are sent by the next push, and only they.
func TestPush_Resumes(t *testing.T) {
	t.Parallel()
	store, first := testStore(t, 10, t0, t0.Add(2*time.Hour))
	r := newReceiver(t)
	o := options(t, r, t0.Add(2*time.Hour), nil)
	res, err := remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	// The last 30 s are left for the next push; none of the samples is in
	// them.
	if res.Samples != 10*120 {
		t.Fatalf("first push sent %d samples, want %d", res.Samples, 10*120)
	}
	// Nothing new: nothing sent, position moves.
	o.Now = func() time.Time { return t0.Add(2*time.Hour + 5*time.Minute) }
	res, err = remote.Push(context.Background(), store, o)
	if err != nil || res.Samples != 0 {
		t.Fatalf("second push: %d samples, %v; want 0, nil", res.Samples, err)
	}
	if !res.Position.Acked.Equal(t0.Add(2*time.Hour + 5*time.Minute - remote.Settle)) {
		t.Errorf("second push: position %s", res.Position.Acked)
	}
	second := addPoints(t, store, 10, t0.Add(2*time.Hour+5*time.Minute), t0.Add(3*time.Hour))
	o.Now = func() time.Time { return t0.Add(4 * time.Hour) }
	res, err = remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != 10*55 || !res.From.Equal(t0.Add(2*time.Hour+5*time.Minute-remote.Settle)) {
		t.Errorf("third push sent %d samples from %s, want %d from the last position", res.Samples, res.From, 10*55)
	}
	r.check(t, merge(first, second))
}

// Network errors and 5xx are retried with backoff, Retry-After is honoured,
// and a push that gives up keeps the position of what was acknowledged;
// the next one sends the rest.
func TestPush_RetriesAndGivesUp(t *testing.T) {
	t.Parallel()
	store, want := testStore(t, 4, t0, t0.Add(3*time.Hour))
	r := newReceiver(t)
	r.respond = func(w http.ResponseWriter, n int) int {
		switch {
		case n == 2:
			w.Header().Set("Retry-After", "7")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return 1
		case n == 3:
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return 1
		case n >= 7:
			http.Error(w, "down", http.StatusBadGateway)
			return 1
		}
		return 0
	}
	var sleeps []time.Duration
	o := options(t, r, t0.Add(4*time.Hour), &sleeps)
	o.BatchSize = 30 // two requests per 15-minute window of 4 series
	o.RetryFor = 20 * time.Second
	res, err := remote.Push(context.Background(), store, o)
	var pe *remote.PushError
	if !errors.As(err, &pe) {
		t.Fatalf("push against a receiver gone down: %v, want a *PushError", err)
	}
	if !strings.Contains(err.Error(), "gave up on 30 samples from 2026-01-05T00:30:00Z to 2026-01-05T00:44:00Z after 6 attempts in 20s") || !strings.Contains(err.Error(), "502 Bad Gateway: down") {
		t.Errorf("error %q does not say what was given up and why", err)
	}
	// Request 1 ok, 2 (429, Retry-After 7 s) and 3 (503, 2 s backoff) fail, 4
	// to 6 ok: two windows acknowledged. Then 1, 2, 4, 8 s of backoff (15 s)
	// and, instead of 16 s, 5 s to a last try at the end of the 20 s.
	if want := []time.Duration{7 * time.Second, 2 * time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 5 * time.Second}; !slices.Equal(sleeps, want) {
		t.Errorf("waits %v, want %v", sleeps, want)
	}
	if res.Retries != 7 || res.Samples != 4*30 {
		t.Errorf("Retries %d, Samples %d; want 7, %d", res.Retries, res.Samples, 4*30)
	}
	if got := pe.Acked; !got.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("position after giving up: %s, want the end of the second window", got)
	}
	pos, _ := remote.LoadPosition(store.Dir(), r.url())
	if !pos.Acked.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("saved position %s, want %s", pos.Acked, t0.Add(30*time.Minute))
	}

	r.mu.Lock()
	r.respond = nil
	r.mu.Unlock()
	res, err = remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != 4*150 {
		t.Errorf("push after the outage sent %d samples, want the %d not acknowledged", res.Samples, 4*150)
	}
	r.check(t, want)
}

// A Retry-After longer than the retry budget ends the push at once.
func TestPush_RetryAfterBeyondBudget(t *testing.T) {
	t.Parallel()
	store, _ := testStore(t, 2, t0, t0.Add(time.Hour))
	r := newReceiver(t)
	r.respond = func(w http.ResponseWriter, n int) int {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return 1
	}
	var sleeps []time.Duration
	o := options(t, r, t0.Add(2*time.Hour), &sleeps)
	_, err := remote.Push(context.Background(), store, o)
	if err == nil || !strings.Contains(err.Error(), "asks to retry in 1h0m0s") || len(sleeps) != 0 {
		t.Errorf("err %v after waits %v; want an immediate failure naming the hour", err, sleeps)
	}
}

// 4xx other than 429 stop the push at once, with the receiver's message.
func TestPush_StopsOnClientError(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status int
		body   string
		want   string
	}{
		{401, "bad token", "401 Unauthorized: bad token (check the credentials)"},
		{404, "404 page not found", "check the url"},
		{413, "too big", "lower batch-size"}, // srvmon push spells it --batch-size
		{400, "out of bounds", "out_of_order_time_window"},
		{500, "too old sample", "out_of_order_time_window"}, // Prometheus 2.42 says this with a 500
		{400, "invalid metric name", "400 Bad Request: invalid metric name"},
	} {
		t.Run(http.StatusText(tt.status)+"/"+tt.body, func(t *testing.T) {
			t.Parallel()
			store, _ := testStore(t, 2, t0, t0.Add(time.Hour))
			r := newReceiver(t)
			r.respond = func(w http.ResponseWriter, n int) int {
				http.Error(w, tt.body, tt.status)
				return 1
			}
			var sleeps []time.Duration
			res, err := remote.Push(context.Background(), store, options(t, r, t0.Add(2*time.Hour), &sleeps))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one containing %q", err, tt.want)
			}
			if len(sleeps) != 0 || res.Retries != 0 || r.requests != 1 {
				t.Errorf("%d requests, %d retries: want 1 and none", r.requests, res.Retries)
			}
			if pos, _ := remote.LoadPosition(store.Dir(), r.url()); !pos.Acked.IsZero() {
				t.Errorf("position moved to %s", pos.Acked)
			}
		})
	}
}

// A push killed after the receiver took samples but before it saved its
// position sends them again. A receiver like Prometheus without
// out-of-order ingestion refuses them as out of order; the push counts
// them as already stored and goes on. A refusal of samples never sent
// before stops the push.
func TestPush_ResendToStrictReceiver(t *testing.T) {
	t.Parallel()
	store, want := testStore(t, 5, t0, t0.Add(2*time.Hour))
	r := newReceiver(t)
	r.prometheus = true
	o := options(t, r, t0.Add(90*time.Minute), nil)
	if _, err := remote.Push(context.Background(), store, o); err != nil {
		t.Fatal(err)
	}
	// As if the push had been killed before its last checkpoint: the
	// position says only the first half hour was acknowledged, the attempt
	// reached further.
	pos, _ := remote.LoadPosition(store.Dir(), r.url())
	pos.Acked = t0.Add(30 * time.Minute)
	if err := remote.SavePosition(store.Dir(), r.url(), pos); err != nil {
		t.Fatal(err)
	}
	o.Now = func() time.Time { return t0.Add(3 * time.Hour) }
	res, err := remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates == 0 || res.Samples+res.Duplicates != 5*90 {
		t.Errorf("sent %d, duplicates %d; want the re-sent samples counted as duplicates and %d in all", res.Samples, res.Duplicates, 5*90)
	}
	r.check(t, want)

	// A store whose position file is lost sends everything again; what the
	// receiver refuses is beyond any recorded attempt, so the push stops.
	if err := os.Remove(filepath.Join(store.Dir(), remote.StateName(r.url())+".json")); err != nil {
		t.Fatal(err)
	}
	_, err = remote.Push(context.Background(), store, o)
	if err == nil || !strings.Contains(err.Error(), "already holds newer or different samples") {
		t.Errorf("push of samples the receiver refuses as out of order: %v", err)
	}
}

// --since re-sends a range; --overlap re-sends a margin before the position.
func TestPush_SinceUntilOverlap(t *testing.T) {
	t.Parallel()
	store, _ := testStore(t, 3, t0, t0.Add(2*time.Hour))
	r := newReceiver(t)
	o := options(t, r, t0.Add(3*time.Hour), nil)
	o.Since, o.Until = t0.Add(10*time.Minute), t0.Add(20*time.Minute)
	res, err := remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != 3*10 || !res.Position.Acked.Equal(o.Until) {
		t.Errorf("--since --until: %d samples, position %s; want %d, %s", res.Samples, res.Position.Acked, 3*10, o.Until)
	}
	o.Since, o.Until = time.Time{}, time.Time{}
	o.Overlap = 5 * time.Minute
	res, err = remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.From.Equal(t0.Add(15*time.Minute)) || res.Samples != 3*105 {
		t.Errorf("--overlap 5m: from %s, %d samples; want from %s, %d", res.From, res.Samples, t0.Add(15*time.Minute), 3*105)
	}
}

func TestPush_DryRun(t *testing.T) {
	t.Parallel()
	store, _ := testStore(t, 3, t0, t0.Add(time.Hour))
	o := remote.Options{URL: "http://127.0.0.1:1/api/v1/write", DryRun: true,
		Labels: []tsdb.Label{{Name: "job", Value: "node"}},
		Now:    func() time.Time { return t0.Add(2 * time.Hour) }}
	res, err := remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != 180 || res.Series != 3 || len(res.PerSeries) != 3 || res.Requests != 4 || res.Bytes == 0 {
		t.Errorf("dry run: %+v", res)
	}
	c := res.PerSeries[0]
	if c.Series.Key() != `test_requests_total{i="0",instance="h",job="node"}` || c.Samples != 60 ||
		!c.First.Equal(t0) || !c.Last.Equal(t0.Add(59*time.Minute)) {
		t.Errorf("first series of the dry run: %+v", c)
	}
	if _, err := os.Stat(filepath.Join(store.Dir(), remote.StateName(o.URL)+".json")); err == nil {
		t.Error("a dry run wrote a position")
	}
}

// One push at a time per URL: a second one waits for the lock, then gives
// up with ErrBusy and sends nothing.
func TestPush_Lock(t *testing.T) {
	t.Parallel()
	store, _ := testStore(t, 2, t0, t0.Add(time.Hour))
	r := newReceiver(t)
	lock, err := remote.LockPush(context.Background(), store.Dir(), r.url(), 0)
	if err != nil {
		t.Fatal(err)
	}
	o := options(t, r, t0.Add(2*time.Hour), nil)
	o.LockWait = 100 * time.Millisecond
	start := time.Now()
	_, err = remote.Push(context.Background(), store, o)
	if !errors.Is(err, remote.ErrBusy) || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("push while another holds the lock: %v, want ErrBusy naming the holder", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("gave up after %s, want to wait the 100ms", d)
	}
	if r.requests != 0 {
		t.Errorf("the locked-out push sent %d requests", r.requests)
	}
	// Another URL has its own lock.
	o2 := o
	o2.URL += "?other"
	if _, err := remote.Push(context.Background(), store, o2); err != nil {
		t.Errorf("push to another url: %v", err)
	}
	lock.Unlock()
	if _, err := remote.Push(context.Background(), store, o); err != nil {
		t.Errorf("push after the lock was released: %v", err)
	}
}

func TestPosition_Damaged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	u := "https://user:secret@metrics.example/api/v1/write"
	if err := remote.SavePosition(dir, u, remote.Position{Acked: t0}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, remote.StateName(u)+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "secret") {
		t.Errorf("the position file holds the password:\n%s", data)
	}
	if remote.StateName(u) != remote.StateName("https://metrics.example/api/v1/write") {
		t.Error("the credentials in the url change the state file name")
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.LoadPosition(dir, u); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("damaged position: %v", err)
	}
}

func TestCheckLabels(t *testing.T) {
	t.Parallel()
	store, _ := testStore(t, 1, t0, t0.Add(time.Minute))
	for _, ls := range [][]tsdb.Label{
		{{Name: "__name__", Value: "x"}},
		{{Name: "1a", Value: "x"}},
		{{Name: "job", Value: ""}},
		{{Name: "job", Value: "a"}, {Name: "job", Value: "b"}},
	} {
		if _, err := remote.Push(context.Background(), store, remote.Options{DryRun: true, Labels: ls}); err == nil {
			t.Errorf("labels %v accepted", ls)
		}
	}
}

// A position after now (written while the clock was ahead) must not make
// every later push send nothing until the clock catches up: the push says
// so, takes what was acknowledged up to now, and later samples go out.
func TestPush_FuturePosition(t *testing.T) {
	t.Parallel()
	store, first := testStore(t, 3, t0, t0.Add(2*time.Hour))
	r := newReceiver(t)
	o := options(t, r, t0.Add(2*time.Hour), nil)
	if _, err := remote.Push(context.Background(), store, o); err != nil {
		t.Fatal(err)
	}
	// The clock was five hours ahead during a push.
	ahead := t0.Add(7 * time.Hour)
	if err := remote.SavePosition(store.Dir(), r.url(), remote.Position{Acked: ahead, Attempted: ahead}); err != nil {
		t.Fatal(err)
	}
	o.Now = func() time.Time { return t0.Add(2*time.Hour + 10*time.Minute) }
	res, err := remote.Push(context.Background(), store, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FuturePosition.Equal(ahead) {
		t.Errorf("FuturePosition = %s, want %s", res.FuturePosition, ahead)
	}
	pos, err := remote.LoadPosition(store.Dir(), r.url())
	if want := t0.Add(2*time.Hour + 10*time.Minute - remote.Settle); err != nil || !pos.Acked.Equal(want) {
		t.Fatalf("position after the push: %s, %v; want %s", pos.Acked, err, want)
	}
	second := addPoints(t, store, 3, t0.Add(2*time.Hour+10*time.Minute), t0.Add(3*time.Hour))
	o.Now = func() time.Time { return t0.Add(4 * time.Hour) }
	res, err = remote.Push(context.Background(), store, o)
	if err != nil || res.Samples != 3*50 {
		t.Fatalf("push after the future position: %d samples, %v; want %d", res.Samples, err, 3*50)
	}
	r.check(t, merge(first, second))
}

// A position file written for another receiver (copied, or renamed) is
// refused, not taken for this receiver's.
func TestPosition_OtherURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := "https://a.example/api/v1/write", "https://user:pw@b.example/api/v1/write"
	if err := remote.SavePosition(dir, a, remote.Position{Acked: t0}); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, remote.StateName(a)+".json"), filepath.Join(dir, remote.StateName(b)+".json")); err != nil {
		t.Fatal(err)
	}
	_, err := remote.LoadPosition(dir, b)
	if err == nil || !strings.Contains(err.Error(), "written for "+a) || strings.Contains(err.Error(), "pw") {
		t.Fatalf("LoadPosition of another URL's file: %v", err)
	}
	// The same receiver with other credentials is the same receiver.
	if err := remote.SavePosition(dir, b, remote.Position{Acked: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.LoadPosition(dir, "https://other:pw2@b.example/api/v1/write"); err != nil {
		t.Fatalf("LoadPosition with other credentials: %v", err)
	}
}

// Prepare reads the credential files and sends what they hold; a file that
// cannot be read or is empty is a *param.Error naming its setting, and
// nothing is sent.
func TestPrepare_CredentialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, _ := testStore(t, 2, t0, t0.Add(time.Hour))
	r := newReceiver(t)
	s := remote.Settings{
		Options:         remote.Options{URL: r.url()},
		Client:          remote.ClientOptions{BearerToken: "from the environment"},
		LabelSpecs:      []string{"job=node"},
		HeaderSpecs:     []string{"X-Scope-OrgID: ops"},
		BearerTokenFile: token,
	}
	job, err := remote.Prepare(s)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	var progress []remote.Progress
	res, err := job.Run(context.Background(), store, func(p remote.Progress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != 2*60 || r.count() != 2*60 || len(progress) == 0 {
		t.Errorf("pushed %d samples, receiver holds %d, %d progress calls; want 120, 120 and some", res.Samples, r.count(), len(progress))
	}
	r.mu.Lock()
	auth, org := r.headers.Get("Authorization"), r.headers.Get("X-Scope-OrgID")
	r.mu.Unlock()
	if auth != "Bearer s3cret" || org != "ops" {
		t.Errorf("Authorization %q, X-Scope-OrgID %q; want the token file's token and the header", auth, org)
	}

	for _, tt := range []struct {
		name    string
		set     func(*remote.Settings)
		setting string
		is      error
		text    string
	}{
		{"MissingToken", func(s *remote.Settings) { s.BearerTokenFile = filepath.Join(dir, "nosuch") }, "bearer-token-file", fs.ErrNotExist, "no such file"},
		{"EmptyToken", func(s *remote.Settings) { s.BearerTokenFile = empty }, "bearer-token-file", nil, empty + " is empty"},
		{"UnreadablePassword", func(s *remote.Settings) {
			s.BearerTokenFile, s.Client.BearerToken = "", ""
			s.Client.BasicAuthUser, s.BasicAuthPasswordFile = "u", dir // a directory cannot be read as a file
		}, "basic-auth-password-file", nil, "is a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := s
			tt.set(&bad)
			_, err := remote.Prepare(bad)
			var pe *param.Error
			if !errors.As(err, &pe) || pe.Param != tt.setting || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Prepare: %v; want a *param.Error on %s containing %q", err, tt.setting, tt.text)
			}
		})
	}
}

// Prepare checks every setting before anything is read or sent: labels and
// Options as Options.Check, the client's as ClientOptions.Check, the TLS
// files as NewClient; a dry run makes no Client and sends nothing.
func TestPrepare_Checks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, want string
		s          remote.Settings
	}{
		{"Label", "invalid label", remote.Settings{Options: remote.Options{URL: "http://h/"}, LabelSpecs: []string{"job"}}},
		{"Header", "invalid header", remote.Settings{Options: remote.Options{URL: "http://h/"}, HeaderSpecs: []string{"X-Org"}}},
		{"Options", "invalid retry-for", remote.Settings{Options: remote.Options{URL: "http://h/", RetryFor: -time.Second}}},
		{"URL", "want http://HOST/PATH", remote.Settings{Options: remote.Options{URL: "metrics.example"}}},
		{"CAFile", "ca file", remote.Settings{Options: remote.Options{URL: "http://h/"}, Client: remote.ClientOptions{CAFile: "/nonexistent/ca.pem"}}},
	} {
		if _, err := remote.Prepare(tt.s); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Prepare: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	store, _ := testStore(t, 1, t0, t0.Add(time.Hour))
	r := newReceiver(t)
	job, err := remote.Prepare(remote.Settings{Options: remote.Options{URL: r.url(), DryRun: true, Until: t0.Add(30 * time.Minute)},
		Client: remote.ClientOptions{CAFile: "/nonexistent/ca.pem"}}) // a dry run reads no TLS file
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	res, err := job.Run(context.Background(), store, nil)
	if err != nil || res.Samples != 30 || r.count() != 0 {
		t.Errorf("dry run: %v, %d samples; receiver holds %d; want 30 samples and nothing sent", err, res.Samples, r.count())
	}
}
