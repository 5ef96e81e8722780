package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/sampler"
	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/lastrun"
	"github.com/srvmon/srvmon/tsdb/query/check"
	"github.com/srvmon/srvmon/tsdb/remote"
)

// VerifyOptions are the settings of Verify.
type VerifyOptions struct {
	DataDir     string
	Repair      bool
	LockTimeout time.Duration
}

func newVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check every file of the store; with --repair, set damaged files aside and rebuild",
		Description: `verify reads every file of the store: the format marker, every record of
every head log, every file of every day block against the checksums
written with it (and each series' bytes of a damaged data file), the
ledger of days (a day block directory that is gone), and the files the
other commands keep beside the store: record's sampler-state and
last-run-problems, check's check-state, push's push-*.json positions.
It prints each damaged file with the time range whose samples it held,
and exits with status 1 when it found damage, 0 when the store is intact.
It takes no lock and runs beside 'srvmon record'.

--repair (under the store lock, like record) moves each damaged file into
DIR/damaged/ (nothing is deleted), writes a head log anew from its intact
records, rebuilds a block from its intact series (all of them when only
summary.gz is damaged; those whose bytes pass their checksum when the data
file is), compacts a day whose damaged block still has its head log, writes
the ledger of days anew from the blocks present, moves a damaged side
file aside (its command starts it afresh: one sample set without process
rates, the checks' states, or a push that sends everything again), and
checks the store again; it exits with status 1 if it found damage, even
when it repaired it, and fails if the store is still damaged afterwards.
The series whose bytes are damaged are lost (their hourly summaries too).

Examples:
  srvmon verify
  srvmon verify --repair --data /var/lib/srvmon`,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.BoolFlag{Name: "repair", Usage: "move damaged files to DIR/damaged/ and rebuild what can be rebuilt"},
			&cli.DurationFlag{Name: "lock-timeout", Value: 10 * time.Second,
				Usage: "with --repair, how long to wait for a writer holding the store lock, a `DURATION`"},
		},
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			return Verify(ctx, VerifyOptions{
				DataDir:     cmd.String("data"),
				Repair:      cmd.Bool("repair"),
				LockTimeout: cmd.Duration("lock-timeout"),
			}, cmd.Root().Writer)
		}),
	}
}

// checkSideFiles checks the files other commands keep in the store
// directory: record's sampler state and last run's problems, check's
// state, and push's positions. Each is replaced whole by the next run of
// its command; a damaged one costs a sample set's process rates, a run's
// problem history, the checks' states, or a push that starts over.
func checkSideFiles(dir string) (checked int, damaged []tsdb.Damage) {
	add := func(name string, exists bool, err error) {
		if exists {
			checked++
		}
		if err != nil {
			damaged = append(damaged, tsdb.Damage{File: name, Reason: err.Error()})
		}
	}
	exists, err := sampler.CheckStateFile(dir)
	add(sampler.StateFile, exists, err)
	exists, err = check.CheckStateFile(dir)
	add(check.StateFile, exists, err)
	_, err = lastrun.Load(dir)
	_, statErr := os.Stat(filepath.Join(dir, lastrun.File))
	add(lastrun.File, statErr == nil, err)
	pos, err := remote.Positions(dir)
	if err != nil {
		add("push-*.json", false, err)
	}
	for _, p := range pos {
		add(p.File, true, p.Err)
	}
	return checked, damaged
}

// errDamageFound is Verify's error when the store was damaged.
var errDamageFound = errors.New("the store is damaged")

// Verify checks the store in o.DataDir and writes one line per damaged
// file, then a summary line; with o.Repair it repairs the store and says
// what it did. It returns an error when it found damage.
func Verify(ctx context.Context, o VerifyOptions, stdout io.Writer) error {
	if err := checkDataDir(o.DataDir); err != nil {
		return err
	}
	if o.LockTimeout < 0 {
		return usagef("invalid --lock-timeout %s; use a duration of 0 or more like 10s", o.LockTimeout)
	}
	store, err := openStore(o.DataDir, tsdb.WithSideFileChecks(checkSideFiles))
	if err != nil {
		return err
	}
	defer store.Close()
	if !o.Repair {
		c, err := store.Verify(ctx)
		if err != nil {
			return fmt.Errorf("store %s: %w", o.DataDir, err)
		}
		return printCheck(stdout, o.DataDir, c, "")
	}
	store, err = tsdb.Open(o.DataDir, tsdb.WithLockTimeout(o.LockTimeout), tsdb.WithRetention(0), tsdb.WithSideFileChecks(checkSideFiles))
	if err != nil {
		return err
	}
	w, err := store.Lock(ctx)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.DataDir, err)
	}
	defer w.Close()
	before, after, err := w.Repair(ctx)
	if err != nil {
		return fmt.Errorf("store %s: %w", o.DataDir, err)
	}
	if printCheck(stdout, o.DataDir, before, "") == nil {
		return nil
	}
	if printCheck(stdout, o.DataDir, after, "still ") != nil {
		return fmt.Errorf("store %s: repair left damage behind: %w", o.DataDir, errDamageFound)
	}
	fmt.Fprintf(stdout, "%s: repaired: it verifies clean now; the damaged files are in %s\n", o.DataDir, filepath.Join(o.DataDir, "damaged"))
	return fmt.Errorf("store %s: %w (repaired)", o.DataDir, errDamageFound)
}

// printCheck writes what a check found (prefix goes before "damaged") and
// returns errDamageFound if it found damage.
func printCheck(w io.Writer, dir string, c tsdb.Check, prefix string) error {
	for _, d := range c.Damage {
		fmt.Fprintf(w, "%sdamaged: %s\n", prefix, d)
	}
	if len(c.Damage) == 0 {
		if prefix == "" {
			fmt.Fprintf(w, "%s: %d files checked, no damage\n", dir, c.Files)
		}
		return nil
	}
	fmt.Fprintf(w, "%s: %d files checked, %d damaged\n", dir, c.Files, len(c.Damage))
	return errDamageFound
}
