package sampler

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	register("os", true, func() collector { return osCollector{} })
}

// osCollector records the distribution from os-release(5)
// (/etc/os-release, else /usr/lib/os-release, under HOST_ROOT) as
// node_exporter's node_os_info and node_os_version: a distribution upgrade
// shows as a new series.
type osCollector struct{}

// osInfoLabels are the os-release keys node_os_info carries, with their
// label names, sorted by label name.
var osInfoLabels = [...]struct{ key, label string }{
	{"BUILD_ID", "build_id"},
	{"ID", "id"},
	{"ID_LIKE", "id_like"},
	{"IMAGE_ID", "image_id"},
	{"IMAGE_VERSION", "image_version"},
	{"NAME", "name"},
	{"PRETTY_NAME", "pretty_name"},
	{"VARIANT", "variant"},
	{"VARIANT_ID", "variant_id"},
	{"VERSION", "version"},
	{"VERSION_CODENAME", "version_codename"},
	{"VERSION_ID", "version_id"},
}

func (osCollector) update(_ context.Context, r *run) error {
	var data string
	var err error
	for _, name := range [...]string{"etc/os-release", "usr/lib/os-release"} {
		data, err = r.readFile(filepath.Join(r.root, name))
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return err
	}
	convertOSRelease(parseOSRelease(data), r)
	return nil
}

// parseOSRelease returns the KEY=value assignments of an os-release file,
// with shell quoting ("...", '...' and backslash escapes) removed. Comments,
// blank and malformed lines are skipped, as the format asks readers to.
func parseOSRelease(data string) map[string]string {
	m := make(map[string]string, 16)
	for line := range lines(data) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			continue
		}
		m[k] = unquoteShell(v)
	}
	return m
}

// unquoteShell removes the quoting of a shell word as os-release uses it.
func unquoteShell(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// convertOSRelease emits node_os_info and node_os_version, the leading
// number of VERSION_ID ("12", "22.04"; 0 when there is none), as
// node_exporter 1.5 does.
func convertOSRelease(m map[string]string, r *run) {
	kv := make([]string, 0, 2*len(osInfoLabels))
	for _, l := range osInfoLabels {
		kv = append(kv, l.label, m[l.key])
	}
	r.add("node_os_info", 1, kv...)
	r.add("node_os_version", osVersion(m["VERSION_ID"]), "id", m["ID"], "id_like", m["ID_LIKE"], "name", m["NAME"])
}

// osVersion returns the number at the start of a VERSION_ID: digits,
// optionally a dot and more digits.
func osVersion(id string) float64 {
	i := 0
	for i < len(id) && id[i] >= '0' && id[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0
	}
	if i < len(id) && id[i] == '.' {
		i++
		for i < len(id) && id[i] >= '0' && id[i] <= '9' {
			i++
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(id[:i], "."), 64)
	if err != nil {
		return 0
	}
	return v
}
