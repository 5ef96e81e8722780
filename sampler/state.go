package sampler

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
)

// StateFile is the file in Options.StateDir where the procs and cgroups
// collectors keep what they need from one sample set to the next: the boot,
// the time and the host's CPU ticks of the last sample set, every
// process's counters then (for the deltas of the next one), and what the
// cgroups collector last said the host lacks (so that it says it once).
//
// It is text: a header line, one line per fact, and a last line
// "crc32c HEX" over everything before it. A file that fails the check or
// does not parse is reported once, naming the file, and treated as no
// previous state (the next sample set has no deltas); recording never
// stops for it, and the next sample set replaces it.
const StateFile = "sampler-state"

const stateHeader = "srvmon sampler state 2"

// maxStateAge is the longest interval the procs collector computes deltas
// over: after a longer gap in recording (the machine was off, cron stopped)
// the next sample set starts afresh, as readers do not take a rate across a
// gap either.
const maxStateAge = time.Hour

// procCounters are one process's cumulative counters at a sample set.
type procCounters struct {
	start        uint64 // start time, clock ticks after boot: tells a reused pid apart
	utime, stime uint64 // clock ticks
	rbytes       uint64 // read_bytes of /proc/PID/io
	wbytes       uint64 // write_bytes
	hasIO        bool   // /proc/PID/io was readable
	ranked       int64  // unix seconds of the last sample set it ranked in a top; 0 for never
}

// samplerState is what StateFile holds.
type samplerState struct {
	bootID  string
	at      int64  // unix seconds of the sample set the counters are from; 0 for none
	cpuUser uint64 // host ticks of /proc/stat's cpu line at that set: user+nice
	cpuSys  uint64 // and system
	procs   map[int]procCounters
	lacked  string // what the cgroups collector last reported missing
}

// stateKeeper is a Sampler's state: the file it lives in ("" for memory
// only) and, between calls, the state itself. A run takes its lock on the
// first use and keeps it until the sample set is done.
type stateKeeper struct {
	mu     sync.Mutex
	dir    string
	st     samplerState
	loaded bool // st holds the memory-only state of an earlier run
}

// get returns the state for r, loading it on the run's first use; a damaged
// file adds a note naming it and gives an empty state.
func (k *stateKeeper) get(r *run, collector string) *samplerState {
	if r.state != nil {
		return r.state
	}
	k.mu.Lock()
	r.stateHeld = true
	st := &samplerState{}
	switch {
	case k.dir == "" && k.loaded:
		*st = k.st
	case k.dir != "":
		path := filepath.Join(k.dir, StateFile)
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			r.notes = append(r.notes, &Note{collector, fmt.Sprintf("read state file: %v; starting without the previous sample set's counters", err)})
		default:
			if *st, err = decodeState(data); err != nil {
				*st = samplerState{}
				r.notes = append(r.notes, &Note{collector, fmt.Sprintf(
					"state file %s is damaged (%v): starting without the previous sample set's counters; it is rewritten now", path, err)})
			}
		}
	}
	r.state = st
	return st
}

// finish saves the run's state if a collector used it and returns the error
// of the save, if any, as the procs collector's.
func (k *stateKeeper) finish(r *run) []error {
	if r.state == nil {
		return nil
	}
	if k.dir == "" {
		k.st, k.loaded = *r.state, true
		return nil
	}
	if err := atomicfile.WriteFile(filepath.Join(k.dir, StateFile), encodeState(r.state), 0o644); err != nil {
		return []error{fmt.Errorf("collector %q: save state: %w", "procs", err)}
	}
	return nil
}

// release ends the run's hold on the state.
func (k *stateKeeper) release(r *run) {
	if r.stateHeld {
		r.stateHeld = false
		k.mu.Unlock()
	}
}

