package report

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestStampCache checks the cached RFC 3339 formatting against
// time.Time.AppendFormat in zones with daylight saving changes (Berlin,
// New York, Lord Howe's half-hour change), a fractional historical
// offset, one far from UTC and UTC, at every few minutes across the
// changes of 2024 and at random times from 1900 to 2100, in order and
// out of order.
func TestStampCache(t *testing.T) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Kiritimati", "Africa/Monrovia", "Asia/Kolkata"}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range zones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("no zoneinfo: %v", err)
		}
		c := stampCache{loc: loc}
		check := func(u int64) {
			t.Helper()
			got := string(c.append([]byte("x"), u))
			want := "x" + time.Unix(u, 0).In(loc).Format(time.RFC3339)
			if got != want {
				t.Fatalf("%s, %d: %q, want %q", name, u, got, want)
			}
		}
		// Every 7 minutes of 2024 (crossing each change twice a year).
		for u := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix(); u < time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix(); u += 7*60 + 1 {
			check(u)
		}
		lo, hi := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		for range 20000 {
			check(lo + rng.Int64N(hi-lo))
		}
		// The last day of year 0, and the first of 10000 (five digits).
		check(-62135596800 - 86400)
		check(253402300800)
	}
}

// TestAppendValue_Integers checks the integer path of appendValue against
// strconv's shortest formatting, which it must equal digit for digit.
func TestAppendValue_Integers(t *testing.T) {
	want := func(v float64) string {
		abs := math.Abs(v)
		f := byte('f')
		if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			f = 'e'
		}
		s := strconv.FormatFloat(v, f, -1, 64)
		if f == 'e' && len(s) >= 4 && s[len(s)-4:len(s)-1] == "e-0" {
			s = s[:len(s)-2] + s[len(s)-1:]
		}
		return s
	}
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 10, 100, 1e15, 1 << 52, 1<<53 - 1, 1 << 53, 1<<53 + 2, -(1<<53 - 1),
		1e20, 1e21, 1e22, 0.5, -0.5, 1.5, 123456789.25, 1e-7, 4.2e-9, math.MaxFloat64, math.SmallestNonzeroFloat64}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		e := rng.IntN(60)
		v := math.Trunc(rng.Float64() * math.Pow(2, float64(e)))
		if rng.IntN(2) == 0 {
			v = -v
		}
		vals = append(vals, v, v+0.25)
	}
	for _, v := range vals {
		if got := string(appendValue(nil, v)); got != want(v) {
			t.Fatalf("%v: %q, want %q", v, got, want(v))
		}
	}
}
