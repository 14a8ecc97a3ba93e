package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// elemInputs returns float32 inputs over every region of the kernels:
// random values of every magnitude, the region boundaries of Φ and their
// neighbours, the tails where the results underflow or saturate, zeros,
// subnormals and the non-finite values.
func elemInputs() []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	var xs []float32
	for range 20000 {
		xs = append(xs, float32(rng.NormFloat64()*3))
	}
	for range 5000 {
		xs = append(xs, float32((rng.Float64()*2-1)*30))
	}
	for range 2000 {
		// every exponent, both signs
		e := rng.IntN(280) - 150
		xs = append(xs, float32(math.Ldexp(rng.Float64()+0.5, e)*float64(1-2*rng.IntN(2))))
	}
	for _, z := range []float64{erfAMax, erfBMax, erfCMax} {
		x := float32(z / invSqrt2)
		for k := -3; k <= 3; k++ {
			v := math.Float32frombits(uint32(int32(math.Float32bits(x)) + int32(k)))
			xs = append(xs, v, -v)
		}
	}
	for _, v := range []float64{
		0, math.Copysign(0, -1), 1e-45, -1e-45, 1e-40, -1e-40, 1.17549435e-38,
		-10, 10, -14, -14.5, -20, -30, -39.9, -40, -41, -1e10, 1e10, 3.4e38, -3.4e38,
		90, -90, 100, -100, 103.9, -103.9, 104, -104, 700, -700, 710, -710, 1e5, -1e5,
		20, -20, 9, -9, 9.01, 30, -30, 88.72, -88.72, 0.5, -0.5, 1, -1, 0.7518, -0.7518,
		math.Inf(1), math.Inf(-1), math.NaN(),
	} {
		xs = append(xs, float32(v))
	}
	return xs
}

type elemCase struct {
	name  string
	run   func(y, x []float32) // the public function
	lane  func(float64) float64
	exact func(float64) float64 // the definition with package math, for non-finite x
	ref   func(float64) float64 // an accurate reference
	scale func(float64) float64 // the magnitude the error is measured against, nil for |ref|
}

// tanhAprxRef is x·σ(2u) from sigmoidExact; geluTanhDRef its derivative
// σ(2u) + 2√(2/π)·x·σ(2u)σ(−2u)(1 + 3κx²), without the cancellation of
// 1 − tanh²u.
func geluTanhRef(x float64) float64 {
	return x * sigmoidExact(geluTanhU2(x))
}

// geluTanhU2 is 2u, whose rounding (2⁻⁵³|2u| absolute) no computation in
// float64 escapes: it bounds the error of e^(2u) relative.
func geluTanhU2(x float64) float64 { return 2 * sqrt2OverPi * (x + geluKappa*x*x*x) }

func geluTanhDTerms(x float64) (float64, float64) {
	u2 := geluTanhU2(x)
	s, c := sigmoidExact(u2), sigmoidExact(-u2)
	return s, 2 * sqrt2OverPi * x * s * c * (1 + 3*geluKappa*x*x)
}

func geluDTerms(x float64) (float64, float64) {
	return phiRef(x), x * invSqrt2Pi * math.Exp(-0.5*x*x)
}

// phiRef is Φ(x) = ½erfc(−x/√2) corrected for the rounding of x/√2:
// with z the rounded |x|/√2 and δ = |x|/√2 − z (by an FMA, with 1/√2 to
// 106 bits), erfc(z + δ) = erfc(z)(1 − 2zδ) to far below 1e-16 relative,
// where phiExact is off by up to x²·2⁻⁵³ relative in the lower tail.
func phiRef(x float64) float64 {
	const invSqrt2Lo = -4.8336466567264565186e-17 // 1/√2 − invSqrt2
	ax := math.Abs(x)
	z := ax * invSqrt2
	d := math.FMA(ax, invSqrt2, -z) + ax*invSqrt2Lo
	q := 0.5 * math.Erfc(z) * (1 - 2*z*d)
	if x < 0 {
		return q
	}
	return 1 - q
}

func geluRef(x float64) float64 { return x * phiRef(x) }

