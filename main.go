// Command srvmon records this host's activity once a minute for years and
// reads it back: a sar replacement. See "srvmon help".
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/srvmon/srvmon/commands"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "record" {
		// A one-shot record lasts a few milliseconds of /proc reads and an
		// fsync: with one P the runtime starts and spins fewer threads
		// around them (measured: about 15% less CPU a run).
		runtime.GOMAXPROCS(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := commands.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
