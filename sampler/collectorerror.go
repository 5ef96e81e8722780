package sampler

import "fmt"

// CollectorError is a collector's failure in a sample set: SampleAt
// returns one for each failing collector, so that the recorder can keep
// its text by collector (tsdb/lastrun) for srvmon status.
type CollectorError struct {
	Collector string // the collector's name, as in node_scrape_collector_success{collector}
	Err       error
}

func (e *CollectorError) Error() string { return fmt.Sprintf("collector %q: %v", e.Collector, e.Err) }

func (e *CollectorError) Unwrap() error { return e.Err }
