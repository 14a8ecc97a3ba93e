// Command asm generates the amd64 loops of package vec with avo.
//
// Run it through go generate in internal/vec; it lives in a module of its
// own so that tapegrad's go.mod does not depend on avo:
//
//	go run -C asm . -out ../vec_amd64.s -stubs ../stubs_amd64.go -pkg vec
//
// Every loop works on whole 256-bit vectors (8 float32s or 4 float64s)
// with AVX alone, and the caller does the last n mod lanes values in Go.
// Each computes exactly what the pure-Go loop of package vec computes, in
// the same order, with one rounding per operation: a multiply and an add
// stay two instructions, never one FMA. The element-wise functions of
// elem.go (elem.go here) are the exception: they need AVX2 with FMA, come
// also in AVX-512F forms over 512-bit vectors, and fuse exactly where the
// Go twin calls math.FMA.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64,!purego")
	for _, f64 := range []bool{false, true} {
		adam(f64)
		addScaled(f64)
	}
	rowsKernels()
	rowMajorKernels()
	normKernels()
	bnKernels()
	for _, f64 := range []bool{false, true} {
		for _, op := range binOps {
			for _, form := range []string{"VV", "VS", "SV"} {
				binary(f64, op, form)
			}
		}
	}
	elemKernels()       // the float32 element-wise functions of elem.go
	logSoftmaxKernels() // the float32 log-softmax's backward (elemlsm.go)
	attnGradKernels()   // attention's dS rows (elemlsm.go)
	biasAffineReLU()    // the convolution epilogue's loop (biasaffine.go)
	norm32Kernels()     // the norms' float32 passes (norm32.go)
	winoKernels()       // Winograd's weight and tile transforms (wino.go)
	Generate()
}

// elem describes one element type's instructions.
type elem struct {
	t, sfx string // Go type, name suffix
	size   int    // bytes
	// bcst, mov, mul, add, div and sqrt take Go assembler operand order:
	// sources first, destination last (div(s, t, d): d = t / s).
	bcst, mov, mul, add, div, sqrt func(...Op)
}

func elemOf(f64 bool) elem {
	if f64 {
		return elem{"float64", "PD", 8, VBROADCASTSD, VMOVUPD, VMULPD, VADDPD, VDIVPD, VSQRTPD}
	}
	return elem{"float32", "PS", 4, VBROADCASTSS, VMOVUPS, VMULPS, VADDPS, VDIVPS, VSQRTPS}
}

