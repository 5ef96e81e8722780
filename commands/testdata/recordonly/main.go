// Command recordonly is what `srvmon record` does with nothing else linked:
// the default collectors, the store and the recording loop. The one-shot
// benchmark runs it beside srvmon to tell the cost of recording from the
// cost of the packages srvmon links for its other commands.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/sampler/recorder"
	"github.com/srvmon/srvmon/tsdb"
)

func main() {
	// The store keeps the sampler's state, as record's does: without it
	// procs reads every process's /proc/PID/stat each run.
	smp, err := sampler.New(sampler.Default(), sampler.Options{Instance: "recordonly", StateDir: os.Args[1]})
	if err == nil {
		var store *tsdb.Store
		if store, err = tsdb.Create(os.Args[1]); err == nil {
			err = recorder.Run(context.Background(), store, smp, recorder.Options{})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
