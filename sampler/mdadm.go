package sampler

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register("mdadm", true, func() collector { return mdadmCollector{} })
}

// mdadmCollector reads the state of Linux software RAID arrays from
// /proc/mdstat with node_exporter's node_md_* names: a degraded array
// (node_md_disks{state="failed"} above 0, or active below
// node_md_disks_required) and a rebuild's progress. Without the md driver
// the file does not exist and nothing is recorded.
type mdadmCollector struct{}

// mdArray is one array of /proc/mdstat.
type mdArray struct {
	device                         string
	state                          string // active, inactive, recovering, resync, check
	active, failed, spare, require uint64
	blocks, synced                 uint64
}

// mdStates are the values of node_md_state's state label.
var mdStates = [...]string{"active", "inactive", "recovering", "resync", "check"}

func (mdadmCollector) update(_ context.Context, r *run) error {
	data, ok, err := r.readProcOptional("mdstat")
	if err != nil || !ok {
		return err
	}
	arrays, err := parseMdstat(data)
	if err != nil {
		return err
	}
	for _, a := range arrays {
		for _, s := range mdStates {
			v := 0.0
			if a.state == s {
				v = 1
			}
			r.add("node_md_state", v, "device", a.device, "state", s)
		}
		r.add("node_md_disks", float64(a.active), "device", a.device, "state", "active")
		r.add("node_md_disks", float64(a.failed), "device", a.device, "state", "failed")
		r.add("node_md_disks", float64(a.spare), "device", a.device, "state", "spare")
		r.add("node_md_disks_required", float64(a.require), "device", a.device)
		r.add("node_md_blocks", float64(a.blocks), "device", a.device)
		r.add("node_md_blocks_synced", float64(a.synced), "device", a.device)
	}
	return nil
}

// parseMdstat parses /proc/mdstat:
//
//	md0 : active raid1 sdb1[1] sda1[0](F) sdc1[2](S)
//	      976630464 blocks super 1.2 [2/1] [U_]
//	      [=>...................]  recovery =  8.5% (83840/976630464) finish=...
//
// An array that is not syncing has all its blocks synced.
func parseMdstat(data string) ([]mdArray, error) {
	var arrays []mdArray
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		f := strings.Fields(lines[i])
		if len(f) < 3 || f[1] != ":" || !strings.HasPrefix(f[0], "md") {
			continue
		}
		a, err := newMdArray(f)
		if err != nil {
			return nil, err
		}
		if i+1 >= len(lines) {
			return nil, fmt.Errorf("parse mdstat: %s: no status line", a.device)
		}
		status := strings.Fields(lines[i+1])
		if len(status) < 2 || status[1] != "blocks" {
			if a.state == "inactive" { // inactive arrays may have no status line
				arrays = append(arrays, a)
				continue
			}
			return nil, fmt.Errorf("parse mdstat: %s: unexpected status line %q", a.device, lines[i+1])
		}
		if err := a.setDisks(f, status); err != nil {
			return nil, err
		}
		// The next line may show a resync, recovery, check or reshape.
		if a.state != "inactive" && i+2 < len(lines) {
			a.setSync(lines[i+2])
		}
		arrays = append(arrays, a)
	}
	return arrays, nil
}

// newMdArray returns the array of its first line f ("md0 : active raid1
// sdb1[1] sda1[0](F)"): its device, state, failed and spare disks.
func newMdArray(f []string) (mdArray, error) {
	a := mdArray{device: f[0], state: f[2]}
	if a.state != "active" && a.state != "inactive" {
		return a, fmt.Errorf("parse mdstat: %s: unknown state %q", a.device, a.state)
	}
	for _, d := range f[3:] {
		if !strings.Contains(d, "[") {
			continue // the personality (raid1) and "(auto-read-only)"
		}
		switch {
		case strings.HasSuffix(d, "(F)"):
			a.failed++
		case strings.HasSuffix(d, "(S)"):
			a.spare++
		}
	}
	return a, nil
}

// setDisks sets the blocks and the required and active disks of a from
// its first line f and the fields of its status line ("1953382400 blocks
// super 1.2 [2/2] [UU]").
func (a *mdArray) setDisks(f, status []string) error {
	n, err := strconv.ParseUint(status[0], 10, 64)
	if err != nil {
		return fmt.Errorf("parse mdstat: %s: blocks: %w", a.device, err)
	}
	a.blocks, a.synced = n, n
	// [required/active]; raid0 and linear have none: every disk that
	// is not failed or spare is active and required.
	a.require = uint64(len(f)-3) - a.failed - a.spare
	for _, x := range f[3:] {
		if !strings.Contains(x, "[") {
			a.require-- // the personality counted above
		}
	}
	a.active = a.require
	if a.state == "inactive" {
		// An inactive array requires and has no active disks, as
		// node_exporter 1.5 counts it, whatever the status line says.
		a.require, a.active = 0, 0
		return nil
	}
	for _, s := range status {
		if req, act, ok := strings.Cut(strings.Trim(s, "[]"), "/"); ok && strings.HasPrefix(s, "[") {
			r, err1 := strconv.ParseUint(req, 10, 64)
			ac, err2 := strconv.ParseUint(act, 10, 64)
			if err1 == nil && err2 == nil {
				a.require, a.active = r, ac
			}
		}
	}
	return nil
}

// setSync sets the state of a to the resync, recovery, check or reshape
// the line after its status line shows, if any, and the blocks synced so
// far.
func (a *mdArray) setSync(sync string) {
	kind := ""
	for _, k := range [...]struct{ word, state string }{{"recovery", "recovering"}, {"resync", "resync"}, {"check", "check"}, {"reshape", "recovering"}} {
		if strings.Contains(sync, k.word+" =") || strings.Contains(sync, k.word+"=") {
			kind = k.state
			break
		}
	}
	if kind == "" {
		if strings.Contains(sync, "resync=DELAYED") || strings.Contains(sync, "resync=PENDING") {
			a.state = "resync"
		}
		return
	}
	a.state = kind
	if open := strings.IndexByte(sync, '('); open >= 0 {
		if done, _, ok := strings.Cut(sync[open+1:], "/"); ok {
			if n, err := strconv.ParseUint(done, 10, 64); err == nil {
				a.synced = n
			}
		}
	}
}
