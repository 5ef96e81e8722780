package web

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// accessLog writes a line per request in the Common Log Format that web
// servers write and log tools read:
//
//	127.0.0.1 - alice [14/May/2026:15:30:00 +0000] "GET /?range=6h HTTP/1.1" 200 18236
//
// The user is the one of basic authentication when it was accepted, else
// "-"; the size is the bytes of the body sent ("-" for none). Lines are
// written whole, one Write each, so that a shared file stays readable.
type accessLog struct {
	mu  sync.Mutex
	o   *Options
	buf []byte
}

// wrap logs the requests h answers.
func (l *accessLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		l.log(r, rec)
	})
}

func (l *accessLog) log(r *http.Request, rec *recorder) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	user := "-"
	if u, _, ok := r.BasicAuth(); ok && l.o.Auth != nil && rec.code != http.StatusUnauthorized && u != "" {
		user = clfText(u)
	}
	code := rec.code
	if code == 0 {
		code = http.StatusOK
	}
	size := "-"
	if rec.size > 0 {
		size = strconv.FormatInt(rec.size, 10)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf[:0]
	b = append(b, clfText(host)...)
	b = append(b, " - "...)
	b = append(b, user...)
	b = append(b, " ["...)
	b = l.o.Now().In(l.o.Location).AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, `] "`...)
	b = append(b, clfText(r.Method+" "+r.RequestURI+" "+r.Proto)...)
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, size...)
	b = append(b, '\n')
	l.buf = b
	l.o.AccessLog.Write(b)
}

// clfText escapes what a client sent (the request line, a user name) for
// a log line: quotes, backslashes, control characters and invalid UTF-8
// become \" \\ \xHH, so a request cannot forge lines or fields.
func clfText(s string) string {
	safe := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == utf8.RuneError && n == 1, r < 0x20, r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// recorder remembers the status and body size of a response.
type recorder struct {
	http.ResponseWriter
	code int
	size int64
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
