package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// expRow returns a softmax row of n scores with its maximum, some −Inf.
func expRow(rng *rand.Rand, n int) ([]float32, float64) {
	x := make([]float32, n)
	m := math.Inf(-1)
	for j := range x {
		x[j] = float32(rng.NormFloat64() * 8)
		if j > 0 && rng.IntN(7) == 0 { // one finite score at least
			x[j] = float32(math.Inf(-1))
		}
		if rng.IntN(50) == 0 {
			x[j] = float32(rng.NormFloat64() * 1e3) // far below the maximum
		}
		m = max(m, float64(x[j]))
	}
	return x, m
}

// TestExpRows checks ExpSum32 and ExpScale32 (the assembly where it runs)
// against the Go lane function in the documented order, bit for bit, and
// against math.Exp.
func TestExpRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 4, 5, 8, 17, 128, 131} {
		for range 20 {
			x, m := expRow(rng, n)
			sum, ok := ExpSum32(x, m)
			if !ok {
				t.Fatalf("n=%d: ExpSum32 reports NaN for %v", n, x)
			}
			// the documented order, with the Go lanes
			var p [4]float64
			n4 := n - n%4
			for j := range n4 {
				e, _ := expShift(x[j], m)
				p[j%4] += e
			}
			want := (p[0] + p[1]) + (p[2] + p[3])
			exact := 0.0
			for j, v := range x {
				if j >= n4 {
					e, _ := expShift(v, m)
					want += e
				}
				exact += math.Exp(float64(v) - m)
			}
			if sum != want {
				t.Fatalf("n=%d: ExpSum32 = %.17g, want %.17g", n, sum, want)
			}
			if math.Abs(sum-exact) > 1e-14*exact {
				t.Errorf("n=%d: ExpSum32 = %.17g, math.Exp's sum %.17g", n, sum, exact)
			}
			inv := 1 / sum
			y := make([]float32, n)
			if !ExpScale32(y, x, m, inv) {
				t.Fatalf("n=%d: ExpScale32 reports NaN", n)
			}
			for j, v := range x {
				e, _ := expShift(v, m)
				if w := float32(e * inv); y[j] != w {
					t.Fatalf("n=%d: ExpScale32 [%d] = %g, want %g", n, j, y[j], w)
				}
				ex := math.Exp(float64(v)-m) * inv
				if d := math.Abs(float64(y[j]) - ex); d > 0x1p-24*ex && d > 0x1p-149 {
					t.Errorf("n=%d: ExpScale32(%g) = %g, math.Exp's %g", n, v, y[j], ex)
				}
			}
			// in place
			c := append([]float32(nil), x...)
			ExpScale32(c, c, m, inv)
			for j := range c {
				if c[j] != y[j] {
					t.Fatalf("n=%d: ExpScale32 in place differs at %d", n, j)
				}
			}
		}
	}
}

func TestExpRowsNaN(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		x []float32
		m float64
	}{
		{[]float32{1, 2, float32(math.NaN()), 0, 1}, 2},
		{[]float32{1, 2, 3, float32(math.NaN())}, 3},
		{[]float32{1, inf, 3, 0, 0, 0, 0, 0}, math.Inf(1)},
		{[]float32{inf}, math.Inf(1)},
	} {
		if _, ok := ExpSum32(c.x, c.m); ok {
			t.Errorf("ExpSum32(%v, %g) reports no NaN", c.x, c.m)
		}
		if ExpScale32(make([]float32, len(c.x)), c.x, c.m, 1) {
			t.Errorf("ExpScale32(%v, %g) reports no NaN", c.x, c.m)
		}
	}
	// −Inf scores are not NaN, and give 0 in float32
	x := []float32{0, float32(math.Inf(-1)), -1, -2000, 0, 0, 0}
	y := make([]float32, len(x))
	if _, ok := ExpSum32(x, 0); !ok || !ExpScale32(y, x, 0, 1) {
		t.Fatal("−Inf reported as NaN")
	}
	if y[1] != 0 || y[3] != 0 || y[0] != 1 {
		t.Errorf("ExpScale32(%v) = %v", x, y)
	}
}
