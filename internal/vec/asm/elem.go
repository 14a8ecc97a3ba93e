package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The element-wise kernels below are package vec's elem.go functions
// (Sigmoid32, Tanh32, GELU32 and the others) over whole vectors of four
// float32 values, converted to float64 lanes of a YMM register. They need
// AVX2 and FMA, and compute exactly what the Go functions of elem.go
// compute: an FMA where those call math.FMA, every other operation rounded
// on its own, in the same order. Each returns whether it met a non-finite
// input (the OR of the bits of x − x over all values), which the caller
// then redoes with the exact scalar functions.

// The constants of elem.go, spelled as there so that Go's constant
// arithmetic rounds them to the same float64.
const (
	expRound = 0x1.8p52
	expLog2e = 1.44269504088896338700e+00
	expLn2Hi = 6.93147180369123816490e-01
	expLn2Lo = 1.90821492927058770002e-10
	expBias  = 1023 << 52
	expClamp = 700

	geluKappa   = 0.044715
	sqrt2OverPi = 0.79788456080286535587989211986876373695171726232986
	invSqrt2    = 0.70710678118654752440084436210484903928483593768847
	invSqrt2Pi  = 0.39894228040143267793994605993438186847585863116493

	erx      = 8.45062911510467529297e-01
	erfAMax  = 0.84375
	erfBMax  = 1.25
	erfCMax  = 1 / 0.35
	phiClamp = 40

	signBit = 1 << 63
	absMask = 1<<63 - 1
)

var expm1Poly = []float64{
	1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
	1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1,
}

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

// elemConsts holds the vectors of constants emitted so far, by their bits.
var elemConsts = map[uint64]Mem{}

// kb returns a read-only vector of eight copies of the 64 bits b (a
// ZMM's; a YMM reads the first four).
func kb(b uint64) Mem {
	if m, ok := elemConsts[b]; ok {
		return m
	}
	m := GLOBL(fmt.Sprintf("elemK%d", len(elemConsts)), RODATA|NOPTR)
	for i := range 8 {
		DATA(8*i, U64(b))
	}
	elemConsts[b] = m
	return m
}

// kc returns a read-only vector of copies of v.
func kc(v float64) Mem { return kb(math.Float64bits(v)) }

// load returns a new vector holding copies of v.
func load(v float64) VecVirtual {
	r := vreg()
	VMOVUPD(kc(v), r)
	return r
}

// horner returns p(x), the coefficients c highest degree first:
// h = h·x + c, one FMA a step, as elem.go's horner.
func horner(x VecVirtual, c []float64) VecVirtual {
	h := load(c[0])
	for _, k := range c[1:] {
		VFMADD213PD(kc(k), x, h)
	}
	return h
}

// expParts is elem.go's expParts: s = 2^k and q = e^r − 1 with
// a + b = k·ln2 + r (b nil for 0).
func expParts(a, b VecVirtual) (s, q VecVirtual) {
	t := vreg()
	if b != nil {
		VADDPD(b, a, t)
	} else {
		VMOVAPD(a, t)
	}
	lg := load(expLog2e)
	VFMADD213PD(kc(expRound), lg, t) // t = (a+b)·log2e + round
	kf := vreg()
	VSUBPD(kc(expRound), t, kf)
	r := vreg()
	VMOVAPD(a, r)
	VFNMADD231PD(kc(expLn2Hi), kf, r) // r = a − kf·ln2Hi
	if b != nil {
		VADDPD(b, r, r)
	}
	VFNMADD231PD(kc(expLn2Lo), kf, r)
	q = horner(r, expm1Poly)
	VMULPD(r, q, q)
	s = vreg()
	VPSLLQ(U8(52), t, s)
	VPADDQ(kb(expBias), s, s)
	return s, q
}

// exp1 returns e^a, fma(s, q, s).
func exp1(a VecVirtual) VecVirtual {
	s, q := expParts(a, nil)
	VFMADD213PD(s, q, s)
	return s
}

// clampTo limits x to [−c, c] in place.
func clampTo(x VecVirtual, c float64) {
	VMAXPD(kc(-c), x, x)
	VMINPD(kc(c), x, x)
}

// lt returns the mask a < b: a vector of all-ones lanes, or with wide an
// opmask.
func lt(a VecVirtual, b float64) Register {
	if wide {
		k := K()
		VCMPPD(U8(1), kc(b), a, k) // LT_OS
		return k
	}
	m := vreg()
	VCMPPD(U8(1), kc(b), a, m)
	return m
}

