package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
	"github.com/srvmon/srvmon/tsdb/internal/lockfile"
)

// StateFile is the file in the store directory where srvmon check
// --notify-on-change remembers the state of each check between runs.
const StateFile = "check-state"

const stateHeader = "srvmon check state 1"

// ErrStateDamaged is wrapped by LoadStates' error when the state file fails
// its checksum or does not parse.
var ErrStateDamaged = errors.New("damaged")

// Memory is what the state file holds: per check (by Check.Key) its state
// and since when it has it.
type Memory map[string]Remembered

// Remembered is the state of one check at its last run.
type Remembered struct {
	State   State
	Changed time.Time // when the check entered State
	Seen    time.Time // the last run that evaluated it
}

// forgetAfter is how long a check that no run evaluates stays in the file.
const forgetAfter = 30 * 24 * time.Hour

// Notifier keeps the Memory of a store directory under a lock, from Open
// to Close, so that two check runs from cron never lose each other's
// changes.
type Notifier struct {
	path string
	lock *os.File
	Mem  Memory
}

// OpenNotifier takes the lock of the state file in dir (waiting up to wait)
// and reads the file. A missing file is an empty Memory. A damaged file
// gives an empty Memory and an error wrapping ErrStateDamaged that names
// the file; the Notifier is usable (the next Save replaces the file).
func OpenNotifier(ctx context.Context, dir string, wait time.Duration) (*Notifier, error) {
	path := filepath.Join(dir, StateFile)
	lock, err := lockfile.Lock(ctx, path+".lock", wait)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", StateFile, err)
	}
	n := &Notifier{path: path, lock: lock, Mem: Memory{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return n, nil
	}
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	mem, err := decodeMemory(data)
	if err != nil {
		return n, fmt.Errorf("state file %s is %w (%v); the checks' states start afresh", path, ErrStateDamaged, err)
	}
	n.Mem = mem
	return n, nil
}

// Change is a check whose state differs from the one it had at its last
// run (a check never seen before counts as having been OK).
type Change struct {
	Result Result
	Was    State
}

// Update records the results of a run at now and returns the checks whose
// state changed.
func (n *Notifier) Update(rs []Result, now time.Time) []Change {
	var out []Change
	for _, r := range rs {
		key := r.Check.Key()
		old, ok := n.Mem[key]
		if !ok {
			old = Remembered{State: OK}
		}
		if old.State != r.State {
			out = append(out, Change{Result: r, Was: old.State})
			old.State, old.Changed = r.State, now
		}
		old.Seen = now
		n.Mem[key] = old
	}
	for k, m := range n.Mem {
		if now.Sub(m.Seen) > forgetAfter {
			delete(n.Mem, k)
		}
	}
	return out
}

// Save writes the Memory atomically, with its checksum.
func (n *Notifier) Save() error {
	return atomicfile.WriteFile(n.path, encodeMemory(n.Mem), 0o644)
}

// Close releases the lock.
func (n *Notifier) Close() error { return n.lock.Close() }

// encodeMemory writes a header line, a line per check
// (STATE CHANGED SEEN KEY, times in Unix seconds, the key quoted) in key
// order, and a last line "sha256 HEX" of everything before it.
func encodeMemory(m Memory) []byte {
	var b bytes.Buffer
	b.WriteString(stateHeader + "\n")
	for _, k := range slices.Sorted(maps.Keys(m)) {
		r := m[k]
		fmt.Fprintf(&b, "%d %d %d %s\n", int(r.State), r.Changed.Unix(), r.Seen.Unix(), strconv.Quote(k))
	}
	return atomicfile.AppendChecksum(b.Bytes())
}

func decodeMemory(data []byte) (Memory, error) {
	lines, err := atomicfile.VerifyLines(data, stateHeader)
	if err != nil {
		return nil, err
	}
	m := Memory{}
	for _, line := range lines {
		f := strings.SplitN(line, " ", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("bad line %q", line)
		}
		st, err1 := strconv.Atoi(f[0])
		ch, err2 := strconv.ParseInt(f[1], 10, 64)
		seen, err3 := strconv.ParseInt(f[2], 10, 64)
		key, err4 := strconv.Unquote(f[3])
		if err := errors.Join(err1, err2, err3, err4); err != nil || st < 0 || st > 3 {
			return nil, fmt.Errorf("bad line %q", line)
		}
		m[key] = Remembered{State: State(st), Changed: time.Unix(ch, 0), Seen: time.Unix(seen, 0)}
	}
	return m, nil
}

// CheckStateFile reads the state file in dir, as srvmon verify does, and
// says whether there is one and what is wrong with it (nil when intact).
// It takes no lock: a check that runs meanwhile replaces the file whole.
func CheckStateFile(dir string) (exists bool, damage error) {
	return atomicfile.CheckFile(filepath.Join(dir, StateFile), decodeMemory)
}