// encodeState writes the state as StateFile's text:
//
//	srvmon sampler state 1
//	boot BOOT_ID
//	at UNIX_SECONDS CPU_USER_NICE_TICKS CPU_SYSTEM_TICKS
//	p PID START UTIME STIME READ_BYTES WRITE_BYTES RANKED   (the bytes "-" when unreadable)
//	lacked "QUOTED TEXT"
//	crc32c HEX
func encodeState(s *samplerState) []byte {
	b := make([]byte, 0, 64+48*len(s.procs)+len(s.lacked))
	b = append(b, stateHeader+"\nboot "...)
	b = append(b, s.bootID...)
	b = append(b, "\nat "...)
	b = strconv.AppendInt(b, s.at, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, s.cpuUser, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, s.cpuSys, 10)
	b = append(b, '\n')
	for pid, p := range s.procs {
		b = append(b, "p "...)
		b = strconv.AppendInt(b, int64(pid), 10)
		for _, v := range [...]uint64{p.start, p.utime, p.stime} {
			b = append(b, ' ')
			b = strconv.AppendUint(b, v, 10)
		}
		if p.hasIO {
			b = append(b, ' ')
			b = strconv.AppendUint(b, p.rbytes, 10)
			b = append(b, ' ')
			b = strconv.AppendUint(b, p.wbytes, 10)
		} else {
			b = append(b, " - -"...)
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, p.ranked, 10)
		b = append(b, '\n')
	}
	b = append(b, "lacked "...)
	b = strconv.AppendQuote(b, s.lacked)
	b = append(b, '\n')
	return fmt.Appendf(b, "crc32c %08x\n", crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// decodeState parses StateFile's text; any damage is an error.
func decodeState(data []byte) (samplerState, error) {
	var s samplerState
	body, ok := bytes.CutSuffix(data, []byte("\n"))
	i := bytes.LastIndexByte(body, '\n')
	if !ok || i < 0 {
		return s, errors.New("no checksum line")
	}
	body, last := data[:i+1], string(body[i+1:])
	if last != fmt.Sprintf("crc32c %08x", crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))) {
		return s, errors.New("checksum mismatch")
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) < 4 || lines[0] != stateHeader {
		return s, errors.New("unknown header")
	}
	var ok1, ok2 bool
	if s.bootID, ok1 = strings.CutPrefix(lines[1], "boot "); !ok1 {
		return s, fmt.Errorf("bad line %q", lines[1])
	}
	at, ok2 := strings.CutPrefix(lines[2], "at ")
	f := strings.Fields(at)
	if !ok2 || len(f) != 3 {
		return s, fmt.Errorf("bad line %q", lines[2])
	}
	var err error
	var errs [3]error
	s.at, errs[0] = strconv.ParseInt(f[0], 10, 64)
	s.cpuUser, errs[1] = strconv.ParseUint(f[1], 10, 64)
	s.cpuSys, errs[2] = strconv.ParseUint(f[2], 10, 64)
	if err = errors.Join(errs[:]...); err != nil {
		return s, fmt.Errorf("bad line %q", lines[2])
	}
	s.procs = make(map[int]procCounters, len(lines)-4)
	for _, line := range lines[3 : len(lines)-1] {
		f := strings.Fields(line)
		if len(f) != 8 || f[0] != "p" {
			return s, fmt.Errorf("bad line %q", line)
		}
		pid, err := strconv.Atoi(f[1])
		var p procCounters
		var errs [5]error
		p.start, errs[0] = strconv.ParseUint(f[2], 10, 64)
		p.utime, errs[1] = strconv.ParseUint(f[3], 10, 64)
		p.stime, errs[2] = strconv.ParseUint(f[4], 10, 64)
		if f[5] != "-" || f[6] != "-" {
			p.hasIO = true
			p.rbytes, errs[3] = strconv.ParseUint(f[5], 10, 64)
			p.wbytes, errs[4] = strconv.ParseUint(f[6], 10, 64)
		}
		ranked, err2 := strconv.ParseInt(f[7], 10, 64)
		p.ranked = ranked
		if err != nil || err2 != nil || errors.Join(errs[:]...) != nil || pid <= 0 {
			return s, fmt.Errorf("bad line %q", line)
		}
		if _, dup := s.procs[pid]; dup {
			return s, fmt.Errorf("pid %d twice", pid)
		}
		s.procs[pid] = p
	}
	q, ok := strings.CutPrefix(lines[len(lines)-1], "lacked ")
	if !ok {
		return s, fmt.Errorf("bad line %q", lines[len(lines)-1])
	}
	if s.lacked, err = strconv.Unquote(q); err != nil {
		return s, fmt.Errorf("bad line %q", lines[len(lines)-1])
	}
	return s, nil
}
