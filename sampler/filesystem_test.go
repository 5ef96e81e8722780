package sampler

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"
)

// fakeStatfs answers statfs from a table; paths listed in hang block until
// the test ends.
type fakeStatfs struct {
	t     *testing.T
	stats map[string]fsStat
	errs  map[string]error
	hang  map[string]bool

	mu     sync.Mutex
	called []string
	stop   chan struct{}
}

func newFakeStatfs(t *testing.T) *fakeStatfs {
	f := &fakeStatfs{t: t, stats: map[string]fsStat{}, errs: map[string]error{}, hang: map[string]bool{}, stop: make(chan struct{})}
	t.Cleanup(func() { close(f.stop) })
	return f
}

func (f *fakeStatfs) statfs(path string) (fsStat, error) {
	f.mu.Lock()
	f.called = append(f.called, path)
	f.mu.Unlock()
	if f.hang[path] {
		<-f.stop
		return fsStat{}, errors.New("too late")
	}
	if err, ok := f.errs[path]; ok {
		return fsStat{}, err
	}
	return f.stats[path], nil
}

func (f *fakeStatfs) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.called)
}

// runFilesystem runs a filesystem collector using fake statfs answers on the
// fixture mountinfo.
func runFilesystem(t *testing.T, ctx context.Context, f *fakeStatfs, timeout time.Duration) (map[string]float64, error) {
	t.Helper()
	c := &filesystemCollector{statfs: f.statfs, timeout: timeout}
	r := newRun(ctx, testInstance)
	err := c.update(ctx, r)
	return byKey(t, r.samples), err
}

func fsKey(metric, device, fstype, mountpoint string) string {
	return key(metric, "device", device, "fstype", fstype, "mountpoint", mountpoint)
}

func TestFilesystemFixture(t *testing.T) {
	f := newFakeStatfs(t)
	f.stats["/"] = fsStat{size: 100 << 30, free: 40 << 30, avail: 35 << 30, files: 6553600, filesFree: 6000000}
	f.stats["/srv/my data"] = fsStat{size: 1 << 30, free: 1 << 29, avail: 1 << 29, files: 100, filesFree: 50}
	f.stats["/home"] = fsStat{size: 2 << 40, free: 1 << 40, avail: 1 << 40, files: 10, filesFree: 5, readOnly: true}
	f.errs["/mnt/nfs"] = syscall.EACCES

	got, err := runFilesystem(t, fixtureCtx(t, "testdata/proc"), f, time.Minute)
	if err == nil || !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), "statfs /mnt/nfs") {
		t.Errorf("error = %v, want EACCES for /mnt/nfs", err)
	}
	// The last mount of /home wins; pseudo file systems, /dev, /proc, /sys,
	// /run/credentials/* and docker's mounts are skipped; statfs runs in
	// mountinfo order.
	if want := []string{"/", "/run", "/srv/my data", "/mnt/nfs", "/home"}; !slices.Equal(f.calls(), want) {
		t.Errorf("statfs calls = %q, want %q", f.calls(), want)
	}
	want := map[string]float64{}
	for _, m := range []struct {
		device, fstype, mountpoint string
		v                          [6]float64 // size, free, avail, files, files_free, readonly
	}{
		{"/dev/vda1", "ext4", "/", [6]float64{100 << 30, 40 << 30, 35 << 30, 6553600, 6000000, 0}},
		{"tmpfs", "tmpfs", "/run", [6]float64{}},
		{"/dev/vdb", "ext4", "/srv/my data", [6]float64{1 << 30, 1 << 29, 1 << 29, 100, 50, 1}}, // ro mount option
		{"/dev/vdc", "ext4", "/home", [6]float64{2 << 40, 1 << 40, 1 << 40, 10, 5, 1}},          // ST_RDONLY
	} {
		for i, metric := range []string{
			"node_filesystem_size_bytes", "node_filesystem_free_bytes", "node_filesystem_avail_bytes",
			"node_filesystem_files", "node_filesystem_files_free", "node_filesystem_readonly",
		} {
			want[fsKey(metric, m.device, m.fstype, m.mountpoint)] = m.v[i]
		}
		want[fsKey("node_filesystem_device_error", m.device, m.fstype, m.mountpoint)] = 0
	}
	want[fsKey("node_filesystem_device_error", "server:/export", "nfs4", "/mnt/nfs")] = 1
	checkSamples(t, got, want)
}

