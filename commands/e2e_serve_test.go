package commands_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/openmetrics"
	"github.com/srvmon/srvmon/tsdb/synth"
)

// need returns the path of a program a test needs, skipping the test when
// it is missing, except under CI=true, where it fails.
func need(t *testing.T, prog, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; CI must install it (Debian package %s)", prog, pkg)
		}
		t.Skipf("%s not installed (Debian package %s)", prog, pkg)
	}
	return path
}

// kindOf gives the OpenMetrics type of srvmon's metrics.
func kindOf(metric string) (openmetrics.Kind, string) {
	mi, ok := sampler.Lookup(metric)
	if !ok {
		return openmetrics.Unknown, ""
	}
	switch mi.Kind {
	case sampler.Counter:
		return openmetrics.Counter, mi.Help
	case sampler.Gauge:
		return openmetrics.Gauge, mi.Help
	case sampler.Info:
		return openmetrics.Info, mi.Help
	}
	return openmetrics.Unknown, mi.Help
}

// importedStore writes minutes of synthetic minutely history of the
// default host ending at end, with no samples in the minutes of gap, as
// OpenMetrics text and loads it with `srvmon import` into a new store.
func importedStore(t *testing.T, bin string, end time.Time, minutes int, gap func(time.Time) bool) string {
	t.Helper()
	g := synth.New(synth.DefaultHost(), 1)
	series := g.Series()
	pts := make([][]tsdb.Point, len(series))
	start := end.Add(-time.Duration(minutes-1) * time.Minute)
	g.Minutes(start, minutes, func(ts time.Time, ss []tsdb.Sample) error {
		if gap != nil && gap(ts) {
			return nil
		}
		for i, s := range ss {
			pts[i] = append(pts[i], tsdb.Point{T: ts.Unix(), V: s.Value})
		}
		return nil
	})
	order := make(map[string]int, len(series))
	for i, s := range series {
		order[s.Key()] = i
	}
	sorted := append([]tsdb.Series(nil), series...)
	openmetrics.SortSeries(sorted)
	file := filepath.Join(t.TempDir(), "history.om")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := openmetrics.NewEncoder(bw, kindOf)
	for _, s := range sorted {
		if err := enc.Series(s, pts[order[s.Key()]]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dir := filepath.Join(t.TempDir(), "store")
	if out, err := exec.Command(bin, "import", "--data", dir, file).CombinedOutput(); err != nil {
		t.Fatalf("srvmon import: %v\n%s", err, out)
	}
	return dir
}

// server is a running `srvmon serve`.
type server struct {
	url    string // http://127.0.0.1:PORT
	addr   string
	cmd    *exec.Cmd
	stderr *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var reServingURL = regexp.MustCompile(`serving .* on http://(127\.0\.0\.1:\d+)/`)

// startServe starts `srvmon serve` on a free loopback port and stops it
// with SIGTERM at the end of the test, checking that it exits cleanly.
func startServe(t *testing.T, bin, dir string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0"}, args...)...)
	s := &server{cmd: cmd, stderr: &syncBuf{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("srvmon serve after SIGTERM: %v; stderr:\n%s", err, s.stderr)
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("srvmon serve still running 15 s after SIGTERM")
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m := reServingURL.FindStringSubmatch(s.stderr.String()); m != nil {
			s.addr, s.url = m[1], "http://"+m[1]
			return s
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("srvmon serve exited: %v; stderr:\n%s", err, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("srvmon serve did not start in 15 s; stderr:\n%s", s.stderr)
		}
	}
}

// fetch GETs url and returns the status and body.
func fetch(client *http.Client, url string) (int, []byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// reMemoryCamelCase is the only complaint promtool check metrics may make:
// node_exporter's meminfo names (node_memory_MemTotal_bytes) keep the
// kernel's field names, which promtool's lint calls camelCase; node_exporter
// itself gets the same complaints, and srvmon keeps its names so that its
// dashboards and alerts work unchanged.
var reMemoryCamelCase = regexp.MustCompile(`^node_memory_\w+ metric names should be written in 'snake_case' not 'camelCase'$`)

// TestE2EServePromtool checks /metrics of a real srvmon serve with
// promtool check metrics (Debian package prometheus).
func TestE2EServePromtool(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	promtool := need(t, "promtool", "prometheus")
	bin := srvmonBinary(t)
	now := time.Now().UTC().Truncate(time.Minute)
	srv := startServe(t, bin, importedStore(t, bin, now, 120, nil))
	code, body, err := fetch(http.DefaultClient, srv.url+"/metrics")
	if err != nil || code != 200 {
		t.Fatalf("/metrics: %d %v", code, err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	// promtool exits 3 for lint problems alone, 1 for a format it cannot
	// parse.
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines {
		if l != "" && !reMemoryCamelCase.MatchString(l) {
			t.Errorf("promtool check metrics: %s", l)
		}
	}
	t.Logf("promtool: %d node_memory camelCase notes, nothing else; %d bytes of metrics", len(lines), len(body))
	if !strings.Contains(string(body), "# TYPE node_cpu_seconds_total counter\n") {
		t.Errorf("no node_cpu_seconds_total counter in /metrics")
	}
}

// TestE2EServePrometheus starts a real Prometheus on loopback that scrapes
// srvmon serve as it would node_exporter, and queries it for
// node_cpu_seconds_total.
func TestE2EServePrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	prom := need(t, "prometheus", "prometheus")
	bin := srvmonBinary(t)
	now := time.Now().UTC().Truncate(time.Minute)
	srv := startServe(t, bin, importedStore(t, bin, now, 120, nil))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['%s']
`, srv.addr)), 0o644)
	port := freePort(t)
	var promOut syncBuf
	cmd := exec.Command(prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &promOut, &promOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	api := fmt.Sprintf("http://127.0.0.1:%d/api/v1/query?query=", port)
	type sample struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	queryProm := func(q string) ([]sample, error) {
		code, body, err := fetch(http.DefaultClient, api+q)
		if err != nil {
			return nil, err
		}
		if code != 200 {
			return nil, fmt.Errorf("%d: %s", code, body)
		}
		var r struct {
			Data struct{ Result []sample } `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		return r.Data.Result, nil
	}
	var cpu []sample
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		cpu, err = queryProm("node_cpu_seconds_total")
		if err == nil && len(cpu) > 0 {
			break
		}
		select {
		case <-done:
			t.Fatalf("prometheus exited:\n%s", promOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus found no node_cpu_seconds_total in 60 s (last error %v):\n%s", err, promOut.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(cpu) != 4*8 {
		t.Errorf("prometheus holds %d node_cpu_seconds_total series, want 32 (4 CPUs, 8 modes)", len(cpu))
	}
	m := cpu[0].Metric
	if m["job"] != "node" || m["instance"] != srv.addr || m["cpu"] == "" || m["mode"] == "" || m["exported_instance"] != "" {
		t.Errorf("labels as node_exporter's: %v", m)
	}
	up, err := queryProm(`up{job="node"}`)
	if err != nil || len(up) != 1 || up[0].Value[1] != "1" {
		t.Errorf("up: %v %v", up, err)
	}
	// A rate, as a dashboard for node_exporter computes it, needs two
	// scrapes of one counter: wait for them.
	var rate []sample
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if rate, err = queryProm(`sum(rate(node_network_receive_bytes_total[10s]))`); err == nil && len(rate) == 1 {
			break
		}
	}
	if len(rate) != 1 {
		t.Errorf("rate(node_network_receive_bytes_total): %v %v", rate, err)
	}
}

// procStats returns the number of memory mappings, the resident set in
// KiB and the bytes written to storage of process pid.
func procStats(t *testing.T, pid int) (maps, rssKiB int, written int64) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	maps = strings.Count(string(data), "\n")
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			rssKiB, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	io, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(io), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes: "); ok {
			written, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return maps, rssKiB, written
}

// TestE2EServeSoak checks that srvmon serve answers 10,000 requests of
// every kind while record appends a sample set every second, with its
// memory mappings and resident memory flat, and that it never writes.
func TestE2EServeSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 requests")
	}
	bin := srvmonBinary(t)
	now := time.Now().UTC().Truncate(time.Minute)
	dir := importedStore(t, bin, now, 2*1440, nil)
	srv := startServe(t, bin, dir)

	ctx, cancel := context.WithCancel(context.Background())
	rec := exec.CommandContext(ctx, bin, "record", "--data", dir, "--interval", "1s")
	var recOut syncBuf
	rec.Stdout, rec.Stderr = &recOut, &recOut
	rec.Cancel = func() error { return rec.Process.Signal(syscall.SIGTERM) }
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		rec.Wait()
	})

	targets := []string{
		"/", "/api/v1/charts?range=1h", "/api/v1/query?view=cpu&last=1h", "/metrics", "/healthz",
		"/api/v1/query?view=disk&last=6h&device=sda", "/metrics", "/healthz", "/static/app.js",
		"", // one of rotating
	}
	rotating := []string{"/?range=24h", "/disk?device=sda&range=6h", "/net?device=eth0", "/fs?mount=/var",
		"/api/v1/series?last=1h", "/?range=7d", "/api/v1/query?selector=node_load1&last=1d", "/api/v1/charts?page=disk&device=nvme0n1&range=6h"}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	run := func(from, n int) error {
		const workers = 3
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		next := make(chan int)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					target := targets[i%len(targets)]
					if target == "" {
						target = rotating[(i/len(targets))%len(rotating)]
					}
					code, _, err := fetch(client, srv.url+target)
					if err == nil && code != 200 {
						err = fmt.Errorf("status %d", code)
					}
					if err != nil {
						errs <- fmt.Errorf("request %d, %s: %v", i, target, err)
						return
					}
				}
			}()
		}
		deadline := time.Now().Add(8 * time.Minute)
		var err error
	feed:
		for i := from; i < from+n; i++ {
			if time.Now().After(deadline) {
				err = fmt.Errorf("only %d of %d requests answered in 8 minutes", i-from, n)
				break
			}
			select {
			case next <- i:
			case err = <-errs:
				break feed
			}
		}
		close(next)
		wg.Wait()
		if err == nil {
			select {
			case err = <-errs:
			default:
			}
		}
		return err
	}
	// Warm up: every kind of request, every block the ranges need.
	if err := run(0, 400); err != nil {
		t.Fatal(err)
	}
	pid := srv.cmd.Process.Pid
	maps0, rss0, _ := procStats(t, pid)
	start := time.Now()
	const total = 10_000
	if err := run(400, total); err != nil {
		t.Fatalf("%v; serve's stderr:\n%s\nrecord's:\n%s", err, srv.stderr, recOut.String())
	}
	took := time.Since(start)
	maps1, rss1, written := procStats(t, pid)
	_, health, _ := fetch(client, srv.url+"/healthz")
	t.Logf("%d requests in %s (%.0f/s) while record appended every second: mappings %d -> %d, RSS %d -> %d KiB; %s",
		total, took.Round(time.Millisecond), total/took.Seconds(), maps0, maps1, rss0, rss1, strings.TrimSpace(string(health)))
	if maps1 > maps0+12 {
		t.Errorf("mappings grew from %d to %d", maps0, maps1)
	}
	if rss1 > rss0+rss0/4+16*1024 {
		t.Errorf("RSS grew from %d to %d KiB", rss0, rss1)
	}
	if written != 0 {
		t.Errorf("serve wrote %d bytes to storage; it must only read", written)
	}
	if !strings.Contains(string(health), `"status":"ok"`) {
		t.Errorf("healthz at the end: %s", health)
	}
	if s := srv.stderr.String(); strings.Count(s, "\n") > 1 {
		t.Errorf("serve logged errors:\n%s", s)
	}
}