var elemCases = []elemCase{
	{"Sigmoid32", Sigmoid32, sigmoidLane, sigmoidExact, sigmoidExact, nil},
	{"Tanh32", Tanh32, tanhLane, math.Tanh, math.Tanh, nil},
	{"SiLU32", SiLU32, siluLane, siluExact, siluExact, nil},
	{"SiLUGrad32", func(y, x []float32) { SiLUGrad32(y, ones(len(x)), x) }, siluGradLane, siluGradExact,
		func(x float64) float64 { return sigmoidExact(x) * (1 + x*sigmoidExact(-x)) },
		func(x float64) float64 { return sigmoidExact(x) * (1 + math.Abs(x)*sigmoidExact(-x)) }},
	{"GELU32", GELU32, geluLane, geluExact, geluRef, nil},
	{"GELUTanh32", GELUTanh32, geluTanhLane, geluTanhExact, geluTanhRef,
		func(x float64) float64 { return math.Abs(geluTanhRef(x)) * (1 + math.Abs(geluTanhU2(x))) }},
	{"GELUGrad32", func(y, x []float32) { GELUGrad32(y, ones(len(x)), x) }, geluGradLane, geluGradExact,
		func(x float64) float64 { a, b := geluDTerms(x); return a + b },
		func(x float64) float64 { a, b := geluDTerms(x); return math.Abs(a) + math.Abs(b) }},
	{"GELUTanhGrad32", func(y, x []float32) { GELUTanhGrad32(y, ones(len(x)), x) }, geluTanhGradLane, geluTanhGradExact,
		func(x float64) float64 { a, b := geluTanhDTerms(x); return a + b },
		func(x float64) float64 {
			a, b := geluTanhDTerms(x)
			return (math.Abs(a) + math.Abs(b)) * (1 + math.Abs(geluTanhU2(x)))
		}},
}