func TestFilesystemHungMount(t *testing.T) {
	f := newFakeStatfs(t)
	f.hang["/run"] = true
	f.hang["/mnt/nfs"] = true
	got, err := runFilesystem(t, fixtureCtx(t, "testdata/proc"), f, 50*time.Millisecond)
	for _, mp := range []string{"/run", "/mnt/nfs"} {
		if err == nil || !strings.Contains(err.Error(), "statfs "+mp+": no answer within 50ms") {
			t.Errorf("error = %v, want a timeout for %s", err, mp)
		}
	}
	// The mounts after a hung one are still measured, on a new goroutine.
	if want := []string{"/", "/run", "/srv/my data", "/mnt/nfs", "/home"}; !slices.Equal(f.calls(), want) {
		t.Errorf("statfs calls = %q, want %q", f.calls(), want)
	}
	if got[fsKey("node_filesystem_device_error", "tmpfs", "tmpfs", "/run")] != 1 {
		t.Error("hung /run not reported as device error")
	}
	if _, ok := got[fsKey("node_filesystem_size_bytes", "/dev/vdc", "ext4", "/home")]; !ok {
		t.Error("no size for /home, which comes after the hung mounts")
	}
}

func TestFilesystemContextDeadline(t *testing.T) {
	f := newFakeStatfs(t)
	f.hang["/srv/my data"] = true
	// A second, not less: the statfs of / and /run before the hung mount
	// must answer before the deadline, and a loaded machine running the
	// race detector has delayed the worker goroutine by tens of ms (with
	// 50 ms, the deadline once caught it still on /run).
	ctx, cancel := context.WithTimeout(fixtureCtx(t, "testdata/proc"), time.Second)
	defer cancel()
	// The collector's own timeout is far longer: the context's deadline
	// bounds the wait.
	got, err := runFilesystem(t, ctx, f, time.Hour)
	if err == nil {
		t.Fatal("no error for a hung mount")
	}
	if _, ok := got[fsKey("node_filesystem_size_bytes", "/dev/vda1", "ext4", "/")]; !ok {
		t.Error("no size for /, measured before the hung mount")
	}
	if !strings.Contains(err.Error(), "statfs /srv/my data") {
		t.Errorf("error %v does not name the hung mount", err)
	}
	// The hung statfs is given up on just before the deadline: whether
	// the mounts after it are answered in the time left or fail with the
	// context's error is a matter of microseconds. Each must be one or
	// the other.
	for _, mp := range []string{"/mnt/nfs", "/home"} {
		measured := false
		for k := range got {
			if strings.HasPrefix(k, "node_filesystem_size_bytes{") && strings.Contains(k, `mountpoint="`+mp+`"`) {
				measured = true
			}
		}
		if measured == strings.Contains(err.Error(), "statfs "+mp) {
			t.Errorf("%s: measured %v, and error %v", mp, measured, err)
		}
	}
}

func TestFilesystemHostRoot(t *testing.T) {
	f := newFakeStatfs(t)
	ctx := context.WithValue(context.Background(), common.EnvKey, common.EnvMap{
		common.HostProcEnvKey: "testdata/proc",
		common.HostRootEnvKey: "/host",
	})
	got, err := runFilesystem(t, ctx, f, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/host", "/host/run", "/host/srv/my data", "/host/mnt/nfs", "/host/home"}; !slices.Equal(f.calls(), want) {
		t.Errorf("statfs calls = %q, want %q", f.calls(), want)
	}
	// Labels keep the mount point as the host sees it.
	if _, ok := got[fsKey("node_filesystem_size_bytes", "/dev/vda1", "ext4", "/")]; !ok {
		t.Errorf("no series for mountpoint /: %v", got)
	}
}

