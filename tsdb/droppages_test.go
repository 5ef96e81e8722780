//go:build linux

package tsdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDropPages reads a day block, drops its pages and checks that the
// block's data file left the process' resident set (/proc/self/smaps) and
// that reading again gives the same points.
func TestDropPages(t *testing.T) {
	ctx := context.Background()
	c := &clock{day0}
	s := newTestStore(t, c, WithRetention(0))
	w, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for m := 0; m < 24*60; m++ {
		var set []Sample
		for i := 0; i < 50; i++ {
			set = append(set, Sample{NewSeries("node_test", "instance", "h1", "n", fmt.Sprint(i)), rng.Float64()})
		}
		if err := w.Append(day0.Add(time.Duration(m)*time.Minute), set); err != nil {
			t.Fatal(err)
		}
	}
	c.t = day0.Add(25 * time.Hour)
	if err := w.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	fresh, err := Open(s.Dir(), withClock(c.now), WithRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	before := readAll(t, fresh, day0, day0.Add(24*time.Hour))
	if kib := residentKiB(t, s.Dir()); kib < 100 {
		t.Fatalf("%d KiB of the block resident after reading it all, want it read", kib)
	}
	fresh.DropPages()
	if kib := residentKiB(t, s.Dir()); kib != 0 {
		t.Errorf("%d KiB of the block resident after DropPages, want 0", kib)
	}
	if after := readAll(t, fresh, day0, day0.Add(24*time.Hour)); !reflect.DeepEqual(before, after) {
		t.Error("the points read after DropPages differ")
	}
}

// residentKiB returns the resident KiB of the mappings of files under dir.
func residentKiB(t *testing.T, dir string) int {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	kib, in := 0, false
	for _, l := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			in = len(f) >= 6 && strings.HasPrefix(f[5], dir)
		case in && len(f) == 3 && f[0] == "Rss:":
			n, _ := strconv.Atoi(f[1])
			kib += n
		}
	}
	return kib
}
