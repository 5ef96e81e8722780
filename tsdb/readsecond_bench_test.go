package tsdb

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkReadSecond reads the newest second of a head log that a
// recorder at --interval 1s filled for two hours (400 series, 7,200 sample
// sets): what serve's live range does every second when it takes its
// seconds from the store. Reading a second used to scan every point of the
// day (80 ms here after two hours, growing all day); points written in
// time order are now searched.
func BenchmarkReadSecond(b *testing.B) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	now := day
	s, err := Create(b.TempDir(), withClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	const nser, nsets = 400, 7200
	var ser []Series
	for i := range nser {
		ser = append(ser, NewSeries("m", "instance", "h", "i", fmt.Sprint(i)))
	}
	w, err := s.Lock(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	smp := make([]Sample, nser)
	for t := range nsets {
		now = day.Add(time.Duration(t) * time.Second)
		for i := range smp {
			smp[i] = Sample{Series: ser[i], Value: float64(t * i)}
		}
		if err := w.Append(now, smp); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	last := now
	n := 0
	s.Read(context.Background(), last, last.Add(time.Second), nil, func(Series, []Point) error { n++; return nil })
	if n != nser {
		b.Fatal(n)
	}
	b.ResetTimer()
	for b.Loop() {
		s.Read(context.Background(), last, last.Add(time.Second), nil, func(Series, []Point) error { return nil })
	}
}
