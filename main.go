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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := commands.Main(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
