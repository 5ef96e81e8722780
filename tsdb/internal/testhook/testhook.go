// Package testhook carries what tsdb lets tests set and nothing else
// should: tsdb fills it in at init, and tsdb/tsdbtest hands it to tests in
// other packages. It keeps such hooks out of tsdb's exported API.
package testhook

// WithClock is tsdb's func(now func() time.Time) tsdb.Option, which sets
// the clock a Store takes for today's date (compaction and retention). It
// is an any because this package cannot name tsdb's types.
var WithClock any
