// Package commands is srvmon's command line: one file per subcommand, each
// with a constructor for its *cli.Command and an exported function that
// does the work, so that tests call the work without going through flags.
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/commands/interrupt"
	"github.com/srvmon/srvmon/tsdb/param"
)

// Exit statuses of Main.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line is wrong; nothing was done
)

func (e *usageError) Error() string { return e.msg }

// exitStatus ends a command that has said all it had to say (srvmon check's
// plugin output) with an exit status of its own; Main prints nothing more.
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Main runs srvmon with args (args[0] is the program name) and returns the
// exit status: 0 on success, 1 when the command failed, 2 for a usage error.
// Output goes to stdout; errors and warnings, one line each prefixed with
// "srvmon: ", go to stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// A one-shot record runs every minute for years: it builds only its
	// own command, not the other ten with their flags and help, nor the
	// version from the build information (BenchmarkRecordOneShot).
	recordOnly := len(args) > 1 && args[1] == "record"
	if !recordOnly {
		interrupt.Arm(ctx) // record arms in Record, unless it takes one sample set
	}
	root := newRootCommand(stdout, stderr, recordOnly)
	err := root.Run(ctx, args)
	if err == nil {
		return exitOK
	}
	var es *exitStatus
	if errors.As(err, &es) {
		return es.code
	}
	if m := reNoHelpTopic().FindStringSubmatch(err.Error()); m != nil {
		// From cli's own help command ("srvmon help nosuch").
		err = usagef("no command %q; the commands are %s", m[1], commandNames(root))
	}
	fmt.Fprintf(stderr, "srvmon: %s\n", param.Render(err, flagName))
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// newRootCommand returns srvmon's command line; with recordOnly, the record
// command alone (and no version).
func newRootCommand(stdout, stderr io.Writer, recordOnly bool) *cli.Command {
	root := &cli.Command{
		Name:  "srvmon",
		Usage: "record this host's activity every minute, for years, and read it back (a sar replacement)",
		Description: `srvmon samples CPU, memory, disks, network and more with one short run of
"srvmon record" (from cron or a systemd timer, every minute), keeps the
samples in a small local store, and reads them back as tables, graphs, CSV,
JSON, a report or a web page, or sends them on to Prometheus.

The store lives in --data (or $SRVMON_DATA), by default /var/lib/srvmon for
root and $XDG_DATA_HOME/srvmon or ~/.local/share/srvmon for other users.

Examples:
  srvmon record                              # one sample set, silent on success
  srvmon record --interval 10s               # sample every 10 s until Ctrl-C
  srvmon query cpu --last 6h                 # CPU use of the last six hours, as sar -u
  srvmon query disk --last 7d --format graph # disk activity of a week, drawn
  srvmon report --from yesterday --to today  # how was this box yesterday, and when was it worst?
  srvmon push --url http://prom:9090/api/v1/write  # send new samples to Prometheus
  srvmon export --from 2024-05-01 -o may.om  # OpenMetrics text, for promtool or Prometheus
  srvmon import may.om --data /tmp/copy      # load an export into another store
  srvmon help query                          # everything about one command
  source <(srvmon completion bash)           # shell completion (also zsh, fish, pwsh)`,
		EnableShellCompletion: true,
		// List "completion" in the help (cli hides it by default).
		ConfigureShellCompletionCommand: func(c *cli.Command) { c.Hidden = false },
		Suggest:                         true,
		Writer:                          stdout,
		ErrWriter:                       stderr,
		// Errors go back to Main, which prints them and picks the exit
		// status; cli must neither print them nor call os.Exit.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		OnUsageError:   onUsageError,
		Commands:       []*cli.Command{newRecordCommand()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() > 0 {
				return usagef("unknown command %q; the commands are %s (see 'srvmon help')",
					cmd.Args().First(), commandNames(cmd))
			}
			return cli.ShowRootCommandHelp(cmd)
		},
	}
	if !recordOnly {
		root.Version = version()
		root.Commands = append(root.Commands,
			newQueryCommand(),
			newReportCommand(),
			newSeriesCommand(),
			newServeCommand(),
			newExportCommand(),
			newImportCommand(),
			newPushCommand(),
			newVerifyCommand(),
			newCheckCommand(),
			newStatusCommand(),
		)
	}
	for _, c := range root.Commands {
		if c.OnUsageError == nil {
			c.OnUsageError = onUsageError
		}
	}
	return root
}

// commandNames lists the visible subcommands of cmd.
func commandNames(cmd *cli.Command) string {
	var names []string
	for _, c := range cmd.Commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}
