package sampler

import (
	"bytes"
	"cmp"
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
// stops for it, and the next sample set replaces it. It is replaced
// without a sync (atomicfile.Replace): after a crash it may be an older
// one, which is not from the store's previous sample set and gives no
// deltas, or damaged.
const StateFile = "sampler-state"

const (
	stateHeader  = "srvmon sampler state 3"
	stateHeader2 = "srvmon sampler state 2" // read, not written
)

// maxStateAge is the longest interval the procs collector computes deltas
// over: after a longer gap in recording (the machine was off, cron stopped)
// the next sample set starts afresh, as readers do not take a rate across a
// gap either.
const maxStateAge = time.Hour

// procCounters are one process's cumulative counters at a sample set, and
// what the procs collector needs of it when it did not run since (see
// readProcs): its CPU clock, the rest of /proc/PID/stat it uses, and for a
// stored process its labels.
type procCounters struct {
	start        uint64 // start time, clock ticks after boot: tells a reused pid apart
	utime, stime uint64 // clock ticks
	rbytes       uint64 // read_bytes of /proc/PID/io
	wbytes       uint64 // write_bytes
	hasIO        bool   // /proc/PID/io was readable
	ranked       int64  // unix seconds of the last sample set it ranked in a top; 0 for never
	cpuNS        uint64 // the process's CPU clock (processCPUTime) when stat was read; 0 for unknown
	readAt       int64  // unix seconds of the sample set its stat was read at; 0 for never
	rss          uint64 // pages, as of readAt
	threads      uint64
	ppid         int
	labels       *procLabels // nil unless stored in the sample set
}

// procLabels are a stored process's labels besides pid and start: they
// change only when the process runs (exec, setuid, prctl), and are kept for
// the next sample set, which reads them again only when it did.
type procLabels struct {
	comm, exe, user string
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
	// Not synced: a state file lost in a crash costs one sample set its
	// deltas, as a damaged one does (a state file older than the store's
	// previous sample set gives no deltas either).
	if err := atomicfile.Replace(filepath.Join(k.dir, StateFile), encodeState(r.state), 0o644); err != nil {
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
//	srvmon sampler state 3
//	boot BOOT_ID
//	at UNIX_SECONDS CPU_USER_NICE_TICKS CPU_SYSTEM_TICKS
//	p PID START UTIME STIME READ_BYTES WRITE_BYTES RANKED CPU_NS READ_AT RSS_PAGES THREADS PPID ["COMM" "EXE" "USER"]
//	lacked "QUOTED TEXT"
//	crc32c HEX
//
// The bytes are "-" when unreadable; the labels, quoted, end the line of a
// stored process. Version 2, without CPU_NS and what follows it, is read
// as a state whose processes must all be read again.
func encodeState(s *samplerState) []byte {
	b := make([]byte, 0, 64+96*len(s.procs)+len(s.lacked))
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
		b = appendUints(b, p.start, p.utime, p.stime)
		if p.hasIO {
			b = appendUints(b, p.rbytes, p.wbytes)
		} else {
			b = append(b, " - -"...)
		}
		// ranked, readAt and ppid are never negative.
		b = appendUints(b, uint64(p.ranked), p.cpuNS, uint64(p.readAt), p.rss, p.threads, uint64(p.ppid))
		if l := p.labels; l != nil {
			for _, v := range [...]string{l.comm, l.exe, l.user} {
				b = append(b, ' ')
				b = strconv.AppendQuote(b, v)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, "lacked "...)
	b = strconv.AppendQuote(b, s.lacked)
	b = append(b, '\n')
	return fmt.Appendf(b, "crc32c %08x\n", crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// appendUints appends each of vs to b after a space.
func appendUints(b []byte, vs ...uint64) []byte {
	for _, v := range vs {
		b = append(b, ' ')
		b = strconv.AppendUint(b, v, 10)
	}
	return b
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
	text := string(body)
	header, text := nextLine(text)
	version := 0
	switch header {
	case stateHeader2:
		version = 2
	case stateHeader:
		version = 3
	default:
		return s, errors.New("unknown header")
	}
	line, text := nextLine(text)
	if s.bootID, ok = strings.CutPrefix(line, "boot "); !ok || text == "" {
		return s, fmt.Errorf("bad line %q", line)
	}
	line, text = nextLine(text)
	var f [3]string
	rest, ok := strings.CutPrefix(line, "at ")
	for j := range f {
		f[j], rest = nextField(rest)
	}
	if !ok || f[2] == "" || strings.TrimSpace(rest) != "" {
		return s, fmt.Errorf("bad line %q", line)
	}
	var errs [3]error
	s.at, errs[0] = strconv.ParseInt(f[0], 10, 64)
	s.cpuUser, errs[1] = strconv.ParseUint(f[1], 10, 64)
	s.cpuSys, errs[2] = strconv.ParseUint(f[2], 10, 64)
	if errors.Join(errs[:]...) != nil {
		return s, fmt.Errorf("bad line %q", line)
	}
	s.procs = make(map[int]procCounters, strings.Count(text, "\n"))
	for {
		if text == "" {
			return s, errors.New("no lacked line")
		}
		line, text = nextLine(text)
		if !strings.HasPrefix(line, "p ") {
			break
		}
		pid, p, err := decodeProc(line, version)
		if err != nil {
			return s, fmt.Errorf("bad line %q: %w", line, err)
		}
		if _, dup := s.procs[pid]; dup {
			return s, fmt.Errorf("pid %d twice", pid)
		}
		s.procs[pid] = p
	}
	q, ok := strings.CutPrefix(line, "lacked ")
	if !ok || text != "" {
		return s, fmt.Errorf("bad line %q", line)
	}
	var err error
	if s.lacked, err = strconv.Unquote(q); err != nil {
		return s, fmt.Errorf("bad line %q", line)
	}
	return s, nil
}

// decodeProc parses a "p" line of StateFile (encodeState) of the version.
func decodeProc(line string, version int) (int, procCounters, error) {
	var p procCounters
	var f [13]string
	n := 8 // version 2
	if version == 3 {
		n = len(f)
	}
	rest := line
	for i := range n {
		if f[i], rest = nextField(rest); f[i] == "" {
			return 0, p, fmt.Errorf("%d fields, want %d", i, n)
		}
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return 0, p, fmt.Errorf("pid %q", f[1])
	}
	num := func(i int, dst *uint64) {
		if v, ok := parseDecimal(f[i]); !ok {
			err = cmp.Or(err, fmt.Errorf("field %d: %q is not a number", i, f[i]))
		} else {
			*dst = v
		}
	}
	num(2, &p.start)
	num(3, &p.utime)
	num(4, &p.stime)
	if f[5] != "-" || f[6] != "-" {
		p.hasIO = true
		num(5, &p.rbytes)
		num(6, &p.wbytes)
	}
	var u uint64
	num(7, &u)
	p.ranked = int64(u)
	if version == 3 {
		num(8, &p.cpuNS)
		num(9, &u)
		p.readAt = int64(u)
		num(10, &p.rss)
		num(11, &p.threads)
		num(12, &u)
		p.ppid = int(u)
		if rest = strings.TrimLeft(rest, " "); rest != "" {
			var l procLabels
			for _, dst := range [...]*string{&l.comm, &l.exe, &l.user} {
				q, e := strconv.QuotedPrefix(rest)
				if e != nil {
					return 0, p, errors.New("bad labels")
				}
				*dst, _ = strconv.Unquote(q)
				rest = strings.TrimPrefix(rest[len(q):], " ")
			}
			p.labels = &l
		}
		if rest != "" {
			return 0, p, errors.New("text after the labels")
		}
	} else if rest != "" {
		return 0, p, errors.New("text after the fields")
	}
	return pid, p, err
}

// CheckStateFile reads the state file in dir, as srvmon verify does, and
// says whether there is one and what is wrong with it (nil when it is
// intact). A damaged file costs one sample set of process and service
// rates: record starts afresh and rewrites it.
func CheckStateFile(dir string) (exists bool, damage error) {
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil {
		_, err = decodeState(data)
	}
	return true, err
}
