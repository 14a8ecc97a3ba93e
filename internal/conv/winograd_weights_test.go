package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinoWeightsBits pins WinoWeights's bits to the transform written pair
// by pair, row transform then column transform, as docs/backprop.md §9
// states it: U = G (g Gᵀ), each row (a, b, c) of g becoming
// (a, (a+c)/2 + b/2, (a+c)/2 − b/2, c), then each column of g Gᵀ likewise.
func TestWinoWeightsBits(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, sz := range [][2]int{{1, 1}, {3, 5}, {128, 140}} { // the last splits among goroutines
		cout, cin := sz[0], sz[1]
		w := randSlice(r, cout*cin*9)
		step := cout*cin + winoGap
		got := make([]float64, 16*step)
		WinoWeights(got, w, cout, cin, step)
		for p := range cout * cin {
			k := w[9*p : 9*p+9]
			var rt [3][4]float64
			for i := range 3 {
				a, b, c := k[3*i], k[3*i+1], k[3*i+2]
				s := (a + c) / 2
				rt[i] = [4]float64{a, s + b/2, s - b/2, c}
			}
			for j := range 4 {
				a, b, c := rt[0][j], rt[1][j], rt[2][j]
				s := (a + c) / 2
				for i, want := range [4]float64{a, s + b/2, s - b/2, c} {
					if g := got[(4*i+j)*step+p]; math.Float64bits(g) != math.Float64bits(want) {
						t.Fatalf("%d×%d: pair %d, position %d: %v, want %v", cout, cin, p, 4*i+j, g, want)
					}
				}
			}
		}
	}
}
