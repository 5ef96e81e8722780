package sampler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/shirou/gopsutil/v4/common"

	"github.com/srvmon/srvmon/tsdb"
)

// run is the state of one Sample call: where /proc is, the files already
// read (cpu, stat and boot all need /proc/stat, which is read once) and the
// samples produced so far.
type run struct {
	proc string // HOST_PROC, default /proc
	sys  string // HOST_SYS, default /sys
	root string // HOST_ROOT, default /

	files map[string]string
	stat  *procStat
	statE error

	instance    string
	textfileDir string    // Options.TextfileDir
	at          time.Time // the sample set's timestamp
	prev        time.Time // the store's sample set before it; zero when unknown
	opts        *Options
	keeper      *stateKeeper  // the Sampler's; its state is loaded on first use in the run
	state       *samplerState // the state once loaded (keeper.get)
	stateHeld   bool          // the run holds keeper's lock
	notes       []error       // *Note values the collectors added
	samples     []tsdb.Sample
	arena       []tsdb.Label // backing store for the samples' labels
	buf         []byte       // read buffer shared by all files
	text        []byte       // slab of the strings readText returns (Linux), appended to only
}

func newRun(ctx context.Context, instance string) *run {
	return &run{
		proc:     hostPath(ctx, common.HostProcEnvKey, "/proc"),
		sys:      hostPath(ctx, common.HostSysEnvKey, "/sys"),
		root:     hostPath(ctx, common.HostRootEnvKey, "/"),
		instance: instance,
		samples:  make([]tsdb.Sample, 0, 512),
	}
}

// hostPath resolves a host directory the way gopsutil does: the EnvMap in
// ctx first, then the environment variable, then def.
func hostPath(ctx context.Context, key common.EnvKeyType, def string) string {
	if env, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok {
		if v := env[key]; v != "" {
			return v
		}
	}
	if v := os.Getenv(string(key)); v != "" {
		return v
	}
	return def
}

// readProc returns the content of the file name under HOST_PROC, reading it
// at most once per run.
func (r *run) readProc(name string) (string, error) {
	if s, ok := r.files[name]; ok {
		return s, nil
	}
	s, err := r.readText(filepath.Join(r.proc, name))
	if err != nil {
		return "", err
	}
	if r.files == nil {
		r.files = make(map[string]string, 8)
	}
	r.files[name] = s
	return s, nil
}

// readProcOptional is readProc for a file the kernel may not have (an
// older kernel, a module not loaded): ok is false, without an error, when
// the file does not exist.
func (r *run) readProcOptional(name string) (data string, ok bool, err error) {
	data, err = r.readProc(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return data, err == nil, err
}

// readParsed reads the file name under /proc (readProc) and parses it.
func readParsed[T any](r *run, name string, parse func(string) (T, error)) (T, error) {
	data, err := r.readProc(name)
	if err != nil {
		var none T
		return none, err
	}
	return parse(data)
}

// readSysOptional reads the file name under HOST_SYS (not cached: each is
// read once); ok is false, without an error, when it does not exist.
func (r *run) readSysOptional(name string) (data string, ok bool, err error) {
	data, err = r.readText(filepath.Join(r.sys, name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return data, err == nil, err
}

// readSysDir lists the directory name under HOST_SYS; a directory that
// does not exist (no such driver or class on this host) gives no entries
// and no error.
func (r *run) readSysDir(name string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(filepath.Join(r.sys, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return entries, err
}

// addUints records the first numbers of the file name under HOST_PROC,
// one to each of metrics in order (three at most; "" skips a number). A
// missing file records nothing when optional is set and fails the
// collector otherwise.
func (r *run) addUints(optional bool, name string, metrics ...string) error {
	var data string
	var err error
	if optional {
		var ok bool
		if data, ok, err = r.readProcOptional(name); err == nil && !ok {
			return nil
		}
	} else {
		data, err = r.readProc(name)
	}
	if err != nil {
		return err
	}
	var v [3]uint64
	if err := parseUints(v[:len(metrics)], data); err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	for i, metric := range metrics {
		if metric != "" {
			r.add(metric, float64(v[i]))
		}
	}
	return nil
}

// procStat returns /proc/stat parsed, parsing it at most once per run.
func (r *run) procStat() (*procStat, error) {
	if r.stat == nil && r.statE == nil {
		data, err := r.readProc("stat")
		if err != nil {
			r.statE = err
		} else {
			r.stat, r.statE = parseProcStat(data)
		}
	}
	return r.stat, r.statE
}

// add appends the sample metric{kv..., instance=<instance>} = v. kv holds
// label name/value pairs sorted by name; a pair with an empty value is left
// out, as tsdb.NewSeries does.
func (r *run) add(metric string, v float64, kv ...string) {
	n := len(kv)/2 + 1
	if cap(r.arena)-len(r.arena) < n {
		r.arena = make([]tsdb.Label, 0, max(512, n))
	}
	start := len(r.arena)
	instance := false
	for i := 0; i+1 < len(kv); i += 2 {
		if !instance && kv[i] > "instance" {
			r.arena = append(r.arena, tsdb.Label{Name: "instance", Value: r.instance})
			instance = true
		}
		if kv[i+1] != "" {
			r.arena = append(r.arena, tsdb.Label{Name: kv[i], Value: kv[i+1]})
		}
	}
	if !instance {
		r.arena = append(r.arena, tsdb.Label{Name: "instance", Value: r.instance})
	}
	end := len(r.arena)
	r.samples = append(r.samples, tsdb.Sample{
		Series: tsdb.Series{Metric: metric, Labels: r.arena[start:end:end]},
		Value:  v,
	})
}
