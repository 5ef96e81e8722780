package commands

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"

	"github.com/srvmon/srvmon/tsdb/remote"
	"github.com/srvmon/srvmon/tsdb/remote/prompb"
)

// pushStore returns a store holding two series with a sample a minute for
// the hour from 2026-01-05T10:00:00Z.
func pushStore(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# TYPE node_load1 gauge\n")
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC).Unix()
	for i := int64(0); i < 60; i++ {
		fmt.Fprintf(&b, "node_load1{instance=\"web1\"} %d.5 %d\n", i, start+60*i)
	}
	b.WriteString("# TYPE node_context_switches counter\n")
	for i := int64(0); i < 60; i++ {
		fmt.Fprintf(&b, "node_context_switches_total{instance=\"web1\"} %d %d\n", 1000+i, start+60*i)
	}
	b.WriteString("# EOF\n")
	in := filepath.Join(t.TempDir(), "in.om")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "store")
	if code, _, stderr := run(t, "import", "--data", dir, in); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	return dir
}

// pushReceiver counts the samples of the requests it gets and keeps the
// last request's headers; fail, if set, answers instead.
type pushReceiver struct {
	mu      sync.Mutex
	samples int
	headers http.Header
	labels  []string // of the first series received
	fail    func(w http.ResponseWriter) bool
	srv     *httptest.Server
}

