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
// Per-operation counts are kept for NFS versions 2 and 3; NFSv4's
// operation tables differ between kernel versions and are left out.
type nfsCollector struct{ server bool }

// nfsProcNames are the procedures of the proc2 and proc3 lines, in the
// kernel's order, with the method label node_exporter gives them.
var nfsProcNames = map[string][]string{
	"proc2": {"Null", "GetAttr", "SetAttr", "Root", "Lookup", "ReadLink", "Read", "WrCache", "Write", "Create",
		"Remove", "Rename", "Link", "SymLink", "MkDir", "RmDir", "ReadDir", "FsStat"},
	"proc3": {"Null", "GetAttr", "SetAttr", "Lookup", "Access", "ReadLink", "Read", "Write", "Create", "MkDir",
		"SymLink", "MkNod", "Remove", "RmDir", "Rename", "Link", "ReadDir", "ReadDirPlus", "FsStat", "FsInfo",
		"PathConf", "Commit"},
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
	prefix, protoLabel := "node_nfs_", "protocol"
	if server {
		prefix, protoLabel = "node_nfsd_", "proto"
	}
	var f []string
	for data != "" {
		var line string
		line, data = nextLine(data)
		f = fields(f, line)
		if len(f) < 2 {
			continue
		}
		key := f[0]
		want := map[string]int{"net": 4, "rpc": 3, "rc": 3, "fh": 1, "io": 2, "th": 1, "proc2": 1, "proc3": 1}[key]
		if want == 0 || (!server && (key == "rc" || key == "fh" || key == "io" || key == "th")) {
			continue
		}
		if key == "rpc" && server {
			want = 5
		}
		if len(f)-1 < want {
			return fmt.Errorf("parse nfs: %s line has %d values, want %d", key, len(f)-1, want)
		}
		v := make([]float64, 0, len(f)-1)
		for _, s := range f[1:] {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				if key == "th" {
					break // th: threads, then histogram fractions (old kernels)
				}
				return fmt.Errorf("parse nfs %s: %w", key, err)
			}
			v = append(v, float64(n))
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
	}
	return nil
}
