package sampler

import (
	"strings"
	"testing"
)

func TestNFSFixture(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc-nfs"), "nfs", "nfsd")
	for k, want := range map[string]float64{
		key("node_nfs_packets_total", "protocol", "tcp"):                   18628,
		key("node_nfs_packets_total", "protocol", "udp"):                   0,
		key("node_nfs_connections_total"):                                  6,
		key("node_nfs_rpcs_total"):                                         4329785,
		key("node_nfs_rpc_retransmissions_total"):                          3,
		key("node_nfs_rpc_authentication_refreshes_total"):                 4338291,
		key("node_nfs_requests_total", "method", "Null", "proto", "3"):     1,
		key("node_nfs_requests_total", "method", "Read", "proto", "3"):     47747,
		key("node_nfs_requests_total", "method", "Commit", "proto", "3"):   39,
		key("node_nfs_requests_total", "method", "FsStat", "proto", "2"):   2,
		key("node_nfsd_reply_cache_nocache_total"):                         18622,
		key("node_nfsd_disk_bytes_read_total"):                             157286400,
		key("node_nfsd_disk_bytes_written_total"):                          72864,
		key("node_nfsd_server_threads"):                                    8,
		key("node_nfsd_packets_total", "proto", "tcp"):                     18628,
		key("node_nfsd_server_rpcs_total"):                                 18628,
		key("node_nfsd_rpc_errors_total", "error", "cInt"):                 0,
		key("node_nfsd_requests_total", "method", "GetAttr", "proto", "3"): 112,
		key("node_nfsd_requests_total", "method", "Access", "proto", "3"):  111,
		// NFSv4: the client's proc4 line, the server's proc4ops line.
		key("node_nfs_requests_total", "method", "Null", "proto", "4"):          1,
		key("node_nfs_requests_total", "method", "Read", "proto", "4"):          2134,
		key("node_nfs_requests_total", "method", "Getattr", "proto", "4"):       2867,
		key("node_nfs_requests_total", "method", "Sequence", "proto", "4"):      1650,
		key("node_nfs_requests_total", "method", "Clone", "proto", "4"):         0,
		key("node_nfsd_requests_total", "method", "Access", "proto", "4"):       1098,
		key("node_nfsd_requests_total", "method", "PutFH", "proto", "4"):        9609,
		key("node_nfsd_requests_total", "method", "RelLockOwner", "proto", "4"): 3,
		key("node_nfsd_read_ahead_cache_size_blocks"):                           32,
		key("node_nfsd_read_ahead_cache_not_found_total"):                       0,
	} {
		if g, ok := got[k]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, want)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "node_nfsd_requests_total") && strings.Contains(k, `"Null"`) {
			t.Errorf("unexpected %s", k)
		}
	}
	// Client: 6 + 18 + 22 + 59 NFSv4 operations; server: 14 + 2 read
	// ahead + 17 + 21 + 33 NFSv4 operations.
	if n := len(got); n != 6+18+22+59+14+2+17+21+33 {
		t.Errorf("%d series", n)
	}
	// No nfs module: nothing.
	if got := collectOK(t, fixtureCtx(t, "testdata/proc"), "nfs", "nfsd"); len(got) != 0 {
		t.Errorf("without rpc files: %v", got)
	}
	if err := parseNFS("proc3 22 1 2 3\n", false, &run{}); err == nil {
		t.Error("a short proc3 line was accepted")
	}
	for _, bad := range []string{"proc4 5 1 2 3\n", "proc4ops 40 1 2 3\n"} {
		if err := parseNFS(bad, bad[5] == 'o', &run{}); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	// An older kernel's shorter proc4 line: the operations it lacks count 0.
	r := &run{instance: testInstance}
	if err := parseNFS("proc4 3 7 8 9\n", false, r); err != nil {
		t.Fatal(err)
	}
	old := byKey(t, r.samples)
	if len(old) != 59 || old[key("node_nfs_requests_total", "method", "Write", "proto", "4")] != 9 ||
		old[key("node_nfs_requests_total", "method", "Clone", "proto", "4")] != 0 {
		t.Errorf("short proc4 line: %d series, %v", len(old), old)
	}
}
