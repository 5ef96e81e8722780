package query

// For the tests of package query_test, which render with package report
// (it imports query, so query's own tests cannot).
var (
	SynthStore = synthStore
	Day0       = day0
	SynthEnd   = synthEnd
)
