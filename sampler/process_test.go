package sampler

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProcessFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "process")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checkSamples(t, got, map[string]float64{
		key("process_cpu_seconds_total"):        2.00, // (153 + 47) ticks of 1/100 s
		key("process_max_fds"):                  1024, // the soft limit
		key("process_open_fds"):                 3,
		key("process_resident_memory_bytes"):    float64(2560 * os.Getpagesize()),
		key("process_start_time_seconds"):       float64(fixtureBtime(t)) + 12345.67,
		key("process_virtual_memory_bytes"):     1300000000,
		key("process_virtual_memory_max_bytes"): math.MaxUint64,
	})
}

// fixtureBtime returns the btime of testdata/proc/stat.
func fixtureBtime(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("testdata/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseProcStat(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return st.btime
}

// TestProcessSelf reads this test process: its CPU time and start time
// must match what the Go runtime and the clock say.
func TestProcessSelf(t *testing.T) {
	got, errs := collect(t, t.Context(), "process")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if v := got[key("process_start_time_seconds")]; math.Abs(v-float64(time.Now().Unix())) > 3600 {
		t.Errorf("process_start_time_seconds = %v, not within the hour", v)
	}
	if got[key("process_open_fds")] < 3 || got[key("process_max_fds")] < got[key("process_open_fds")] {
		t.Errorf("open fds %v, max %v", got[key("process_open_fds")], got[key("process_max_fds")])
	}
	if got[key("process_resident_memory_bytes")] < 1<<20 || got[key("process_virtual_memory_bytes")] < got[key("process_resident_memory_bytes")] {
		t.Errorf("rss %v, vsize %v", got[key("process_resident_memory_bytes")], got[key("process_virtual_memory_bytes")])
	}
}

func TestParseSelfStat(t *testing.T) {
	p, err := parseSelfStat("7 (a) b (c)) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.utime != 11 || p.stime != 12 || p.starttime != 19 || p.vsize != 20 || p.rss != 21 {
		t.Errorf("got %+v", p)
	}
	for _, bad := range []string{"7 a R 1", "7 (a) R 1 2 3", "7 (a) R 1 2 3 4 5 6 7 8 9 10 x 12 13 14 15 16 17 18 19 20 21 22"} {
		if _, err := parseSelfStat(bad); err == nil || !strings.Contains(err.Error(), "self/stat") {
			t.Errorf("parseSelfStat(%q) error = %v", bad, err)
		}
	}
}

func TestParseLimits(t *testing.T) {
	files, addr, err := parseLimits("Max open files            unlimited   unlimited   files\nMax address space         4096     unlimited   bytes\n")
	if err != nil || files != math.MaxUint64 || addr != 4096 {
		t.Errorf("got %v, %v, %v", files, addr, err)
	}
	if _, _, err := parseLimits("Max open files  x  y  files\nMax address space  1 1 bytes\n"); err == nil {
		t.Error("no error for a malformed limit")
	}
	if _, _, err := parseLimits("Max cpu time  1 1 seconds\n"); err == nil {
		t.Error("no error without the two limits")
	}
}
