package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// JSONVersion is the version of the JSON and NDJSON schemas, the "version"
// field of JSON documents. It changes only when a field changes meaning or
// goes away; new fields may appear without a change.
const JSONVersion = 1

// jsonNum is a float64 that encodes NaN and infinities as null.
type jsonNum float64

func (n jsonNum) MarshalJSON() ([]byte, error) {
	v := float64(n)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return appendValue(nil, v), nil
}

// jsonPoint is a point as [unix_seconds, value|null].
type jsonPoint tsdb.Point

func (p jsonPoint) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '[')
	b = strconv.AppendInt(b, p.T, 10)
	b = append(b, ',')
	v, _ := jsonNum(p.V).MarshalJSON()
	b = append(b, v...)
	return append(b, ']'), nil
}

// jsonTime is a time as RFC 3339 in a zone, or null when zero.
type jsonTime struct {
	t   time.Time
	loc *time.Location
}

func (t jsonTime) MarshalJSON() ([]byte, error) {
	if t.t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + rfc3339(t.t, t.loc) + `"`), nil
}

// jsonUnix is a time as Unix seconds, or null when zero.
type jsonUnix time.Time

func (t jsonUnix) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, time.Time(t).Unix(), 10), nil
}

func labelMap(ls []tsdb.Label) map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}

// jsonRange is the fields of a result that say what was asked.
type jsonRange struct {
	View        string   `json:"view"`
	From        jsonTime `json:"from"`
	FromUnix    jsonUnix `json:"from_unix"`
	To          jsonTime `json:"to"`
	ToUnix      jsonUnix `json:"to_unix"`
	StepSeconds float64  `json:"step_seconds"`
	Agg         string   `json:"agg"`
	// The first or last bucket is cut by from or to (query.Result's
	// PartialFirst and PartialLast; false at raw resolution).
	PartialFirst bool `json:"partial_first"`
	PartialLast  bool `json:"partial_last"`
}

func rangeOf(r *query.Result, loc *time.Location) jsonRange {
	return jsonRange{
		View: r.View,
		From: jsonTime{r.From, loc}, FromUnix: jsonUnix(r.From),
		To: jsonTime{r.To, loc}, ToUnix: jsonUnix(r.To),
		StepSeconds:  r.Step.Seconds(),
		Agg:          r.Agg,
		PartialFirst: r.PartialFirst, PartialLast: r.PartialLast,
	}
}

type jsonResult struct {
	Version int `json:"version"`
	jsonRange
	Damage []jsonDamage `json:"damage,omitempty"`
}

// jsonDamage is a damaged file of the store that a result could not read.
type jsonDamage struct {
	File   string   `json:"file"` // relative to the store directory
	From   jsonTime `json:"from"` // the samples of [from, to) may be missing
	To     jsonTime `json:"to"`
	Reason string   `json:"reason"`
}

func damageOf(r *query.Result, loc *time.Location) []jsonDamage { return damageJSON(r.Damage, loc) }

func damageJSON(list []tsdb.Damage, loc *time.Location) []jsonDamage {
	var out []jsonDamage
	for _, d := range list {
		out = append(out, jsonDamage{File: d.File, From: jsonTime{d.From, loc}, To: jsonTime{d.To, loc}, Reason: d.Reason})
	}
	return out
}

type jsonSeries struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	Unit   query.Unit        `json:"unit"`
	Stats  jsonSeriesStats   `json:"stats"`
	Points []jsonPoint       `json:"points"`
}

// jsonSeriesStats is query.Stats: the series over the whole range.
type jsonSeriesStats struct {
	Count     int         `json:"count"`
	Overall   jsonNum     `json:"overall"`
	Avg       jsonNum     `json:"avg"`
	Total     jsonNum     `json:"total"`
	TotalUnit *query.Unit `json:"total_unit"`
	Min       jsonNum     `json:"min"`
	Max       jsonNum     `json:"max"`
	MaxAtUnix jsonUnix    `json:"max_at_unix"`
}

func seriesStatsJSON(st query.Stats) jsonSeriesStats {
	j := jsonSeriesStats{Count: st.Count, Overall: jsonNum(st.Overall), Avg: jsonNum(st.Avg), Total: jsonNum(st.Total),
		Min: jsonNum(st.Min), Max: jsonNum(st.Max), MaxAtUnix: jsonUnix(st.MaxAt)}
	if !math.IsNaN(st.Total) {
		j.TotalUnit = &st.TotalUnit
	}
	return j
}

