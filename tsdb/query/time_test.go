package query

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without zoneinfo
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseTime(t *testing.T) {
	loc := berlin(t)
	now := time.Date(2024, 5, 15, 14, 30, 45, 500_000_000, loc) // CEST, +02:00
	at := func(y int, mo time.Month, d, h, mi, s int) time.Time { return time.Date(y, mo, d, h, mi, s, 0, loc) }
	tests := []struct {
		in   string
		want time.Time
	}{
		{"now", now},
		{"NOW", now},
		{"today", at(2024, 5, 15, 0, 0, 0)},
		{"yesterday", at(2024, 5, 14, 0, 0, 0)},
		{" Yesterday ", at(2024, 5, 14, 0, 0, 0)},
		{"2024-05-01T13:00:00+02:00", at(2024, 5, 1, 13, 0, 0)},
		{"2024-05-01T11:00:00Z", at(2024, 5, 1, 13, 0, 0)},
		{"2024-05-01T11:00:00.25Z", at(2024, 5, 1, 13, 0, 0).Add(250 * time.Millisecond)},
		{"2024-05-01 11:00:00-00:00", at(2024, 5, 1, 13, 0, 0)},
		{"2024-05-01T13:00:00", at(2024, 5, 1, 13, 0, 0)},
		{"2024-05-01T13:00", at(2024, 5, 1, 13, 0, 0)},
		{"2024-05-01 13:00", at(2024, 5, 1, 13, 0, 0)},
		{"2024-05-01 13:00:05", at(2024, 5, 1, 13, 0, 5)},
		{"2024-05-01", at(2024, 5, 1, 0, 0, 0)},
		{"2024-01-01", time.Date(2023, 12, 31, 23, 0, 0, 0, time.UTC)}, // CET, +01:00
		{"13:00", at(2024, 5, 15, 13, 0, 0)},
		{"09:05:30", at(2024, 5, 15, 9, 5, 30)},
		{"23:59", at(2024, 5, 15, 23, 59, 0)}, // later today is today
		{"-6h", now.Add(-6 * time.Hour)},
		{"6h", now.Add(-6 * time.Hour)},
		{"2d", now.Add(-48 * time.Hour)},
		{"1w", now.Add(-7 * 24 * time.Hour)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"1.5h", now.Add(-90 * time.Minute)},
		{"90s", now.Add(-90 * time.Second)},
		{"+1h", now.Add(time.Hour)},
		{"-0.5d", now.Add(-12 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in, now, loc)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got.Location() != loc {
				t.Errorf("ParseTime(%q) is in %s, want %s", tt.in, got.Location(), loc)
			}
		})
	}
}

