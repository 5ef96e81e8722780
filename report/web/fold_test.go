package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// TestOverview_FoldsIdleAndDownDevices checks that the overview draws the
// interfaces and disks that were down at the end of the range or idle all
// of it in charts folded away behind one toggle, and the others as before.
func TestOverview_FoldsIdleAndDownDevices(t *testing.T) {
	t.Parallel()
	st := newStore(t, synth.DefaultHost(), testNow, 2*time.Hour)
	var series []tsdb.Series
	var pts [][]tsdb.Point
	add := func(s tsdb.Series, v func(i int) float64) {
		var p []tsdb.Point
		for i := 0; i < 120; i++ {
			p = append(p, tsdb.Point{T: testNow.Add(time.Duration(i-119) * time.Minute).Unix(), V: v(i)})
		}
		series, pts = append(series, s), append(pts, p)
	}
	zero := func(int) float64 { return 0 }
	for _, dev := range []string{"ifb0", "ifb1", "tun0"} {
		for _, m := range []string{"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
			"node_network_receive_packets_total", "node_network_transmit_packets_total"} {
			v := zero
			if dev == "tun0" { // unknown state, but busy: shown
				v = func(i int) float64 { return float64(i) * 1000 }
			}
			add(tsdb.NewSeries(m, "device", dev, "instance", "web1"), v)
		}
	}
	state := map[string]string{"ifb0": "down", "ifb1": "up", "tun0": "unknown"}
	for dev, op := range state {
		add(tsdb.NewSeries("node_network_info", "device", dev, "operstate", op, "instance", "web1"), func(int) float64 { return 1 })
	}
	for _, m := range []string{"node_disk_reads_completed_total", "node_disk_writes_completed_total", "node_disk_read_bytes_total",
		"node_disk_written_bytes_total", "node_disk_io_time_seconds_total", "node_disk_read_time_seconds_total",
		"node_disk_write_time_seconds_total", "node_disk_io_time_weighted_seconds_total"} {
		add(tsdb.NewSeries(m, "device", "sdb", "instance", "web1"), func(int) float64 { return 42 })
	}
	importPoints(t, st, series, pts)
	srv := newServer(st, web.Options{})
	body := get(t, srv, "/").want(t, 200).body
	got := charts(body)
	if n := len(got["net-net-bytes"]); n != 8 {
		t.Errorf("network chart draws %d series, want in and out of eth0, eth1, lo and tun0", n)
	}
	if n := len(got["net-net-bytes-folded"]); n != 4 {
		t.Errorf("folded network chart draws %d series, want in and out of ifb0 and ifb1", n)
	}
	if n := len(got["disk-disk-util-folded"]); n != 1 {
		t.Errorf("folded disk utilization draws %d series, want sdb's", n)
	}
	if n := len(got["disk-disk-util"]); n != 2 {
		t.Errorf("disk utilization draws %d series, want sda and nvme0n1", n)
	}
	contains(t, "overview", body,
		`<details class="folded" id="net-folded">`+"\n"+`<summary>2 idle or down interfaces: ifb0 (down), ifb1 (idle)</summary>`,
		`<summary>1 idle or down disk: sdb (idle)</summary>`,
		`<figure class="chart" id="chart-net-net-bytes-folded" data-chart="net-net-bytes-folded">`+"\n"+`<figcaption>ifb0, ifb1</figcaption>`,
		// Still linked.
		`<a href="/net?device=ifb0&amp;range=1h">ifb0</a>`)
	if regexp.MustCompile(`<details[^>]* open`).MatchString(body) {
		t.Errorf("the folded devices are open by default")
	}
	if strings.Contains(reSVG.FindString(body[strings.Index(body, `id="chart-net-net-bytes"`)-30:]), ">ifb0 in</text>") {
		t.Errorf("ifb0 is drawn in the network chart")
	}
}
