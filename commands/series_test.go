package commands

import (
	"strings"
	"testing"
)

func TestSeries(t *testing.T) {
	t.Parallel()
	dir := queryStore(t)
	day := []string{"--from", "2025-06-02", "--to", "2025-06-03", "--utc"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string // in stderr
	}{
		{"All", day, 0, "node_load1{instance=\"h1\"}\nnode_network_receive_bytes_total{device=\"eth0\",instance=\"h1\"}\n" +
			"srvmon_boot_info{boot_id=\"b1\",instance=\"h1\"}\n", ""},
		{"Selector", append(day, `{__name__=~"node_.*",device="eth0"}`), 0, "node_network_receive_bytes_total{device=\"eth0\",instance=\"h1\"}\n", ""},
		{"Metric", append(day, "node_load1"), 0, "node_load1{instance=\"h1\"}\n", ""},
		{"NoMatch", append(day, `node_load1{instance="h2"}`), 1, "",
			`no series matching node_load1{instance="h2"} from 2025-06-02T00:00:00Z to 2025-06-03T00:00:00Z; the store holds samples from 2025-06-02T10:00:00Z to 2025-06-02T10:29:00Z`},
		{"EmptyRange", []string{"--from", "2025-06-05", "--to", "2025-06-06", "--utc"}, 1, "", "no series from 2025-06-05T00:00:00Z"},
		{"BadSelector", append(day, "node_load1{"), 2, "", `invalid selector "node_load1{"`},
		{"TwoSelectors", append(day, "a", "b"), 2, "", "takes at most one selector"},
		{"BadTime", []string{"--last", "ever"}, 2, "", `invalid --last "ever"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := run(t, append([]string{"series", "--data", dir}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if stdout != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, tt.stdout)
			}
			if tt.stderr == "" && stderr != "" || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q, want %q", stderr, tt.stderr)
			}
		})
	}
}
