package sampler

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/srvmon/srvmon/tsdb/crc32c"
)

// Versions 2 and 3 of StateFile were text, read still so that the first
// sample set after an upgrade has its deltas:
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
const (
	stateHeader3 = "srvmon sampler state 3"
	stateHeader2 = "srvmon sampler state 2"
)

// decodeTextState parses StateFile's text of version 2 or 3.
func decodeTextState(data []byte) (samplerState, error) {
	var s samplerState
	body, ok := bytes.CutSuffix(data, []byte("\n"))
	i := bytes.LastIndexByte(body, '\n')
	if !ok || i < 0 {
		return s, errors.New("no checksum line")
	}
	body, last := data[:i+1], string(body[i+1:])
	if last != fmt.Sprintf("crc32c %08x", crc32c.Checksum(body)) {
		return s, errors.New("checksum mismatch")
	}
	text := string(body)
	header, text := nextLine(text)
	version := 3
	if header == stateHeader2 {
		version = 2
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
	s.procs = make([]procCounters, 0, strings.Count(text, "\n"))
	for {
		if text == "" {
			return s, errors.New("no lacked line")
		}
		line, text = nextLine(text)
		if !strings.HasPrefix(line, "p ") {
			break
		}
		p, err := decodeTextProc(line, version)
		if err != nil {
			return s, fmt.Errorf("bad line %q: %w", line, err)
		}
		s.procs = append(s.procs, p)
	}
	byPID := func(a, b procCounters) int { return cmp.Compare(a.pid, b.pid) }
	slices.SortFunc(s.procs, byPID)
	for i := 1; i < len(s.procs); i++ {
		if s.procs[i].pid == s.procs[i-1].pid {
			return s, fmt.Errorf("pid %d twice", s.procs[i].pid)
		}
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

// decodeTextProc parses a "p" line of StateFile's text of the version.
func decodeTextProc(line string, version int) (procCounters, error) {
	var p procCounters
	var f [13]string
	n := 8 // version 2
	if version == 3 {
		n = len(f)
	}
	rest := line
	for i := range n {
		if f[i], rest = nextField(rest); f[i] == "" {
			return p, fmt.Errorf("%d fields, want %d", i, n)
		}
	}
	var err error
	if p.pid, err = strconv.Atoi(f[1]); err != nil || p.pid <= 0 {
		return p, fmt.Errorf("pid %q", f[1])
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
	if version == 2 {
		if rest != "" {
			return p, errors.New("text after the fields")
		}
		return p, err
	}
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
				return p, errors.New("bad labels")
			}
			*dst, _ = strconv.Unquote(q)
			rest = strings.TrimPrefix(rest[len(q):], " ")
		}
		p.labels = &l
	}
	if rest != "" {
		return p, errors.New("text after the labels")
	}
	return p, err
}
