package query

import (
	"context"

	"github.com/srvmon/srvmon/tsdb"
)

// For the tests of package query_test, which render with package report
// (it imports query, so query's own tests cannot).
var (
	SynthStore = synthStore
	Day0       = day0
	SynthEnd   = synthEnd
)

// TopRaw is Top from every sample, without the hourly summaries: what Top
// computed before it read them, for the benchmarks.
func TopRaw(ctx context.Context, s *tsdb.Store, o TopOptions) (*TopResult, error) {
	o.rawOnly = true
	return Top(ctx, s, o)
}
