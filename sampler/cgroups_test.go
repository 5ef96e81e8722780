package sampler

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeCgroup writes a group's files under the fixture's sys tree; files
// lists the ones it has (nil: all of cgroupFiles). n scales the values.
func (h *fakeHost) writeCgroup(mount, group string, n uint64, files []string) {
	h.t.Helper()
	if files == nil {
		files = cgroupFiles[:]
	}
	content := map[string]string{
		"cpu.stat":        fmt.Sprintf("usage_usec %d\nuser_usec %d\nsystem_usec %d\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n", 3*n*1e6, 2*n*1e6, n*1e6),
		"memory.current":  fmt.Sprintf("%d\n", n<<20),
		"memory.peak":     fmt.Sprintf("%d\n", 2*n<<20),
		"memory.stat":     fmt.Sprintf("anon %d\nfile %d\nkernel 4096\nshmem 0\n", n<<19, n<<18),
		"io.stat":         fmt.Sprintf("8:0 rbytes=%d wbytes=%d rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=%d wbytes=%d rios=1 wios=1 dbytes=0 dios=0\n", n*1000, n*2000, n*10, n*20),
		"cpu.pressure":    fmt.Sprintf("some avg10=0.00 avg60=0.00 avg300=0.00 total=%d\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=%d\n", n*500_000+4321, n*100_000),
		"memory.pressure": fmt.Sprintf("some avg10=0.00 avg60=0.00 avg300=0.00 total=%d\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=%d\n", n*50_000, n*10_000),
		"io.pressure":     fmt.Sprintf("some avg10=0.00 avg60=0.00 avg300=0.00 total=%d\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=%d\n", n*5_000_000, n*1_000_000),
		"pids.current":    fmt.Sprintf("%d\n", n),
	}
	dir := filepath.Join("sys", mount, group)
	if err := os.MkdirAll(filepath.Join(filepath.Dir(h.proc), dir), 0o755); err != nil {
		h.t.Fatal(err)
	}
	for _, f := range files {
		h.write(filepath.Join(dir, f), content[f])
	}
	h.write(filepath.Join(dir, "cgroup.procs"), "")
}

// cgroupSeries returns the cgroup label values the samples hold, sorted,
// and the metric names of group g.
func cgroupSeries(t *testing.T, got map[string]float64, g string) (groups, metrics []string) {
	t.Helper()
	for k := range got {
		if !strings.HasPrefix(k, "srvmon_cgroup_") {
			continue
		}
		i := strings.Index(k, `cgroup="`) + len(`cgroup="`)
		name := k[i : i+strings.IndexByte(k[i:], '"')]
		if !slices.Contains(groups, name) {
			groups = append(groups, name)
		}
		if name == g {
			metrics = append(metrics, k[:strings.IndexByte(k, '{')])
		}
	}
	slices.Sort(groups)
	slices.Sort(metrics)
	return groups, slices.Compact(metrics)
}

func notes(errs []error) (out []string, failures []error) {
	for _, err := range errs {
		if n := (*Note)(nil); errors.As(err, &n) {
			out = append(out, n.Msg)
		} else {
			failures = append(failures, err)
		}
	}
	return out, failures
}

