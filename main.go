// Command srvmon records this host's activity once a minute for years and
// reads it back: a sar replacement. See "srvmon help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/srvmon/srvmon/commands"
)

func main() {
	// No runtime.GOMAXPROCS(1) for record: the Ps exist before main, and
	// removing one stops the world. On a 2-core VM that cost a one-shot
	// record 1.6-3.9 ms of CPU and 55-90 page faults (21 alternating runs).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := commands.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
