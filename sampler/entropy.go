package sampler

import (
	"context"
	"fmt"
)

func init() {
	register("entropy", true, func() collector { return entropyCollector{} })
}

// entropyCollector reads the entropy the kernel's random pool has and its
// size. Since Linux 5.18 both are always 256: the collector is kept for
// hosts on older kernels, where a starved pool blocks readers of
// /dev/random.
type entropyCollector struct{}

func (entropyCollector) update(_ context.Context, r *run) error {
	for _, f := range [...]struct{ file, metric string }{
		{"sys/kernel/random/entropy_avail", "node_entropy_available_bits"},
		{"sys/kernel/random/poolsize", "node_entropy_pool_size_bits"},
	} {
		data, err := r.readProc(f.file)
		if err != nil {
			return err
		}
		var v [1]uint64
		if err := parseUints(v[:], data); err != nil {
			return fmt.Errorf("parse %s: %w", f.file, err)
		}
		r.add(f.metric, float64(v[0]))
	}
	return nil
}
