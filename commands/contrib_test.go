package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The cron line and the unit files run "srvmon record" with flags that
// exist; systemd-analyze (when installed) finds the units valid.
func TestContrib(t *testing.T) {
	t.Parallel()
	cron, err := os.ReadFile("../contrib/srvmon.cron")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cron), "\n* * * * * root /usr/local/bin/srvmon record\n") {
		t.Errorf("contrib/srvmon.cron lacks the line %q", "* * * * * root /usr/local/bin/srvmon record")
	}

	units := []string{"srvmon-record.service", "srvmon-record.timer", "srvmon-loop.service", "srvmon-serve.service"}
	dir := t.TempDir()
	var paths []string
	for _, u := range units {
		b, err := os.ReadFile(filepath.Join("../contrib", u))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			cmdline, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart=/usr/local/bin/srvmon ")
			if !ok {
				continue
			}
			// The same command line, with --help, must parse.
			args := append(strings.Fields(cmdline), "--help")
			if code, _, stderr := run(t, args...); code != 0 {
				t.Errorf("%s: srvmon %s: exit status %d: %s", u, cmdline, code, stderr)
			}
		}
		// systemd-analyze wants the binary to exist.
		p := filepath.Join(dir, u)
		b = []byte(strings.ReplaceAll(string(b), "/usr/local/bin/srvmon", "/bin/true"))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed; unit files not verified")
	}
	out, err := exec.Command(sa, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	switch {
	case strings.Contains(string(out), "srvmon-"):
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	case err != nil:
		// Not about our units: this machine cannot run the check.
		t.Skipf("systemd-analyze verify does not work here: %v\n%s", err, out)
	}
}