// sel sets dst to t where m, keeping dst elsewhere.
func sel(m Register, t, dst VecVirtual) {
	if wide {
		VBLENDMPD(t, dst, m, dst)
		return
	}
	VBLENDVPD(m, t, dst, dst)
}

// negative returns the mask of x's sign bit without wide (VBLENDVPD reads
// it), and x < 0 with wide: they differ at −0 only, where phiParts's two
// choices are both ½.
func negative(x VecVirtual) Register {
	if wide {
		return lt(x, 0)
	}
	return x
}

// wide says that the kernels being emitted take ZMM registers, eight
// float64 lanes (AVX-512F), rather than YMM, four (AVX2 and FMA).
var wide bool

func vreg() VecVirtual {
	if wide {
		return ZMM()
	}
	return YMM()
}

// lanes32 returns the float32 register a vector's values load from.
func lanes32() VecVirtual {
	if wide {
		return YMM()
	}
	return XMM()
}

// vand, vor and vxor are the bitwise operations: AVX-512F has them for
// ZMM as integer instructions only (the float ones need AVX512DQ).
func vand(a, b, d Op) {
	if wide {
		VPANDQ(a, b, d)
		return
	}
	VANDPD(a, b, d)
}

func vor(a, b, d Op) {
	if wide {
		VPORQ(a, b, d)
		return
	}
	VORPD(a, b, d)
}

func vxor(a, b, d Op) {
	if wide {
		VPXORQ(a, b, d)
		return
	}
	VXORPD(a, b, d)
}

// cvtOut rounds r to float32.
func cvtOut(r VecVirtual) VecVirtual {
	o := lanes32()
	if wide {
		VCVTPD2PS(r, o)
	} else {
		VCVTPD2PSY(r, o)
	}
	return o
}

// elemKernels emits every element-wise kernel.
func elemKernels() {
	for _, w := range []bool{false, true} {
		wide = w
		elemWidth()
	}
	wide = false
	expRowKernels()
}

// elemWidth emits the element-wise kernels at the current width, the ZMM
// ones with the suffix Z.
func elemWidth() {
	elemUnary("sigmoidPD", "σ(x)", sigmoidBody)
	elemUnary("tanhPD", "tanh(x)", tanhBody)
	elemUnary("siluPD", "x·σ(x)", func(x VecVirtual) VecVirtual {
		_, sg := sigmoidParts(x)
		VMULPD(x, sg, sg)
		return sg
	})
	elemGrad("siluGradPD", "SiLU", siluGradBody)
	elemUnary("geluTanhPD", "GELU's tanh approximation", func(x VecVirtual) VecVirtual {
		_, _, sg := geluTanhParts(x)
		VMULPD(x, sg, sg)
		return sg
	})
	elemUnary("geluPD", "x·Φ(x)", func(x VecVirtual) VecVirtual {
		cdf := phiParts(x, false)
		VMULPD(x, cdf, cdf)
		return cdf
	})
	elemGrad("geluTanhGradPD", "GELU's tanh approximation", geluTanhGradBody)
	elemGrad("geluGradPD", "GELU", func(x VecVirtual) VecVirtual { return phiParts(x, true) })
}