// writeResultJSON writes r as one JSON object, its series one per line.
func writeResultJSON(w io.Writer, r *query.Result, o Options) error {
	head, err := json.Marshal(jsonResult{Version: JSONVersion, jsonRange: rangeOf(r, o.Loc), Damage: damageOf(r, o.Loc)})
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	bw := bufio.NewWriter(w)
	bw.Write(head[:len(head)-1]) // without the closing brace
	bw.WriteString(`,"series":[`)
	for i, s := range r.Quantities {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		pts := make([]jsonPoint, len(s.Points))
		for j, p := range s.Points {
			pts[j] = jsonPoint(p)
		}
		b, err := json.Marshal(jsonSeries{Name: s.Name, Labels: labelMap(s.Labels), Unit: s.Unit, Stats: seriesStatsJSON(s.Stats), Points: pts})
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		bw.Write(b)
	}
	if len(r.Quantities) > 0 {
		bw.WriteByte('\n')
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

type ndjsonPoint struct {
	Time   jsonTime          `json:"time"`
	Unix   int64             `json:"unix"`
	View   string            `json:"view"`
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	Unit   query.Unit        `json:"unit"`
	Value  jsonNum           `json:"value"`
	// Partial marks the value of a bucket cut by the range's from or to.
	Partial bool `json:"partial,omitempty"`
}

// writeResultNDJSON writes a line per timestamp and series, in the order of
// the long CSV layout.
func writeResultNDJSON(w io.Writer, r *query.Result, o Options) error {
	nw := newNDJSONWriter(w, o)
	nw.Write(r)
	return nw.Flush()
}

// ndjsonWriter writes a result given in parts, such as the days of
// query.Stream, as NDJSON: each part's lines. The parts must follow each
// other in time; the output is the one WriteResult writes for the whole
// result (a line holds nothing computed over the whole range).
type ndjsonWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
	loc *time.Location
	err error // the first error met writing
}

// newNDJSONWriter returns an ndjsonWriter that writes to w.
func newNDJSONWriter(w io.Writer, o Options) *ndjsonWriter {
	bw := bufio.NewWriter(w)
	return &ndjsonWriter{bw: bw, enc: json.NewEncoder(bw), loc: o.withDefaults().Loc}
}

// Write writes the lines of r and returns the first error met writing so
// far.
func (nw *ndjsonWriter) Write(r *query.Result) error {
	labels := make([]map[string]string, len(r.Quantities))
	for i, s := range r.Quantities {
		labels[i] = labelMap(s.Labels)
	}
	eachTime(r.Quantities, func(t int64, at []int) {
		for i, s := range r.Quantities {
			for ; at[i] < len(s.Points) && s.Points[at[i]].T == t; at[i]++ {
				if nw.err == nil {
					nw.err = nw.enc.Encode(ndjsonPoint{Time: jsonTime{timeOf(t), nw.loc}, Unix: t, View: r.View,
						Name: s.Name, Labels: labels[i], Unit: s.Unit, Value: jsonNum(s.Points[at[i]].V),
						Partial: r.Partial(t)})
				}
			}
		}
	})
	if nw.err != nil {
		return fmt.Errorf("ndjson: %w", nw.err)
	}
	return nil
}

// Flush writes what is buffered and returns the first error met writing.
func (nw *ndjsonWriter) Flush() error {
	if nw.err == nil {
		nw.err = nw.bw.Flush()
	}
	if nw.err != nil {
		return fmt.Errorf("ndjson: %w", nw.err)
	}
	return nil
}

type jsonSummaries struct {
	Version int           `json:"version"`
	Damage  []jsonDamage  `json:"damage,omitempty"` // damaged files the report could not read
	Views   []jsonSummary `json:"views"`
}

type jsonSummary struct {
	jsonRange
	Series  []jsonStat     `json:"series"`
	Totals  []jsonTotal    `json:"totals"`
	Busiest []jsonInterval `json:"busiest"`
	Gaps    []jsonInterval `json:"gaps"`
}

// jsonTotal is one entry of a summary's totals line (query.Summary.Totals).
type jsonTotal struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	Total  jsonNum           `json:"total"`
	Unit   query.Unit        `json:"unit"`
}

