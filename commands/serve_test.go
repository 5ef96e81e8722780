package commands

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/srvmon/srvmon/report/web/webtest"
	"github.com/srvmon/srvmon/tsdb"
)

var reServing = regexp.MustCompile(`serving .* on (http://\S+/)`)

// waitServing waits for Serve's "serving ... on URL" line and returns URL.
func waitServing(t *testing.T, stderr *webtest.LockedBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := reServing.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("Serve returned %v before serving; stderr:\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no 'serving' line after 10 s; stderr:\n%s", stderr)
	return ""
}

func newEmptyStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := tsdb.Create(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestServe_UsageErrors(t *testing.T) {
	t.Parallel()
	dir := newEmptyStore(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"BadListen", []string{"--listen", "8080"}, `invalid --listen "8080": `},
		{"ShortRefresh", []string{"--refresh", "0.5"}, "invalid --refresh 500ms; use at least 1 second"},
		{"BadRefresh", []string{"--refresh", "often"}, `invalid value "often" for --refresh: not a number of seconds or a duration`},
		{"NegativeStale", []string{"--stale", "-5"}, `invalid value "-5" for --stale: out of range`},
		{"AuthNotHash", []string{"--auth", "admin:secret"}, `invalid --auth: line 1: user "admin": not a bcrypt hash`},
		{"AuthNoColon", []string{"--auth", "admin"}, `invalid --auth: auth "admin" is neither user:bcrypt-hash nor an existing file`},
		{"LiveClients", []string{"--live-clients", "2000"}, "invalid --live-clients 2000; use 0 (no live range) to 1000"},
		{"LiveWindow", []string{"--live-window", "5"}, "invalid --live-window 5s; use whole seconds from 10s to 1h"},
		{"Args", []string{"now"}, `'srvmon serve' takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := run(t, append([]string{"serve", "--data", dir}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestServe_NoStore(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "none")
	err := Serve(context.Background(), ServeOptions{DataDir: dir, Listen: "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no store in "+dir) {
		t.Fatalf("Serve on a missing store: %v", err)
	}
}

func TestServe_AddressInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Serve(context.Background(), ServeOptions{DataDir: newEmptyStore(t), Listen: ln.Addr().String()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Serve on a used port: %v", err)
	}
}

// TestServe_ServesAndStops runs Serve as the command does and checks that
// cancelling its context (what SIGTERM does) ends it cleanly.
func TestServe_ServesAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr webtest.LockedBuffer
	done := make(chan error, 1)
	dir := newEmptyStore(t)
	go func() { done <- Serve(ctx, ServeOptions{DataDir: dir, Listen: "127.0.0.1:0"}, io.Discard, &stderr) }()
	url := waitServing(t, &stderr, done)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("serving on %s, want 127.0.0.1", url)
	}
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/healthz of an empty store: %d, want 503", resp.StatusCode)
	}
	// On loopback without --auth, only requests for this host are served
	// (a DNS rebinding guard).
	req, _ := http.NewRequest("GET", url+"healthz", nil)
	req.Host = "rebound.example"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a request for another host: %d, want 421", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve still running 15 s after cancel")
	}
	if _, err := http.Get(url + "healthz"); err == nil {
		t.Errorf("still answering after shutdown")
	}
	if strings.Contains(stderr.String(), "warning") {
		t.Errorf("warning on loopback: %s", stderr.String())
	}
}

// TestServe_Auth checks --auth with an htpasswd file: every request needs
// the user and password.
func TestServe_Auth(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(file, []byte("admin:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr webtest.LockedBuffer
	done := make(chan error, 1)
	dir := newEmptyStore(t)
	go func() {
		done <- Serve(ctx, ServeOptions{DataDir: dir, Listen: "127.0.0.1:0", Auth: file}, io.Discard, &stderr)
	}()
	url := waitServing(t, &stderr, done)
	for _, tt := range []struct {
		user, password string
		code           int
	}{{"", "", 401}, {"admin", "wrong", 401}, {"root", "s3cret", 401}, {"admin", "s3cret", 503}} {
		req, _ := http.NewRequest("GET", url+"healthz", nil)
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s:%s: %d, want %d", tt.user, tt.password, resp.StatusCode, tt.code)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// addrListener reports another address than it listens on.
type addrListener struct {
	net.Listener
	addr net.Addr
}

func (l addrListener) Addr() net.Addr { return l.addr }

func TestServeOn_WarnsBeyondLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip     string
		authed bool
		warn   bool
	}{
		{"0.0.0.0", false, true},
		{"::", false, true},
		{"192.0.2.7", false, true},
		{"0.0.0.0", true, false},
		{"127.0.0.1", false, false},
		{"::1", false, false},
	}
	for _, tt := range tests {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fake := addrListener{ln, &net.TCPAddr{IP: net.ParseIP(tt.ip), Port: 8080}}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var stderr webtest.LockedBuffer
		serveOn(ctx, fake, http.NotFoundHandler(), tt.authed, "d", &stderr, log.New(io.Discard, "", 0))
		got := strings.Contains(stderr.String(), "warning: listening on")
		if got != tt.warn {
			t.Errorf("listen %s, auth %v: warning %v, want %v; stderr:\n%s", tt.ip, tt.authed, got, tt.warn, stderr.String())
		}
		if got && !strings.Contains(stderr.String(), "without --auth") {
			t.Errorf("the warning does not say what is missing: %s", stderr.String())
		}
	}
}

func TestSecondsValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"30": 30 * time.Second, "1.5": 1500 * time.Millisecond, "2m": 2 * time.Minute, " 45s ": 45 * time.Second, "0": 0} {
		var v secondsValue
		if err := v.Set(in); err != nil || v.d != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, v.d, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "1e12", "NaN", "5 minutes"} {
		var v secondsValue
		if err := v.Set(in); err == nil {
			t.Errorf("Set(%q) accepted: %v", in, v.d)
		}
	}
}

// TestServe_AccessLog checks --access-log: a Common Log Format line per
// request appended to a file, or written to stdout with "-".
func TestServe_AccessLog(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(file, []byte("earlier line\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, dest := range []string{file, "-"} {
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr webtest.LockedBuffer
		done := make(chan error, 1)
		dir := newEmptyStore(t)
		go func() {
			done <- Serve(ctx, ServeOptions{DataDir: dir, Listen: "127.0.0.1:0", AccessLog: dest}, &stdout, &stderr)
		}()
		url := waitServing(t, &stderr, done)
		for _, path := range []string{"healthz", "nowhere"} {
			resp, err := http.Get(url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Serve: %v", err)
		}
		got := stdout.String()
		if dest != "-" {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
			if !strings.HasPrefix(got, "earlier line\n") {
				t.Errorf("the access log was not appended to: %q", got)
			}
			got = strings.TrimPrefix(got, "earlier line\n")
		} else if strings.Contains(stderr.String(), "GET") {
			t.Errorf("access log on stderr: %s", stderr.String())
		}
		re := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [-+]\d{4}\] "GET /healthz HTTP/1\.1" 503 \d+\n` +
			`127\.0\.0\.1 - - \[[^]]+\] "GET /nowhere HTTP/1\.1" 404 \d+\n$`)
		if !re.MatchString(got) {
			t.Errorf("--access-log %s:\n%s", dest, got)
		}
	}
}
