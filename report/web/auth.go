package web

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Auth holds the users allowed in with HTTP basic authentication, each with
// a bcrypt hash of the password, as in an htpasswd file made with
// "htpasswd -B". The zero value (or nil) lets nobody in; see Options.Auth.
type Auth struct {
	users []authUser

	mu sync.Mutex
	ok map[[sha256.Size]byte]bool // digests of credentials bcrypt accepted
}

type authUser struct {
	name string
	hash []byte
}

// maxAuthCache bounds the cache of accepted credentials: a new entry is
// added only after bcrypt accepted it, so the cache holds at most as many
// distinct valid credentials as users have passwords; the bound only guards
// against many changing passwords over a long uptime.
const maxAuthCache = 64

// ParseAuth parses "user:bcrypt-hash" or, if spec names an existing file,
// the file's lines of that form (an htpasswd file with bcrypt hashes; blank
// lines and lines starting with # are skipped).
func ParseAuth(spec string) (*Auth, error) {
	if spec == "" {
		return nil, errors.New("empty auth spec; use user:bcrypt-hash or a file of such lines")
	}
	if fi, err := os.Stat(spec); err == nil && fi.Mode().IsRegular() {
		f, err := os.Open(spec)
		if err != nil {
			return nil, fmt.Errorf("auth file: %w", err)
		}
		defer f.Close()
		a, err := readAuth(f)
		if err != nil {
			return nil, fmt.Errorf("auth file %s: %w", spec, err)
		}
		return a, nil
	}
	if !strings.Contains(spec, ":") {
		return nil, fmt.Errorf("auth %q is neither user:bcrypt-hash nor an existing file", spec)
	}
	return readAuth(strings.NewReader(spec))
}

func readAuth(r io.Reader) (*Auth, error) {
	a := &Auth{ok: map[[sha256.Size]byte]bool{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, hash, ok := strings.Cut(text, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: want user:bcrypt-hash", line)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("line %d: user %q: not a bcrypt hash (make one with 'htpasswd -nB %s'): %w", line, name, name, err)
		}
		a.users = append(a.users, authUser{name: name, hash: []byte(hash)})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(a.users) == 0 {
		return nil, errors.New("no user:bcrypt-hash line")
	}
	return a, nil
}

// Users returns the user names, in the order given.
func (a *Auth) Users() []string {
	if a == nil {
		return nil
	}
	names := make([]string, len(a.users))
	for i, u := range a.users {
		names[i] = u.name
	}
	return names
}

// Check reports whether user and password are valid. User names are
// compared in constant time and a bcrypt comparison runs whether or not
// the user exists, so the time taken does not tell which users exist.
// Accepted credentials are remembered (as a SHA-256 digest) so that a page
// and its refreshes do not pay for bcrypt on every request.
func (a *Auth) Check(user, password string) bool {
	if a == nil || len(a.users) == 0 {
		return false
	}
	digest := sha256.Sum256([]byte(user + "\x00" + password))
	a.mu.Lock()
	cached := a.ok[digest]
	a.mu.Unlock()
	if cached {
		return true
	}
	match := -1
	for i, u := range a.users {
		if subtle.ConstantTimeCompare([]byte(user), []byte(u.name)) == 1 && match < 0 {
			match = i
		}
	}
	hash := a.users[0].hash
	if match >= 0 {
		hash = a.users[match].hash
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && match >= 0
	if ok {
		a.mu.Lock()
		if len(a.ok) >= maxAuthCache {
			clear(a.ok)
		}
		a.ok[digest] = true
		a.mu.Unlock()
	}
	return ok
}

// wrap requires basic authentication for every request to h.
func (a *Auth) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !a.Check(user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="srvmon", charset="UTF-8"`)
			http.Error(w, "401 unauthorized: this srvmon needs a user name and password", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