func TestFilesystemSelfMountinfoFallback(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/self/mountinfo", "27 1 254:0 / / rw - ext4 /dev/vda1 rw\n")
	f := newFakeStatfs(t)
	if _, err := runFilesystem(t, fixtureCtx(t, dir), f, time.Minute); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/"}; !slices.Equal(f.calls(), want) {
		t.Errorf("statfs calls = %q, want %q", f.calls(), want)
	}
}

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    []mount
		wantErr bool
	}{
		{
			name: "OptionalFields",
			data: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n",
			want: []mount{{device: "/dev/root", mountPoint: "/mnt2", fsType: "ext3", options: "rw,noatime"}},
		},
		{
			name: "EscapedAndBlankLines",
			data: "\n1 2 0:5 / /a\\040b\\011c\\134d\\012e rw - tmpfs none\\040x rw\n",
			want: []mount{{device: `none\040x`, mountPoint: "/a b\tc\\d\ne", fsType: "tmpfs", options: "rw"}},
		},
		{name: "NoSeparator", data: "36 35 98:0 / / rw ext3 /dev/root rw\n", wantErr: true},
		{name: "Truncated", data: "36 35 98:0 / / rw - ext3\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMountinfo(tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSelectMounts(t *testing.T) {
	in := []mount{
		{mountPoint: "/", fsType: "ext4", device: "/dev/sda1"},
		{mountPoint: "/data", fsType: "xfs", device: "/dev/sdb"},
		{mountPoint: "/", fsType: "overlay", device: "overlay"}, // hides the ext4 root; excluded itself
		{mountPoint: "/data", fsType: "xfs", device: "/dev/sdc"},
		{mountPoint: "/proc", fsType: "proc", device: "proc"},
	}
	want := []mount{{mountPoint: "/data", fsType: "xfs", device: "/dev/sdc"}}
	if got := selectMounts(in); !reflect.DeepEqual(got, want) {
		t.Errorf("selectMounts = %+v, want %+v", got, want)
	}
}

// TestExcludeMountPoint checks the hand-written matcher against
// node_exporter's regular expression.
func TestExcludeMountPoint(t *testing.T) {
	re := regexp.MustCompile(`^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`)
	for _, p := range []string{
		"/", "/dev", "/dev/", "/dev/shm", "/devices", "/proc", "/proc/sys/fs/binfmt_misc", "/process",
		"/sys", "/sys/fs/cgroup", "/system", "/run", "/run/user/1000", "/run/credentials",
		"/run/credentials/", "/run/credentials/x", "/run/credentials/x/y", "/run/credentials/\n",
		"/run/credentials/a\nb", "/run/credentials/a/\nb", "/run/credentials/a\n/b",
		"/var/lib/docker", "/var/lib/docker/", "/var/lib/docker/overlay2/x/merged",
		"/var/lib/containers/storage", "/var/lib/containers/storage/overlay", "/var/lib/dockerd/x",
		"/home/dev", "dev", "/DEV", "/srv/my data",
	} {
		want := re.MatchString(p)
		if got := excludeMountPoint(p); got != want {
			t.Errorf("excludeMountPoint(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestExcludeFSType(t *testing.T) {
	re := regexp.MustCompile(`^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$`)
	for _, typ := range []string{
		"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "cgroup3", "configfs", "debugfs", "devpts",
		"devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs",
		"pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs", "sysfs", "tracefs",
		"ext4", "xfs", "btrfs", "tmpfs", "nfs4", "fuse.sshfs", "zfs", "vfat", "overlayfs", "", "proc2",
	} {
		if got, want := excludeFSType(typ), re.MatchString(typ); got != want {
			t.Errorf("excludeFSType(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestHasOption(t *testing.T) {
	for opts, want := range map[string]bool{
		"ro": true, "rw,relatime": false, "relatime,ro": true, "rw,errors=remount-ro": false, "": false, "nosuid,ro,nodev": true,
	} {
		if got := hasOption(opts, "ro"); got != want {
			t.Errorf("hasOption(%q, ro) = %v, want %v", opts, got, want)
		}
	}
}
