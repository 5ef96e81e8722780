package commands

import "runtime/debug"

// Version is srvmon's version, set at build time with
// -ldflags "-X github.com/srvmon/srvmon/commands.Version=v1.2.3". When it is
// empty the version comes from the build information (module version or VCS
// revision).
var Version string

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
