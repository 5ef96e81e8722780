package commands

import (
	"io"
	"os"

	"github.com/srvmon/srvmon/report"
)

// terminalOptions fills in what report's table and graph need to know of
// the terminal w writes to: its size (or, when w is not a terminal, that of
// stdout or stderr; report falls back to 80x24) and whether to use colour
// (on a terminal, unless $NO_COLOR is set). report itself reads neither
// the terminal nor the environment.
func terminalOptions(o report.Options, w io.Writer, getenv func(string) string) report.Options {
	for _, f := range []any{w, os.Stdout, os.Stderr} {
		if cols, rows, ok := termSize(f); ok {
			o.Width, o.Height = cols, rows
			break
		}
	}
	o.Color = onTerminal(w) && getenv("NO_COLOR") == ""
	return o
}

// onTerminal reports whether w is a terminal (push's progress line).
func onTerminal(w io.Writer) bool {
	_, _, ok := termSize(w)
	return ok
}
