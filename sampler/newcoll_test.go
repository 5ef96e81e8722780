package sampler

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/common"
)

// envCtx returns a context pointing the host paths at fixture directories;
// an empty path is left at its default.
func envCtx(t testing.TB, proc, sys, root string) context.Context {
	t.Helper()
	env := common.EnvMap{}
	for k, dir := range map[common.EnvKeyType]string{common.HostProcEnvKey: proc, common.HostSysEnvKey: sys, common.HostRootEnvKey: root} {
		if dir == "" {
			continue
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		env[k] = abs
	}
	return context.WithValue(context.Background(), common.EnvKey, env)
}

// collectOK is collect for a collector that must succeed.
func collectOK(t *testing.T, ctx context.Context, names ...string) map[string]float64 {
	t.Helper()
	got, errs := collect(t, ctx, names...)
	for _, err := range errs {
		t.Error(err)
	}
	return got
}

// metricNames returns the sorted metric names of the keys of m.
func metricNames(m map[string]float64) []string {
	var names []string
	for k := range m {
		name, _, _ := strings.Cut(k, "{")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
