package sampler

import (
	"testing"
	"time"
)

// TestTimeIsTheSampleTime: node_time_seconds is the timestamp the sample
// set is stored under, so that uptime is that minus the boot time.
func TestTimeIsTheSampleTime(t *testing.T) {
	s, err := New([]string{"time"}, Options{Instance: testInstance})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 7, 0, time.UTC)
	samples, errs := s.SampleAt(t.Context(), at)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := byKey(t, samples)
	if v := got[key("node_time_seconds")]; v != float64(at.Unix()) {
		t.Errorf("node_time_seconds = %v, want %v", v, at.Unix())
	}
}
