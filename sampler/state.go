package sampler

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/srvmon/srvmon/tsdb/atomicfile"
	"github.com/srvmon/srvmon/tsdb/crc32c"
)

// StateFile is the file in Options.StateDir where the procs and cgroups
// collectors keep what they need from one sample set to the next: the boot,
// the time and the host's CPU ticks of the last sample set, every
// process's counters then (for the deltas of the next one), and what the
// cgroups collector last said the host lacks (so that it says it once).
//
// It is binary (encodeState): a header line, the fields, and the CRC-32C
// of everything before it. A file that fails the check or
// does not parse is reported once, naming the file, and treated as no
// previous state (the next sample set has no deltas); recording never
// stops for it, and the next sample set replaces it. It is replaced
// without a sync (replaceStateFile: the new state is written over
// StateFile+".spare", which holds the one before, and the two names are
// exchanged): after a crash it may be an older one, which is not from the
// store's previous sample set and gives no deltas, or damaged.
const StateFile = "sampler-state"

const (
	stateHeader  = "srvmon sampler state 6"
	stateHeader5 = "srvmon sampler state 5" // read, not written: no kernel thread flag
	stateHeader4 = "srvmon sampler state 4" // read, not written: no lastPID, forks, listedAt
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
	pid          int
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
	kthread      bool        // a kernel thread (PF_KTHREAD in stat's flags)
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
	at      int64          // unix seconds of the sample set the counters are from; 0 for none
	cpuUser uint64         // host ticks of /proc/stat's cpu line at that set: user+nice
	cpuSys  uint64         // and system
	procs   []procCounters // sorted by pid
	lacked  string         // what the cgroups collector last reported missing

	// What the procs collector needs to find the processes started since
	// without listing /proc (procPIDs): the last pid the kernel gave out
	// when the set began (0 for unknown), forks since boot then, and when
	// /proc was last listed (unix seconds).
	lastPID  int
	forks    uint64
	listedAt int64
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
		data, err := r.readFileBytes(path) // the run's buffer: decodeState copies what it keeps
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
	// Encoded into the run's read buffer: its pages are the process's
	// already (each new page costs a fault, 2.5-3.5 µs on this project's
	// VMs), and nothing is read after the collectors ran.
	if err := replaceStateFile(filepath.Join(k.dir, StateFile), encodeState(r.buf[:0], r.state)); err != nil {
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

// encodeState writes the state as StateFile (version 6), in b's memory when
// it is large enough: the header line,
// then binary fields, unsigned ones as uvarints and signed ones as zigzag
// varints (encoding/binary), then the CRC-32C of everything before it, 4
// bytes little-endian:
//
//	"srvmon sampler state 6\n"
//	BOOT_ID(string) AT(varint) CPU_USER_NICE_TICKS CPU_SYSTEM_TICKS LACKED(string)
//	LAST_PID FORKS AT-LISTED_AT(varint) PROCESSES
//	per process, in pid order:
//	  PID_STEP (the pid minus the previous one's; the first one's pid)
//	  FLAGS (1: IO readable, 2: labels follow, 4: a kernel thread)
//	  START UTIME STIME [READ_BYTES WRITE_BYTES] AT-RANKED(varint) CPU_NS
//	  AT-READ_AT(varint) RSS_PAGES THREADS PPID [COMM EXE USER]
//
// A string is its length and its bytes. Times are kept as how long before
// AT they were (small numbers; 0, never, comes back as 0). The text of
// version 3 took 20 times as long to read and write as these bytes,
// which are a third of its size; it is still read (decodeTextState), as
// are version 5, without flag 4, and version 4, without LAST_PID, FORKS
// and LISTED_AT.
func encodeState(b []byte, s *samplerState) []byte {
	b = slices.Grow(b[:0], len(stateHeader)+64+len(s.lacked)+48*len(s.procs))
	b = append(b, stateHeader+"\n"...)
	b = appendString(b, s.bootID)
	b = binary.AppendVarint(b, s.at)
	b = binary.AppendUvarint(b, s.cpuUser)
	b = binary.AppendUvarint(b, s.cpuSys)
	b = appendString(b, s.lacked)
	b = appendUvarints(b, uint64(s.lastPID), s.forks)
	b = binary.AppendVarint(b, s.at-s.listedAt)
	b = binary.AppendUvarint(b, uint64(len(s.procs)))
	last := 0
	for i := range s.procs {
		p := &s.procs[i]
		b = binary.AppendUvarint(b, uint64(p.pid-last))
		last = p.pid
		var flags byte
		if p.hasIO {
			flags |= stateHasIO
		}
		if p.labels != nil {
			flags |= stateHasLabels
		}
		if p.kthread {
			flags |= stateKernelThread
		}
		b = append(b, flags)
		b = appendUvarints(b, p.start, p.utime, p.stime)
		if p.hasIO {
			b = appendUvarints(b, p.rbytes, p.wbytes)
		}
		b = binary.AppendVarint(b, s.at-p.ranked)
		b = binary.AppendUvarint(b, p.cpuNS)
		b = binary.AppendVarint(b, s.at-p.readAt)
		b = appendUvarints(b, p.rss, p.threads, uint64(p.ppid))
		if l := p.labels; l != nil {
			b = appendString(appendString(appendString(b, l.comm), l.exe), l.user)
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32c.Checksum(b))
}

// Bits of a process's flags in StateFile.
const (
	stateHasIO = 1 << iota
	stateHasLabels
	stateKernelThread
)

// appendUvarints appends each of vs as a uvarint.
func appendUvarints(b []byte, vs ...uint64) []byte {
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

// appendString appends s as its length and its bytes.
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeState parses StateFile, of version 6, 5 or 4 or, as text, 2 or 3;
// any damage is an error.
func decodeState(data []byte) (samplerState, error) {
	header, body, ok := bytes.Cut(data, []byte("\n"))
	switch {
	case !ok:
		return samplerState{}, errors.New("no header line")
	case string(header) == stateHeader2 || string(header) == stateHeader3:
		return decodeTextState(data)
	case string(header) != stateHeader && string(header) != stateHeader5 && string(header) != stateHeader4:
		return samplerState{}, errors.New("unknown header")
	}
	n := len(data) - 4
	if n < len(header)+1 || crc32c.Checksum(data[:n]) != binary.LittleEndian.Uint32(data[n:]) {
		return samplerState{}, errors.New("checksum mismatch")
	}
	d := stateDecoder{b: body[:len(body)-4]}
	s := samplerState{bootID: d.string(), at: d.varint(), cpuUser: d.uvarint(), cpuSys: d.uvarint(), lacked: d.string()}
	known := byte(stateHasIO | stateHasLabels) // the flags of the version
	if string(header) == stateHeader {
		known |= stateKernelThread
	}
	if string(header) != stateHeader4 {
		s.lastPID, s.forks, s.listedAt = int(d.uvarint()), d.uvarint(), s.at-d.varint()
	}
	count := d.uvarint()
	if d.err != nil || count > uint64(len(d.b)) { // a process takes more than a byte
		return samplerState{}, cmp.Or(d.err, errors.New("bad process count"))
	}
	// Room for more: the next sample set's counters go in the same
	// memory (convertProcs), and pages not written are not the process's.
	s.procs = make([]procCounters, count, count+count/8+16)
	last := 0
	for i := range s.procs {
		p := &s.procs[i]
		step := d.uvarint()
		if step == 0 || step > math.MaxInt32 {
			return samplerState{}, cmp.Or(d.err, fmt.Errorf("process %d: pid step %d", i, step))
		}
		p.pid = last + int(step)
		last = p.pid
		flags := d.byte()
		p.hasIO, p.kthread = flags&stateHasIO != 0, flags&stateKernelThread != 0
		p.start, p.utime, p.stime = d.uvarint(), d.uvarint(), d.uvarint()
		if p.hasIO {
			p.rbytes, p.wbytes = d.uvarint(), d.uvarint()
		}
		p.ranked = s.at - d.varint()
		p.cpuNS = d.uvarint()
		p.readAt = s.at - d.varint()
		p.rss, p.threads, p.ppid = d.uvarint(), d.uvarint(), int(d.uvarint())
		if flags&stateHasLabels != 0 {
			p.labels = &procLabels{comm: d.string(), exe: d.string(), user: d.string()}
		}
		if d.err != nil || flags&^known != 0 {
			return samplerState{}, fmt.Errorf("process %d (pid %d): %w", i, p.pid, cmp.Or(d.err, errors.New("unknown flags")))
		}
	}
	if len(d.b) != 0 {
		return samplerState{}, fmt.Errorf("%d bytes after the processes", len(d.b))
	}
	return s, nil
}

// stateDecoder reads StateFile's binary fields from b; the first field
// that is cut short sets err, and every later one reads as zero.
type stateDecoder struct {
	b   []byte
	err error
}

var errStateShort = errors.New("cut short")

// advance drops the n bytes of a field read; n <= 0 is a field cut short
// (encoding/binary's answer).
func (d *stateDecoder) advance(n int) {
	if n <= 0 {
		d.err, d.b = cmp.Or(d.err, errStateShort), nil
		return
	}
	d.b = d.b[n:]
}

func (d *stateDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	d.advance(n)
	return v
}

func (d *stateDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	d.advance(n)
	return v
}

func (d *stateDecoder) byte() byte {
	if len(d.b) == 0 {
		d.advance(0)
		return 0
	}
	c := d.b[0]
	d.advance(1)
	return c
}

func (d *stateDecoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.advance(0)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// findProc returns the counters of pid in procs (sorted by pid), or nil.
func findProc(procs []procCounters, pid int) *procCounters {
	i, ok := slices.BinarySearchFunc(procs, pid, func(c procCounters, pid int) int { return cmp.Compare(c.pid, pid) })
	if !ok {
		return nil
	}
	return &procs[i]
}

// CheckStateFile reads the state file in dir, as srvmon verify does, and
// says whether there is one and what is wrong with it (nil when it is
// intact). A damaged file costs one sample set of process and service
// rates: record starts afresh and rewrites it.
func CheckStateFile(dir string) (exists bool, damage error) {
	return atomicfile.CheckFile(filepath.Join(dir, StateFile), decodeState)
}
