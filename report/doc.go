// Package report renders what package query computes: the one place where
// srvmon query, srvmon report and srvmon serve turn results into tables,
// terminal graphs, CSV, JSON, HTML pages and SVG charts. Renderers write to
// an io.Writer and return errors; they never print elsewhere or exit.
//
// # Times and numbers
//
// Every time that labels a value is the end of its interval, as sar labels
// its rows: a row at raw resolution is the sample that ends the interval
// since the one before; a downsampled row is the end of its bucket
// (buckets are aligned to multiples of the step in the display time zone
// and clipped to the range, see package query); "max at" and a busiest
// interval's end likewise. The same convention holds in tables, graphs,
// CSV, JSON, the HTML report and serve's pages and API.
//
// Renderers compute no statistic: an average, total, minimum or maximum
// is the query.Stats of its quantity, computed once by package query from
// the counters, so the same number is printed wherever it appears.
//
// # Results (WriteResult)
//
// table: a row per time and thing (device, CPU, mount point; sar's layout),
// a column per quantity, values humanised (12.3%, 1.50 MiB/s, 12.3 ms), a
// summary row per thing at the end: the whole range aggregated as the rows
// are (query.Stats.Overall), named for what it is: "Average:" (the exact
// average, not a mean of the rows), "Min:", "Max:", "Last:", "P95:" or
// "Total:" (--agg sum). A gap (NaN) is a row with a time and
// no values. A bucket that the range cuts (query.Result.PartialFirst,
// PartialLast) has its time marked "12:00*", explained under the table. When the columns do not fit the width, they are split over
// several tables with the same rows.
//
// graph: a chart per quantity with its title, unit, a time axis (first and
// last time at the ends, round times between) and a legend when it has
// several series. Series are downsampled to the plot's columns by time,
// keeping per column the extreme furthest from the column's mean, so that
// spikes survive. A gap breaks the line; a gap narrower than a column does
// not show. Colours are used with Options.Color (srvmon sets it on a
// terminal unless $NO_COLOR is set);
// without them the series are told apart by their drawing character.
//
// csv (Options.CSVLayout "long", the default): RFC 4180 quoting as
// encoding/csv writes it (LF line ends), a header, then a row per timestamp
// and series, in time order, series in the result's order within a
// timestamp. The columns are the same whatever the series (new ones are
// only ever added at the end):
//
//	time    RFC 3339 in Options.Loc, with its offset: 2024-05-01T13:00:00+02:00
//	unix    the same time in Unix seconds
//	view    the result's view: cpu, disk, ..., or raw
//	name    the quantity (user, r/s, util) or, for raw series, the metric
//	labels  the series' labels, name=value pairs sorted by name and joined
//	        by ";"; "%", ";", "=" and control characters in names and values
//	        are written %XX (url.PathUnescape undoes it): device=sda;instance=web1
//	unit    percent, bytes/s, 1/s, bytes, seconds, count, celsius, or empty
//	value   base units, unrounded, shortest exact decimal; empty for a gap
//	partial true for the values of a bucket that the range cuts (the
//	        first or last bucket when --from or --to is not on the step,
//	        query.Result.Partial: the rows the table marks "12:00*"),
//	        false otherwise (always false at raw resolution)
//
// csv (layout "wide"), for spreadsheets: columns time, unix and partial as
// above, then a column per series named name{labels} (unit), with only the
// labels that tell the result's series apart (r/s{device=sda} (1/s)); a
// row per timestamp; an empty field where a series has a gap or no point.
//
// json: one object; a series per line.
//
//	{
//	  "version": 1,                 // JSONVersion
//	  "view": "disk",
//	  "from": "2024-05-01T00:00:00+02:00", "from_unix": 1714514400,  // null if unbounded
//	  "to":   "2024-05-02T00:00:00+02:00", "to_unix":   1714600800,
//	  "step_seconds": 300,           // 0: raw samples
//	  "agg": "avg",                  // how points and stats.overall aggregate: avg|min|max|last|p95|sum
//	  "partial_first": false,        // the first bucket is cut by from (false at raw resolution)
//	  "partial_last": true,          // the last bucket is cut by to
//	  "series": [
//	    {"name": "util", "labels": {"device": "sda"}, "unit": "percent",
//	     "stats": {"count": 2, "overall": 12.5, "avg": 12.5,  // the whole range (query.Stats)
//	               "total": 37.5, "total_unit": "seconds", // what it counted; null if it counts nothing
//	               "min": 12.5, "max": 12.5, "max_at_unix": 1714514700},
//	     "points": [[1714514700, 12.5], [1714515000, null]]}   // [unix seconds (end of interval), value or null]
//	  ]
//	}
//
// ndjson: a line per timestamp and series, in the order of the long CSV:
//
//	{"time":"2024-05-01T00:00:00+02:00","unix":1714514400,"view":"disk","name":"util","labels":{"device":"sda"},"unit":"percent","value":12.5}
//
// with "partial": true on the values of a bucket the range cuts, the rows
// whose partial column is true in CSV.
//
// html: a self-contained page with an SVG chart per quantity; the line under
// the view's name names the buckets the range cuts ("partial buckets (the
// range cuts them): 12:00, 12:05", labelled as the table labels them).
//
// Values are always in base units (bytes, seconds, percent as 0..100);
// null stands for no value. Fields are never renamed or removed without a
// new version; new fields may appear.
//
// # Summaries (WriteSummaries)
//
// text (or table): per view, the period, a table of avg, min, p95, max and
// the time of the max per series, the five busiest episodes (adjacent busy
// intervals merged, with the time of the peak when it spans several; a
// view without any says "idle"; times with seconds when the data has
// them), a totals line (what counters counted over the period: bytes read
// and written per disk, received and sent per interface, CPU seconds by
// mode; query.Summary.Totals) and the gaps (missed recording runs: how
// many, how long in all, the first five). The avg is the exact average
// (query.Stats.Avg), the same as query's Average row at any step; "max at"
// is the end of the interval where the maximum was reached.
//
// csv: a header, then per view a "stat" row per series, a "total" row per
// entry of the totals line, a "busiest" row per busy interval, each
// followed by a "top" row per process that used most of it (cpu, mem and
// disk views; name: the command, labels: pid=..., value: its share of the
// host in percent), and a "gap" row per gap, in these fixed columns:
//
//	view, section (stat|total|busiest|gap), name, labels,
//	unit    (total rows: the unit of the total, such as bytes or seconds)
//	from, from_unix, to, to_unix   (stat, total: the period; busiest, gap: the interval)
//	count, avg, min, p95, max, max_at, max_at_unix   (stat rows; busiest
//	        rows: max_at is when the episode peaked)
//	value   (total rows: what the series counted over the period, the
//	        number of the text report's totals line; busiest rows: the
//	        episode's peak, in unit)
//
// Fields that do not apply, and statistics of a series without values, are
// empty.
//
// json: one indented object:
//
//	{
//	  "version": 1,
//	  "views": [
//	    {"view": "cpu", "from": ..., "from_unix": ..., "to": ..., "to_unix": ...,
//	     "step_seconds": 0, "agg": "", "partial_first": false, "partial_last": false,
//	     "series": [{"name": "user", "labels": {...}, "unit": "percent", "count": 1440,
//	                 "avg": 12.5, "min": 0.1, "p95": 40.2, "max": 98.7,
//	                 "max_at": "2024-05-01T13:05:00+02:00", "max_at_unix": 1714561500}],
//	     "totals": [{"name": "user", "labels": {...}, "total": 10800, "unit": "seconds"}],  // the totals line
//	     "busiest": [{"from": ..., "from_unix": ..., "to": ..., "to_unix": ...,
//	                  "seconds": 300, "value": 97.5, "unit": "percent",
//	                  "peak_at": ..., "peak_at_unix": ...}],
//	     "gaps": [{"from": ..., "from_unix": ..., "to": ..., "to_unix": ..., "seconds": 900}]}
//	  ]
//	}
//
// A series without values has count 0 and null statistics. The unit of a
// busy interval's value is "" when the view's series have different units.
//
// html: one self-contained page (inline CSS and SVG, no scripts, nothing
// fetched) that cron can mail: per view the statistics, busiest intervals,
// gaps and an SVG chart per quantity.
//
// Every label value is escaped in HTML and SVG (html/template and
// template.HTMLEscapeString), and written with control characters escaped
// on a terminal: label values come from the host and can hold anything.
package report
