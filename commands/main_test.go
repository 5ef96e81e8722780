package commands

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// run runs srvmon with args through Main and returns the exit status, stdout
// and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"srvmon"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestMain_UsageErrors(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	tests := []struct {
		name string
		args []string
		want string // in the message
	}{
		{"UnknownCollector", []string{"record", "--collectors", "cpu,nosuch"}, `unknown collector "nosuch" in --collectors; valid: all, default, `},
		{"UnknownCollectorRemoved", []string{"record", "--collectors", "-nosuch"}, `unknown collector "nosuch"`},
		{"BadInterval", []string{"record", "--interval", "soon"}, `invalid value "soon" for --interval: `},
		{"FractionalInterval", []string{"record", "--interval", "1500ms"}, "invalid --interval 1.5s; use a whole number of seconds"},
		{"NegativeInterval", []string{"record", "--interval=-1s"}, "invalid --interval -1s; "},
		{"NegativeCount", []string{"record", "--count", "-2"}, "invalid --count -2; use a whole number, 0 or more"},
		{"NegativeRetention", []string{"record", "--retention", "-1"}, "invalid --retention -1; use a whole number of days, 0 keeps everything"},
		{"BadRetention", []string{"record", "--retention", "a year"}, `invalid value "a year" for --retention: `},
		{"NegativeLockTimeout", []string{"record", "--lock-timeout", "-1s"}, "invalid --lock-timeout -1s; "},
		{"UnknownFlag", []string{"record", "--frequency", "1m"}, "unknown flag --frequency for 'srvmon record'; run 'srvmon record --help' for the valid flags"},
		{"UnknownRootFlag", []string{"--verbose"}, "unknown flag --verbose for 'srvmon'; "},
		{"RecordArgs", []string{"record", "now"}, `'srvmon record' takes no arguments, got ["now"]`},
		{"ImportTooManyArgs", []string{"import", "a.om", "b.om"}, `'srvmon import' takes at most one file, got ["a.om" "b.om"]`},
		{"ExportArgs", []string{"export", "x"}, `'srvmon export' takes no arguments`},
		{"ExportFormat", []string{"export", "--format", "csv"}, `unknown --format "csv"; export writes openmetrics`},
		{"BadFrom", []string{"export", "--from", "soon"}, `invalid value "soon" for --from: not a time; use RFC 3339 (2024-05-01T13:00:00+02:00`},
		{"BadTo", []string{"export", "--to", "2024-13-01"}, `invalid value "2024-13-01" for --to: `},
		{"MissingFromValue", []string{"export", "--from"}, "flag --from needs a value; use RFC 3339"},
		{"FromNotBeforeTo", []string{"export", "--from", "2024-05-02", "--to", "2024-05-01"}, "--from 2024-05-02T00:00:00Z is not before --to 2024-05-01T00:00:00Z; "},
		{"UnknownCommand", []string{"recrod"}, `unknown command "recrod"; the commands are record, query, report, series, `},
		{"UnknownHelpTopic", []string{"help", "recrod"}, `no command "recrod"; the commands are record, query, report, series, `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if slices.Contains([]string{"record", "export", "import"}, args[0]) {
				args = append([]string{args[0], "--data", dir}, args[1:]...)
			}
			code, stdout, stderr := run(t, args...)
			if code != 2 {
				t.Fatalf("exit status %d, want 2; stderr:\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "srvmon: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Errorf("stderr = %q, want one line starting with \"srvmon: \"", stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
		})
	}
	// A usage error does nothing: not even the store directory appears.
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("usage errors created %s (stat: %v)", dir, err)
	}
}

func TestMain_Version(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "v1.2.3-4-gabcdef"
	code, stdout, stderr := run(t, "--version")
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", code, stderr)
	}
	if got, want := stdout, "srvmon version v1.2.3-4-gabcdef\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}

	Version = ""
	if v := version(); v == "" {
		t.Error("version() is empty without -ldflags, want the build info's or \"dev\"")
	}
}

