package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPercentile_SameAsSorted checks the selection against the definition
// (sort, take the value at the nearest rank) on inputs that stress a
// partition: runs of equal values, sorted and reversed input, NaNs, and
// every length up to a few hundred.
func TestPercentile_SameAsSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := map[string]func(n int) []float64{
		"random": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.NormFloat64() * 100
			}
			return v
		},
		"few distinct": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(3))
			}
			return v
		},
		"sorted": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(i)
			}
			return v
		},
		"reversed": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(n - i)
			}
			return v
		},
		"with NaNs": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.Float64()
				if rng.IntN(4) == 0 {
					v[i] = math.NaN()
				}
			}
			return v
		},
	}
	for name, gen := range inputs {
		for n := 0; n < 300; n += 1 + n/10 {
			for _, p := range []float64{0, 1, 50, 95, 99, 100} {
				vals := gen(n)
				want := math.NaN()
				sorted := slices.DeleteFunc(slices.Clone(vals), math.IsNaN)
				slices.Sort(sorted)
				if len(sorted) > 0 {
					want = sorted[max(int(math.Ceil(p/100*float64(len(sorted)))), 1)-1]
				}
				got := percentile(vals, p)
				if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("%s, n=%d, p%v: got %v, want %v", name, n, p, got, want)
				}
			}
		}
	}
}
