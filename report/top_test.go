package report

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/query"
)

// topResult is a Top result over three minutes of a 2-CPU host: make, a
// process with a hostile name, and pid 300 reused (two rows).
func topResult() *query.TopResult {
	at := func(s int) time.Time { return testStart.Add(time.Duration(s) * time.Second) }
	nan := math.NaN()
	return &query.TopResult{From: testStart, To: at(240), By: "cpu", N: 10, Covered: 3 * time.Minute, Sets: 3,
		Processes: []query.ProcessUse{
			{Instance: "web1", PID: "100", Start: at(-3600), Comm: "make", User: "build", Exe: "/usr/bin/make", PPID: "1",
				CPU: 60, UserCPU: 50, SystemCPU: 10, CPUSeconds: 108, CPUShare: 30, RSS: 200 << 20, RSSMax: 300 << 20, MemShare: 19.53125,
				ReadRate: 100, ReadBytes: 18000, IOShare: 90.9090909090909, Threads: 2, Sets: 3, FirstSeen: at(60), LastSeen: at(180)},
			{Instance: "web1", PID: "300", Start: at(-100), Comm: hostile, User: "postgres", Cmdline: "postgres -D /var/lib/pg",
				CPU: 3.3333333333333335, CPUSeconds: 6, CPUShare: 1.6666666666666667, RSS: 60 << 20, RSSMax: 60 << 20, MemShare: 5.859375,
				IOShare: 0, Threads: nan, Sets: 1, FirstSeen: at(180), LastSeen: at(180)},
			{Instance: "web1", PID: "300", Start: at(-7200), Comm: "postgres", User: "postgres",
				CPU: 1.6666666666666667, CPUSeconds: 3, CPUShare: 0.8333333333333334, RSS: 40 << 20, RSSMax: 40 << 20, MemShare: 3.90625,
				Threads: 2, Sets: 1, FirstSeen: at(60), LastSeen: at(60)},
		},
		Other: query.ProcessUse{PID: "other", Comm: "other", CPU: 8.333333333333334, CPUSeconds: 15, CPUShare: 4.166666666666667,
			RSS: 10 << 20, MemShare: 0.9765625, WriteRate: 10, WrittenBytes: 1800, IOShare: 9.090909090909092, Threads: nan, Sets: 3},
		Host: query.HostUse{CPU: 73.33333333333333, CPUSeconds: 132, CPUShare: 36.666666666666664, CPUs: 2, RSS: 310 << 20,
			MemTotal: 1 << 30, MemShare: 30.2734375, ReadRate: 100, WriteRate: 10, ReadBytes: 18000, WrittenBytes: 1800},
	}
}

func servicesResult() *query.ServicesResult {
	nan := math.NaN()
	return &query.ServicesResult{From: testStart, To: testStart.Add(time.Hour), By: "cpu", Services: []query.ServiceUse{
		{Instance: "web1", Cgroup: "system.slice/nginx.service", CPU: 50, UserCPU: 40, SystemCPU: 10, CPUShare: 25, Memory: 110e6,
			MemoryPeak: 200e6, Anon: 80e6, File: 30e6, ReadRate: 100, WriteRate: 2e6, CPUWaiting: 1.5, CPUStalled: nan,
			MemoryWaiting: 0, MemoryStalled: 0, IOWaiting: 10, IOStalled: 2, Pids: 9},
		{Instance: "web1", Cgroup: "system.slice/cron.service", CPU: 10, UserCPU: nan, SystemCPU: nan, CPUShare: 5, Memory: 500e6,
			MemoryPeak: nan, Anon: nan, File: nan, ReadRate: nan, WriteRate: nan, CPUWaiting: nan, CPUStalled: nan,
			MemoryWaiting: nan, MemoryStalled: nan, IOWaiting: nan, IOStalled: nan, Pids: nan},
	}}
}

func TestGoldenTop(t *testing.T) {
	for _, format := range TopFormats() {
		layouts := []string{""}
		if format == FormatCSV {
			layouts = CSVLayouts()
		}
		for _, layout := range layouts {
			file := format
			if layout != "" {
				file = layout + ".csv"
			}
			t.Run(file, func(t *testing.T) {
				o := testOptions
				o.CSVLayout = layout
				var buf bytes.Buffer
				if err := WriteTop(&buf, topResult(), format, o); err != nil {
					t.Fatal(err)
				}
				golden(t, "top."+file, buf.Bytes())
				buf.Reset()
				if err := WriteServices(&buf, servicesResult(), format, o); err != nil {
					t.Fatal(err)
				}
				golden(t, "services."+file, buf.Bytes())
			})
		}
	}
}

// The JSON of top is one valid object whose rows are the processes, the
// remainder and the host, with the numbers as computed.
func TestTopJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTop(&buf, topResult(), FormatJSON, testOptions); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int    `json:"version"`
		By      string `json:"by"`
		Rows    []struct {
			Row        string   `json:"row"`
			PID        string   `json:"pid"`
			Comm       string   `json:"comm"`
			StartUnix  *int64   `json:"start_unix"`
			CPUPercent *float64 `json:"cpu_percent"`
			Threads    *float64 `json:"threads"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, buf.Bytes())
	}
	if len(doc.Rows) != 5 || doc.Rows[3].Row != "other" || doc.Rows[4].Row != "host" || doc.By != "cpu" {
		t.Fatalf("rows: %+v", doc.Rows)
	}
	if r := doc.Rows[1]; r.PID != "300" || r.Comm != hostile || *r.StartUnix != testStart.Unix()-100 || r.Threads != nil {
		t.Errorf("row 1: %+v", r)
	}
	if r := doc.Rows[2]; r.PID != "300" || *r.StartUnix != testStart.Unix()-7200 || *r.CPUPercent != 1.6666666666666667 {
		t.Errorf("row 2 (the same pid, an older process): %+v", r)
	}
	if err := WriteTop(&buf, topResult(), "graph", testOptions); err == nil {
		t.Error("graph: no error")
	}
}

// TestTopWithoutDetails checks that a top whose users were left out (serve's
// shared live stream) has no USER column in the table and the HTML, while
// the full one keeps it.
func TestTopWithoutDetails(t *testing.T) {
	for _, format := range []string{FormatTable, FormatHTML} {
		var full, bare bytes.Buffer
		if err := WriteTop(&full, topResult(), format, testOptions); err != nil {
			t.Fatal(err)
		}
		if err := WriteTop(&bare, topResult().WithoutDetails(), format, testOptions); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(full.Bytes(), []byte("USER")) || !bytes.Contains(full.Bytes(), []byte("postgres")) {
			t.Errorf("%s with details has no USER column:\n%s", format, full.Bytes())
		}
		if bytes.Contains(bare.Bytes(), []byte("USER")) || !bytes.Contains(bare.Bytes(), []byte("COMMAND")) {
			t.Errorf("%s without details still has a USER column:\n%s", format, bare.Bytes())
		}
	}
}
