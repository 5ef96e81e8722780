package sampler

import (
	"context"
	"fmt"
	"strconv"
)

func init() {
	register("nfs", true, func() collector { return nfsCollector{server: false} })
	register("nfsd", true, func() collector { return nfsCollector{server: true} })
}

// nfsCollector reads the NFS client (/proc/net/rpc/nfs; sar -n NFS) or
// server (/proc/net/rpc/nfsd; sar -n NFSD) RPC statistics with
// node_exporter's node_nfs_* and node_nfsd_* names. Without the nfs or
// nfsd module loaded the file does not exist and nothing is recorded.
// Per-operation counts (node_nfs_requests_total, node_nfsd_requests_total)
// are kept for NFS versions 2, 3 and 4, NFSv4's as node_exporter 1.5 maps
// them: the client's first 59 operations of the proc4 line (a newer
// kernel's further ones are left out, an older kernel's missing ones count
// 0), the server's 33 operations of the proc4ops line.
type nfsCollector struct{ server bool }

// nfsProcNames are the procedures of the proc2 and proc3 lines, in the
// kernel's order, with the method label node_exporter gives them.
var nfsProcNames = map[string][]string{
	"proc2": {"Null", "GetAttr", "SetAttr", "Root", "Lookup", "ReadLink", "Read", "WrCache", "Write", "Create",
		"Remove", "Rename", "Link", "SymLink", "MkDir", "RmDir", "ReadDir", "FsStat"},
	"proc3": {"Null", "GetAttr", "SetAttr", "Lookup", "Access", "ReadLink", "Read", "Write", "Create", "MkDir",
		"SymLink", "MkNod", "Remove", "RmDir", "Rename", "Link", "ReadDir", "ReadDirPlus", "FsStat", "FsInfo",
		"PathConf", "Commit"},
	// The NFSv4 client's operations in the kernel's order (nfs4_procedures
	// as /proc/net/rpc/nfs lists them), named as node_exporter 1.5 names
	// them (procfs' ClientV4Stats).
	"proc4": {"Null", "Read", "Write", "Commit", "Open", "OpenConfirm", "OpenNoattr", "OpenDowngrade", "Close",
		"Setattr", "FsInfo", "Renew", "SetClientID", "SetClientIDConfirm", "Lock", "Lockt", "Locku", "Access",
		"Getattr", "Lookup", "LookupRoot", "Remove", "Rename", "Link", "Symlink", "Create", "Pathconf", "StatFs",
		"ReadLink", "ReadDir", "ServerCaps", "DelegReturn", "GetACL", "SetACL", "FsLocations", "ReleaseLockowner",
		"Secinfo", "FsidPresent", "ExchangeID", "CreateSession", "DestroySession", "Sequence", "GetLeaseTime",
		"ReclaimComplete", "LayoutGet", "GetDeviceInfo", "LayoutCommit", "LayoutReturn", "SecinfoNoName",
		"TestStateID", "FreeStateID", "GetDeviceList", "BindConnToSession", "DestroyClientID", "Seek", "Allocate",
		"DeAllocate", "LayoutStats", "Clone"},
}

// nfsdV4Ops are the NFSv4 server operations node_exporter 1.5 exports
// (procfs' V4Ops), by their position in the proc4ops line after its
// count: 0..2 are unused, 23 and 24 (PUTPUBFH, PUTROOTFH) and all after
// 37 are left out, as node_exporter leaves them out.
var nfsdV4Ops = []struct {
	op   int
	name string
}{
	{3, "Access"}, {4, "Close"}, {5, "Commit"}, {6, "Create"}, {7, "DelegPurge"}, {8, "DelegReturn"},
	{9, "GetAttr"}, {10, "GetFH"}, {11, "Link"}, {12, "Lock"}, {13, "Lockt"}, {14, "Locku"}, {15, "Lookup"},
	{16, "LookupRoot"}, {17, "Nverify"}, {18, "Open"}, {19, "OpenAttr"}, {20, "OpenConfirm"}, {21, "OpenDgrd"},
	{22, "PutFH"}, {25, "Read"}, {26, "ReadDir"}, {27, "ReadLink"}, {28, "Remove"}, {29, "Rename"},
	{30, "Renew"}, {31, "RestoreFH"}, {32, "SaveFH"}, {33, "SecInfo"}, {34, "SetAttr"}, {35, "Verify"},
	{36, "Write"}, {37, "RelLockOwner"},
}

