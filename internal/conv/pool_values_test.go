package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPoolValuesMatchesMaxPool: on planes of ties, infinities and NaN
// (zeros of one sign only), the values-only kernel gives MaxPool's values
// bit for bit, for every kernel, stride and padding without dilation,
// floor and ceil mode, and planes that split among goroutines.
func TestMaxPoolValuesMatchesMaxPool(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	pick := []float64{0, 1, 1, 2, -1, math.Inf(1), math.Inf(-1), math.NaN()}
	checked := 0
	for _, planes := range []int{3, 10800} { // 10800 planes of ≥ 5×5 hold 2·parallel.Grain values
		for kh := 1; kh <= 4; kh++ {
			for kw := 1; kw <= 4; kw++ {
				for s := 1; s <= 3; s++ {
					for ceil := range 2 {
						h, w := 5+r.IntN(5), 5+r.IntN(6)
						if planes == 3 {
							// Planes of at most smallPoolPlane values, pooled
							// window by window (maxPoolSmall).
							h, w = 1+r.IntN(4), 1+r.IntN(4)
						}
						ph, pw := r.IntN(kh/2+1), r.IntN(kw/2+1)
						g := PoolGeom{Planes: planes, H: h, W: w, KH: kh, KW: kw, SH: s, SW: 1 + r.IntN(3),
							PH: ph, PW: pw, DH: 1, DW: 1}
						g.HOut = PoolOutSize(h, kh, g.SH, ph, 1, ceil == 1)
						g.WOut = PoolOutSize(w, kw, g.SW, pw, 1, ceil == 1)
						if g.HOut < 1 || g.WOut < 1 {
							continue
						}
						x := make([]float64, planes*h*w)
						for i := range x {
							if r.IntN(4) == 0 {
								x[i] = pick[r.IntN(len(pick))]
							} else {
								x[i] = r.NormFloat64()
							}
						}
						n := planes * g.HOut * g.WOut
						want, idx, got := make([]float64, n), make([]int32, n), make([]float64, n)
						MaxPool(want, idx, x, &g)
						MaxPoolValues(got, x, &g)
						for i := range want {
							if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
								t.Fatalf("%+v: y[%d] = %v, MaxPool gives %v", g, i, got[i], want[i])
							}
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d geometries checked", checked)
	}
}

// TestMaxPoolValuesSignedZero pins the one difference from MaxPool: a
// window whose maximum is −0 then +0 gives +0 (the max builtin's rule),
// where MaxPool gives its first zero, −0; MaxPool gives −0 for a window of
// −0 alone, and so does MaxPoolValues.
func TestMaxPoolValuesSignedZero(t *testing.T) {
	neg := math.Copysign(0, -1)
	g := PoolGeom{Planes: 1, H: 1, W: 4, KH: 1, KW: 2, SH: 1, SW: 2, DH: 1, DW: 1, HOut: 1, WOut: 2}
	x := []float64{neg, 0, neg, -1}
	y, idx := make([]float64, 2), make([]int32, 2)
	MaxPool(y, idx, x, &g)
	if !math.Signbit(y[0]) || !math.Signbit(y[1]) {
		t.Fatalf("MaxPool gives %v, want −0 twice", y)
	}
	MaxPoolValues(y, x, &g)
	if math.Signbit(y[0]) || y[0] != 0 || !math.Signbit(y[1]) || y[1] != 0 {
		t.Fatalf("MaxPoolValues gives %v (sign bits %t %t), want +0 then −0", y, math.Signbit(y[0]), math.Signbit(y[1]))
	}
}