func TestParseTime_Errors(t *testing.T) {
	now := time.Date(2024, 5, 15, 14, 30, 0, 0, time.UTC)
	tests := map[string]string{ // input → in the message
		"":                     "empty time",
		"tomorrow":             `invalid time "tomorrow"; use RFC 3339`,
		"2024-13-01":           `invalid time "2024-13-01"`,
		"2024-05-01T25:00:00Z": `invalid time`,
		"25:00":                `invalid time "25:00"`,
		"6x":                   `unknown unit "x"`,
		"6":                    "missing unit",
		"-":                    "invalid time",
		"h":                    "invalid time",
		"0h":                   "longer than 0",
		"1000000d":             "too long",
		"1..5h":                "bad number",
		"05/01/2024":           "invalid time",
	}
	for in, want := range tests {
		_, err := ParseTime(in, now, time.UTC)
		if err == nil {
			t.Errorf("ParseTime(%q) = nil error, want one containing %q", in, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTime(%q) error %q does not contain %q", in, err, want)
		}
		if !strings.Contains(err.Error(), "use ") {
			t.Errorf("ParseTime(%q) error %q does not say what is valid", in, err)
		}
	}
}

func TestParseRange(t *testing.T) {
	loc := berlin(t)
	now := time.Date(2024, 5, 15, 14, 30, 0, 0, loc)
	at := func(d, h, mi int) time.Time { return time.Date(2024, 5, d, h, mi, 0, 0, loc) }
	tests := []struct {
		name             string
		from, to, last   string
		wantFrom, wantTo time.Time
	}{
		{"Default", "", "", "", at(15, 0, 0), now},
		{"Last", "", "", "6h", at(15, 8, 30), now},
		{"LastNegative", "", "", "-6h", at(15, 8, 30), now},
		{"LastBeforeTo", "", "12:00", "1h", at(15, 11, 0), at(15, 12, 0)},
		{"Days", "yesterday", "today", "", at(14, 0, 0), at(15, 0, 0)},
		{"ToOnly", "", "2024-05-10", "", at(9, 0, 0), at(10, 0, 0)},
		{"ToInDay", "", "2024-05-10 06:00", "", at(10, 0, 0), at(10, 6, 0)},
		{"FromOnly", "-2d", "", "", at(13, 14, 30), now},
		{"Relative", "-3h", "-1h", "", at(15, 11, 30), at(15, 13, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, err := ParseRange(tt.from, tt.to, tt.last, now, loc)
			if err != nil {
				t.Fatal(err)
			}
			if !from.Equal(tt.wantFrom) || !to.Equal(tt.wantTo) {
				t.Errorf("ParseRange(%q, %q, %q) = [%s, %s), want [%s, %s)", tt.from, tt.to, tt.last, from, to, tt.wantFrom, tt.wantTo)
			}
		})
	}
}

func TestParseRange_Errors(t *testing.T) {
	now := time.Date(2024, 5, 15, 14, 30, 0, 0, time.UTC)
	tests := []struct {
		name, from, to, last, want string
	}{
		{"FromAfterTo", "12:00", "11:00", "", "invalid from 2024-05-15T12:00:00Z: is not before to 2024-05-15T11:00:00Z"},
		{"Empty", "now", "", "", "is not before to"},
		{"FromAndLast", "-1h", "", "2h", "from and last both given"},
		{"BadFrom", "soon", "", "", `invalid from "soon": invalid time "soon"`},
		{"BadTo", "", "later", "", `invalid to "later": invalid time "later"`},
		{"BadLast", "", "", "forever", `invalid last "forever"`},
		{"ZeroLast", "", "", "0s", `invalid last "0s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseRange(tt.from, tt.to, tt.last, now, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRange(%q, %q, %q) error = %v, want one containing %q", tt.from, tt.to, tt.last, err, tt.want)
			}
		})
	}
}

func TestParseSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{"5m": 5 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour, "1w2d": 9 * 24 * time.Hour, "30s": 30 * time.Second} {
		if got, err := ParseSpan(in); err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "5", "m", "-5m", "5y", "0m"} {
		if _, err := ParseSpan(in); err == nil {
			t.Errorf("ParseSpan(%q) succeeded, want an error", in)
		}
	}
}

// FuzzParseTime checks that ParseTime never panics, that what it accepts
// is in the location asked, and that an absolute time printed in RFC 3339
// parses back to the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "today", "yesterday", "2024-05-01T13:00:00+02:00", "2024-05-01 13:00", "2024-05-01",
		"13:00", "13:00:05", "-6h", "2d", "1h30m", "+1.5h", "1e3h", "-", "99999999999999999999h", "2024-02-30", "24:00"} {
		f.Add(s)
	}
	loc := time.FixedZone("X", 5*3600+30*60)
	now := time.Date(2024, 5, 15, 14, 30, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, now, loc)
		if err != nil {
			if got != (time.Time{}) {
				t.Errorf("ParseTime(%q) returned %s with error %v", s, got, err)
			}
			return
		}
		if got.Location() != loc {
			t.Errorf("ParseTime(%q) in %s, want %s", s, got.Location(), loc)
		}
		if got.Year() < 0 || got.Year() > 9999 {
			return // RFC 3339 has four-digit years
		}
		back, err := ParseTime(got.Format(time.RFC3339Nano), now, loc)
		if err != nil || !back.Equal(got) {
			t.Errorf("ParseTime(%q) = %s, which parses back as %s, %v", s, got.Format(time.RFC3339Nano), back, err)
		}
	})
}
