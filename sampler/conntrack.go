package sampler

import (
	"context"
	"fmt"
)

func init() {
	register("conntrack", true, func() collector { return conntrackCollector{} })
}

// conntrackCollector reads the size and limit of netfilter's connection
// tracking table. Without the nf_conntrack module loaded the files do not
// exist: it then records nothing and succeeds.
type conntrackCollector struct{}

func (conntrackCollector) update(_ context.Context, r *run) error {
	for _, f := range [...]struct{ file, metric string }{
		{"sys/net/netfilter/nf_conntrack_count", "node_nf_conntrack_entries"},
		{"sys/net/netfilter/nf_conntrack_max", "node_nf_conntrack_entries_limit"},
	} {
		data, ok, err := r.readProcOptional(f.file)
		if err != nil || !ok {
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
