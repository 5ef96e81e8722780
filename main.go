// Command srvmon records this host's activity once a minute for years and
// reads it back: a sar replacement. See "srvmon help".
package main

import (
	"context"
	"os"
	"syscall"

	"github.com/srvmon/srvmon/commands"
	"github.com/srvmon/srvmon/commands/interrupt"
)

func main() {
	// No runtime.GOMAXPROCS(1) for record: the Ps exist before main, and
	// removing one stops the world. On a 2-core VM that cost a one-shot
	// record 1.6-3.9 ms of CPU and 55-90 page faults (21 alternating runs).
	// SIGINT and SIGTERM cancel ctx once a command arms it (package
	// interrupt: a one-shot record never does unless it waits for the lock).
	ctx, stop := interrupt.New(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := commands.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
