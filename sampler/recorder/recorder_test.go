package recorder

import (
	"errors"
	"testing"
	"time"

	"github.com/srvmon/srvmon/tsdb/param"
)

func TestRecordPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		count        int
		interval     time.Duration
		wantCount    int
		wantInterval time.Duration
		wantErr      bool
	}{
		{0, 0, 1, 0, false},
		{1, 0, 1, 0, false},
		{3, 0, 3, time.Second, false},
		{0, 10 * time.Second, 0, 10 * time.Second, false},
		{5, time.Minute, 5, time.Minute, false},
		{-1, 0, 0, 0, true},
		{0, -time.Second, 0, 0, true},
		{0, 1500 * time.Millisecond, 0, 0, true},
	}
	for _, tt := range tests {
		n, iv, err := Plan(tt.count, tt.interval)
		if tt.wantErr {
			var pe *param.Error
			if !errors.As(err, &pe) {
				t.Errorf("Plan(%d, %s) error = %v, want a *param.Error", tt.count, tt.interval, err)
			}
			continue
		}
		if err != nil || n != tt.wantCount || iv != tt.wantInterval {
			t.Errorf("Plan(%d, %s) = %d, %s, %v; want %d, %s", tt.count, tt.interval, n, iv, err, tt.wantCount, tt.wantInterval)
		}
	}
}

func TestNextTick(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now      string
		interval time.Duration
		want     string
	}{
		{"2024-05-01T12:00:03.2Z", 10 * time.Second, "2024-05-01T12:00:10Z"},
		{"2024-05-01T12:00:10Z", 10 * time.Second, "2024-05-01T12:00:20Z"}, // strictly after
		{"2024-05-01T12:00:59.999Z", time.Minute, "2024-05-01T12:01:00Z"},
		{"2024-05-01T12:00:00.5Z", time.Second, "2024-05-01T12:00:01Z"},
		{"2024-05-01T14:00:00.5+02:00", time.Hour, "2024-05-01T13:00:00Z"},
	}
	for _, tt := range tests {
		if got := nextTick(at(tt.now), tt.interval); !got.Equal(at(tt.want)) {
			t.Errorf("nextTick(%s, %s) = %s, want %s", tt.now, tt.interval, got.UTC().Format(time.RFC3339Nano), tt.want)
		}
	}
}
