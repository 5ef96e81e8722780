// Package commands is srvmon's command line: one file per subcommand, each
// with a constructor for its *cli.Command and an exported function that
// does the work, so that tests call the work without going through flags.
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/urfave/cli/v3"
)

// Version is srvmon's version, set at build time with
// -ldflags "-X github.com/srvmon/srvmon/commands.Version=v1.2.3". When it is
// empty the version comes from the build information (module version or VCS
// revision).
var Version string

// Exit statuses of Main.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line is wrong; nothing was done
)

// envData names the environment variable that sets --data.
const envData = "SRVMON_DATA"

// systemDataDir is the store of root (and of the cron job and units in
// contrib/).
const systemDataDir = "/var/lib/srvmon"

// usageError is a wrong command line: Main prints it as
// "srvmon: <what is wrong>; <what is valid>" and exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError; the format should read
// "<what is wrong>; <what is valid>".
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Main runs srvmon with args (args[0] is the program name) and returns the
// exit status: 0 on success, 1 when the command failed, 2 for a usage error.
// Output goes to stdout; errors and warnings, one line each prefixed with
// "srvmon: ", go to stderr.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	err := root.Run(ctx, args)
	if err == nil {
		return exitOK
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

// flagName spells a library's parameter as the command line's flag.
func flagName(p string) string {
	if f, ok := flagOfParam[p]; ok {
		return "--" + f
	}
	return "--" + p
}

// flagOfParam names the flags whose names differ from the library
// parameters they set.
var flagOfParam = map[string]string{"lock-wait": "lock-timeout"}

func newRootCommand(stdout, stderr io.Writer) *cli.Command {
	root := &cli.Command{
		Name:    "srvmon",
		Usage:   "record this host's activity every minute, for years, and read it back (a sar replacement)",
		Version: version(),
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
		Commands: []*cli.Command{
			newRecordCommand(),
			newQueryCommand(),
			newReportCommand(),
			newSeriesCommand(),
			newServeCommand(),
			newExportCommand(),
			newImportCommand(),
			newPushCommand(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() > 0 {
				return usagef("unknown command %q; the commands are %s (see 'srvmon help')",
					cmd.Args().First(), commandNames(cmd))
			}
			return cli.ShowRootCommandHelp(cmd)
		},
	}
	for _, c := range root.Commands {
		c.OnUsageError = onUsageError
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

// The patterns that recognise urfave/cli's error messages are compiled on
// first use: package initialisation runs in every record, once a minute.
var (
	reUnknownFlag  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^flag provided but not defined: -+(.*)$`) })
	reBadValue     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): (.*)$`) })
	reMissingValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^flag needs an argument: -*(.*)$`) })
	reNoHelpTopic  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^No help topic for '([^']*)'`) })
)

// flagHints says what a valid value of a flag looks like, for usage errors.
var flagHints = map[string]string{
	"interval":     "use a whole number of seconds like 10s or 1m, or 0 for one sample set",
	"count":        "use a whole number, 0 or more",
	"retention":    "use a whole number of days; 0 keeps everything",
	"lock-timeout": "use a duration like 10s or 1m",
	"from":         timeHint,
	"to":           timeHint,
	"since":        timeHint,
	"until":        timeHint,
	"last":         "use a length of time such as 30m, 6h, 2d or 1w",
	"step":         "use a length of time such as 5m or 1h, or 0 for every sample",
	"agg":          "use avg, min, max, last or p95",
	"csv-layout":   "use long or wide",
}

// onUsageError turns cli's flag parsing errors into usage errors that name
// the flag and say what is valid.
func onUsageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	help := fmt.Sprintf("run '%s --help' for the valid flags", cmd.FullName())
	msg := err.Error()
	if m := reUnknownFlag().FindStringSubmatch(msg); m != nil {
		return usagef("unknown flag --%s for '%s'; %s", m[1], cmd.FullName(), help)
	}
	if m := reMissingValue().FindStringSubmatch(msg); m != nil {
		return usagef("flag --%s needs a value; %s", m[1], hintFor(m[1], help))
	}
	if m := reBadValue().FindStringSubmatch(msg); m != nil {
		return usagef("invalid value %q for --%s: %s; %s", m[1], m[2], m[3], hintFor(m[2], help))
	}
	return usagef("%s; %s", msg, help)
}

func hintFor(flag, fallback string) string {
	if h, ok := flagHints[flag]; ok {
		return h
	}
	return fallback
}

// version returns Version, or what the build information knows.
func version() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return rev + dirty
}

// DefaultDataDir returns where the store lives when neither --data nor
// $SRVMON_DATA says: /var/lib/srvmon for root, else $XDG_DATA_HOME/srvmon,
// else ~/.local/share/srvmon. It returns "" if none of them can be found.
func DefaultDataDir() string {
	home, _ := os.UserHomeDir()
	return defaultDataDir(os.Geteuid(), os.Getenv, home)
}

func defaultDataDir(euid int, getenv func(string) string, home string) string {
	if euid == 0 {
		return systemDataDir
	}
	// The XDG spec says to ignore a relative XDG_DATA_HOME.
	if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "srvmon")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".local", "share", "srvmon")
}

// dataFlag is the --data flag every command that uses the store has.
func dataFlag() cli.Flag {
	return &cli.StringFlag{
		Name:      "data",
		Aliases:   []string{"d"},
		Usage:     "store directory `DIR`",
		Value:     DefaultDataDir(),
		Sources:   cli.EnvVars(envData),
		TakesFile: true,
	}
}

// checkDataDir returns a usage error if no store directory is known.
func checkDataDir(dir string) error {
	if dir == "" {
		return usagef("no store directory (no home directory to put it in); pass --data DIR or set %s", envData)
	}
	return nil
}

// noArgs returns a usage error if cmd was given arguments.
func noArgs(cmd *cli.Command) error {
	if cmd.NArg() > 0 {
		return usagef("'%s' takes no arguments, got %q; run '%s --help'", cmd.FullName(), cmd.Args().Slice(), cmd.FullName())
	}
	return nil
}

// usageOf turns a library's *param.Error about an option's value into a
// *usageError that spells the option as a flag; other errors pass through.
func usageOf(err error) error {
	var pe *param.Error
	if errors.As(err, &pe) {
		return &usageError{msg: param.Render(err, flagName)}
	}
	return err
}
