// Package tsdbtest holds what tests of packages built on tsdb need and a
// program does not: a store whose "today" is the test's, so that tests and
// benchmarks can write and compact days of history ending at a fixed time.
package tsdbtest

import (
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/internal/testhook"
)

// WithClock is a tsdb option for Open and Create that makes the store take
// today's date (which days are complete and compacted, which are past
// retention) from now instead of time.Now.
func WithClock(now func() time.Time) tsdb.Option {
	return testhook.WithClock.(func(func() time.Time) tsdb.Option)(now)
}
