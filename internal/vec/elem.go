package vec

import (
	"fmt"
	"math"
)

// The element-wise functions below (Sigmoid32, SiLU32, Tanh32, GELU32,
// GELUGrad32, GELUTanh32, GELUTanhGrad32) take float32 values, compute in
// float64 and round once to float32, as package ops's scalar paths do, but
// without branches or calls to package math: e^x by argument reduction
// x = k·ln2 + r, |r| ≤ ln2/2, with the degree-12 Taylor polynomial of
// e^r − 1 (truncation below 2.5e-16 relative) and 2^k put together in the
// exponent bits, and Φ through the rational approximations of package
// math's Erfc (fdlibm's), every region computed and the right one
// selected. Before the final rounding to float32 each result is within
// 1e-15 relative of the exact value (for the derivatives of GELU and SiLU,
// whose values cross 0, within 1e-15 of the sum of the terms'
// magnitudes; for GELU's tanh form, 1e-15·(1 + |2u|), the rounding of
// u = √(2/π)(x + 0.044715x³) itself weighing |2u|·2⁻⁵³ on e^(2u)), so it
// rounds to the float32 nearest the exact value except within about
// 2⁻²⁵ ulp of a rounding boundary: at most 1 ulp from the correctly
// rounded float32, and almost always equal to it (TestElemAccuracy counts
// at most 2 of about 27000 inputs per function). Arguments are limited
// where the float32 results no longer change (e^±700, |x| ≤ 40 in Φ);
// there a derivative that underflows may come out −0 where the scalar
// path's 0 + x·0 gives +0.
//
// On amd64 with AVX2 and FMA the whole vectors run as assembly, four
// values at a time in float64 lanes, eight with AVX-512F; elsewhere, and
// for the last n mod 4 values, the Go functions below compute the same
// bits (math.FMA where the
// assembly fuses, every other operation rounded on its own). Non-finite
// inputs (±Inf, NaN) take the scalar definitions in package math, which
// give the values of IEEE arithmetic: the assembly reports whether it saw
// any, and only then are they looked for and redone (from x, which is why
// the output must not overlap x).

// The argument reduction of e^x: ln2Hi has 32 significant bits, so that
// k·ln2Hi is exact (fdlibm's split), and adding expRound rounds to an
// integer held in the low bits of the sum.
const (
	expRound = 0x1.8p52
	expLog2e = 1.44269504088896338700e+00
	expLn2Hi = 6.93147180369123816490e-01
	expLn2Lo = 1.90821492927058770002e-10
	expBias  = 1023 << 52
	// expClamp bounds the argument of every e^x, keeping 2^k normal; past
	// it the float32 results no longer change.
	expClamp = 700
)

// expm1Poly is the Taylor polynomial of (e^r − 1)/r, highest degree first:
// 1/12!, 1/11!, …, 1/2!, 1.
var expm1Poly = [12]float64{
	1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
	1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1,
}

// horner returns p(x) for the coefficients c, highest degree first, one
// fused multiply-add a step.
func horner(x float64, c []float64) float64 {
	h := c[0]
	for _, k := range c[1:] {
		h = math.FMA(h, x, k)
	}
	return h
}

// expParts returns s = 2^k and q ≈ e^r − 1 with a + b = k·ln2 + r, for
// |a + b| ≤ expClamp + 1 and b small: e^(a+b) = s + s·q and
// e^(a+b) − 1 = s·q + (s − 1).
func expParts(a, b float64) (s, q float64) {
	t := math.FMA(a+b, expLog2e, expRound)
	kf := t - expRound
	r := math.FMA(-kf, expLn2Hi, a)
	r += b
	r = math.FMA(-kf, expLn2Lo, r)
	c := &expm1Poly // unrolled: the Go twin's loop cost twice math.Exp
	h := math.FMA(c[0], r, c[1])
	h = math.FMA(h, r, c[2])
	h = math.FMA(h, r, c[3])
	h = math.FMA(h, r, c[4])
	h = math.FMA(h, r, c[5])
	h = math.FMA(h, r, c[6])
	h = math.FMA(h, r, c[7])
	h = math.FMA(h, r, c[8])
	h = math.FMA(h, r, c[9])
	h = math.FMA(h, r, c[10])
	h = math.FMA(h, r, c[11])
	q = h * r
	s = math.Float64frombits(math.Float64bits(t)<<52 + expBias)
	return s, q
}

// exp1 returns e^x for |x| ≤ expClamp.
func exp1(x float64) float64 {
	s, q := expParts(x, 0)
	return math.FMA(s, q, s)
}

