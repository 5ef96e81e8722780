// Shared helpers of the commands that use a store: where it is, opening it
// for reading with errors that say what to do, warning of the damage its
// reads met, and writing an output file whole or not at all.

package commands

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/atomicfile"
)

// envData names the environment variable that sets --data.
const envData = "SRVMON_DATA"

// systemDataDir is the store of root (and of the cron job and units in
// contrib/).
const systemDataDir = "/var/lib/srvmon"

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

// lockTimeoutFlag is the --lock-timeout flag of the commands that write to
// the store (record, import).
func lockTimeoutFlag() cli.Flag {
	return &cli.DurationFlag{
		Name:  "lock-timeout",
		Usage: "wait at most `DURATION` for another srvmon writing to the store",
		Value: 10 * time.Second,
	}
}

// checkDataDir returns a usage error if no store directory is known.
func checkDataDir(dir string) error {
	if dir == "" {
		return usagef("no store directory (no home directory to put it in); pass --data DIR or set %s", envData)
	}
	return nil
}

// openStore opens the store in dir for reading, with errors that say what to
// do about a missing store.
func openStore(dir string, opts ...tsdb.Option) (*tsdb.Store, error) {
	if err := checkDataDir(dir); err != nil {
		return nil, err
	}
	store, err := tsdb.Open(dir, opts...)
	switch {
	case errors.Is(err, fs.ErrNotExist) && dir != systemDataDir && isStore(systemDataDir):
		// Typically a user reading what root's cron job records.
		return nil, fmt.Errorf("no store in %s; the system's store is %s: pass --data %[2]s or set %s=%[2]s", dir, systemDataDir, envData)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no store in %s (record one with 'srvmon record', or pass --data or set %s)", dir, envData)
	case err != nil:
		return nil, err
	}
	return store, nil
}

// isStore reports whether dir holds a store that can be opened.
func isStore(dir string) bool {
	_, err := tsdb.Open(dir)
	return err == nil
}

// writeOutput calls write with the output name names ("" or "-":
// stdout). A file is written as name.tmp and renamed to name only when
// write succeeded (atomicfile): a failed command leaves no file, and never
// half of one.
func writeOutput(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		return write(stdout)
	}
	f, err := atomicfile.Create(name, 0o666)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// warnDamage writes one line to stderr (if not nil) for each damaged file
// the store came across while reading, and returns how many there were.
func warnDamage(stderr io.Writer, store *tsdb.Store) int {
	damage := store.Damage()
	if stderr != nil {
		for _, d := range damage {
			fmt.Fprintf(stderr, "srvmon: warning: damaged, not read: %s (srvmon verify --repair sets damaged files aside)\n", d)
		}
	}
	return len(damage)
}
