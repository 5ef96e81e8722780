package sampler

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

func init() {
	register("filesystem", true, func() collector {
		return &filesystemCollector{statfs: statfs, timeout: statfsTimeout}
	})
}

// statfsTimeout bounds the wait for one mount's statfs: a dead NFS server
// must not hang record.
const statfsTimeout = 2 * time.Second

// filesystemCollector reports size and free space of the mounted file
// systems, from /proc/1/mountinfo (or /proc/self/mountinfo, as node_exporter
// does when hidepid hides pid 1) and one statfs per mount point.
//
// Each mount point gives one set of series: when a path is mounted more than
// once, the last mount (the one statfs sees) wins. readonly is 1 when the
// mount options say ro (node_exporter's rule) or statfs reports ST_RDONLY.
// A mount whose statfs fails or hangs gets node_filesystem_device_error 1
// and no other series; the collector then returns an error naming it (so
// its success is 0) but keeps the samples of the other mounts.
//
// It does not use gopsutil's disk.Partitions: that reads /proc/filesystems
// too, drops tmpfs and NFS unless asked for all mounts, and rewrites the
// device names (/dev/mapper links, /dev/root, bind mounts), so its labels
// would not be node_exporter's.
type filesystemCollector struct {
	statfs  func(path string) (fsStat, error)
	timeout time.Duration // per mount, shortened to fit ctx's deadline
}

// fsStat is the result of statfs for one mount point.
type fsStat struct {
	size, free, avail uint64 // bytes; free counts the blocks reserved for root, avail does not
	files, filesFree  uint64
	readOnly          bool
}

// mount is one line of mountinfo.
type mount struct {
	device     string // mount source, as node_exporter's device label
	mountPoint string // unescaped
	fsType     string
	options    string // per-mount options, e.g. "rw,relatime"
}

func (c *filesystemCollector) update(ctx context.Context, r *run) error {
	data, err := r.readProc("1/mountinfo")
	if err != nil {
		var err2 error
		if data, err2 = r.readProc("self/mountinfo"); err2 != nil {
			return err
		}
	}
	mounts, err := parseMountinfo(data)
	if err != nil {
		return err
	}
	mounts = selectMounts(mounts)
	paths := make([]string, len(mounts))
	for i := range mounts {
		paths[i] = mounts[i].mountPoint
		if r.root != "/" {
			paths[i] = filepath.Join(r.root, paths[i])
		}
	}
	stats, errs := c.statAll(ctx, paths)
	convertFilesystems(mounts, stats, errs, r)
	return errors.Join(errs...)
}

// parseMountinfo parses /proc/<pid>/mountinfo (proc_pid_mountinfo(5)).
func parseMountinfo(data string) ([]mount, error) {
	var mounts []mount
	var f []string
	for line := range lines(data) {
		f = fields(f, line)
		if len(f) == 0 {
			continue
		}
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime [optional fields...] - ext3 /dev/root rw,errors=continue
		sep := 6
		for sep < len(f) && f[sep] != "-" {
			sep++
		}
		if sep+2 >= len(f) {
			return nil, fmt.Errorf("parse mountinfo: malformed line %q", line)
		}
		mounts = append(mounts, mount{
			device:     f[sep+2],
			mountPoint: unescapeOctal(f[4]),
			fsType:     f[sep+1],
			options:    f[5],
		})
	}
	return mounts, nil
}

