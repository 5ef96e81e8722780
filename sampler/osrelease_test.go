package sampler

import (
	"errors"
	"io/fs"
	"testing"
)

func TestOSReleaseFixtures(t *testing.T) {
	got := collectOK(t, envCtx(t, "", "", "testdata/root"), "os")
	checkSamples(t, got, map[string]float64{
		key("node_os_info", "id", "debian", "name", "Debian GNU/Linux", "pretty_name", "Debian GNU/Linux 12 (bookworm)",
			"version", "12 (bookworm)", "version_codename", "bookworm", "version_id", "12"): 1,
		key("node_os_version", "id", "debian", "name", "Debian GNU/Linux"): 12,
	})
	// /usr/lib/os-release when /etc has none; single quotes and escapes.
	got = collectOK(t, envCtx(t, "", "", "testdata/root-usrlib"), "os")
	checkSamples(t, got, map[string]float64{
		key("node_os_info", "id", "ubuntu", "id_like", "debian", "name", "Ubuntu", "pretty_name", "Ubuntu 22.04.3 LTS",
			"variant", `Server "edition"`, "version", "22.04.3 LTS (Jammy Jellyfish)", "version_id", "22.04"): 1,
		key("node_os_version", "id", "ubuntu", "id_like", "debian", "name", "Ubuntu"): 22.04,
	})
	_, errs := collect(t, envCtx(t, "", "", t.TempDir()), "os")
	if len(errs) != 1 || !errors.Is(errs[0], fs.ErrNotExist) {
		t.Errorf("without os-release: errors = %v, want not-exist", errs)
	}
}

func TestOSVersion(t *testing.T) {
	for id, want := range map[string]float64{"12": 12, "22.04": 22.04, "9.3.1": 9.3, "7.": 7, "rolling": 0, "": 0} {
		if got := osVersion(id); got != want {
			t.Errorf("osVersion(%q) = %v, want %v", id, got, want)
		}
	}
}
