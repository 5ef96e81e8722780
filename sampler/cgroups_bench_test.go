package sampler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuNow is this process's CPU time (user and system, every thread).
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCgroupsHost runs the cgroups collector on this host's cgroup v2
// hierarchy with 80 more groups, as a systemd host's units (a slice of 80
// services, made for the benchmark and removed after it; root only), and
// reports its CPU time per sample set: what a group costs depends on the
// kernel's files, which fixture trees on a disk do not show. On systemd's
// hybrid layout (this project's VMs) the groups have the files of no
// controller: cpu.stat and the three pressure files of the nine.
func BenchmarkCgroupsHost(b *testing.B) {
	r := newRun(context.Background(), testInstance)
	root, _ := cgroupRoot(r)
	if root == "" || os.Geteuid() != 0 {
		b.Skip("needs root and a cgroup v2 hierarchy")
	}
	slice := filepath.Join(root, fmt.Sprintf("srvmon-bench-%d.slice", os.Getpid()))
	if err := os.Mkdir(slice, 0o755); err != nil {
		b.Skip("cannot make groups: ", err)
	}
	var made []string
	defer func() {
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i])
		}
		os.Remove(slice)
	}()
	for i := range 80 {
		g := filepath.Join(slice, fmt.Sprintf("unit%d.service", i))
		if err := os.Mkdir(g, 0o755); err != nil {
			b.Fatal(err)
		}
		made = append(made, g)
	}
	s, err := New([]string{"cgroups"}, Options{Instance: testInstance})
	if err != nil {
		b.Fatal(err)
	}
	groups, err := cgroupGroups(r, root)
	if err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
	for b.Loop() {
		c0 := cpuNow()
		if _, errs := s.Sample(context.Background()); len(errs) > 0 {
			for _, err := range errs {
				if _, ok := err.(*Note); !ok {
					b.Fatal(err)
				}
			}
		}
		cpu += cpuNow() - c0
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/set")
	b.ReportMetric(float64(len(groups)), "groups")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/float64(len(groups)), "cpu-µs/group")
}