func TestMain_Help(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, "help")
	if code != 0 {
		t.Fatalf("srvmon help: exit status %d", code)
	}
	for _, want := range []string{"record", "export", "import", "completion", "Examples:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("srvmon help does not mention %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = run(t, "completion", "bash")
	if code != 0 || !strings.Contains(stdout, "srvmon") {
		t.Errorf("srvmon completion bash: exit status %d, output %q", code, stdout)
	}
	for _, c := range []struct {
		cmd  string
		want []string
	}{
		{"record", []string{"Examples:", "--interval DURATION", "--retention DAYS", "(default: 365)", "(default: 10s)", "$SRVMON_DATA", "--collectors NAMES"}},
		{"export", []string{"Examples:", "--from TIME", "(default: the oldest sample)", "--output FILE, -o FILE"}},
		{"import", []string{"Examples:", "[FILE|-]", "--verbose, -v"}},
	} {
		code, stdout, _ := run(t, c.cmd, "--help")
		if code != 0 {
			t.Errorf("srvmon %s --help: exit status %d", c.cmd, code)
		}
		for _, want := range c.want {
			if !strings.Contains(stdout, want) {
				t.Errorf("srvmon %s --help does not show %q:\n%s", c.cmd, want, stdout)
			}
		}
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name   string
		euid   int
		getenv func(string) string
		home   string
		want   string
	}{
		{"Root", 0, env("XDG_DATA_HOME", "/x"), "/root", "/var/lib/srvmon"},
		{"XDG", 1000, env("XDG_DATA_HOME", "/data/me"), "/home/me", "/data/me/srvmon"},
		{"RelativeXDGIgnored", 1000, env("XDG_DATA_HOME", "data"), "/home/me", "/home/me/.local/share/srvmon"},
		{"Home", 1000, env(), "/home/me", "/home/me/.local/share/srvmon"},
		{"Nothing", 1000, env(), "", ""},
	}
	for _, tt := range tests {
		if got := defaultDataDir(tt.euid, tt.getenv, tt.home); got != tt.want {
			t.Errorf("%s: defaultDataDir() = %q, want %q", tt.name, got, tt.want)
		}
	}
	if os.Geteuid() != 0 {
		t.Setenv("XDG_DATA_HOME", "/xdg")
		if got, want := DefaultDataDir(), "/xdg/srvmon"; got != want {
			t.Errorf("DefaultDataDir() = %q, want %q", got, want)
		}
	}
}

func TestMain_DataFromEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	t.Setenv("SRVMON_DATA", dir)
	code, _, stderr := run(t, "record", "--collectors", "load")
	if code != 0 {
		t.Fatalf("record with SRVMON_DATA: exit status %d: %s", code, stderr)
	}
	if n := countSets(t, dir); n != 1 {
		t.Errorf("store in $SRVMON_DATA has %d sample sets, want 1", n)
	}
}

func TestMain_NoStoreDir(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"record"}, {"export"}, {"import"}} {
		code, _, stderr := run(t, append(args, "--data", "")...)
		if code != 2 || !strings.Contains(stderr, "pass --data DIR or set SRVMON_DATA") {
			t.Errorf("srvmon %s --data '': exit status %d, stderr %q; want 2 and a hint", args[0], code, stderr)
		}
	}
}

// TestMain_RecordAlone: record, which Main builds without the other
// commands, says the same for its help and its usage errors as in the
// whole command line.
func TestMain_RecordAlone(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"srvmon", "record", "--help"},
		{"srvmon", "record", "-h"},
		{"srvmon", "record", "--nosuch"},
		{"srvmon", "record", "--interval", "soon"},
		{"srvmon", "record", "extra"},
	} {
		var outs [2]string
		for i, recordOnly := range []bool{false, true} {
			var stdout, stderr bytes.Buffer
			err := newRootCommand(&stdout, &stderr, recordOnly).Run(context.Background(), args)
			outs[i] = stdout.String() + "|" + stderr.String() + "|"
			if err != nil {
				outs[i] += err.Error()
			}
		}
		if outs[0] != outs[1] {
			t.Errorf("%v: alone\n%s\nwithin srvmon\n%s", args, outs[1], outs[0])
		}
		if len(outs[0]) < 10 {
			t.Errorf("%v: said nothing: %q", args, outs[0])
		}
	}
}