// elemLoop emits the loop over n float32 values (a positive multiple of
// the lanes) at x, a vector at a time: body gets them in float64 and the
// byte offset.
func elemLoop(name string, n, x Register, body func(xv VecVirtual, off Register)) {
	acc := vreg()
	vxor(acc, acc, acc)
	off := GP64()
	XORQ(off, off)
	SHLQ(U8(2), n)
	Label(name + "_loop")
	xv := vreg()
	VCVTPS2PD(Mem{Base: x, Index: off, Scale: 1}, xv)
	t := vreg()
	VSUBPD(xv, xv, t)
	vor(t, acc, acc)
	body(xv, off)
	if wide {
		ADDQ(U8(32), off)
	} else {
		ADDQ(U8(16), off)
	}
	CMPQ(off, n)
	JB(LabelRef(name + "_loop"))
	if wide {
		k := K()
		VPTESTMQ(acc, acc, k)
		KORTESTW(k, k)
	} else {
		VPTEST(acc, acc)
	}
	r := GP8()
	SETNE(r)
	Store(r, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// elemUnary emits y = float32(f(x)).
func elemUnary(name, what string, f func(x VecVirtual) VecVirtual) {
	lanes := 4
	if wide {
		name += "Z"
		lanes = 8
	}
	TEXT(name, NOSPLIT, "func(n int, y, x *float32) bool")
	Doc(fmt.Sprintf("%s writes %s of n float32 values, a positive multiple of %d, to y, computed in float64; it reports whether x holds a non-finite value.", name, what, lanes))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	y := Load(Param("y"), GP64())
	x := Load(Param("x"), GP64())
	elemLoop(name, n, x, func(xv VecVirtual, off Register) {
		o := cvtOut(f(xv))
		VMOVUPS(o, Mem{Base: y, Index: off, Scale: 1})
	})
}

// elemGrad emits dx = dy·float32(f'(x)), the product in float32.
func elemGrad(name, what string, f func(x VecVirtual) VecVirtual) {
	lanes := 4
	if wide {
		name += "Z"
		lanes = 8
	}
	TEXT(name, NOSPLIT, "func(n int, dx, dy, x *float32) bool")
	Doc(fmt.Sprintf("%s writes dy times the derivative of %s at x, of n float32 values, a positive multiple of %d, to dx; it reports whether x holds a non-finite value.", name, what, lanes))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	dx := Load(Param("dx"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	elemLoop(name, n, x, func(xv VecVirtual, off Register) {
		o := cvtOut(f(xv))
		VMULPS(Mem{Base: dy, Index: off, Scale: 1}, o, o)
		VMOVUPS(o, Mem{Base: dx, Index: off, Scale: 1})
	})
}

// sigmoidParts returns e = e^−clamp(x) and σ = 1/(1 + e).
func sigmoidParts(x VecVirtual) (e, sg VecVirtual) {
	a := vreg()
	VMOVAPD(x, a)
	clampTo(a, expClamp)
	vxor(kb(signBit), a, a)
	e = exp1(a)
	sg = vreg()
	VADDPD(kc(1), e, sg)
	y := load(1)
	VDIVPD(sg, y, y)
	return e, y
}

// sigmoidBody: 1/(1 + e^−clamp(x)).
func sigmoidBody(x VecVirtual) VecVirtual {
	_, sg := sigmoidParts(x)
	return sg
}

// siluGradBody: σ·((x·(e·σ)) + 1).
func siluGradBody(x VecVirtual) VecVirtual {
	e, sg := sigmoidParts(x)
	VMULPD(sg, e, e)
	VMULPD(x, e, e)
	VADDPD(kc(1), e, e)
	VMULPD(e, sg, sg)
	return sg
}

// tanhBody: sign(x)·em1/(em1 + 2), em1 = e^min(2|x|, 60) − 1.
func tanhBody(x VecVirtual) VecVirtual {
	a := vreg()
	vand(kb(absMask), x, a)
	VADDPD(a, a, a)
	VMINPD(kc(60), a, a)
	s, q := expParts(a, nil)
	sm1 := vreg()
	VSUBPD(kc(1), s, sm1)
	VFMADD213PD(sm1, q, s) // em1 = q·s + (s − 1)
	den := vreg()
	VADDPD(kc(2), s, den)
	VDIVPD(den, s, s)
	sg := vreg()
	vand(kb(signBit), x, sg)
	vor(sg, s, s)
	return s
}

// geluTanhParts returns x², e = e^a and σ = 1/(1 + e), a = −2u clamped.
func geluTanhParts(x VecVirtual) (x2, e, sg VecVirtual) {
	x2 = vreg()
	VMULPD(x, x, x2)
	v := vreg()
	VMULPD(kc(geluKappa), x2, v)
	VFMADD213PD(x, x, v) // v = x·(κx²) + x
	VMULPD(kc(-2*sqrt2OverPi), v, v)
	clampTo(v, expClamp)
	e = exp1(v)
	sg = vreg()
	VADDPD(kc(1), e, sg)
	one := load(1)
	VDIVPD(sg, one, sg)
	return x2, e, sg
}

// geluTanhGradBody: σ + 2√(2/π)·((x·σ)·(eσ))·(1 + 3κx²).
func geluTanhGradBody(x VecVirtual) VecVirtual {
	x2, e, sg := geluTanhParts(x)
	VMULPD(sg, e, e) // es
	w := load(3 * geluKappa)
	VFMADD213PD(kc(1), x2, w) // w = x2·3κ + 1
	p := vreg()
	VMULPD(sg, x, p)
	VMULPD(e, p, p)
	VMULPD(w, p, p)
	VFMADD231PD(kc(2*sqrt2OverPi), p, sg) // sg = p·c + sg
	return sg
}

// phiParts is elem.go's phiParts: Φ(x), or with grad Φ(x) + x·φ(x).
// Where every lane of a vector lies in erfc's region A (z < erfAMax), or
// in A and B (z < erfBMax), as most of a layer's pre-activations do, it
// branches to code that computes those regions alone; the lanes' bits are
// the same as the full computation's, which selects the same values.
func phiParts(x VecVirtual, grad bool) VecVirtual {
	phiLabels++
	onlyA, onlyAB, join := fmt.Sprintf("phi%d_a", phiLabels), fmt.Sprintf("phi%d_ab", phiLabels), fmt.Sprintf("phi%d_q", phiLabels)
	ax := vreg()
	vand(kb(absMask), x, ax)
	VMINPD(kc(phiClamp), ax, ax)
	z := vreg()
	VMULPD(kc(invSqrt2), ax, z)
	// hx = max(−x²/2, −700), the exponent of the tails and of φ.
	hx := vreg()
	VMULPD(ax, ax, hx)
	VMULPD(kc(-0.5), hx, hx)
	VMAXPD(kc(-expClamp), hx, hx)
	q := vreg() // Q = Φ(−|x|)
	allBelow(z, erfAMax, onlyA)
	allBelow(z, erfBMax, onlyAB)
	// Regions C and D: s = 2/x².
	inv := load(1)
	VDIVPD(ax, inv, inv)
	s := vreg()
	VMULPD(inv, inv, s)
	VADDPD(s, s, s)
	nd, dd := horner(s, erfRB), horner(s, erfSB)
	{
		nc, dc := horner(s, erfRA), horner(s, erfSA)
		mC := lt(z, erfCMax)
		sel(mC, nc, nd)
		sel(mC, dc, dd)
	}
	// Regions A and B.
	{
		nb, db := phiRatioAB(z)
		mB := lt(z, erfBMax)
		sel(mB, nb, nd)
		sel(mB, db, dd)
	}
	qt := vreg()
	VDIVPD(dd, nd, qt)
	qb := phiQAB(z, qt)
	// The tails: e^(hx + qt − 0.5625)·inv·(1/√2).
	VSUBPD(kc(0.5625), qt, qt)
	e2, q2 := expParts(hx, qt)
	VFMADD213PD(e2, q2, e2)
	VMULPD(inv, e2, e2)
	VMULPD(kc(invSqrt2), e2, e2)
	sel(lt(z, erfBMax), qb, e2)
	VMOVUPD(e2, q)
	JMP(LabelRef(join))
	// Every lane in region A: Q = ½(0.5 − (z·qt + (z − 0.5))), qt = pp/qq of z².
	Label(onlyA)
	{
		zz := vreg()
		VMULPD(z, z, zz)
		na, da := horner(zz, erfPP), horner(zz, erfQQ)
		qt := vreg()
		VDIVPD(da, na, qt)
		t1 := vreg()
		VSUBPD(kc(0.5), z, t1)
		VFMADD231PD(qt, z, t1)
		VMOVUPD(kc(0.5), q)
		VSUBPD(t1, q, q)
		VMULPD(kc(0.5), q, q)
		JMP(LabelRef(join))
	}
	// Every lane in regions A and B.
	Label(onlyAB)
	{
		nb, db := phiRatioAB(z)
		qt := vreg()
		VDIVPD(db, nb, qt)
		VMOVUPD(phiQAB(z, qt), q)
	}
	Label(join)
	cdf := load(1)
	VSUBPD(q, cdf, cdf)
	sel(negative(x), q, cdf) // Q where x is negative, 1 − Q elsewhere
	if grad {
		pdf := exp1(hx)
		VMULPD(kc(invSqrt2Pi), pdf, pdf)
		VFMADD231PD(pdf, x, cdf) // cdf = x·pdf + cdf
	}
	return cdf
}

// phiLabels numbers phiParts's uses, for unique labels.
var phiLabels int

// allBelow jumps to the label where every lane of a is below b.
func allBelow(a VecVirtual, b float64, label string) {
	r := GP32()
	if wide {
		k := K()
		VCMPPD(U8(1), kc(b), a, k) // LT_OS
		KMOVW(k, r)
		CMPL(r, U32(0xff))
	} else {
		m := vreg()
		VCMPPD(U8(1), kc(b), a, m)
		VMOVMSKPD(m, r)
		CMPL(r, U32(0xf))
	}
	JE(LabelRef(label))
}

// phiRatioAB returns the numerator and denominator of erfc's rational
// approximation in region A (pp/qq of z²) where z < erfAMax and in region
// B (pa/qa of z − 1) elsewhere.
func phiRatioAB(z VecVirtual) (n, d VecVirtual) {
	zz := vreg()
	VMULPD(z, z, zz)
	na, da := horner(zz, erfPP), horner(zz, erfQQ)
	zb := vreg()
	VSUBPD(kc(1), z, zb)
	nb, db := horner(zb, erfPA), horner(zb, erfQA)
	mA := lt(z, erfAMax)
	sel(mA, na, nb)
	sel(mA, da, db)
	return nb, db
}

// phiQAB returns Q = Φ(−|x|) of regions A and B from the ratio qt:
// ½(0.5 − (z·qt + (z − 0.5))) in A, ½((1 − erx) − qt) in B.
func phiQAB(z, qt VecVirtual) VecVirtual {
	t1 := vreg()
	VSUBPD(kc(0.5), z, t1)
	VFMADD231PD(qt, z, t1)
	qa := load(0.5)
	VSUBPD(t1, qa, qa)
	qb := load(1 - erx)
	VSUBPD(qt, qb, qb)
	sel(lt(z, erfAMax), qa, qb)
	VMULPD(kc(0.5), qb, qb)
	return qb
}

// expRowKernels emits the softmax rows' kernels: with d = x − m (m a
// row's maximum) limited to ≥ −700, expSumPD adds e^d into four partial
// sums, value j into p[j mod 4], and expScalePD writes float32(e^d·inv).
// Both report whether some d is NaN.
func expRowKernels() {
	for _, sum := range []bool{true, false} {
		name, sig := "expScalePD", "func(n int, y, x *float32, m, inv float64) bool"
		doc := name + " writes e^(x − m)·inv of n float32 values, a positive multiple of 4, rounded to float32, to y; it reports whether some x − m is NaN."
		if sum {
			name, sig = "expSumPD", "func(n int, x *float32, m float64, p *[4]float64) bool"
			doc = name + " adds e^(x − m) of n float32 values, a positive multiple of 4, to the partial sums p, value i to p[i mod 4]; it reports whether some x − m is NaN."
		}
		TEXT(name, NOSPLIT, sig)
		Doc(doc)
		Pragma("noescape")
		n := Load(Param("n"), GP64())
		x := Load(Param("x"), GP64())
		mv := YMM()
		mp, _ := Param("m").Resolve()
		VBROADCASTSD(mp.Addr, mv)
		var y, p Register
		var inv, acc VecVirtual
		if sum {
			p = Load(Param("p"), GP64())
			acc = YMM()
			VMOVUPD(Mem{Base: p}, acc)
		} else {
			y = Load(Param("y"), GP64())
			inv = YMM()
			ip, _ := Param("inv").Resolve()
			VBROADCASTSD(ip.Addr, inv)
		}
		bad := YMM()
		VXORPD(bad, bad, bad)
		off := GP64()
		XORQ(off, off)
		SHLQ(U8(2), n)
		Label(name + "_loop")
		d := YMM()
		VCVTPS2PD(Mem{Base: x, Index: off, Scale: 1}, d)
		VSUBPD(mv, d, d)
		t := YMM()
		VCMPPD(U8(3), d, d, t) // UNORD_Q: NaN
		VORPD(t, bad, bad)
		VMAXPD(kc(-expClamp), d, d)
		e := exp1(d)
		if sum {
			VADDPD(e, acc, acc)
		} else {
			VMULPD(inv, e, e)
			o := XMM()
			VCVTPD2PSY(e, o)
			VMOVUPS(o, Mem{Base: y, Index: off, Scale: 1})
		}
		ADDQ(U8(16), off)
		CMPQ(off, n)
		JB(LabelRef(name + "_loop"))
		if sum {
			VMOVUPD(acc, Mem{Base: p})
		}
		VPTEST(bad, bad)
		r := GP8()
		SETNE(r)
		Store(r, ReturnIndex(0))
		VZEROUPPER()
		RET()
	}
}
