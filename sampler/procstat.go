package sampler

import (
	"errors"
	"fmt"
	"strconv"
)

// userHZ is the unit of the cpu lines of /proc/stat. The kernel ABI fixes it
// at 100 on every architecture Go supports (sysconf(_SC_CLK_TCK) returns
// this constant), as node_exporter's procfs assumes too.
const userHZ = 100

// cpuModes are the columns of a /proc/stat cpu line, in order.
var cpuModes = [...]string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"}

const (
	modeGuest     = 8
	modeGuestNice = 9
)

// cpuTicks is one cpu line of /proc/stat, in USER_HZ ticks. As in the
// kernel, user includes guest and nice includes guest_nice.
type cpuTicks struct {
	cpu   string // the number after "cpu"; "" for the line summing all CPUs
	ticks [len(cpuModes)]uint64
}

// Bits of procStat.has.
const (
	hasTotal = 1 << iota
	hasIntr
	hasCtxt
	hasBtime
	hasProcesses
	hasProcsRunning
	hasProcsBlocked
)

// procStat is what srvmon uses of /proc/stat.
type procStat struct {
	total        cpuTicks
	cpus         []cpuTicks
	intr         uint64 // first column of the intr line: all interrupts
	ctxt         uint64
	btime        uint64
	processes    uint64 // forks since boot
	procsRunning uint64
	procsBlocked uint64
	has          uint
}

// parseProcStat parses the content of /proc/stat. CPU lines need the first
// four columns; later ones (iowait ... guest_nice) are 0 when the kernel does
// not have them.
func parseProcStat(data string) (*procStat, error) {
	st := &procStat{}
	for line := range lines(data) {
		var key string
		key, line = nextField(line)
		var (
			dst *uint64
			bit uint
		)
		switch key {
		case "":
			continue
		case "intr":
			dst, bit = &st.intr, hasIntr
		case "ctxt":
			dst, bit = &st.ctxt, hasCtxt
		case "btime":
			dst, bit = &st.btime, hasBtime
		case "processes":
			dst, bit = &st.processes, hasProcesses
		case "procs_running":
			dst, bit = &st.procsRunning, hasProcsRunning
		case "procs_blocked":
			dst, bit = &st.procsBlocked, hasProcsBlocked
		default:
			if len(key) < 3 || key[:3] != "cpu" || !isDigits(key[3:]) {
				continue
			}
			ct, err := parseCPULine(key[3:], line)
			if err != nil {
				return nil, err
			}
			if ct.cpu == "" {
				st.total = ct
				st.has |= hasTotal
			} else {
				st.cpus = append(st.cpus, ct)
			}
			continue
		}
		v, _ := nextField(line)
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s line of stat: %w", key, err)
		}
		*dst = n
		st.has |= bit
	}
	if st.has&hasTotal == 0 {
		return nil, errors.New("parse stat: no cpu line")
	}
	return st, nil
}

// parseCPULine parses the columns after "cpu<id>"; id is "" or a number.
func parseCPULine(id, cols string) (cpuTicks, error) {
	ct := cpuTicks{cpu: id}
	n := 0
	for ; n < len(ct.ticks); n++ {
		var f string
		f, cols = nextField(cols)
		if f == "" {
			break
		}
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTicks{}, fmt.Errorf("parse stat cpu%s %s: %w", id, cpuModes[n], err)
		}
		ct.ticks[n] = v
	}
	if n < 4 {
		return cpuTicks{}, fmt.Errorf("parse stat: cpu%s has %d columns, want at least 4", id, n)
	}
	return ct, nil
}

// isDigits reports whether s holds only ASCII digits ("" does).
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