func TestCgroupsSystemdHost(t *testing.T) {
	h := newFakeHost(t)
	h.write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
	h.writeCgroup("fs/cgroup", "", 1000, nil) // the root: not stored
	for i, g := range []string{"init.scope", "system.slice", "system.slice/nginx.service", "system.slice/cron.service", "user.slice", "user.slice/user-1000.slice"} {
		h.writeCgroup("fs/cgroup", g, uint64(i+1), nil)
	}
	s, err := New([]string{"cgroups"}, Options{Instance: testInstance, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := h.sample(s, time.Unix(1_700_000_000, 0), time.Time{})
	noErrors(t, errs)
	groups, metrics := cgroupSeries(t, got, "system.slice/nginx.service")
	if want := []string{"init.scope", "system.slice", "system.slice/cron.service", "system.slice/nginx.service", "user.slice", "user.slice/user-1000.slice"}; !slices.Equal(groups, want) {
		t.Errorf("groups = %v, want %v", groups, want)
	}
	if len(metrics) != 15 {
		t.Errorf("nginx has %d metric names, want all 15: %v", len(metrics), metrics)
	}
	const n = 3 // nginx.service's scale
	for k, want := range map[string]float64{
		key("srvmon_cgroup_cpu_usage_seconds_total", "cgroup", "system.slice/nginx.service"):               3 * n,
		key("srvmon_cgroup_cpu_seconds_total", "cgroup", "system.slice/nginx.service", "mode", "user"):     2 * n,
		key("srvmon_cgroup_cpu_seconds_total", "cgroup", "system.slice/nginx.service", "mode", "system"):   n,
		key("srvmon_cgroup_memory_bytes", "cgroup", "system.slice/nginx.service"):                          n << 20,
		key("srvmon_cgroup_memory_peak_bytes", "cgroup", "system.slice/nginx.service"):                     2 * n << 20,
		key("srvmon_cgroup_memory_anon_bytes", "cgroup", "system.slice/nginx.service"):                     n << 19,
		key("srvmon_cgroup_memory_file_bytes", "cgroup", "system.slice/nginx.service"):                     n << 18,
		key("srvmon_cgroup_io_read_bytes_total", "cgroup", "system.slice/nginx.service"):                   n * 1010,
		key("srvmon_cgroup_io_written_bytes_total", "cgroup", "system.slice/nginx.service"):                n * 2020,
		key("srvmon_cgroup_pressure_cpu_waiting_seconds_total", "cgroup", "system.slice/nginx.service"):    n * 0.5, // and 4321 µs, rounded down to 10 ms
		key("srvmon_cgroup_pressure_memory_stalled_seconds_total", "cgroup", "system.slice/nginx.service"): n * 0.01,
		key("srvmon_cgroup_pressure_io_stalled_seconds_total", "cgroup", "system.slice/nginx.service"):     n,
		key("srvmon_cgroup_pids", "cgroup", "system.slice/nginx.service"):                                  n,
		key("node_scrape_collector_success", "collector", "cgroups"):                                       1,
	} {
		if g, ok := got[k]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, want)
		}
	}
}

