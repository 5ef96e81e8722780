// Top processes and services (query.Top, query.Services): one list of
// fields per row kind, rendered in every format.

package report

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/query"
)

// TopFormats returns the formats WriteTop and WriteServices accept: table,
// csv, json, ndjson and html (a table element, as serve's page shows it).
func TopFormats() []string { return formatNames(topWriters) }

var topWriters = []formatWriter[*useTable]{
	{FormatTable, writeUseTable}, {FormatCSV, writeUseCSV}, {FormatJSON, writeUseJSON},
	{FormatNDJSON, writeUseNDJSON}, {FormatHTML, writeUseHTML},
}

// useField is one field of a process or service row: its name in CSV and
// JSON, its table header ("" for a field tables leave out), its unit
// (query.None with text for the label-like fields), and its value.
type useField struct {
	key, head string
	unit      query.Unit
	isText    bool
	isTime    bool
}

// useRow is one row: the text or time or number of each field, and what
// the row is ("process", "other", "host"; "service").
type useRow struct {
	row   string
	text  []string
	times []time.Time
	nums  []float64
}

// useTable is a Top or Services result as rows of fields.
type useTable struct {
	what     string // "top" or "services"
	from, to time.Time
	by       string
	covered  time.Duration // top only
	sets     int
	title    string
	fields   []useField
	rows     []useRow
	damage   []tsdb.Damage
}

// The fields that processes and services share, with the same name,
// header and unit in both.
var (
	instanceField  = useField{key: "instance", head: "", isText: true}
	cpuField       = useField{key: "cpu_percent", head: "CPU%", unit: query.Percent}
	userCPUField   = useField{key: "user_cpu_percent", head: "USR%", unit: query.Percent}
	systemCPUField = useField{key: "system_cpu_percent", head: "SYS%", unit: query.Percent}
	cpuShareField  = useField{key: "cpu_share_percent", head: "HOST CPU%", unit: query.Percent}
	readRateField  = useField{key: "read_bytes_per_second", head: "READ/s", unit: query.BytesPerSecond}
	writeRateField = useField{key: "write_bytes_per_second", head: "WRITE/s", unit: query.BytesPerSecond}
)

var processFields = []useField{
	instanceField,
	{key: "pid", head: "PID", isText: true},
	{key: "start", head: "", isTime: true},
	{key: "user", head: "USER", isText: true},
	{key: "comm", head: "COMMAND", isText: true},
	{key: "ppid", head: "", isText: true},
	{key: "exe", head: "", isText: true},
	{key: "cmdline", head: "", isText: true},
	cpuField, userCPUField, systemCPUField,
	{key: "cpu_seconds", head: "", unit: query.Seconds},
	cpuShareField,
	{key: "rss_bytes", head: "RSS", unit: query.Bytes},
	{key: "rss_max_bytes", head: "", unit: query.Bytes},
	{key: "mem_share_percent", head: "MEM%", unit: query.Percent},
	readRateField, writeRateField,
	{key: "read_bytes", head: "", unit: query.Bytes},
	{key: "written_bytes", head: "", unit: query.Bytes},
	{key: "io_share_percent", head: "IO%", unit: query.Percent},
	{key: "threads", head: "THR", unit: query.Count},
	{key: "sets", head: "", unit: query.Count},
	{key: "first_seen", head: "", isTime: true},
	{key: "last_seen", head: "", isTime: true},
}

// processRow returns the row of one process.
func processRow(row string, p query.ProcessUse) useRow {
	return useRow{row: row,
		text:  []string{p.Instance, p.PID, p.User, p.Comm, p.PPID, p.Exe, p.Cmdline},
		times: []time.Time{p.Start, p.FirstSeen, p.LastSeen},
		nums: []float64{p.CPU, p.UserCPU, p.SystemCPU, p.CPUSeconds, p.CPUShare, p.RSS, p.RSSMax, p.MemShare,
			p.ReadRate, p.WriteRate, p.ReadBytes, p.WrittenBytes, p.IOShare, p.Threads, float64(p.Sets)}}
}

