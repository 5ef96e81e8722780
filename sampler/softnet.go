package sampler

import (
	"context"
	"fmt"
	"strconv"
)

func init() {
	register("softnet", true, func() collector { return softnetCollector{} })
}

// softnetCollector reads the per-CPU packet processing counters of
// /proc/net/softnet_stat (sar -n SOFT): packets processed, dropped because
// the backlog was full, times the budget ran out with work left (squeezed),
// packets steered here by RPS and flow-limit drops.
type softnetCollector struct{}

// softnetStat is one line (one online CPU) of softnet_stat.
type softnetStat struct {
	cpu                                    string
	processed, dropped, squeezed, rps, flo uint64
	hasRPS                                 bool // the kernel has the rps and flow limit columns (2.6.39 on)
}

func (softnetCollector) update(_ context.Context, r *run) error {
	stats, err := readParsed(r, "net/softnet_stat", parseSoftnet)
	if err != nil {
		return err
	}
	for i := range stats {
		s := &stats[i]
		r.add("node_softnet_processed_total", float64(s.processed), "cpu", s.cpu)
		r.add("node_softnet_dropped_total", float64(s.dropped), "cpu", s.cpu)
		r.add("node_softnet_times_squeezed_total", float64(s.squeezed), "cpu", s.cpu)
		if s.hasRPS {
			r.add("node_softnet_received_rps_total", float64(s.rps), "cpu", s.cpu)
			r.add("node_softnet_flow_limit_count_total", float64(s.flo), "cpu", s.cpu)
		}
	}
	return nil
}

// cpuLabels holds the cpu label values of the first CPUs, so that the
// common case allocates nothing.
var cpuLabels = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}

// cpuLabel returns the decimal form of n.
func cpuLabel(n uint64) string {
	if n < uint64(len(cpuLabels)) {
		return cpuLabels[n]
	}
	return strconv.FormatUint(n, 10)
}

// parseSoftnet parses /proc/net/softnet_stat: one line per online CPU of
// hexadecimal columns, processed, dropped, time_squeeze, six unused, then
// received_rps and flow_limit_count (2.6.39), backlog length and the CPU's
// number (5.10) and the two queue lengths (6.x). Lines of kernels without
// the CPU number count CPUs from 0, which is what they are when every CPU
// is online.
func parseSoftnet(data string) ([]softnetStat, error) {
	var stats []softnetStat
	var f []string
	for line := 0; data != ""; {
		var l string
		l, data = nextLine(data)
		f = fields(f, l)
		if len(f) == 0 {
			continue
		}
		if len(f) < 9 {
			return nil, fmt.Errorf("parse softnet_stat: line %d has %d columns, want at least 9", line+1, len(f))
		}
		var v [13]uint64
		for i := 0; i < len(f) && i < len(v); i++ {
			n, err := strconv.ParseUint(f[i], 16, 64)
			if err != nil {
				return nil, fmt.Errorf("parse softnet_stat: line %d: %w", line+1, err)
			}
			v[i] = n
		}
		cpu := uint64(line)
		if len(f) >= 13 {
			cpu = v[12]
		}
		stats = append(stats, softnetStat{
			cpu: cpuLabel(cpu), processed: v[0], dropped: v[1], squeezed: v[2],
			rps: v[9], flo: v[10], hasRPS: len(f) >= 11,
		})
		line++
	}
	if len(stats) == 0 {
		return nil, fmt.Errorf("parse softnet_stat: empty file")
	}
	return stats, nil
}
