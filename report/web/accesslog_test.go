package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestAccessLog checks the Common Log Format line of each request: the
// client, the user once authenticated, the time in the server's zone, the
// request line with what the client sent escaped, the status (refusals
// included) and the bytes of the body.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	auth, err := web.ParseAuth("alice:" + hash(t, "pw"))
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	srv := newServer(newStore(t, synth.DefaultHost(), testNow, time.Hour), web.Options{Auth: auth, AccessLog: &log, Location: berlin})
	ok := get(t, srv, "/healthz", "Authorization", basic("alice", "pw")).want(t, 200)
	get(t, srv, "/healthz", "Authorization", basic("mallory", "pw")).want(t, 401)
	get(t, srv, `/nope?x="]%0a`, "Authorization", basic("alice", "pw")).want(t, 404)
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.RequestURI = "/a\"b\\c\n127.0.0.1 - - [forged]"
	req.SetBasicAuth("alice", "pw")
	srv.ServeHTTP(httptest.NewRecorder(), req)
	do(t, srv, http.MethodPost, "/healthz", "Authorization", basic("alice", "pw")).want(t, 405)

	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	want := []string{
		`192.0.2.1 - alice [14/May/2026:17:30:00 +0200] "GET /healthz HTTP/1.1" 200 ` + strconv.Itoa(len(ok.body)),
		`192.0.2.1 - - [14/May/2026:17:30:00 +0200] "GET /healthz HTTP/1.1" 401 `,
		`192.0.2.1 - alice [14/May/2026:17:30:00 +0200] "GET /nope?x=\"]%0a HTTP/1.1" 404 `,
		`192.0.2.1 - alice [14/May/2026:17:30:00 +0200] "GET /a\"b\\c\x0a127.0.0.1 - - [forged] HTTP/1.1" 200 `,
		`192.0.2.1 - alice [14/May/2026:17:30:00 +0200] "POST /healthz HTTP/1.1" 405 `,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d (one per request):\n%s", len(lines), len(want), log.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n got %s\nwant %s...", i+1, lines[i], w)
		}
		if f := strings.Fields(lines[i]); f[len(f)-1] == "0" {
			t.Errorf("line %d: size 0, want the body's bytes or -", i+1)
		}
	}
	// HEAD sends no body: size "-".
	log.Reset()
	do(t, srv, http.MethodHead, "/healthz", "Authorization", basic("alice", "pw")).want(t, 200)
	if !strings.HasSuffix(log.String(), `"HEAD /healthz HTTP/1.1" 200 -`+"\n") {
		t.Errorf("HEAD: %q", log.String())
	}
}