// clamp returns x limited to [-c, c] (x finite), as the assembly's
// max then min.
func clamp(x, c float64) float64 {
	if !(x > -c) {
		x = -c
	}
	if !(x < c) {
		x = c
	}
	return x
}

// sigmoidParts returns e = e^−x and σ(x) = 1/(1 + e), x limited to
// ±expClamp.
func sigmoidParts(x float64) (e, sg float64) {
	e = exp1(-clamp(x, expClamp))
	return e, 1 / (1 + e)
}

func sigmoidLane(x float64) float64 {
	_, sg := sigmoidParts(x)
	return sg
}

func siluLane(x float64) float64 {
	_, sg := sigmoidParts(x)
	return x * sg
}

// siluGradLane is σ(x)(1 + x(1 − σ(x))), 1 − σ(x) taken as e^−x·σ(x).
func siluGradLane(x float64) float64 {
	e, sg := sigmoidParts(x)
	p := float64(x * float64(e*sg))
	return sg * (p + 1)
}

func siluExact(x float64) float64 { return x * sigmoidExact(x) }

func siluGradExact(x float64) float64 {
	s := sigmoidExact(x)
	return s * (1 + x*(1-s))
}

const signBit = 1 << 63

// tanhLane is sign(x)·em1/(em1 + 2), em1 = e^(2|x|) − 1, |x| limited to
// 30, where tanh is 1 in float64.
func tanhLane(x float64) float64 {
	a := math.Min(math.Abs(x)*2, 60)
	s, q := expParts(a, 0)
	em1 := math.FMA(s, q, s-1)
	t := em1 / (em1 + 2)
	return math.Float64frombits(math.Float64bits(t) | math.Float64bits(x)&signBit)
}

const (
	geluKappa   = 0.044715
	sqrt2OverPi = 0.79788456080286535587989211986876373695171726232986 // √(2/π)
	invSqrt2    = 0.70710678118654752440084436210484903928483593768847 // 1/√2
	invSqrt2Pi  = 0.39894228040143267793994605993438186847585863116493 // 1/√(2π)
)

// geluTanhParts returns x², e = e^a and σ = 1/(1 + e) for the tanh
// approximation of GELU, a = −2u, u = √(2/π)(x + κx³): ½(1 + tanh u) = σ.
func geluTanhParts(x float64) (x2, e, sg float64) {
	x2 = x * x
	v := math.FMA(geluKappa*x2, x, x)
	a := clamp(v*(-2*sqrt2OverPi), expClamp)
	e = exp1(a)
	sg = 1 / (1 + e)
	return x2, e, sg
}

func geluTanhLane(x float64) float64 {
	_, _, sg := geluTanhParts(x)
	return x * sg
}

// geluTanhGradLane is σ + 2√(2/π)·x·σ·(eσ)·(1 + 3κx²): ½(1 − tanh²u) =
// 2σ(1 − σ) and 1 − σ = eσ.
func geluTanhGradLane(x float64) float64 {
	x2, e, sg := geluTanhParts(x)
	es := e * sg
	w := math.FMA(3*geluKappa, x2, 1)
	p := x * sg
	p *= es
	p *= w
	return math.FMA(2*sqrt2OverPi, p, sg)
}

// The coefficients of package math's erf.go (fdlibm's s_erf.c), highest
// degree first: erfc(z) = 1 − z − z·pp(z²)/qq(z²) below 0.84375,
// 1 − erx − pa(z−1)/qa(z−1) below 1.25, and e^(−z² − 0.5625 + R/S)/z above,
// R/S = ra(1/z²)/sa(1/z²) below 1/0.35 and rb/sb beyond.
var (
	erfPP = []float64{-2.37630166566501626084e-05, -5.77027029648944159157e-03, -2.84817495755985104766e-02, -3.25042107247001499370e-01, 1.28379167095512558561e-01}
	erfQQ = []float64{-3.96022827877536812320e-06, 1.32494738004321644526e-04, 5.08130628187576562776e-03, 6.50222499887672944485e-02, 3.97917223959155352819e-01, 1}
	erfPA = []float64{-2.16637559486879084300e-03, 3.54783043256182359371e-02, -1.10894694282396677476e-01, 3.18346619901161753674e-01, -3.72207876035701323847e-01, 4.14856118683748331666e-01, -2.36211856075265944077e-03}
	erfQA = []float64{1.19844998467991074170e-02, 1.36370839120290507362e-02, 1.26171219808761642112e-01, 7.18286544141962662868e-02, 5.40397917702171048937e-01, 1.06420880400844228286e-01, 1}
	erfRA = []float64{-9.81432934416914548592e+00, -8.12874355063065934246e+01, -1.84605092906711035994e+02, -1.62396669462573470355e+02, -6.23753324503260060396e+01, -1.05586262253232909814e+01, -6.93858572707181764372e-01, -9.86494403484714822705e-03}
	erfSA = []float64{-6.04244152148580987438e-02, 6.57024977031928170135e+00, 1.08635005541779435134e+02, 4.29008140027567833386e+02, 6.45387271733267880336e+02, 4.34565877475229228821e+02, 1.37657754143519042600e+02, 1.96512716674392571292e+01, 1}
	erfRB = []float64{-4.83519191608651397019e+02, -1.02509513161107724954e+03, -6.37566443368389627722e+02, -1.60636384855821916062e+02, -1.77579549177547519889e+01, -7.99283237680523006574e-01, -9.86494292470009928597e-03}
	erfSB = []float64{-2.24409524465858183362e+01, 4.74528541206955367215e+02, 2.55305040643316442583e+03, 3.19985821950859553908e+03, 1.53672958608443695994e+03, 3.25792512996573918826e+02, 3.03380607434824582924e+01, 1}
)

