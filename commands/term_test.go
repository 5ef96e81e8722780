//go:build linux

package commands

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/srvmon/srvmon/report"
)

// pty opens a pseudo-terminal of cols x rows and returns its terminal end.
func pty(t *testing.T, cols, rows int) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}); err != nil {
		t.Fatal(err)
	}
	return tty
}

// TestTerminalOptions checks that the terminal's size and colour reach
// report as options, and $NO_COLOR turns colour off.
func TestTerminalOptions(t *testing.T) {
	tty := pty(t, 123, 45)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	o := terminalOptions(report.Options{}, tty, getenv)
	if o.Width != 123 || o.Height != 45 || !o.Color {
		t.Errorf("on a 123x45 terminal: %dx%d, colour %v", o.Width, o.Height, o.Color)
	}
	env["NO_COLOR"] = "1"
	if o := terminalOptions(report.Options{}, tty, getenv); o.Color {
		t.Errorf("colour with NO_COLOR set")
	}
	delete(env, "NO_COLOR")
	if o := terminalOptions(report.Options{}, &bytes.Buffer{}, getenv); o.Color {
		t.Errorf("colour into a buffer")
	}
}
