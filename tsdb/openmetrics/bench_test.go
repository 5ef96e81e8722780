package openmetrics_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
)

// benchData returns a day of one-minute samples for series shaped like
// srvmon's: integer counters with labels and fractional gauges.
func benchData() ([]tsdb.Series, [][]tsdb.Point, func(string) (openmetrics.Kind, string)) {
	rng := rand.New(rand.NewPCG(3, 4))
	var series []tsdb.Series
	for cpu := 0; cpu < 8; cpu++ {
		for _, mode := range []string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"} {
			series = append(series, tsdb.NewSeries("node_cpu_seconds_total", "cpu", strconv.Itoa(cpu), "mode", mode))
		}
	}
	for _, dev := range []string{"eth0", "lo", "wlan0", "docker0"} {
		series = append(series, tsdb.NewSeries("node_network_receive_bytes_total", "device", dev))
	}
	for _, m := range []string{"node_load1", "node_load5", "node_load15", "node_memory_MemAvailable_bytes"} {
		series = append(series, tsdb.NewSeries(m))
	}
	openmetrics.SortSeries(series)
	points := make([][]tsdb.Point, len(series))
	for i, s := range series {
		ps := make([]tsdb.Point, 1440)
		v := rng.Float64() * 1e6
		for j := range ps {
			switch s.Metric {
			case "node_cpu_seconds_total":
				v += float64(rng.IntN(6000)) / 100 // centiseconds, as /proc/stat gives them
			case "node_network_receive_bytes_total":
				v += float64(rng.IntN(1 << 20))
			case "node_memory_MemAvailable_bytes":
				v = float64(rng.IntN(1<<20)) * 4096
			default:
				v = float64(rng.IntN(400)) / 100
			}
			ps[j] = tsdb.Point{T: 1700000000 + int64(j)*60, V: v}
		}
		points[i] = ps
	}
	kindOf := func(m string) (openmetrics.Kind, string) {
		switch m {
		case "node_cpu_seconds_total", "node_network_receive_bytes_total":
			return openmetrics.Counter, "A counter."
		}
		return openmetrics.Gauge, "A gauge."
	}
	return series, points, kindOf
}

func BenchmarkEncode(b *testing.B) {
	series, points, kindOf := benchData()
	n := 0
	for b.Loop() {
		enc := openmetrics.NewEncoder(io.Discard, kindOf)
		for i, s := range series {
			if err := enc.Series(s, points[i]); err != nil {
				b.Fatal(err)
			}
			n += len(points[i])
		}
		if err := enc.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "values/s")
}

func BenchmarkParse(b *testing.B) {
	series, points, kindOf := benchData()
	var buf bytes.Buffer
	enc := openmetrics.NewEncoder(&buf, kindOf)
	for i, s := range series {
		if err := enc.Series(s, points[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	text := buf.Bytes()
	b.SetBytes(int64(len(text)))
	n := 0
	for b.Loop() {
		err := openmetrics.Parse(bytes.NewReader(text), func(tsdb.Series, tsdb.Point) error {
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "samples/s")
}