const (
	erx     = 8.45062911510467529297e-01
	erfAMax = 0.84375  // region A: z below it
	erfBMax = 1.25     // region B: z below it
	erfCMax = 1 / 0.35 // region C: z below it, then D
	// phiClamp limits |x| in Φ: Φ(−40) is below 1e-300.
	phiClamp = 40
)

// phiParts returns Φ(x) and, with grad, φ(x) = e^(−x²/2)/√(2π), for
// finite x. With z = |x|/√2 (|x| limited to phiClamp), Q = Φ(−|x|) =
// ½erfc(z), and Φ(x) = Q for x < 0, 1 − Q otherwise; in the tails
// e^(−z²) is taken as e^(−x²/2), x² being exact for a float32 x. The
// assembly computes every region and selects, or region A alone (or A and
// B) when every lane of a vector lies there; this computes the one it
// needs, the same bits.
func phiParts(x float64, grad bool) (cdf, pdf float64) {
	ax := math.Min(math.Abs(x), phiClamp)
	z := ax * invSqrt2
	hx := math.Max(ax*ax*-0.5, -expClamp)
	var q float64
	switch {
	case z < erfAMax:
		zz := z * z
		qt := horner(zz, erfPP) / horner(zz, erfQQ)
		q = (0.5 - math.FMA(z, qt, z-0.5)) * 0.5
	case z < erfBMax:
		zb := z - 1
		qt := horner(zb, erfPA) / horner(zb, erfQA)
		q = ((1 - erx) - qt) * 0.5
	default:
		inv := 1 / ax
		ii := float64(inv * inv) // rounded: never fused into the sum
		s := ii + ii
		var qt float64
		if z < erfCMax {
			qt = horner(s, erfRA) / horner(s, erfSA)
		} else {
			qt = horner(s, erfRB) / horner(s, erfSB)
		}
		e2, q2 := expParts(hx, qt-0.5625)
		q = math.FMA(e2, q2, e2) * inv * invSqrt2
	}
	cdf = q
	if !math.Signbit(x) {
		cdf = 1 - q
	}
	if grad {
		pdf = exp1(hx) * invSqrt2Pi
	}
	return cdf, pdf
}

func geluLane(x float64) float64 {
	cdf, _ := phiParts(x, false)
	return x * cdf
}

func geluGradLane(x float64) float64 {
	cdf, pdf := phiParts(x, true)
	return math.FMA(x, pdf, cdf)
}

// The exact scalar definitions, for non-finite inputs.

