package vec

import (
	"fmt"
	"math"
)

// Float is the element type of the loops: float32 or float64.
type Float interface{ float32 | float64 }

// AdamCoeffs are the per-step constants of Adam's update (see Adam): β₁,
// β₂ and ε as configured, 1−β₁ and 1−β₂ as the caller rounds them (PyTorch
// computes them in float64 before rounding to the parameter's type), and
// the bias corrections of step t folded into NegStep = −lr/(1−β₁ᵗ) and
// InvRootBias2 = 1/√(1−β₂ᵗ).
type AdamCoeffs[T Float] struct {
	Beta1, OneMinusBeta1  T
	Beta2, OneMinusBeta2  T
	Eps                   T
	NegStep, InvRootBias2 T
}

// array lays the coefficients out as the assembly reads them.
func (c AdamCoeffs[T]) array() [7]T {
	return [7]T{c.Beta1, c.OneMinusBeta1, c.Beta2, c.OneMinusBeta2, c.NegStep, c.InvRootBias2, c.Eps}
}

// Adam applies one step of Adam's update to the parameters x, with the
// gradient g and the first and second moment estimates m and v, updating
// m, v and x in place: for every i,
//
//	m[i] = m[i]·β₁ + (1−β₁)·g[i]
//	v[i] = v[i]·β₂ + ((1−β₂)·g[i])·g[i]
//	x[i] = x[i] + (NegStep·m[i]) / (√v[i]·InvRootBias2 + ε)
//
// each operation rounded in turn, in this order, with 1−β₁ and 1−β₂ taken
// from c. It panics if the slices' lengths differ.
func Adam[T Float](x, g, m, v []T, c AdamCoeffs[T]) {
	if len(g) != len(x) || len(m) != len(x) || len(v) != len(x) {
		panic(fmt.Sprintf("vec: Adam of slices of lengths %d, %d, %d and %d", len(x), len(g), len(m), len(v)))
	}
	k := c.array()
	done := adamAsm(x, g, m, v, &k)
	adamGo(x[done:], g[done:], m[done:], v[done:], &k)
}

// adamGo is Adam in Go, with the coefficients as array lays them out.
func adamGo[T Float](x, g, m, v []T, k *[7]T) {
	b1, c1, b2, c2, negStep, invRoot, eps := k[0], k[1], k[2], k[3], k[4], k[5], k[6]
	g, m, v = g[:len(x)], m[:len(x)], v[:len(x)]
	for i, gi := range g {
		mi := T(m[i]*b1) + T(c1*gi)
		vi := T(v[i]*b2) + T(T(c2*gi)*gi)
		m[i], v[i] = mi, vi
		x[i] += T(negStep*mi) / (T(T(math.Sqrt(float64(vi)))*invRoot) + eps)
	}
}

// AddScaled adds alpha·d to x: x[i] = x[i] + alpha·d[i], the product
// rounded before the sum. It panics if the lengths differ.
func AddScaled[T Float](x []T, alpha T, d []T) {
	if len(d) != len(x) {
		panic(fmt.Sprintf("vec: AddScaled of slices of lengths %d and %d", len(x), len(d)))
	}
	done := addScaledAsm(x, alpha, d)
	addScaledGo(x[done:], alpha, d[done:])
}

// addScaledGo is AddScaled in Go.
func addScaledGo[T Float](x []T, alpha T, d []T) {
	d = d[:len(x)]
	for i, di := range d {
		x[i] += T(alpha * di)
	}
}
