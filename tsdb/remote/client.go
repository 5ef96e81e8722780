package remote

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/srvmon/srvmon/tsdb/param"
)

// DefaultTimeout is how long one write request may take unless
// ClientOptions.Timeout says otherwise (Prometheus' remote_timeout default).
const DefaultTimeout = 30 * time.Second

// maxErrorBody is how much of a refusal's body ends up in the error.
const maxErrorBody = 512

// ClientOptions configure a Client, with the settings Prometheus'
// remote_write configuration offers.
type ClientOptions struct {
	URL     string        // remote-write endpoint, http or https
	Timeout time.Duration // per request; 0 means DefaultTimeout

	// Extra headers sent with every request. The protocol's own headers
	// (Content-Type, Content-Encoding, X-Prometheus-Remote-Write-Version)
	// cannot be overridden.
	Headers http.Header

	BasicAuthUser     string
	BasicAuthPassword string
	BearerToken       string // sent as "Authorization: Bearer TOKEN"

	CAFile             string // PEM file of the CAs that sign the server's certificate
	CertFile, KeyFile  string // client certificate, for mutual TLS
	ServerName         string // expected name in the server's certificate
	InsecureSkipVerify bool

	UserAgent string // defaults to "srvmon"
}

// protocolHeaders are the headers the remote-write protocol sets.
var protocolHeaders = []string{"Content-Type", "Content-Encoding", "Content-Length", "X-Prometheus-Remote-Write-Version"}

// Client sends remote-write requests to one URL.
type Client struct {
	url  *url.URL
	http *http.Client
	opts ClientOptions
}

// Check returns an error for settings a Client cannot work with; an error
// about one setting is a *param.Error naming it ("url", "timeout",
// "header", "basic-auth-user").
func (o ClientOptions) Check() error {
	u, err := url.Parse(o.URL)
	if err != nil {
		return fmt.Errorf("remote-write url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("remote-write url %q: want http://HOST/PATH or https://HOST/PATH", u.Redacted())
	}
	if o.Timeout < 0 {
		return &param.Error{Param: "timeout", Value: o.Timeout.String(), Valid: "use a duration of 0 or more like 30s"}
	}
	for name := range o.Headers {
		for _, p := range protocolHeaders {
			if strings.EqualFold(name, p) {
				return fmt.Errorf("header %s is set by the remote-write protocol and cannot be changed", p)
			}
		}
		if strings.EqualFold(name, "Authorization") && (o.BearerToken != "" || o.BasicAuthUser != "") {
			return errors.New("an Authorization header cannot be combined with basic auth or a bearer token")
		}
	}
	if o.BasicAuthPassword != "" && o.BasicAuthUser == "" {
		return &param.Error{Param: "basic-auth-user", Reason: "a basic auth password without {param}; pass the user too"}
	}
	if o.BearerToken != "" && o.BasicAuthUser != "" {
		return errors.New("basic auth and a bearer token cannot be combined")
	}
	return nil
}

// NewClient checks o and returns a Client. It reads the TLS files now, so
// that a wrong path fails before anything is sent.
func NewClient(o ClientOptions) (*Client, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = "srvmon"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig, err = tlsConfig(o)
	if err != nil {
		return nil, err
	}
	return &Client{url: u, http: &http.Client{Transport: tr}, opts: o}, nil
}

func tlsConfig(o ClientOptions) (*tls.Config, error) {
	c := &tls.Config{ServerName: o.ServerName, InsecureSkipVerify: o.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca file %s: no PEM certificate in it", o.CAFile)
		}
		c.RootCAs = pool
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("a client certificate needs both a certificate file and a key file")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// URL returns the endpoint with any password in it masked.
func (c *Client) URL() string { return c.url.Redacted() }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// WriteError is a write request the receiver answered with a status other
// than 2xx.
type WriteError struct {
	StatusCode int
	Status     string        // "400 Bad Request"
	Message    string        // start of the response body, one line
	RetryAfter time.Duration // from a Retry-After header; 0 if none
}

func (e *WriteError) Error() string {
	if e.Message == "" {
		return "receiver answered " + e.Status
	}
	return fmt.Sprintf("receiver answered %s: %s", e.Status, e.Message)
}

// Retryable reports whether sending the same request again later may work:
// for 5xx and 429, unless the message says the samples themselves are
// refused (Prometheus 2.42 answers "too old sample" with a 500).
func (e *WriteError) Retryable() bool {
	if e.StatusCode != http.StatusTooManyRequests && e.StatusCode < 500 {
		return false
	}
	return e.Rejection() == NotRejected
}

// Rejection is why a receiver refused samples for what they are.
type Rejection int

const (
	NotRejected Rejection = iota
	// RejectedOutOfOrder: older than, or a different value at the time of,
	// a sample the receiver holds for the series. Re-sent samples get this.
	RejectedOutOfOrder
	// RejectedTooOld: older than the receiver accepts at all (Prometheus
	// without an out-of-order window: older than its head block).
	RejectedTooOld
)

// Rejection classifies the message of a refusal, as Prometheus, Mimir,
// Cortex and Thanos word them.
func (e *WriteError) Rejection() Rejection {
	m := strings.ToLower(e.Message)
	switch {
	case strings.Contains(m, "too old") || strings.Contains(m, "too-old") || strings.Contains(m, "out of bounds"):
		return RejectedTooOld
	case strings.Contains(m, "out of order sample") || strings.Contains(m, "out-of-order") ||
		strings.Contains(m, "duplicate sample") || strings.Contains(m, "duplicate-timestamp"):
		return RejectedOutOfOrder
	}
	return NotRejected
}

// Write sends one remote-write request whose body is an already
// snappy-compressed prometheus.WriteRequest (wire.go). It returns nil when the receiver
// answered 2xx, a *WriteError for any other answer, and a transport error
// (wrapped) when there was no answer.
func (c *Client) Write(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("write request: %w", err)
	}
	for name, values := range c.opts.Headers {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	switch {
	case c.opts.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+c.opts.BearerToken)
	case c.opts.BasicAuthUser != "":
		req.SetBasicAuth(c.opts.BasicAuthUser, c.opts.BasicAuthPassword)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error names the URL, with the password masked.
		return fmt.Errorf("write request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return &WriteError{
		StatusCode: resp.StatusCode,
		Status:     oneLine(resp.Status),
		Message:    oneLine(string(msg)),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
}

// oneLine squeezes a response body into one trimmed line of printable
// text: control bytes (an ESC sequence a receiver sends would reach the
// terminal of whoever reads the error) and invalid UTF-8 are escaped.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
