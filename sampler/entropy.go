package sampler

import (
	"context"
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
	if err := r.addUints(false, "sys/kernel/random/entropy_avail", "node_entropy_available_bits"); err != nil {
		return err
	}
	return r.addUints(false, "sys/kernel/random/poolsize", "node_entropy_pool_size_bits")
}