// hostRow returns the row of every process together.
func hostRow(h query.HostUse) useRow {
	nan := math.NaN()
	return useRow{row: "host", text: []string{"", "", "", "all processes", "", "", ""},
		times: []time.Time{{}, {}, {}},
		nums: []float64{h.CPU, nan, nan, h.CPUSeconds, h.CPUShare, h.RSS, nan, h.MemShare,
			h.ReadRate, h.WriteRate, h.ReadBytes, h.WrittenBytes, 100, nan, nan}}
}

func topTable(r *query.TopResult, loc *time.Location) *useTable {
	t := &useTable{what: "top", from: r.From, to: r.To, by: r.By, covered: r.Covered, sets: r.Sets, fields: processFields, damage: r.Damage}
	for _, p := range r.Processes {
		t.rows = append(t.rows, processRow("process", p))
	}
	t.rows = append(t.rows, processRow("other", r.Other), hostRow(r.Host))
	cpus := ""
	if !math.IsNaN(r.Host.CPUs) {
		cpus = fmt.Sprintf("; host: %s CPUs busy of %.3g", Humanize(r.Host.CPU/100, query.Count), r.Host.CPUs)
	}
	sets := "sample sets"
	if r.Sets == 1 {
		sets = "sample set"
	}
	t.title = fmt.Sprintf("Top processes by %s, %s (%s in %d %s%s)", r.By, PeriodText(r.From, r.To, loc),
		DurationText(r.Covered), r.Sets, sets, cpus)
	return t
}

var serviceFields = []useField{
	instanceField,
	{key: "cgroup", head: "SERVICE", isText: true},
	cpuField, userCPUField, systemCPUField, cpuShareField,
	{key: "memory_bytes", head: "MEM", unit: query.Bytes},
	{key: "memory_peak_bytes", head: "PEAK", unit: query.Bytes},
	{key: "anon_bytes", head: "", unit: query.Bytes},
	{key: "file_bytes", head: "", unit: query.Bytes},
	readRateField, writeRateField,
	{key: "pressure_cpu_waiting_percent", head: "PSI CPU", unit: query.Percent},
	{key: "pressure_cpu_stalled_percent", head: "", unit: query.Percent},
	{key: "pressure_memory_waiting_percent", head: "PSI MEM", unit: query.Percent},
	{key: "pressure_memory_stalled_percent", head: "", unit: query.Percent},
	{key: "pressure_io_waiting_percent", head: "PSI IO", unit: query.Percent},
	{key: "pressure_io_stalled_percent", head: "", unit: query.Percent},
	{key: "pids", head: "TASKS", unit: query.Count},
}

func servicesTable(r *query.ServicesResult, loc *time.Location) *useTable {
	t := &useTable{what: "services", from: r.From, to: r.To, by: r.By, fields: serviceFields, damage: r.Damage}
	for _, u := range r.Services {
		t.rows = append(t.rows, useRow{row: "service", text: []string{u.Instance, u.Cgroup},
			nums: []float64{u.CPU, u.UserCPU, u.SystemCPU, u.CPUShare, u.Memory, u.MemoryPeak, u.Anon, u.File,
				u.ReadRate, u.WriteRate, u.CPUWaiting, u.CPUStalled, u.MemoryWaiting, u.MemoryStalled, u.IOWaiting, u.IOStalled, u.Pids}})
	}
	t.title = fmt.Sprintf("Services by %s, %s", r.By, PeriodText(r.From, r.To, loc))
	return t
}

// WriteTop writes the top processes to w in format, one of TopFormats.
// An unknown format is an error wrapping ErrUnknownFormat.
func WriteTop(w io.Writer, r *query.TopResult, format string, o Options) error {
	o = o.withDefaults()
	return writeAs(topWriters, w, topTable(r, o.Loc), format, o)
}

// WriteServices writes the services to w in format, one of TopFormats.
func WriteServices(w io.Writer, r *query.ServicesResult, format string, o Options) error {
	o = o.withDefaults()
	return writeAs(topWriters, w, servicesTable(r, o.Loc), format, o)
}

// value returns field i of row as a string for machines ("" for none),
// and whether it is a number.
func (t *useTable) value(r useRow, i int, loc *time.Location) (string, bool) {
	f := t.fields[i]
	ti, ni := t.index(i)
	switch {
	case f.isText:
		return r.text[ti], false
	case f.isTime:
		if r.times[ti].IsZero() {
			return "", false
		}
		return rfc3339(r.times[ti], loc), false
	}
	return csvValue(r.nums[ni]), true
}

