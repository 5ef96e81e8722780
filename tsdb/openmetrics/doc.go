// Package openmetrics writes and reads the store's interchange format: the
// OpenMetrics 1.0 text format with a timestamp, in seconds, on every sample.
//
// An Encoder streams series to an io.Writer in a form that Prometheus'
// "promtool tsdb create-blocks-from openmetrics" accepts as it is, and Parse
// reads such text back. Encoder output parsed by Parse gives back exactly the
// series and points that were written.
//
// # What the Encoder writes
//
// Every metric name becomes one metric family, introduced by "# TYPE" and,
// when the help text is not empty, "# HELP" (backslash, double quote and line
// feed escaped). "# UNIT" is never written. A counter whose name ends in
// "_total" is written as the counter family without that suffix (samples
// keep it); an info metric whose name ends in "_info" likewise. Any other
// counter or info metric, and a counter or info family whose name would
// clash with a family written before, is written with type "unknown", so
// the sample name is always the stored metric name. Values are written so
// that they parse back to the same float64 ("+Inf", "-Inf", "NaN", "-0");
// timestamps are whole seconds. The output ends with "# EOF".
//
// # What Parse accepts
//
// Parse is strict: it accepts the OpenMetrics 1.0 text format as its ABNF
// and rules define it, plus one rule of its own: every sample must have a
// timestamp. It accepts all eight metric types and reports every sample
// except the "_created" samples of counters, histograms and summaries (a
// creation time is not a value); it checks and then ignores HELP, UNIT and
// exemplars. As the spec says, a sample whose name cannot belong to the
// current family starts a new family of type unknown.
//
// Parse rejects, with the line number: a sample without a timestamp,
// anything after "# EOF" (except one final line feed) and a missing
// "# EOF", blank lines, comments other than TYPE, HELP, UNIT and EOF, CR LF
// line endings, bad metric or label names, label names starting with "__",
// unterminated quotes, label values that are not UTF-8, a label given
// twice, values and timestamps that are not OpenMetrics numbers, a family
// that appears twice, two families that could have samples of the same
// name, the samples of one metric interleaved with another's, a series
// whose timestamps do not increase, and an info sample whose value is not
// 1. It does not check the meaning of values (counters going down,
// histogram buckets).
//
// Fractional timestamps are rounded down to whole seconds, and the
// timestamps of a series must increase after that rounding. Label values
// may use any escape the ABNF allows: \\, \" and \n, and a backslash before
// any other character stands for itself (the spec says "\a" means the same
// as "\\a"). Empty label values are dropped, as the spec says to treat them
// as absent.
package openmetrics