func sigmoidExact(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func phiExact(x float64) float64 { return 0.5 * math.Erfc(-x*invSqrt2) }

func geluExact(x float64) float64 { return x * phiExact(x) }

func geluGradExact(x float64) float64 {
	return phiExact(x) + x*invSqrt2Pi*math.Exp(-0.5*x*x)
}

func geluTanhExact(x float64) float64 {
	u := sqrt2OverPi * (x + geluKappa*x*x*x)
	return 0.5 * x * (1 + math.Tanh(u))
}

func geluTanhGradExact(x float64) float64 {
	t := math.Tanh(sqrt2OverPi * (x + geluKappa*x*x*x))
	return 0.5*(1+t) + 0.5*x*(1-t*t)*sqrt2OverPi*(1+3*geluKappa*x*x)
}

// finite32 reports whether v is neither infinite nor NaN.
func finite32(v float32) bool { return v-v == 0 }

// unary32 runs f over x into y: the assembly kernel asm over the whole
// vectors, lane for the rest, exact for the non-finite values.
func unary32(name string, y, x []float32, asm func(y, x []float32) (int, bool), lane, exact func(float64) float64) {
	if len(y) != len(x) {
		panic(fmt.Sprintf("vec: %s of %d values into %d", name, len(x), len(y)))
	}
	done, special := asm(y, x)
	for i := done; i < len(x); i++ {
		y[i] = float32(lane(float64(x[i])))
	}
	if !special {
		special = !allFinite32(x[done:])
	}
	if special {
		for i, v := range x {
			if !finite32(v) {
				y[i] = float32(exact(float64(v)))
			}
		}
	}
}

// grad32 is unary32 for a derivative: dx = dy·float32(f'(x)), the product
// in float32.
func grad32(name string, dx, dy, x []float32, asm func(dx, dy, x []float32) (int, bool), lane, exact func(float64) float64) {
	if len(dx) != len(x) || len(dy) != len(x) {
		panic(fmt.Sprintf("vec: %s of %d values, %d gradients into %d", name, len(x), len(dy), len(dx)))
	}
	done, special := asm(dx, dy, x)
	for i := done; i < len(x); i++ {
		dx[i] = dy[i] * float32(lane(float64(x[i])))
	}
	if !special {
		special = !allFinite32(x[done:])
	}
	if special {
		for i, v := range x {
			if !finite32(v) {
				dx[i] = dy[i] * float32(exact(float64(v)))
			}
		}
	}
}

func allFinite32(x []float32) bool {
	for _, v := range x {
		if !finite32(v) {
			return false
		}
	}
	return true
}

// Sigmoid32 writes σ(x) = 1/(1 + e^−x) to y, within the bounds above
// (1e-15 relative before rounding), keeping the relative precision of the
// tail: σ(−90) is 8.2e-40, a float32 subnormal. It panics unless y and x
// have the same length.
func Sigmoid32(y, x []float32) { unary32("Sigmoid32", y, x, sigmoidAsm, sigmoidLane, sigmoidExact) }

// SiLU32 writes x·σ(x) to y, within 1e-15 relative before rounding. It
// panics unless y and x have the same length.
func SiLU32(y, x []float32) { unary32("SiLU32", y, x, siluAsm, siluLane, siluExact) }

// SiLUGrad32 writes dy·float32(σ(x)(1 + x(1 − σ(x)))) to dx, within 1e-15
// of σ(x)(1 + |x|(1 − σ(x))) before rounding. It panics unless the three
// have the same length.
func SiLUGrad32(dx, dy, x []float32) {
	grad32("SiLUGrad32", dx, dy, x, siluGradAsm, siluGradLane, siluGradExact)
}

// Tanh32 writes tanh(x) = sign(x)·(e^(2|x|) − 1)/(e^(2|x|) + 1) to y,
// within 1e-15 relative before rounding, tanh(−0) being −0. It panics
// unless y and x have the same length.
func Tanh32(y, x []float32) { unary32("Tanh32", y, x, tanhAsm, tanhLane, math.Tanh) }

// GELU32 writes x·Φ(x), Φ(x) = ½erfc(−x/√2), to y, within 1e-15 relative
// before rounding, in both tails. It panics unless y and x have the same
// length.
func GELU32(y, x []float32) { unary32("GELU32", y, x, geluAsm, geluLane, geluExact) }

// GELUGrad32 writes dy·float32(Φ(x) + x·φ(x)) to dx, the derivative
// within 1e-15 of Φ(x) + |x·φ(x)| before rounding. It panics unless the
// three have the same length.
func GELUGrad32(dx, dy, x []float32) {
	grad32("GELUGrad32", dx, dy, x, geluGradAsm, geluGradLane, geluGradExact)
}

// GELUTanh32 writes ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), to y,
// computed as x·σ(2u), within 1e-15 relative before rounding (also for
// large negative x, where 1 + tanh u cancels in the direct formula). It
// panics unless y and x have the same length.
func GELUTanh32(y, x []float32) {
	unary32("GELUTanh32", y, x, geluTanhAsm, geluTanhLane, geluTanhExact)
}

// GELUTanhGrad32 writes dy·float32(½(1 + tanh u) + ½x(1 − tanh²u)√(2/π)(1 +
// 3·0.044715x²)) to dx, within 1e-15 of the larger term before rounding.
// It panics unless the three have the same length.
func GELUTanhGrad32(dx, dy, x []float32) {
	grad32("GELUTanhGrad32", dx, dy, x, geluTanhGradAsm, geluTanhGradLane, geluTanhGradExact)
}
