package remote

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClient_AuthAndHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		name string
		o    ClientOptions
		want map[string]string
	}{
		{"Bearer", ClientOptions{BearerToken: "t0k"}, map[string]string{"Authorization": "Bearer t0k"}},
		{"Basic", ClientOptions{BasicAuthUser: "u", BasicAuthPassword: "p"}, map[string]string{"Authorization": "Basic dTpw"}},
		{"Headers", ClientOptions{Headers: http.Header{"X-Scope-Orgid": {"team-a"}}, UserAgent: "srvmon/v1"},
			map[string]string{"X-Scope-Orgid": "team-a", "User-Agent": "srvmon/v1", "Authorization": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.URL = srv.URL + "/api/v1/write"
			c, err := NewClient(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Write(context.Background(), []byte("x")); err != nil {
				t.Fatal(err)
			}
			for h, v := range tt.want {
				if got.Get(h) != v {
					t.Errorf("header %s = %q, want %q", h, got.Get(h), v)
				}
			}
			if got.Get("Content-Encoding") != "snappy" || got.Get("X-Prometheus-Remote-Write-Version") != "0.1.0" {
				t.Errorf("protocol headers missing: %v", got)
			}
		})
	}
}

func TestNewClient_Invalid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		o    ClientOptions
		want string
	}{
		{ClientOptions{URL: "metrics.example/api/v1/write"}, "want http://HOST/PATH"},
		{ClientOptions{URL: "ftp://metrics.example/"}, "want http://HOST/PATH"},
		{ClientOptions{URL: "http://h/", Headers: http.Header{"Content-Encoding": {"gzip"}}}, "set by the remote-write protocol"},
		{ClientOptions{URL: "http://h/", BearerToken: "a", BasicAuthUser: "u"}, "cannot be combined"},
		{ClientOptions{URL: "http://h/", BearerToken: "a", Headers: http.Header{"Authorization": {"x"}}}, "cannot be combined"},
		{ClientOptions{URL: "http://h/", CAFile: "/nonexistent/ca.pem"}, "ca file"},
		{ClientOptions{URL: "http://h/", CertFile: "c.pem"}, "needs both"},
	} {
		if _, err := NewClient(tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewClient(%+v): %v, want an error containing %q", tt.o, err, tt.want)
		}
	}
}

// A server whose certificate is signed by the CA in --ca-file is trusted;
// without it the request fails.
func TestClient_TLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{URL: srv.URL, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Write(context.Background(), nil); err != nil {
		t.Errorf("with --ca-file: %v", err)
	}
	c2, _ := NewClient(ClientOptions{URL: srv.URL})
	defer c2.Close()
	if err := c2.Write(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without --ca-file: %v, want a certificate error", err)
	}
	c3, _ := NewClient(ClientOptions{URL: srv.URL, InsecureSkipVerify: true})
	defer c3.Close()
	if err := c3.Write(context.Background(), nil); err != nil {
		t.Errorf("with --insecure-skip-verify: %v", err)
	}
}

func TestClient_Timeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c, _ := NewClient(ClientOptions{URL: srv.URL, Timeout: 50 * time.Millisecond})
	defer c.Close()
	err := c.Write(context.Background(), nil)
	var we *WriteError
	if err == nil || errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write to a server that does not answer: %v, want a deadline error", err)
	}
}

func TestWriteError_Classify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code      int
		msg       string
		retryable bool
		rej       Rejection
	}{
		{500, "", true, NotRejected},
		{503, "unavailable", true, NotRejected},
		{429, "rate limited", true, NotRejected},
		{400, "bad request", false, NotRejected},
		{401, "", false, NotRejected},
		{400, "out of order sample", false, RejectedOutOfOrder},
		{400, "duplicate sample for timestamp", false, RejectedOutOfOrder},
		{400, "err-mimir-sample-out-of-order", false, RejectedOutOfOrder},
		{400, "out of bounds", false, RejectedTooOld},
		{500, "too old sample", false, RejectedTooOld},
		{400, "err-mimir-sample-timestamp-too-old", false, RejectedTooOld},
	} {
		e := &WriteError{StatusCode: tt.code, Message: tt.msg}
		if e.Retryable() != tt.retryable || e.Rejection() != tt.rej {
			t.Errorf("%d %q: retryable %v, rejection %v; want %v, %v", tt.code, tt.msg, e.Retryable(), e.Rejection(), tt.retryable, tt.rej)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-1":                            0,
		"soon":                          0,
		"Mon, 05 Jan 2026 12:00:30 GMT": 30 * time.Second,
		"Mon, 05 Jan 2026 11:00:00 GMT": 0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

// A receiver's error text reaches a terminal: control bytes (an ESC
// sequence) and invalid UTF-8 must arrive escaped, not raw.
func TestWriteErrorIsPrintable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("bad \x1b[31mred\x1b[0m\n sample \xff\x07 ünïcode"))
	}))
	defer srv.Close()
	c, err := NewClient(ClientOptions{URL: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Write(context.Background(), []byte("x"))
	if err == nil {
		t.Fatal("no error for a 400")
	}
	msg := err.Error()
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			t.Fatalf("error %q holds the raw control or invalid byte %q", msg, r)
		}
	}
	if !strings.Contains(msg, `bad \x1b[31mred\x1b[0m sample \xff\a ünïcode`) {
		t.Errorf("error %q, want the body escaped", msg)
	}
}