// TestCgroupsContainerHost: containers nested below slices, on a kernel
// without memory.peak and with the io controller not enabled: what is
// there is recorded, and the lack is said once.
func TestCgroupsContainerHost(t *testing.T) {
	h := newFakeHost(t)
	h.write("sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n")
	noIO := []string{"cpu.stat", "memory.current", "memory.stat", "cpu.pressure", "memory.pressure", "io.pressure", "pids.current"}
	containers := []string{"system.slice", "system.slice/docker-0123abcd.scope", "kubepods.slice",
		"kubepods.slice/kubepods-burstable.slice", "kubepods.slice/kubepods-burstable.slice/pod1",
		"kubepods.slice/kubepods-burstable.slice/pod1/cri-containerd-99.scope"}
	for i, g := range containers {
		h.writeCgroup("fs/cgroup", g, uint64(i+1), noIO)
	}
	stateDir := t.TempDir()
	s, err := New([]string{"cgroups"}, Options{Instance: testInstance, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := h.sample(s, time.Unix(1_700_000_000, 0), time.Time{})
	said, failures := notes(errs)
	if len(failures) > 0 || len(said) != 1 || !strings.Contains(said[0], "io.stat, memory.peak") {
		t.Fatalf("notes %q, failures %v; want one note naming io.stat and memory.peak", said, failures)
	}
	groups, metrics := cgroupSeries(t, got, "kubepods.slice/kubepods-burstable.slice/pod1/cri-containerd-99.scope")
	if !slices.Equal(groups, slices.Sorted(slices.Values(containers))) {
		t.Errorf("groups = %v", groups)
	}
	if len(metrics) != 12 || slices.Contains(metrics, "srvmon_cgroup_io_read_bytes_total") {
		t.Errorf("container metrics = %v, want the 12 of the files it has", metrics)
	}
	// Said once: a new run (a new process, the same state) says nothing.
	s2, _ := New([]string{"cgroups"}, Options{Instance: testInstance, StateDir: stateDir})
	_, errs = h.sample(s2, time.Unix(1_700_000_060, 0), time.Time{})
	if said, failures := notes(errs); len(said)+len(failures) > 0 {
		t.Errorf("second run: notes %q, failures %v; want none", said, failures)
	}
	// Said again when it changes: the io controller enabled, nothing lacks
	// but memory.peak.
	for i, g := range containers {
		h.writeCgroup("fs/cgroup", g, uint64(i+1), append(noIO, "io.stat"))
	}
	_, errs = h.sample(s2, time.Unix(1_700_000_120, 0), time.Time{})
	if said, _ := notes(errs); len(said) != 1 || strings.Contains(said[0], "io.stat") || !strings.Contains(said[0], "memory.peak") {
		t.Errorf("after a change: notes %q, want one naming memory.peak only", said)
	}
}

// TestCgroupsMissingControllers: systemd's hybrid layout (this project's
// VMs): the v2 tree under unified/ with no controllers, so groups have
// cpu.stat and the pressure files only.
func TestCgroupsMissingControllers(t *testing.T) {
	h := newFakeHost(t)
	h.write("sys/fs/cgroup/cpu/cgroup.procs", "")
	h.write("sys/fs/cgroup/unified/cgroup.controllers", "\n")
	bare := []string{"cpu.stat", "cpu.pressure", "memory.pressure", "io.pressure"}
	h.writeCgroup("fs/cgroup/unified", "system.slice", 1, bare)
	h.writeCgroup("fs/cgroup/unified", "system.slice/cron.service", 2, bare)
	s, err := New([]string{"cgroups"}, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := h.sample(s, time.Unix(1_700_000_000, 0), time.Time{})
	said, failures := notes(errs)
	if len(failures) > 0 || len(said) != 1 || !strings.Contains(said[0], "io.stat, memory.current, memory.peak, memory.stat, pids.current") ||
		!strings.Contains(said[0], "controllers: none") {
		t.Errorf("notes %q, failures %v", said, failures)
	}
	_, metrics := cgroupSeries(t, got, "system.slice/cron.service")
	if want := []string{"srvmon_cgroup_cpu_seconds_total", "srvmon_cgroup_cpu_usage_seconds_total",
		"srvmon_cgroup_pressure_cpu_stalled_seconds_total", "srvmon_cgroup_pressure_cpu_waiting_seconds_total",
		"srvmon_cgroup_pressure_io_stalled_seconds_total", "srvmon_cgroup_pressure_io_waiting_seconds_total",
		"srvmon_cgroup_pressure_memory_stalled_seconds_total", "srvmon_cgroup_pressure_memory_waiting_seconds_total"}; !slices.Equal(metrics, want) {
		t.Errorf("metrics = %v, want %v", metrics, want)
	}
	// Without a state directory the Sampler remembers what it said.
	_, errs = h.sample(s, time.Unix(1_700_000_060, 0), time.Time{})
	if len(errs) > 0 {
		t.Errorf("second sample set: %v", errs)
	}
}

// TestCgroupsV1Only: no cgroup2 hierarchy at all.
func TestCgroupsV1Only(t *testing.T) {
	h := newFakeHost(t)
	h.write("sys/fs/cgroup/memory/cgroup.procs", "")
	s, err := New([]string{"cgroups"}, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := h.sample(s, time.Unix(1_700_000_000, 0), time.Time{})
	said, failures := notes(errs)
	if len(failures) > 0 || len(said) != 1 || !strings.Contains(said[0], "cgroup v1") {
		t.Errorf("notes %q, failures %v", said, failures)
	}
	if groups, _ := cgroupSeries(t, got, ""); len(groups) > 0 {
		t.Errorf("groups on a v1 host: %v", groups)
	}
}

// TestCgroupsHost runs the collector on this machine: it records what the
// host has and says what it lacks once.
func TestCgroupsHost(t *testing.T) {
	s, err := New([]string{"cgroups"}, Options{Instance: testInstance, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	samples, errs := s.SampleAt(t.Context(), time.Now())
	said, failures := notes(errs)
	for _, err := range failures {
		t.Error(err)
	}
	n := 0
	for _, smp := range samples {
		if strings.HasPrefix(smp.Series.Metric, "srvmon_cgroup_") {
			n++
		}
	}
	t.Logf("%d cgroup series; notes: %q", n, said)
	if n == 0 && len(said) == 0 {
		t.Error("no cgroup series and no note saying why")
	}
	_, errs = s.SampleAt(t.Context(), time.Now().Add(time.Second))
	if said, failures := notes(errs); len(said)+len(failures) > 0 {
		t.Errorf("second run: notes %q, failures %v; want none", said, failures)
	}
}
