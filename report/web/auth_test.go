package web_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb/synth"
)

func hash(tb testing.TB, password string) string {
	tb.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	return string(h)
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestParseAuth(t *testing.T) {
	t.Parallel()
	h := hash(t, "s3cret")
	dir := t.TempDir()
	file := filepath.Join(dir, "htpasswd")
	os.WriteFile(file, []byte("# srvmon users\n\nalice:"+h+"\nbob:"+hash(t, "pw")+"\n"), 0o600)
	a, err := web.ParseAuth(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.Users(), ","); got != "alice,bob" {
		t.Errorf("users from the file: %q, want alice,bob", got)
	}
	if !a.Check("bob", "pw") || !a.Check("alice", "s3cret") {
		t.Errorf("valid credentials refused")
	}
	if a.Check("bob", "s3cret") || a.Check("alice", "pw") || a.Check("carol", "pw") || a.Check("", "") {
		t.Errorf("invalid credentials accepted")
	}

	a, err = web.ParseAuth("admin:" + h)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Check("admin", "s3cret") {
		t.Errorf("admin:s3cret refused")
	}
	if !a.Check("admin", "s3cret") { // the second time from the cache
		t.Errorf("admin:s3cret refused the second time")
	}
	if a.Check("admin", "s3cret ") || a.Check("Admin", "s3cret") || a.Check("admin\x00", "s3cret") {
		t.Errorf("near misses accepted")
	}

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nobody\n"), 0o600)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("alice:"+h+"\nbob:plain\n"), 0o600)
	for spec, want := range map[string]string{
		"":                        "empty auth spec",
		"admin":                   "neither user:bcrypt-hash nor an existing file",
		"admin:secret":            `user "admin": not a bcrypt hash`,
		":" + h:                   "line 1: want user:bcrypt-hash",
		empty:                     "no user:bcrypt-hash line",
		bad:                       `line 2: user "bob": not a bcrypt hash`,
		filepath.Join(dir, "x:y"): "not a bcrypt hash",
	} {
		_, err := web.ParseAuth(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseAuth(%q) = %v, want an error with %q", spec, err, want)
		}
	}
	var nilAuth *web.Auth
	if nilAuth.Check("a", "b") {
		t.Errorf("a nil Auth let someone in")
	}
}

// TestAuth_EveryEndpoint checks that with Options.Auth every endpoint,
// existing or not, answers 401 without the right credentials and serves
// with them.
func TestAuth_EveryEndpoint(t *testing.T) {
	t.Parallel()
	a, err := web.ParseAuth("admin:" + hash(t, "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, synth.DefaultHost(), testNow, time.Hour)
	srv := newServer(st, web.Options{Auth: a})
	good := basic("admin", "s3cret")
	for _, target := range []string{"/", "/disk?device=sda", "/net?device=eth0", "/fs?mount=/", "/api/v1/query?view=cpu",
		"/api/v1/series", "/api/v1/charts", "/metrics", "/healthz", "/static/app.js", "/nosuch"} {
		for _, cred := range []string{"", basic("admin", "wrong"), basic("root", "s3cret"), "Bearer s3cret", "Basic !!!"} {
			var hdr []string
			if cred != "" {
				hdr = []string{"Authorization", cred}
			}
			r := get(t, srv, target, hdr...).want(t, 401)
			if r.header.Get("WWW-Authenticate") != `Basic realm="srvmon", charset="UTF-8"` {
				t.Errorf("%s: WWW-Authenticate %q", target, r.header.Get("WWW-Authenticate"))
			}
			if r.header.Get("Content-Security-Policy") == "" {
				t.Errorf("%s: 401 without a Content-Security-Policy", target)
			}
		}
		r := get(t, srv, target, "Authorization", good)
		if want := 200; target == "/nosuch" {
			r.want(t, 404)
		} else {
			r.want(t, want)
		}
	}
}
