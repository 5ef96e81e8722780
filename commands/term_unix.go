//go:build unix

package commands

import (
	"os"

	"golang.org/x/sys/unix"
)

// termSize returns the columns and rows of the terminal f is, if f is an
// *os.File on a terminal.
func termSize(f any) (cols, rows int, ok bool) {
	file, isFile := f.(*os.File)
	if !isFile || file == nil {
		return 0, 0, false
	}
	ws, err := unix.IoctlGetWinsize(int(file.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 0, 0, false
	}
	return int(ws.Col), int(ws.Row), true
}