func ones(n int) []float32 {
	o := make([]float32, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

func same32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestElemLanes checks that the public functions (the assembly where it
// runs, over every length's whole vectors and tail) give the bits of the
// Go lane functions, with the exact definitions for non-finite inputs.
func TestElemLanes(t *testing.T) {
	xs := elemInputs()
	for _, c := range elemCases {
		want := make([]float32, len(xs))
		for i, x := range xs {
			f := c.lane
			if !finite32(x) {
				f = c.exact
			}
			want[i] = float32(f(float64(x)))
		}
		for _, off := range []int{0, 1, 2, 3} {
			for _, n := range []int{0, 1, 3, 4, 5, 8, 13, len(xs) - off} {
				y := make([]float32, n)
				c.run(y, xs[off:off+n])
				for i := range y {
					if !same32(y[i], want[off+i]) {
						t.Fatalf("%s(%g) at %d of %d: got %g (%#x), want %g (%#x)", c.name, xs[off+i], i, n, y[i], math.Float32bits(y[i]), want[off+i], math.Float32bits(want[off+i]))
					}
				}
			}
		}
	}
}

// TestElemAccuracy checks the float64 values of the lane functions against
// accurate references (within 1e-15 of the magnitude the doc comments
// give), and the float32 results of the public functions against the
// reference rounded to float32: equal for every input here (a value
// within 2⁻²⁵ ulp of a rounding boundary could be 1 ulp off). Non-finite inputs give the exact definitions'
// values.
func TestElemAccuracy(t *testing.T) {
	xs := elemInputs()
	for _, c := range elemCases {
		y := make([]float32, len(xs))
		c.run(y, xs)
		off := 0
		for i, x32 := range xs {
			x := float64(x32)
			if !finite32(x32) || math.Abs(x) > 38 {
				// the exact definitions; beyond 38 the kernels clamp x where
				// every result saturates, and the references lose their way
				// (the derivatives of GELU there are −0, the exact
				// definition's 0 + x·0 = +0: the sign of zero is not
				// compared)
				if w := float32(c.exact(x)); !same32(y[i], w) && y[i] != w {
					t.Errorf("%s(%g) = %g, want %g", c.name, x, y[i], w)
				}
				continue
			}
			got, ref := c.lane(x), c.ref(x)
			scale := math.Abs(ref)
			if c.scale != nil {
				scale = c.scale(x)
			}
			if d := math.Abs(got - ref); d > 1e-15*scale && d > 1e-200 { // 1e-200: zero in float32
				t.Errorf("%s(%g): %.17g, reference %.17g: error %.3g of %.3g", c.name, x, got, ref, d, scale)
			}
			w := float32(ref)
			if !same32(y[i], w) && y[i] != w { // ±0 alike: see above
				off++
				if ulps := int64(math.Float32bits(y[i])) - int64(math.Float32bits(w)); ulps > 1 || ulps < -1 {
					t.Errorf("%s(%g) = %g, reference %g rounds to %g", c.name, x, y[i], ref, w)
				}
			}
		}
		old := 0 // the scalar definitions', for the record
		for i, x := range xs {
			if w := float32(c.exact(float64(x))); !same32(y[i], w) && y[i] != w {
				old++
			}
		}
		t.Logf("%s: %d of %d values 1 ulp off the rounded reference, %d differ from the scalar definition's", c.name, off, len(xs), old)
		if off > 0 {
			t.Errorf("%s: %d of %d values 1 ulp off the rounded reference", c.name, off, len(xs))
		}
	}
}

// TestElemValues pins a few values: the saturated and underflowing tails,
// the signs of zeros and the non-finite inputs.
func TestElemValues(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct {
		name string
		f    func(y, x []float32)
		x, y float32
	}{
		{"Sigmoid32", Sigmoid32, -90, 8.194012e-40},
		{"Sigmoid32", Sigmoid32, 90, 1},
		{"Sigmoid32", Sigmoid32, -104, 0},
		{"Sigmoid32", Sigmoid32, -inf, 0},
		{"Sigmoid32", Sigmoid32, inf, 1},
		{"Sigmoid32", Sigmoid32, nan, nan},
		{"Tanh32", Tanh32, 20, 1},
		{"Tanh32", Tanh32, -20, -1},
		{"Tanh32", Tanh32, negZero, negZero},
		{"Tanh32", Tanh32, 1e-40, 1e-40},
		{"Tanh32", Tanh32, -inf, -1},
		{"Tanh32", Tanh32, nan, nan},
		{"SiLU32", SiLU32, -inf, nan},
		{"SiLU32", SiLU32, inf, inf},
		{"SiLUGrad32", func(y, x []float32) { SiLUGrad32(y, ones(len(x)), x) }, inf, nan},
		{"GELU32", GELU32, -10, -7.619853e-23},
		{"GELU32", GELU32, -15, negZero},
		{"GELU32", GELU32, 10, 10},
		{"GELU32", GELU32, -inf, nan},
		{"GELU32", GELU32, inf, inf},
		{"GELUTanh32", GELUTanh32, -inf, nan},
		{"GELUTanh32", GELUTanh32, inf, inf},
		{"GELUTanh32", GELUTanh32, -1e30, negZero},
		{"GELUGrad32", func(y, x []float32) { GELUGrad32(y, ones(len(x)), x) }, inf, nan},
		{"GELUTanhGrad32", func(y, x []float32) { GELUTanhGrad32(y, ones(len(x)), x) }, -inf, nan},
	} {
		// in a vector of 4 (the assembly) and alone (Go)
		for _, n := range []int{4, 1} {
			x := make([]float32, n)
			for i := range x {
				x[i] = c.x
			}
			y := make([]float32, n)
			c.f(y, x)
			if !same32(y[0], c.y) {
				t.Errorf("%s(%g) = %g (n = %d), want %g", c.name, c.x, y[0], n, c.y)
			}
		}
	}
}

func TestElemPanics(t *testing.T) {
	for _, f := range []func(){
		func() { Sigmoid32(make([]float32, 3), make([]float32, 4)) },
		func() { GELUGrad32(make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for mismatched lengths")
				}
			}()
			f()
		}()
	}
}

func BenchmarkElem(b *testing.B) {
	x := make([]float32, 1<<14)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 2)
	}
	y := make([]float32, len(x))
	for _, c := range elemCases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for range b.N {
				c.run(y, x)
			}
		})
	}
	b.Run("GELUExactScalar", func(b *testing.B) {
		b.SetBytes(int64(4 * len(x)))
		for range b.N {
			for i, v := range x {
				y[i] = float32(geluExact(float64(v)))
			}
		}
	})
}
