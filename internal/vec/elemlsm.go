package vec

import "fmt"

// SoftmaxGrad32 writes to dx the gradient of a float32 log-softmax row
// with respect to its input, given the row's outputs y and the gradient g
// with respect to them, s = Σⱼ gⱼ:
//
//	dxⱼ = float32(gⱼ − e^yⱼ·s)
//
// computed in float64 (e^yⱼ as ExpSum32's exponentials, yⱼ limited to
// ≥ −700; the product and the difference each rounded on its own). It
// returns false when some yⱼ is NaN, where dx is not to be used. dx may
// be g or y. It panics unless dx, g and y have the same length.
func SoftmaxGrad32(dx, g, y []float32, s float64) bool {
	if len(g) != len(dx) || len(y) != len(dx) {
		panic(fmt.Sprintf("vec: SoftmaxGrad32 of %d and %d values into %d", len(g), len(y), len(dx)))
	}
	done, bad := softmaxGradAsm(dx, g, y, s)
	for j := done; j < len(dx); j++ {
		e, nan := expShift(y[j], 0)
		dx[j] = float32(float64(g[j]) - float64(e*s)) // the product rounded: never fused
		bad = bad || nan
	}
	return !bad
}

// AttnDS32 turns a row of dP̃ in g into attention's dS in place, given
// the row's P̃ (pt, P after dropout) and P (p; the same slice without
// dropout):
//
//	D = Σⱼ gⱼ·ptⱼ,   gⱼ = float32(ptⱼ·gⱼ − pⱼ·D)
//
// computed in float64 (every gⱼ·ptⱼ exact, pⱼ·D and the difference each
// rounded on its own), D summed in a fixed order whatever the platform:
// four partial sums over the first len(g) − len(g) mod 4 values, value j
// into partial j mod 4, then (s₀ + s₁) + (s₂ + s₃), then the rest in
// order. It panics unless g, pt and p have the same length.
func AttnDS32(g, pt, p []float32) {
	if len(pt) != len(g) || len(p) != len(g) {
		panic(fmt.Sprintf("vec: AttnDS32 of %d values with %d and %d", len(g), len(pt), len(p)))
	}
	n := len(g) - len(g)%4
	var acc [4]float64
	done := attnDotAsm(g[:n], pt[:n], &acc)
	for j := done; j < n; j += 4 {
		for k := range 4 {
			acc[k] += float64(g[j+k]) * float64(pt[j+k])
		}
	}
	d := (acc[0] + acc[1]) + (acc[2] + acc[3])
	for j := n; j < len(g); j++ {
		d += float64(g[j]) * float64(pt[j])
	}
	done = attnDSAsm(g, pt, p, d)
	for j := done; j < len(g); j++ {
		g[j] = float32(float64(pt[j])*float64(g[j]) - float64(float64(p[j])*d)) // p·d rounded: never fused
	}
}