func newPushReceiver(t *testing.T) *pushReceiver {
	r := &pushReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.headers = req.Header.Clone()
		if r.fail != nil && r.fail(w) {
			return
		}
		body, _ := io.ReadAll(req.Body)
		raw, err := snappy.Decode(nil, body)
		prompb.Init()
		var wr prompb.WriteRequest
		if err == nil {
			err = proto.Unmarshal(raw, &wr)
		}
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, ts := range wr.Timeseries {
			if r.labels == nil {
				for _, l := range ts.Labels {
					r.labels = append(r.labels, l.Name+"="+l.Value)
				}
			}
			r.samples += len(ts.Samples)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *pushReceiver) url() string { return r.srv.URL + "/api/v1/write" }

func TestPush_UsageErrors(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	password := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(password, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A file a flag names that cannot be read is a usage error too, as
	// --ca-file's always was: retrying cannot help, and nothing was done.
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"NoURL", nil, "no receiver: pass --url URL (or set SRVMON_PUSH_URL)"},
		{"BadURL", []string{"--url", "metrics.example"}, "want http://HOST/PATH"},
		{"BadLabel", []string{"--url", "http://h/", "--label", "job"}, `invalid --label "job"; use NAME=VALUE`},
		{"BadLabelName", []string{"--url", "http://h/", "--label", "__name__=x"}, `invalid --label "__name__=x"`},
		{"LabelTwice", []string{"--url", "http://h/", "--label", "job=a", "--label", "job=b"}, "--label job given twice"},
		{"BadHeader", []string{"--url", "http://h/", "--header", "X-Org"}, `invalid --header "X-Org"; use "Name: value"`},
		{"ProtocolHeader", []string{"--url", "http://h/", "--header", "Content-Type: text/plain"}, "set by the remote-write protocol"},
		{"SinceNotBeforeUntil", []string{"--url", "http://h/", "--since", "2026-01-02", "--until", "2026-01-01"}, "--since 2026-01-02T00:00:00Z is not before --until"},
		{"NegativeRetry", []string{"--url", "http://h/", "--retry-for=-1s"}, "invalid --retry-for -1s"},
		{"BadTimeout", []string{"--url", "http://h/", "--timeout", "soon"}, `invalid value "soon" for --timeout`},
		{"PasswordWithoutUser", []string{"--url", "http://h/", "--basic-auth-password-file", password}, "a basic auth password without --basic-auth-user"},
		{"BasicAndBearer", []string{"--url", "http://h/", "--basic-auth-user", "u", "--bearer-token-file", password}, "cannot be combined"},
		{"MissingPasswordFile", []string{"--url", "http://h/", "--basic-auth-user", "u", "--basic-auth-password-file", "/nonexistent/pw"},
			"--basic-auth-password-file: open /nonexistent/pw: no such file or directory"},
		{"EmptyTokenFile", []string{"--url", "http://h/", "--bearer-token-file", empty}, "--bearer-token-file: " + empty + " is empty"},
		{"MissingCAFile", []string{"--url", "http://h/", "--ca-file", "/nonexistent/ca.pem"}, "ca file: open /nonexistent/ca.pem"},
		{"Args", []string{"--url", "http://h/", "now"}, "'srvmon push' takes no arguments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"push", "--data", dir}, tt.args...)...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit status %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// Quiet on success (cron), a summary with -v; the next push sends nothing.
func TestPush_QuietThenVerbose(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	r := newPushReceiver(t)
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "push", "--data", dir, "--url", r.url(), "--label", "job=node",
		"--bearer-token-file", token, "--header", "X-Scope-OrgID: ops, eu")
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("push: exit status %d, stdout %q, stderr %q; want 0 and no output", code, stdout, stderr)
	}
	if r.samples != 120 {
		t.Errorf("receiver got %d samples, want 120", r.samples)
	}
	if got := r.headers.Get("Authorization"); got != "Bearer s3cret" {
		t.Errorf("Authorization %q", got)
	}
	if got := r.headers.Get("X-Scope-OrgID"); got != "ops, eu" {
		t.Errorf("X-Scope-OrgID %q", got)
	}
	if got := r.headers.Get("User-Agent"); !strings.HasPrefix(got, "srvmon/") {
		t.Errorf("User-Agent %q", got)
	}
	if got := strings.Join(r.labels, ","); got != "__name__=node_context_switches_total,instance=web1,job=node" {
		t.Errorf("labels of the first series: %s", got)
	}
	code, _, stderr = run(t, "push", "--data", dir, "--url", r.url(), "-v")
	if code != 0 || !strings.Contains(stderr, "nothing new to push to "+r.url()) {
		t.Errorf("second push -v: exit status %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, "push", "--data", dir, "--url", r.url(), "-v", "--since", "2026-01-05T10:30:00Z")
	if code != 0 || !strings.Contains(stderr, "pushed 60 samples of 2 series (2026-01-05T10:30:00Z to ") ||
		!strings.Contains(stderr, "in 2 requests") {
		t.Errorf("push --since -v: exit status %d, stderr %q", code, stderr)
	}
}

func TestPush_DryRun(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	r := newPushReceiver(t)
	code, stdout, stderr := run(t, "push", "--data", dir, "--url", r.url(), "--dry-run", "--label", "job=node", "--until", "2026-01-05T10:30:00Z")
	if code != 0 || stderr != "" {
		t.Fatalf("dry run: exit status %d, stderr %q", code, stderr)
	}
	want := `# dry run: would push to ` + r.url() + ` the samples from 2026-01-05T10:00:00Z to 2026-01-05T10:30:00Z (position the start (nothing was acknowledged yet))
node_context_switches_total{instance="web1",job="node"} 30 samples 2026-01-05T10:00:00Z .. 2026-01-05T10:29:00Z
node_load1{instance="web1",job="node"} 30 samples 2026-01-05T10:00:00Z .. 2026-01-05T10:29:00Z
# 60 samples of 2 series in 2 requests, `
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("dry run output:\n%s\nwant it to start with:\n%s", stdout, want)
	}
	if r.samples != 0 || r.headers != nil {
		t.Error("the dry run sent something")
	}
	if pos, _ := filepath.Glob(filepath.Join(dir, "push-*.json")); len(pos) != 0 {
		t.Errorf("the dry run wrote a position: %v", pos)
	}
}

// A receiver that refuses stops the push with exit status 1 and a message
// that says where the next push resumes.
func TestPush_Refused(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	r := newPushReceiver(t)
	r.fail = func(w http.ResponseWriter) bool {
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return true
	}
	u := strings.Replace(r.url(), "http://", "http://user:pw@", 1)
	code, _, stderr := run(t, "push", "--data", dir, "--url", u)
	want := "srvmon: push to " + strings.Replace(u, ":pw@", ":xxxxx@", 1) + ": the receiver refused 30 samples from 2026-01-05T10:00:00Z to 2026-01-05T10:14:00Z: " +
		"receiver answered 401 Unauthorized: authentication required (check the credentials); the position stays at the start (nothing was acknowledged yet), where the next push resumes\n"
	if code != 1 || stderr != want {
		t.Errorf("exit status %d, stderr:\n%s\nwant 1 and:\n%s", code, stderr, want)
	}
}

// A push that finds another one to the same URL running waits, then skips
// with a note and exit status 0.
func TestPush_Busy(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	r := newPushReceiver(t)
	// A first push holds the lock while the receiver holds its request.
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	r.fail = func(w http.ResponseWriter) bool {
		once.Do(func() { close(started); <-release })
		return false
	}
	first := make(chan int)
	go func() {
		code, _, _ := run(t, "push", "--data", dir, "--url", r.url())
		first <- code
	}()
	<-started
	code, _, stderr := run(t, "push", "--data", dir, "--url", r.url(), "--lock-timeout", "50ms")
	sent := r.samples
	close(release)
	if c := <-first; c != 0 {
		t.Errorf("the first push: exit status %d", c)
	}
	if code != 0 || !strings.Contains(stderr, "push to "+r.url()+" skipped: another push to this url is running (pid ") {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
	if sent != 0 {
		t.Errorf("the skipped push sent %d samples", sent)
	}
}

func TestPush_URLFromEnv(t *testing.T) {
	dir := pushStore(t)
	r := newPushReceiver(t)
	t.Setenv("SRVMON_PUSH_URL", r.url())
	if code, _, stderr := run(t, "push", "--data", dir); code != 0 || r.samples != 120 {
		t.Errorf("push with $SRVMON_PUSH_URL: exit status %d, stderr %q, %d samples", code, stderr, r.samples)
	}
}

func TestProgressText(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := progressText(remote.Progress{From: from, To: from.AddDate(0, 0, 30), Through: from.AddDate(0, 0, 6),
		Samples: 2_000_000, Elapsed: 10 * time.Second})
	want := "pushed 2000000 samples, up to 2026-01-07 00:00 (20%), 200000 samples/s, ETA 40s"
	if got != want {
		t.Errorf("progressText = %q, want %q", got, want)
	}
	var b strings.Builder
	p := &progressLine{w: &b}
	p.update(remote.Progress{From: from, To: from.Add(time.Hour), Through: from.Add(time.Hour), Samples: 5, Elapsed: time.Second})
	p.update(remote.Progress{From: from, To: from.Add(time.Hour), Through: from.Add(time.Hour), Samples: 9, Elapsed: time.Second})
	p.clear()
	if got := b.String(); got != "\r\033[Kpushed 5 samples, up to 2026-01-01 01:00 (100%), 5 samples/s\r\033[K" {
		t.Errorf("progress line output %q: want one update (the second comes too soon) and a clear", got)
	}
}

// A library error whose remedy is a parameter names it as srvmon push's
// flag: a receiver that finds the request too large gets "--batch-size".
func TestPush_RemedyNamesTheFlag(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	r := newPushReceiver(t)
	r.fail = func(w http.ResponseWriter) bool {
		http.Error(w, "too big", http.StatusRequestEntityTooLarge)
		return true
	}
	code, _, stderr := run(t, "push", "--data", dir, "--url", r.url())
	if code != 1 || !strings.Contains(stderr, "(the request is too large: lower --batch-size)") {
		t.Errorf("exit status %d, stderr %q; want 1 and a hint naming --batch-size", code, stderr)
	}
}

// An --until push cannot honour (later than 30 s before now) is cut there
// with a note; one it can honour is silent. Both take query's times.
func TestPush_UntilCutWithANote(t *testing.T) {
	t.Parallel()
	dir := pushStore(t)
	r := newPushReceiver(t)
	code, _, stderr := run(t, "push", "--data", dir, "--url", r.url(), "--since", "2026-01-05T10:30:00Z", "--until", "now")
	if code != 0 || !strings.Contains(stderr, "srvmon: note: --until ") || !strings.Contains(stderr, "the next push sends the rest") {
		t.Errorf("push --until now: exit status %d, stderr %q; want 0 and a note that until was cut", code, stderr)
	}
	r2 := newPushReceiver(t)
	code, _, stderr = run(t, "push", "--data", dir, "--url", r2.url(), "--since", "2026-01-05T10:30:00Z", "--until", "-1h")
	if code != 0 || stderr != "" || r2.samples != 2*30 {
		t.Errorf("push --until -1h: exit status %d, stderr %q, %d samples; want 0, nothing and 60", code, stderr, r2.samples)
	}
}
