package sampler

import (
	"context"
)

func init() {
	register("conntrack", true, func() collector { return conntrackCollector{} })
}

// conntrackCollector reads the size and limit of netfilter's connection
// tracking table. Without the nf_conntrack module loaded the files do not
// exist: it then records nothing and succeeds.
type conntrackCollector struct{}

func (conntrackCollector) update(_ context.Context, r *run) error {
	if err := r.addUints(true, "sys/net/netfilter/nf_conntrack_count", "node_nf_conntrack_entries"); err != nil {
		return err
	}
	return r.addUints(true, "sys/net/netfilter/nf_conntrack_max", "node_nf_conntrack_entries_limit")
}
