package report

import (
	"testing"
	"time"
)

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 5 * time.Second: "5s", 50 * time.Second: "50s", 90 * time.Second: "2m", time.Hour: "1h",
		6 * time.Hour: "6h", 30 * time.Hour: "1d6h", 7 * 24 * time.Hour: "7d", 400 * 24 * time.Hour: "400d",
		time.Hour + 30*time.Minute: "1h30m", 1500 * time.Millisecond: "2s",
	} {
		if got := DurationText(d); got != want {
			t.Errorf("DurationText(%s) = %q, want %q", d, got, want)
		}
	}
}