type jsonStat struct {
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels"`
	Unit      query.Unit        `json:"unit"`
	Count     int               `json:"count"`
	Avg       jsonNum           `json:"avg"`
	Min       jsonNum           `json:"min"`
	P95       jsonNum           `json:"p95"`
	Max       jsonNum           `json:"max"`
	MaxAt     jsonTime          `json:"max_at"`
	MaxAtUnix jsonUnix          `json:"max_at_unix"`
}

type jsonInterval struct {
	From     jsonTime    `json:"from"`
	FromUnix jsonUnix    `json:"from_unix"`
	To       jsonTime    `json:"to"`
	ToUnix   jsonUnix    `json:"to_unix"`
	Seconds  float64     `json:"seconds"`
	Value    *jsonNum    `json:"value,omitempty"`
	Unit     *query.Unit `json:"unit,omitempty"`
	PeakAt   *jsonTime   `json:"peak_at,omitempty"` // busy episodes: when Value was reached
	PeakUnix *jsonUnix   `json:"peak_at_unix,omitempty"`
	// Top are the processes that used most of a busy episode (cpu, mem
	// and disk views, when the store holds process series).
	Top []jsonConsumer `json:"top,omitempty"`
}

// jsonConsumer is one of the top consumers of a busy episode.
type jsonConsumer struct {
	PID          string  `json:"pid"`
	Comm         string  `json:"comm"`
	SharePercent jsonNum `json:"share_percent"`
}

func intervalJSON(iv query.Interval, loc *time.Location) jsonInterval {
	return jsonInterval{From: jsonTime{iv.From, loc}, FromUnix: jsonUnix(iv.From),
		To: jsonTime{iv.To, loc}, ToUnix: jsonUnix(iv.To), Seconds: iv.To.Sub(iv.From).Seconds()}
}

// writeSummaryJSON writes the summaries as one indented JSON object.
func writeSummaryJSON(w io.Writer, ss []*query.Summary, o Options) error {
	doc := jsonSummaries{Version: JSONVersion, Damage: damageJSON(summariesDamage(ss), o.Loc), Views: make([]jsonSummary, 0, len(ss))}
	for _, s := range ss {
		r := &s.Result
		js := jsonSummary{jsonRange: rangeOf(r, o.Loc), Series: []jsonStat{}, Totals: []jsonTotal{}, Busiest: []jsonInterval{}, Gaps: []jsonInterval{}}
		for _, i := range s.Totals {
			q := r.Quantities[i]
			js.Totals = append(js.Totals, jsonTotal{Name: q.Name, Labels: labelMap(q.Labels), Total: jsonNum(q.Stats.Total), Unit: q.Stats.TotalUnit})
		}
		for _, ser := range r.Quantities {
			st := ser.Stats
			j := jsonStat{Name: ser.Name, Labels: labelMap(ser.Labels), Unit: ser.Unit, Count: st.Count,
				Avg: jsonNum(st.Avg), Min: jsonNum(st.Min), P95: jsonNum(st.P95), Max: jsonNum(st.Max),
				MaxAt: jsonTime{st.MaxAt, o.Loc}, MaxAtUnix: jsonUnix(st.MaxAt)}
			if st.Count == 0 {
				nan := jsonNum(math.NaN())
				j.Avg, j.Min, j.P95, j.Max = nan, nan, nan, nan
				j.MaxAt, j.MaxAtUnix = jsonTime{}, jsonUnix{}
			}
			js.Series = append(js.Series, j)
		}
		unit := busiestUnit(s)
		for _, iv := range s.Busiest {
			j := intervalJSON(iv, o.Loc)
			v := jsonNum(iv.Value)
			j.Value, j.Unit = &v, &unit
			pt, pu := jsonTime{iv.PeakAt, o.Loc}, jsonUnix(iv.PeakAt)
			j.PeakAt, j.PeakUnix = &pt, &pu
			for _, c := range iv.Top {
				j.Top = append(j.Top, jsonConsumer{PID: c.PID, Comm: c.Comm, SharePercent: jsonNum(c.Share)})
			}
			js.Busiest = append(js.Busiest, j)
		}
		for _, iv := range s.Gaps {
			js.Gaps = append(js.Gaps, intervalJSON(iv, o.Loc))
		}
		doc.Views = append(doc.Views, js)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