// index returns the position of field i among the row's texts (texts and
// times) or numbers.
func (t *useTable) index(i int) (text, num int) {
	times := 0
	for j := 0; j < i; j++ {
		switch f := t.fields[j]; {
		case f.isText:
			text++
		case f.isTime:
			times++
		default:
			num++
		}
	}
	if t.fields[i].isTime {
		return times, num
	}
	return text, num
}

// multiInstance reports whether the rows are of several instances.
func (t *useTable) multiInstance() bool {
	seen := ""
	for _, r := range t.rows {
		if r.text[0] != "" && seen != "" && r.text[0] != seen {
			return true
		}
		if r.text[0] != "" {
			seen = r.text[0]
		}
	}
	return false
}

// cells returns the table's header, alignment and humanised rows: what
// the text table and the HTML table show.
func (t *useTable) cells(o Options) *textTable {
	tt := &textTable{}
	var cols []int
	for i, f := range t.fields {
		if f.key == "user" && t.allEmpty(i, o.Loc) {
			continue // not shown to this reader (serve's shared live stream)
		}
		if f.head != "" || i == 0 && t.multiInstance() {
			cols = append(cols, i)
			tt.header = append(tt.header, cmp.Or(f.head, "INSTANCE"))
			tt.right = append(tt.right, !f.isText && !f.isTime)
		}
	}
	for _, r := range t.rows {
		var cells []string
		for _, i := range cols {
			f := t.fields[i]
			if f.isText || f.isTime {
				s, _ := t.value(r, i, o.Loc)
				cells = append(cells, s)
				continue
			}
			_, ni := t.index(i)
			cells = append(cells, Humanize(r.nums[ni], f.unit))
		}
		tt.rows = append(tt.rows, cells)
	}
	return tt
}

// allEmpty reports whether text field i is empty in every row.
func (t *useTable) allEmpty(i int, loc *time.Location) bool {
	for _, r := range t.rows {
		if s, _ := t.value(r, i, loc); s != "" {
			return false
		}
	}
	return true
}