// selectMounts keeps the last mount of each mount point (the one statfs
// sees) and drops those node_exporter excludes by default. The order of
// mounts is kept.
func selectMounts(mounts []mount) []mount {
	last := make(map[string]int, len(mounts))
	for i := range mounts {
		last[mounts[i].mountPoint] = i
	}
	var out []mount
	for i, m := range mounts {
		if last[m.mountPoint] != i || excludeFSType(m.fsType) || excludeMountPoint(m.mountPoint) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// statWorker calls statfs on paths[from:] one after the other on its own
// goroutine. Everything but done is guarded by mu: the caller reads next and
// started to tell a hung statfs from a slow sequence of quick ones, and sets
// abandoned so that a worker stuck in statfs writes nothing when it returns.
type statWorker struct {
	mu        sync.Mutex
	next      int       // first path without an answer: the statfs in progress
	started   time.Time // when the statfs of next started
	abandoned bool
	done      chan struct{} // closed when every path has an answer
}

func (c *filesystemCollector) startWorker(paths []string, from int, stats []fsStat, errs []error) *statWorker {
	w := &statWorker{next: from, started: time.Now(), done: make(chan struct{})}
	go func() {
		for i := from; i < len(paths); i++ {
			st, err := c.statfs(paths[i])
			w.mu.Lock()
			if w.abandoned {
				w.mu.Unlock()
				return
			}
			stats[i] = st
			if err != nil {
				errs[i] = fmt.Errorf("statfs %s: %w", paths[i], err)
			}
			w.next, w.started = i+1, time.Now()
			w.mu.Unlock()
		}
		close(w.done)
	}()
	return w
}

// statAll runs statfs on every path, in order, on a helper goroutine, and
// returns the results. A statfs that does not answer within the timeout
// (shortened to ctx's deadline) is reported as an error and left behind
// with its goroutine; a new goroutine goes on with the next path. Once ctx
// is done, the paths without an answer fail with ctx's error. In the normal
// case the caller sleeps once, until the helper is done with every path,
// rather than waking up for each path.
func (c *filesystemCollector) statAll(ctx context.Context, paths []string) ([]fsStat, []error) {
	stats := make([]fsStat, len(paths))
	errs := make([]error, len(paths))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for from := 0; from < len(paths); {
		if err := ctx.Err(); err != nil {
			for i := from; i < len(paths); i++ {
				errs[i] = fmt.Errorf("statfs %s: %w", paths[i], err)
			}
			break
		}
		w := c.startWorker(paths, from, stats, errs)
		from = len(paths)
	wait:
		for {
			timeout := c.timeoutFor(ctx)
			w.mu.Lock()
			left := timeout - time.Since(w.started)
			w.mu.Unlock()
			timer.Reset(max(left, 0))
			select {
			case <-w.done:
				break wait
			case <-timer.C:
				w.mu.Lock()
				next := w.next
				hung := next < len(paths) && time.Since(w.started) >= timeout
				w.abandoned = hung
				w.mu.Unlock()
				if next == len(paths) {
					<-w.done // finishing: it only has to close done
					break wait
				}
				if !hung {
					continue // the slow statfs answered; time the next one
				}
				errs[next] = fmt.Errorf("statfs %s: no answer within %s", paths[next], timeout)
				from = next + 1
				break wait
			case <-ctx.Done():
				w.mu.Lock()
				w.abandoned = true
				next := w.next
				w.mu.Unlock()
				for i := next; i < len(paths); i++ {
					errs[i] = fmt.Errorf("statfs %s: %w", paths[i], ctx.Err())
				}
				break wait
			}
		}
	}
	return stats, errs
}

// timeoutFor returns the time one statfs may take: the collector's timeout,
// or less if ctx ends sooner.
func (c *filesystemCollector) timeoutFor(ctx context.Context) time.Duration {
	d := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < d {
			d = max(left, 0)
		}
	}
	return d
}

// convertFilesystems emits node_exporter's node_filesystem_* series for each
// mount; a mount whose statfs failed only gets
// node_filesystem_device_error = 1.
func convertFilesystems(mounts []mount, stats []fsStat, errs []error, r *run) {
	for i := range mounts {
		m := &mounts[i]
		if errs[i] != nil {
			r.add("node_filesystem_device_error", 1, "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
			continue
		}
		st := &stats[i]
		ro := 0.0
		if st.readOnly || hasOption(m.options, "ro") {
			ro = 1
		}
		r.add("node_filesystem_size_bytes", float64(st.size), "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
		r.add("node_filesystem_free_bytes", float64(st.free), "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
		r.add("node_filesystem_avail_bytes", float64(st.avail), "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
		r.add("node_filesystem_files", float64(st.files), "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
		r.add("node_filesystem_files_free", float64(st.filesFree), "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
		r.add("node_filesystem_readonly", ro, "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
		r.add("node_filesystem_device_error", 0, "device", m.device, "fstype", m.fsType, "mountpoint", m.mountPoint)
	}
}

// hasOption reports whether the comma-separated list opts contains opt.
func hasOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

// excludeFSType reports whether node_exporter's default fs-type exclude,
// ^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$,
// matches t.
func excludeFSType(t string) bool {
	switch t {
	case "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
		"devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs",
		"pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs", "sysfs", "tracefs":
		return true
	}
	return false
}

// excludeMountPoint reports whether node_exporter's default mount-point
// exclude,
// ^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/),
// matches p. It is written out by hand so that no regexp is compiled.
func excludeMountPoint(p string) bool {
	for _, dir := range [...]string{"/dev", "/proc", "/sys"} {
		if rest, ok := strings.CutPrefix(p, dir); ok && (rest == "" || rest[0] == '/') {
			return true
		}
	}
	for _, dir := range [...]string{"/run/credentials/", "/var/lib/docker/", "/var/lib/containers/storage/"} {
		if rest, ok := strings.CutPrefix(p, dir); ok && matchDotPlusEndOrSlash(rest) {
			return true
		}
	}
	return false
}

// matchDotPlusEndOrSlash reports whether s starts with a match of
// .+($|/): at least one character other than a newline, followed by the end
// of s or a slash.
func matchDotPlusEndOrSlash(s string) bool {
	nl := strings.IndexByte(s, '\n')
	if nl < 0 {
		return s != ""
	}
	return nl > 1 && strings.IndexByte(s[1:nl], '/') >= 0
}
