package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/atomicfile"
	"github.com/srvmon/srvmon/tsdb/crc32c"
	"github.com/srvmon/srvmon/tsdb/internal/lockfile"
	"github.com/srvmon/srvmon/tsdb/internal/noatime"
)

// ErrBusy is returned by lockPush when another push to the same URL held
// the push lock for longer than the wait.
var ErrBusy = errors.New("another push to this url is running")

// Position is what a push remembers about one receiver, in
// DIR/push-HASH.json.
type Position struct {
	URL string `json:"url"` // the endpoint, password masked (for people)
	// Acked: every sample with a time before it that the store held when it
	// was read has been acknowledged by the receiver. The next push starts
	// here. Zero: nothing was ever acknowledged.
	Acked time.Time `json:"acked_until"`
	// Attempted: samples before it may have been sent (a push that was
	// killed or failed may have had them accepted without hearing so).
	// Refusals of such samples as out of order or duplicate mean that they
	// are already stored.
	Attempted time.Time `json:"attempted_until"`
	Updated   time.Time `json:"updated"` // when the file was written
	// Checksum is the CRC-32C of the fields above (checksum's text), so
	// that a flipped bit in a date cannot skip or repeat days of samples.
	// Files written before it existed have none and are taken as they are.
	Checksum string `json:"crc32c,omitempty"`
}

// checksum returns the CRC-32C, in hex, of p's fields but Checksum.
func (p Position) checksum() string {
	text := fmt.Sprintf("%s\n%d\n%d\n%d\n", p.URL, p.Acked.UnixNano(), p.Attempted.UnixNano(), p.Updated.UnixNano())
	return fmt.Sprintf("%08x", crc32c.Checksum([]byte(text)))
}

// decodePosition parses a position file's bytes and checks its checksum.
func decodePosition(data []byte) (Position, error) {
	var p Position
	if err := json.Unmarshal(data, &p); err != nil {
		return Position{}, err
	}
	if p.Checksum != "" && p.Checksum != p.checksum() {
		return Position{}, errors.New("checksum mismatch")
	}
	return p, nil
}

// stateName returns the base name (without extension) of the files a push
// to rawURL keeps in the data directory: "push-" and 16 hex digits of the
// SHA-256 of the URL without its user and password.
func stateName(rawURL string) string {
	sum := sha256.Sum256([]byte(urlKey(rawURL)))
	return "push-" + hex.EncodeToString(sum[:8])
}

// loadPosition reads the position of pushes to rawURL from dir. A missing
// file gives a zero Position and no error.
func loadPosition(dir, rawURL string) (Position, error) {
	path := filepath.Join(dir, stateName(rawURL)+".json")
	data, err := noatime.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Position{}, nil
	}
	if err != nil {
		return Position{}, fmt.Errorf("read push position: %w", err)
	}
	p, err := decodePosition(data)
	if err != nil {
		return Position{}, fmt.Errorf("push position %s is damaged (remove it, or run srvmon verify --repair, to push everything again): %w", path, err)
	}
	if p.URL != "" && urlKey(p.URL) != urlKey(rawURL) {
		return Position{}, fmt.Errorf("push position %s was written for %s, not for %s (a copied file?): remove it to push everything to %s",
			path, p.URL, Redacted(rawURL), Redacted(rawURL))
	}
	return p, nil
}

// urlKey is what names a receiver: the URL without user and password.
func urlKey(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.User = nil
	return u.String()
}

// savePosition writes p durably and atomically: a temporary file, fsync,
// rename over the old one, fsync of the directory.
func savePosition(dir, rawURL string, p Position) error {
	name := stateName(rawURL)
	p.URL = Redacted(rawURL)
	p.Checksum = p.checksum()
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("save push position: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(filepath.Join(dir, name+".json"), data, 0o644); err != nil {
		return fmt.Errorf("save push position: %w", err)
	}
	return nil
}

// pushLock is held by the one push to a URL that runs.
type pushLock struct{ f *os.File }

// lockPush takes the push lock for rawURL in dir (flock on
// DIR/push-HASH.lock), waiting up to wait, or until ctx is done. It
// returns an error wrapping ErrBusy if another process kept it. The lock
// goes away with the process, however it ends.
func lockPush(ctx context.Context, dir, rawURL string, wait time.Duration) (*pushLock, error) {
	path := filepath.Join(dir, stateName(rawURL)+".lock")
	f, err := lockfile.Lock(ctx, path, wait)
	if errors.Is(err, tsdb.ErrLocked) {
		holder := ""
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			holder = " (" + string(b) + ")"
		}
		return nil, fmt.Errorf("%w%s", ErrBusy, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("push lock: %w", err)
	}
	// Say who holds it, for the message of a push that finds it taken.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+", since "+time.Now().UTC().Format(time.RFC3339)), 0)
	}
	return &pushLock{f: f}, nil
}

// Unlock releases the lock.
func (l *pushLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// PositionFile is one push position file found in a data directory, for
// srvmon status.
type PositionFile struct {
	File string // base name, push-HASH.json
	Position
	Err error // the file could not be read or does not parse
}

// Positions reads every push position file in dir, in name order. A file
// that cannot be read or parsed is listed with its Err set.
func Positions(dir string) ([]PositionFile, error) {
	entries, err := noatime.ReadDir(dir) // status and /healthz list it at every call
	if err != nil {
		return nil, fmt.Errorf("list push positions: %w", err)
	}
	var names []string
	for _, e := range entries {
		if ok, _ := filepath.Match("push-*.json", e.Name()); ok {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	var out []PositionFile
	for _, path := range names {
		pf := PositionFile{File: filepath.Base(path)}
		data, err := noatime.ReadFile(path)
		if err == nil {
			pf.Position, err = decodePosition(data)
		}
		if err != nil {
			pf.Err = fmt.Errorf("push position %s is damaged or unreadable: %w", path, err)
		}
		out = append(out, pf)
	}
	return out, nil
}