func writeUseTable(w io.Writer, t *useTable, o Options) error {
	var b bytes.Buffer
	b.WriteString(t.title + "\n")
	if err := t.cells(o).render(&b); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeUseHTML writes the table as an HTML table element (for serve's
// page), every text escaped.
func writeUseHTML(w io.Writer, t *useTable, o Options) error {
	tt := t.cells(o)
	var b bytes.Buffer
	fmt.Fprintf(&b, "<table class=\"use %s\">\n<caption>%s</caption>\n<thead><tr>", t.what, html.EscapeString(t.title))
	for i, h := range tt.header {
		fmt.Fprintf(&b, "<th%s>%s</th>", alignAttr(tt.right[i]), html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for ri, r := range tt.rows {
		fmt.Fprintf(&b, "<tr class=\"%s\">", t.rows[ri].row)
		for i, c := range r {
			fmt.Fprintf(&b, "<td%s>%s</td>", alignAttr(tt.right[i]), html.EscapeString(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func alignAttr(right bool) string {
	if right {
		return ` class="num"`
	}
	return ""
}

// writeUseCSV writes a row per row and field (long layout) or per row
// (wide), preceded by the range: from, from_unix, to, to_unix, row.
func writeUseCSV(w io.Writer, t *useTable, o Options) error {
	wide, err := csvWide(o.CSVLayout)
	if err != nil {
		return err
	}
	cw := &csvWriter{w: csv.NewWriter(w)}
	lead := []string{"from", "from_unix", "to", "to_unix", "row"}
	ident := t.identFields()
	rangeCells := []string{rfc3339(t.from, o.Loc), strconv.FormatInt(t.from.Unix(), 10), rfc3339(t.to, o.Loc), strconv.FormatInt(t.to.Unix(), 10)}
	if wide {
		head := lead
		for _, f := range t.fields {
			head = append(head, f.key)
		}
		cw.write(head)
		for _, r := range t.rows {
			rec := append(append([]string{}, rangeCells...), r.row)
			for i := range t.fields {
				s, _ := t.value(r, i, o.Loc)
				rec = append(rec, s)
			}
			cw.write(rec)
		}
		return cw.flush()
	}
	head := lead
	for _, i := range ident {
		head = append(head, t.fields[i].key)
	}
	cw.write(append(head, "name", "unit", "value"))
	for _, r := range t.rows {
		rec := append(append([]string{}, rangeCells...), r.row)
		for _, i := range ident {
			s, _ := t.value(r, i, o.Loc)
			rec = append(rec, s)
		}
		for i, f := range t.fields {
			s, isNum := t.value(r, i, o.Loc)
			if !isNum && !f.isTime || isIdent(ident, i) {
				continue
			}
			cw.write(append(append([]string{}, rec...), f.key, string(f.unit), s))
		}
	}
	return cw.flush()
}

// identFields are the fields that tell rows apart in the long CSV: the
// text fields.
func (t *useTable) identFields() []int {
	var out []int
	for i, f := range t.fields {
		if f.isText || f.key == "start" {
			out = append(out, i)
		}
	}
	return out
}

func isIdent(ident []int, i int) bool {
	for _, j := range ident {
		if i == j {
			return true
		}
	}
	return false
}

// rowJSON returns one row as a JSON object, its fields in order, times
// also as Unix seconds (name_unix), numbers null for none.
func (t *useTable) rowJSON(r useRow, o Options, lead ...[2]string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	sep := func(k string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
	}
	for _, kv := range lead {
		sep(kv[0])
		b.WriteString(kv[1])
	}
	sep("row")
	rb, _ := json.Marshal(r.row)
	b.Write(rb)
	for i, f := range t.fields {
		ti, ni := t.index(i)
		sep(f.key)
		switch {
		case f.isText:
			s, _ := json.Marshal(r.text[ti])
			b.Write(s)
		case f.isTime:
			jt, _ := jsonTime{r.times[ti], o.Loc}.MarshalJSON()
			b.Write(jt)
			sep(f.key + "_unix")
			ju, _ := jsonUnix(r.times[ti]).MarshalJSON()
			b.Write(ju)
		default:
			jn, _ := jsonNum(r.nums[ni]).MarshalJSON()
			b.Write(jn)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// head returns the fields every JSON document and NDJSON line starts with.
func (t *useTable) head(o Options) [][2]string {
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	from, _ := jsonTime{t.from, o.Loc}.MarshalJSON()
	to, _ := jsonTime{t.to, o.Loc}.MarshalJSON()
	out := [][2]string{{"what", str(t.what)}, {"from", string(from)}, {"from_unix", strconv.FormatInt(t.from.Unix(), 10)},
		{"to", string(to)}, {"to_unix", strconv.FormatInt(t.to.Unix(), 10)}, {"by", str(t.by)}}
	if t.what == "top" {
		out = append(out, [2]string{"covered_seconds", formatValue(t.covered.Seconds())}, [2]string{"sets", strconv.Itoa(t.sets)})
	}
	return out
}

// writeUseJSON writes one object: the version, the range, then "rows" (a
// row per line), then damage.
func writeUseJSON(w io.Writer, t *useTable, o Options) error {
	var b bytes.Buffer
	b.WriteString("{\n  \"version\": " + strconv.Itoa(JSONVersion))
	for _, kv := range t.head(o) {
		b.WriteString(",\n  \"" + kv[0] + "\": " + kv[1])
	}
	b.WriteString(",\n  \"rows\": [")
	for i, r := range t.rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.Write(t.rowJSON(r, o))
	}
	b.WriteString("\n  ]")
	if len(t.damage) > 0 {
		db, err := json.Marshal(damageJSON(t.damage, o.Loc))
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		b.WriteString(",\n  \"damage\": ")
		b.Write(db)
	}
	b.WriteString("\n}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// writeUseNDJSON writes a line per row, each with the range fields.
func writeUseNDJSON(w io.Writer, t *useTable, o Options) error {
	var b bytes.Buffer
	head := t.head(o)
	for _, r := range t.rows {
		b.Write(t.rowJSON(r, o, head...))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}