func (c nfsCollector) update(_ context.Context, r *run) error {
	file := "net/rpc/nfs"
	if c.server {
		file = "net/rpc/nfsd"
	}
	data, ok, err := r.readProcOptional(file)
	if err != nil || !ok {
		return err
	}
	if err := parseNFS(data, c.server, r); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// parseNFS emits the counters of an rpc/nfs or rpc/nfsd file: lines of a
// keyword and numbers (the server's th line has fractions, not used).
func parseNFS(data string, server bool, r *run) error {
	var f []string
	for line := range lines(data) {
		f = fields(f, line)
		if len(f) < 2 {
			continue
		}
		v, ok, err := nfsLineValues(f, server)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := emitNFSLine(f[0], v, server, r); err != nil {
			return err
		}
	}
	return nil
}

// nfsLineValues returns the numbers of the line f (its keyword, then its
// fields), false for a line the client (server false) or the server does
// not use.
func nfsLineValues(f []string, server bool) ([]float64, bool, error) {
	key := f[0]
	want := map[string]int{"net": 4, "rpc": 3, "rc": 3, "fh": 1, "io": 2, "th": 1, "ra": 12, "proc2": 1, "proc3": 1,
		"proc4": 1, "proc4ops": 39}[key]
	serverOnly := key == "rc" || key == "fh" || key == "io" || key == "th" || key == "ra" || key == "proc4ops"
	if want == 0 || (!server && serverOnly) || (server && key == "proc4") {
		return nil, false, nil // the server's proc4 line counts only NULL and COMPOUND
	}
	if key == "rpc" && server {
		want = 5
	}
	if len(f)-1 < want {
		return nil, false, fmt.Errorf("parse nfs: %s line has %d values, want %d", key, len(f)-1, want)
	}
	v := make([]float64, 0, len(f)-1)
	for _, s := range f[1:] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			if key == "th" {
				break // th: threads, then histogram fractions (old kernels)
			}
			return nil, false, fmt.Errorf("parse nfs %s: %w", key, err)
		}
		v = append(v, float64(n))
	}
	return v, true, nil
}

// emitNFSLine emits the counters of the line key with the numbers v.
func emitNFSLine(key string, v []float64, server bool, r *run) error {
	prefix, protoLabel := "node_nfs_", "protocol"
	if server {
		prefix, protoLabel = "node_nfsd_", "proto"
	}
	switch key {
	case "net": // netcnt udpcnt tcpcnt tcpconn
		r.add(prefix+"packets_total", v[1], protoLabel, "udp")
		r.add(prefix+"packets_total", v[2], protoLabel, "tcp")
		r.add(prefix+"connections_total", v[3])
	case "rpc":
		if server { // rpccnt badcnt badfmt badauth badclnt
			r.add("node_nfsd_server_rpcs_total", v[0])
			r.add("node_nfsd_rpc_errors_total", v[2], "error", "fmt")
			r.add("node_nfsd_rpc_errors_total", v[3], "error", "auth")
			r.add("node_nfsd_rpc_errors_total", v[4], "error", "cInt")
		} else { // calls retrans authrefresh
			r.add("node_nfs_rpcs_total", v[0])
			r.add("node_nfs_rpc_retransmissions_total", v[1])
			r.add("node_nfs_rpc_authentication_refreshes_total", v[2])
		}
	case "rc": // hits misses nocache
		r.add("node_nfsd_reply_cache_hits_total", v[0])
		r.add("node_nfsd_reply_cache_misses_total", v[1])
		r.add("node_nfsd_reply_cache_nocache_total", v[2])
	case "fh": // stale, then fields the kernel no longer counts
		r.add("node_nfsd_file_handles_stale_total", v[0])
	case "io":
		r.add("node_nfsd_disk_bytes_read_total", v[0])
		r.add("node_nfsd_disk_bytes_written_total", v[1])
	case "th":
		if len(v) > 0 {
			r.add("node_nfsd_server_threads", v[0])
		}
	case "ra": // cache size, ten histogram buckets, not found
		r.add("node_nfsd_read_ahead_cache_size_blocks", v[0])
		r.add("node_nfsd_read_ahead_cache_not_found_total", v[11])
	default: // proc2, proc3, proc4, proc4ops
		return emitNFSRequests(key, v, server, prefix, r)
	}
	return nil
}

// emitNFSRequests emits the per-operation counts of a proc2, proc3, proc4
// (client) or proc4ops (server) line: a count, then one number per
// operation.
func emitNFSRequests(key string, v []float64, server bool, prefix string, r *run) error {
	switch key {
	case "proc4ops": // the count, then one per operation number
		if int(v[0]) != len(v)-1 {
			return fmt.Errorf("parse nfs: proc4ops line has %d values, its count says %d", len(v)-1, int(v[0]))
		}
		for _, op := range nfsdV4Ops {
			r.add("node_nfsd_requests_total", v[1+op.op], "method", op.name, "proto", "4")
		}
	case "proc4":
		if int(v[0]) != len(v)-1 {
			return fmt.Errorf("parse nfs: proc4 line has %d values, its count says %d", len(v)-1, int(v[0]))
		}
		for i, name := range nfsProcNames[key] {
			n := 0.0 // an older kernel without the operation
			if 1+i < len(v) {
				n = v[1+i]
			}
			r.add("node_nfs_requests_total", n, "method", name, "proto", "4")
		}
	case "proc2", "proc3":
		names := nfsProcNames[key]
		if len(v) < 1 || int(v[0]) != len(v)-1 || len(v)-1 != len(names) {
			return fmt.Errorf("parse nfs: %s line has %d values, want the count %d and as many", key, len(v)-1, len(names))
		}
		for i, name := range names {
			if server && name == "Null" {
				continue // node_exporter leaves out the server's Null
			}
			r.add(prefix+"requests_total", v[1+i], "method", name, "proto", key[len(key)-1:])
		}
	}
	return nil
}
