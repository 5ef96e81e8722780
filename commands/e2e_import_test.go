package commands_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestE2EImportStopsOnSignals runs `srvmon import -` with stdin a pipe
// that delivers a few lines and then stalls, and sends SIGINT or SIGTERM:
// import must stop at once, say that nothing was imported, exit 1 and leave
// the store exactly as it was (here: no samples, no staging files).
func TestE2EImportStopsOnSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	bin := srvmonBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			if out, err := exec.Command(bin, "record", "--data", dir, "--collectors", "load").CombinedOutput(); err != nil {
				t.Fatalf("record: %v: %s", err, out)
			}
			before := treeOf(t, dir)
			cmd := exec.Command(bin, "import", "--data", dir, "-")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			fmt.Fprintf(stdin, "# TYPE x gauge\n")
			for i := 0; i < 100; i++ {
				fmt.Fprintf(stdin, "x{i=\"a\"} %d %d\n", i, 1714564800+60*i)
			}
			// The lines are read and staged; then the pipe stalls (stdin
			// stays open) and the signal comes.
			time.Sleep(500 * time.Millisecond)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("import - ignored %s for 10 s while stdin stalled", sig)
			}
			stdin.Close()
			if code := exitCodeOf(werr); code != 1 || !strings.Contains(stderr.String(), "interrupted; nothing was imported") {
				t.Fatalf("after %s: exit %d, stderr %q; want exit 1 saying nothing was imported", sig, code, stderr.String())
			}
			if after := treeOf(t, dir); after != before {
				t.Fatalf("the store changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// treeOf describes every entry under dir with its size (the lock's
// contents aside, which are empty).
func treeOf(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data := ""
		if !d.IsDir() {
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data = fmt.Sprintf(" %x", raw)
		}
		fmt.Fprintf(&b, "%s %v %d%.40s\n", rel, info.Mode(), info.Size(), data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func exitCodeOf(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
