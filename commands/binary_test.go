package commands_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the srvmon binary that end-to-end tests build.
func TestMain(m *testing.M) {
	if dir := os.Getenv(burnEnv); dir != "" {
		burn(dir) // the test binary as a load generator (TestE2ETopAccuracy)
		os.Exit(0)
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// srvmonBinary builds the real srvmon binary once per test process (without
// the race detector: end-to-end tests run many processes) and returns its
// path. Tests that need a real process use it.
func srvmonBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "srvmon-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "srvmon")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/srvmon/srvmon")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = err
			tb.Logf("%s", out)
		}
	})
	if binErr != nil {
		tb.Fatalf("build srvmon: %v", binErr)
	}
	return binPath
}