// adam emits adamPS/adamPD, Adam's update of n values (a multiple of the
// lanes), with c = β₁, 1−β₁, β₂, 1−β₂, −step, 1/√(1−β₂ᵗ), ε:
//
//	m = m·β₁ + (1−β₁)·g
//	v = v·β₂ + ((1−β₂)·g)·g
//	x = x + (−step·m) / (√v·(1/√(1−β₂ᵗ)) + ε)
func adam(f64 bool) {
	e := elemOf(f64)
	name := "adam" + e.sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, x, grad, m, v *%s, c *[7]%s)", e.t, e.t))
	Doc(name + " applies Adam's update to n values, a multiple of the vector's lanes; see Adam.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	g := Load(Param("grad"), GP64()) // not "g": the Go assembler reserves it
	m := Load(Param("m"), GP64())
	v := Load(Param("v"), GP64())
	cp := Load(Param("c"), GP64())
	var c [7]VecVirtual
	for i := range c {
		c[i] = YMM()
		e.bcst(Mem{Base: cp, Disp: i * e.size}, c[i])
	}
	b1, c1, b2, c2, negStep, invSq, eps := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
	lanes := 32 / e.size
	Label(name + "_loop")
	CMPQ(n, U8(lanes))
	JL(LabelRef(name + "_done"))
	gv, mv, vv, t, s, xv := YMM(), YMM(), YMM(), YMM(), YMM(), YMM()
	e.mov(Mem{Base: g}, gv)
	// m = m·β₁ + (1−β₁)·g
	e.mov(Mem{Base: m}, mv)
	e.mul(b1, mv, mv)
	e.mul(c1, gv, t)
	e.add(t, mv, mv)
	e.mov(mv, Mem{Base: m})
	// v = v·β₂ + ((1−β₂)·g)·g
	e.mov(Mem{Base: v}, vv)
	e.mul(b2, vv, vv)
	e.mul(c2, gv, t)
	e.mul(gv, t, t)
	e.add(t, vv, vv)
	e.mov(vv, Mem{Base: v})
	// s = √v·(1/√(1−β₂ᵗ)) + ε
	e.sqrt(vv, s)
	e.mul(invSq, s, s)
	e.add(eps, s, s)
	// x = x + (−step·m)/s
	e.mul(negStep, mv, t)
	e.div(s, t, t) // t = t / s
	e.mov(Mem{Base: x}, xv)
	e.add(t, xv, xv)
	e.mov(xv, Mem{Base: x})
	for _, p := range []Register{x, g, m, v} {
		ADDQ(U8(32), p)
	}
	SUBQ(U8(lanes), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// addScaled emits addScaledPS/addScaledPD: x = x + alpha·d over n values, a
// multiple of the lanes, the product rounded before the sum.
func addScaled(f64 bool) {
	e := elemOf(f64)
	name := "addScaled" + e.sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, alpha %s, d, x *%s)", e.t, e.t))
	Doc(name + " adds alpha·d to x, n values, a multiple of the vector's lanes; see AddScaled.")
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	d := Load(Param("d"), GP64())
	x := Load(Param("x"), GP64())
	a := YMM()
	p, _ := Param("alpha").Resolve()
	e.bcst(p.Addr, a)
	lanes := 32 / e.size
	const unroll = 2
	Label(name + "_loop")
	CMPQ(n, U8(unroll*lanes))
	JL(LabelRef(name + "_one"))
	for u := range unroll {
		t, xv := YMM(), YMM()
		e.mul(Mem{Base: d, Disp: 32 * u}, a, t)
		e.mov(Mem{Base: x, Disp: 32 * u}, xv)
		e.add(t, xv, xv)
		e.mov(xv, Mem{Base: x, Disp: 32 * u})
	}
	ADDQ(U8(unroll*32), d)
	ADDQ(U8(unroll*32), x)
	SUBQ(U8(unroll*lanes), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_one")
	CMPQ(n, U8(lanes))
	JL(LabelRef(name + "_done"))
	t, xv := YMM(), YMM()
	e.mul(Mem{Base: d}, a, t)
	e.mov(Mem{Base: x}, xv)
	e.add(t, xv, xv)
	e.mov(xv, Mem{Base: x})
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// The row kernels below serve batch norm's statistics and passes. Each
// walks rows of a float32 matrix X (rows × width, row r at r·stride
// elements) against per-column vectors, a block of columns at a time: the
// column vectors of the block stay in registers while the rows go by, so
// every column's values are taken in row order, one at a time, exactly as
// the pure-Go loops of package vec take them. Values are converted to
// float64 and every operation is rounded on its own (no FMA). width is a
// multiple of the block and rows is at least 1.

// rowsLoop emits the column-block and row loops shared by the row kernels.
// f32 names the float32 matrices walked by rows, col the per-column vectors
// (f64col[i] true for float64 ones), blk the block's float64 vectors (4
// columns each). setup loads a block's column vectors, body handles one row
// of the block at off bytes into the rows, finish stores what the block
// accumulated.
func rowsLoop(name, sig, doc string, blk int, f32, col []string, f64col []bool,
	setup func(col []Register), body func(rows []Register, off Register), finish func(col []Register)) {
	TEXT(name, NOSPLIT, sig)
	Doc(doc)
	Pragma("noescape")
	width := Load(Param("width"), GP64())
	nrows := Load(Param("rows"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	rp := make([]Register, len(f32))
	for i, p := range f32 {
		rp[i] = Load(Param(p), GP64())
	}
	cp := make([]Register, len(col))
	for i, p := range col {
		cp[i] = Load(Param(p), GP64())
	}
	Label(name + "_cols")
	CMPQ(width, U8(0))
	JE(LabelRef(name + "_done"))
	setup(cp)
	off, r := GP64(), GP64()
	XORQ(off, off)
	MOVQ(nrows, r)
	Label(name + "_rows")
	body(rp, off)
	ADDQ(stride, off)
	DECQ(r)
	JNZ(LabelRef(name + "_rows"))
	finish(cp)
	for _, p := range rp {
		ADDQ(U8(blk*16), p)
	}
	for i, p := range cp {
		if f64col[i] {
			ADDQ(U8(blk*32), p)
		} else {
			ADDQ(U8(blk*16), p)
		}
	}
	SUBQ(U8(blk*4), width)
	JMP(LabelRef(name + "_cols"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// at returns the k-th 16-byte (float32) or 32-byte (float64) piece at p+off.
func at(p, off Register, disp int) Mem { return Mem{Base: p, Index: off, Scale: 1, Disp: disp} }

func loadCols(p Register, blk int) []VecVirtual {
	v := make([]VecVirtual, blk)
	for k := range v {
		v[k] = YMM()
		VMOVUPD(Mem{Base: p, Disp: 32 * k}, v[k])
	}
	return v
}

func storeCols(v []VecVirtual, p Register) {
	for k := range v {
		VMOVUPD(v[k], Mem{Base: p, Disp: 32 * k})
	}
}

func rowsKernels() {
	const rowsArgs = "width, rows, stride int"
	// sa[j] += a; sab[j] += a·b
	{
		const blk = 4
		var sa, sab []VecVirtual
		rowsLoop("sumDotRowsPS", "func(sa, sab *float64, a, b *float32, "+rowsArgs+")",
			"sumDotRowsPS adds every row of a to sa and of a⊙b to sab, in float64; see SumDotRows.", blk,
			[]string{"a", "b"}, []string{"sa", "sab"}, []bool{true, true},
			func(c []Register) { sa, sab = loadCols(c[0], blk), loadCols(c[1], blk) },
			func(r []Register, off Register) {
				for k := range blk {
					t, u := YMM(), YMM()
					VCVTPS2PD(at(r[0], off, 16*k), t)
					VADDPD(t, sa[k], sa[k])
					VCVTPS2PD(at(r[1], off, 16*k), u)
					VMULPD(u, t, t)
					VADDPD(t, sab[k], sab[k])
				}
			},
			func(c []Register) { storeCols(sa, c[0]); storeCols(sab, c[1]) })
	}
}

// rowMajorLoop emits the loops of the row-major kernels (suffix R): rows
// outer, blocks of blk·4 columns inner, the per-column vectors read from
// (and accumulators written back to) memory at every row. A column still
// takes its rows in order, so these compute what the column-block kernels
// compute; they walk memory in its order, which wide matrices need (a
// column block walked down thousands of rows a page apart misses in the
// caches and the TLB at every row). body gets the row pointers, the byte
// offset o of the block in the float32 rows (float64 columns are at 2·o)
// and the column pointers.
func rowMajorLoop(name, sig, doc string, blk int, f32, col []string, body func(rows []Register, o Register, cols []Register)) {
	TEXT(name, NOSPLIT, sig)
	Doc(doc)
	Pragma("noescape")
	width := Load(Param("width"), GP64())
	SHLQ(U8(2), width)
	r := Load(Param("rows"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)
	rp := make([]Register, len(f32))
	for i, p := range f32 {
		rp[i] = Load(Param(p), GP64())
	}
	cp := make([]Register, len(col))
	for i, p := range col {
		cp[i] = Load(Param(p), GP64())
	}
	o := GP64()
	Label(name + "_rows")
	XORQ(o, o)
	Label(name + "_cols")
	CMPQ(o, width)
	JAE(LabelRef(name + "_next"))
	body(rp, o, cp)
	ADDQ(U8(blk*16), o)
	JMP(LabelRef(name + "_cols"))
	Label(name + "_next")
	for _, p := range rp {
		ADDQ(stride, p)
	}
	DECQ(r)
	JNZ(LabelRef(name + "_rows"))
	VZEROUPPER()
	RET()
}

// c64 and c32 address piece k of a float64 or float32 column vector at
// the block's offset o.
func c64(p, o Register, k int) Mem { return Mem{Base: p, Index: o, Scale: 2, Disp: 32 * k} }
func c32(p, o Register, k int) Mem { return Mem{Base: p, Index: o, Scale: 1, Disp: 16 * k} }

func rowMajorKernels() {
	const rowsArgs = "width, rows, stride int"
	const blk = 2
	rowMajorLoop("sumDotRowsRPS", "func(sa, sab *float64, a, b *float32, "+rowsArgs+")",
		"sumDotRowsRPS is sumDotRowsPS walking rows outer; see SumDotRows.", blk,
		[]string{"a", "b"}, []string{"sa", "sab"},
		func(r []Register, o Register, c []Register) {
			for k := range blk {
				t, u, acc := YMM(), YMM(), YMM()
				VCVTPS2PD(c32(r[0], o, k), t)
				VMOVUPD(c64(c[0], o, k), acc)
				VADDPD(t, acc, acc)
				VMOVUPD(acc, c64(c[0], o, k))
				VCVTPS2PD(c32(r[1], o, k), u)
				VMULPD(u, t, t)
				VMOVUPD(c64(c[1], o, k), acc)
				VADDPD(t, acc, acc)
				VMOVUPD(acc, c64(c[1], o, k))
			}
		})
}

// binOp is one of the element-wise binary operations.
type binOp struct {
	name   string
	ps, pd func(...Op) // Go operand order: VSUBPS b, a, d is d = a − b
}

var binOps = []binOp{
	{"Add", VADDPS, VADDPD},
	{"Sub", VSUBPS, VSUBPD},
	{"Mul", VMULPS, VMULPD},
	{"Div", VDIVPS, VDIVPD},
}

// binary emits bin<form><op><PS|PD>: d = a op b over n values, a multiple of
// the lanes, with form VV (two vectors), VS (b one value s) or SV (a one
// value s). One instruction per value, so the bits are Go's.
func binary(f64 bool, op binOp, form string) {
	e := elemOf(f64)
	ins := op.ps
	if f64 {
		ins = op.pd
	}
	name := "bin" + form + op.name + e.sfx
	var sig string
	switch form {
	case "VV":
		sig = fmt.Sprintf("func(n int, d, a, b *%s)", e.t)
	case "VS":
		sig = fmt.Sprintf("func(n int, d, a *%s, s %s)", e.t, e.t)
	case "SV":
		sig = fmt.Sprintf("func(n int, d, b *%s, s %s)", e.t, e.t)
	}
	TEXT(name, NOSPLIT, sig)
	Doc(fmt.Sprintf("%s sets d = a %s b over n values, a multiple of the vector's lanes (%s); see Binary.", name, op.name, form))
	Pragma("noescape")
	n := Load(Param("n"), GP64())
	d := Load(Param("d"), GP64())
	var src Register
	var sv VecVirtual
	switch form {
	case "VV", "VS":
		src = Load(Param("a"), GP64())
	case "SV":
		src = Load(Param("b"), GP64())
	}
	var b Register
	if form == "VV" {
		b = Load(Param("b"), GP64())
	} else {
		sv = YMM()
		p, _ := Param("s").Resolve()
		e.bcst(p.Addr, sv)
	}
	lanes := 32 / e.size
	step := func(unroll int, label string) {
		Label(name + label)
		CMPQ(n, U8(unroll*lanes))
		JL(LabelRef(name + label + "_end"))
		for u := range unroll {
			t := YMM()
			e.mov(Mem{Base: src, Disp: 32 * u}, t)
			switch form {
			case "VV":
				ins(Mem{Base: b, Disp: 32 * u}, t, t)
			case "VS":
				ins(sv, t, t)
			case "SV":
				ins(t, sv, t)
			}
			e.mov(t, Mem{Base: d, Disp: 32 * u})
		}
		ADDQ(U8(unroll*32), src)
		if form == "VV" {
			ADDQ(U8(unroll*32), b)
		}
		ADDQ(U8(unroll*32), d)
		SUBQ(U8(unroll*lanes), n)
		JMP(LabelRef(name + label))
		Label(name + label + "_end")
	}
	step(4, "_four")
	step(1, "_one")
	VZEROUPPER()
	RET()
}
