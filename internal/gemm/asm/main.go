// Command asm generates the amd64 micro-kernels of package gemm with avo.
//
// Run it through go generate in internal/gemm; it lives in a module of its
// own so that tapegrad's go.mod does not depend on avo:
//
//	go run -C asm . -out ../kernel_amd64.s -stubs ../kernel_amd64.go -pkg gemm
//
// Every kernel has the signature
//
//	func(kc int, a, b, c *T, ldc int, alpha, beta T, load int)
//
// and computes, from a packed A sliver (kc steps of MR values) and a packed B
// sliver (kc steps of NR values), the MR×NR tile
//
//	C = alpha·(Ã·B̃) + beta·C    (load ≠ 0)
//	C = alpha·(Ã·B̃)             (load = 0: C is not read)
//
// where C is row-major with a row stride of ldc elements. The tile's columns
// lie along the vector registers: a step loads NR/W vectors of B̃ and
// broadcasts MR values of Ã, and each C row is stored with plain vector
// stores. The k loop is unrolled four times. Beside the micro-kernels it
// generates the routines packing and thin products use: 8×8 (float32) and
// 4×4 (float64) transposes, a copy of fixed-width runs, axpy and dot.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// kernel describes one generated micro-kernel.
type kernel struct {
	name   string
	f64    bool // element type float64 (else float32)
	avx512 bool // ZMM registers (else YMM with AVX2 and FMA)
	mr     int  // rows of the tile: broadcast values of Ã per step
	nv     int  // vectors per row: NR = nv·lanes
	bcst   bool // fold the broadcast of Ã into the FMA (AVX-512 only; measured no faster)
	unroll int  // k steps per loop iteration
}

var kernels = []kernel{
	// float32, AVX-512: the main tile and its halves for edges.
	{name: "sgemmAVX512x12x32", avx512: true, mr: 12, nv: 2, unroll: 4},
	{name: "sgemmAVX512x12x16", avx512: true, mr: 12, nv: 1, unroll: 4},
	{name: "sgemmAVX512x6x32", avx512: true, mr: 6, nv: 2, unroll: 4},
	{name: "sgemmAVX512x6x16", avx512: true, mr: 6, nv: 1, unroll: 4},
	// float32, AVX-512 machines' quarter-width edge: 12 rows of one YMM
	// vector (AVX2 and FMA encodings), for a last column of tiles no more
	// than 8 wide, at half the cost of the ZMM 12×16.
	{name: "sgemmAVX2x12x8", mr: 12, nv: 1, unroll: 4},
	// float32, AVX2.
	{name: "sgemmAVX2x6x16", mr: 6, nv: 2, unroll: 4},
	{name: "sgemmAVX2x6x8", mr: 6, nv: 1, unroll: 4},
	{name: "sgemmAVX2x3x16", mr: 3, nv: 2, unroll: 4},
	{name: "sgemmAVX2x3x8", mr: 3, nv: 1, unroll: 4},
	// float64, AVX-512.
	{name: "dgemmAVX512x12x16", f64: true, avx512: true, mr: 12, nv: 2, unroll: 4},
	{name: "dgemmAVX512x12x8", f64: true, avx512: true, mr: 12, nv: 1, unroll: 4},
	{name: "dgemmAVX512x6x16", f64: true, avx512: true, mr: 6, nv: 2, unroll: 4},
	{name: "dgemmAVX512x6x8", f64: true, avx512: true, mr: 6, nv: 1, unroll: 4},
	// float64, AVX-512 machines' quarter-width edge (see sgemmAVX2x12x8).
	{name: "dgemmAVX2x12x4", f64: true, mr: 12, nv: 1, unroll: 4},
	// float64, AVX2.
	{name: "dgemmAVX2x6x8", f64: true, mr: 6, nv: 2, unroll: 4},
	{name: "dgemmAVX2x6x4", f64: true, mr: 6, nv: 1, unroll: 4},
	{name: "dgemmAVX2x3x8", f64: true, mr: 3, nv: 2, unroll: 4},
	{name: "dgemmAVX2x3x4", f64: true, mr: 3, nv: 1, unroll: 4},
}

// tkernels are the float32 AVX-512 eighth-width edge kernels: a tile of mr
// rows (12 or 6) by 4 columns, for a last column of tiles no more than 4
// wide (a linear layer of 100 outputs: 3·32 + 4), with the tile's rows
// along the lanes of one ZMM vector instead of its columns. A step loads
// the mr values of Ã (masked) and multiplies them by each of B̃'s 4 values,
// broadcast: 4 FMAs, where the quarter-width 12×8 takes 12 to compute half
// a vector of waste. The epilogue transposes the 4 column vectors in 4×4
// blocks (one per 128-bit lane) and stores each C row as one XMM vector.
var tkernels = []tkernel{
	{name: "sgemmAVX512x12x4T", mr: 12},
	{name: "sgemmAVX512x6x4T", mr: 6},
}

func main() {
	ConstraintExpr("amd64,!purego")
	for _, k := range kernels {
		k.generate()
	}
	for _, k := range tkernels {
		k.generate()
	}
	transposes()
	vectorOps()
	copyRuns()
	Generate()
}

func (k kernel) size() int {
	if k.f64 {
		return 8
	}
	return 4
}

func (k kernel) vecBytes() int {
	if k.avx512 {
		return 64
	}
	return 32
}

func (k kernel) vec() VecVirtual {
	if k.avx512 {
		return ZMM()
	}
	return YMM()
}

func (k kernel) nr() int { return k.nv * k.vecBytes() / k.size() }

func (k kernel) generate() {
	t := "float32"
	if k.f64 {
		t = "float64"
	}
	TEXT(k.name, NOSPLIT, fmt.Sprintf("func(kc int, a, b, c *%s, ldc int, alpha, beta %s, load int)", t, t))
	Doc(fmt.Sprintf("%s computes a %d×%d tile of C from packed slivers of A and B.", k.name, k.mr, k.nr()))

	kc := Load(Param("kc"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	acc := make([][]VecVirtual, k.mr)
	for r := range acc {
		acc[r] = make([]VecVirtual, k.nv)
		for v := range acc[r] {
			acc[r][v] = k.vec()
			k.zero(acc[r][v])
		}
	}

	kLoop(k.name, kc, a, b, k.unroll, k.mr*k.size(), k.nr()*k.size(), func(u int) { k.step(acc, a, b, u) })

	// Epilogue: C = alpha·acc (+ beta·C).
	Label(k.name + "_store")
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(log2(k.size())), ldc)
	alpha := k.vec()
	k.broadcastParam("alpha", alpha)
	load := Load(Param("load"), GP64())
	TESTQ(load, load)
	JZ(LabelRef(k.name + "_nobeta"))

	beta := k.vec()
	k.broadcastParam("beta", beta)
	row := GP64()
	MOVQ(c, row)
	for r := 0; r < k.mr; r++ {
		for v := 0; v < k.nv; v++ {
			t := k.vec()
			m := Mem{Base: row, Disp: v * k.vecBytes()}
			k.mul(m, beta, t)
			k.fma(alpha, acc[r][v], t)
			k.store(t, m)
		}
		if r < k.mr-1 {
			ADDQ(ldc, row)
		}
	}
	VZEROUPPER()
	RET()

	Label(k.name + "_nobeta")
	for r := 0; r < k.mr; r++ {
		for v := 0; v < k.nv; v++ {
			k.mul(alpha, acc[r][v], acc[r][v])
			k.store(acc[r][v], Mem{Base: c, Disp: v * k.vecBytes()})
		}
		if r < k.mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// kLoop emits a micro-kernel's loop over kc steps of Ã at a and B̃ at b:
// unroll steps an iteration, then the rest one by one, each emitted by
// step(u) for the u-th step from a and b, which advance aStep and bStep
// bytes a step. It falls through, or jumps, to the label name_store.
func kLoop(name string, kc, a, b Register, unroll, aStep, bStep int, step func(u int)) {
	n := GP64()
	MOVQ(kc, n)
	SHRQ(U8(log2(unroll)), n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	for u := range unroll {
		step(u)
	}
	ADDQ(U32(unroll*aStep), a)
	ADDQ(U32(unroll*bStep), b)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))

	Label(name + "_tail")
	ANDQ(U32(unroll-1), kc)
	JZ(LabelRef(name + "_store"))
	Label(name + "_tailloop")
	step(0)
	ADDQ(U32(aStep), a)
	ADDQ(U32(bStep), b)
	DECQ(kc)
	JNZ(LabelRef(name + "_tailloop"))
}

// step emits one k step: the u-th of an unrolled iteration.
func (k kernel) step(acc [][]VecVirtual, a, b Register, u int) {
	bv := make([]VecVirtual, k.nv)
	for v := range bv {
		bv[v] = k.vec()
		k.load(Mem{Base: b, Disp: (u*k.nr() + v*k.vecBytes()/k.size()) * k.size()}, bv[v])
	}
	for r := 0; r < k.mr; r++ {
		m := Mem{Base: a, Disp: (u*k.mr + r) * k.size()}
		if k.bcst {
			for v := range bv {
				if k.f64 {
					VFMADD231PD_BCST(m, bv[v], acc[r][v])
				} else {
					VFMADD231PS_BCST(m, bv[v], acc[r][v])
				}
			}
			continue
		}
		t := k.vec()
		if k.f64 {
			VBROADCASTSD(m, t)
		} else {
			VBROADCASTSS(m, t)
		}
		for v := range bv {
			k.fma(bv[v], t, acc[r][v])
		}
	}
}

func (k kernel) zero(x VecVirtual) {
	if k.avx512 {
		VPXORD(x, x, x)
	} else {
		VXORPS(x, x, x)
	}
}

// broadcastParam loads the scalar argument name into every lane of x.
func (k kernel) broadcastParam(name string, x VecVirtual) {
	p, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	if k.f64 {
		VBROADCASTSD(p.Addr, x)
	} else {
		VBROADCASTSS(p.Addr, x)
	}
}

func (k kernel) load(m Mem, x VecVirtual) {
	if k.f64 {
		VMOVUPD(m, x)
	} else {
		VMOVUPS(m, x)
	}
}

func (k kernel) store(x VecVirtual, m Mem) {
	if k.f64 {
		VMOVUPD(x, m)
	} else {
		VMOVUPS(x, m)
	}
}

// fma emits acc += x·y.
func (k kernel) fma(x, y Op, acc VecVirtual) {
	if k.f64 {
		VFMADD231PD(x, y, acc)
	} else {
		VFMADD231PS(x, y, acc)
	}
}

// mul emits dst = x·y.
func (k kernel) mul(x, y Op, dst VecVirtual) {
	if k.f64 {
		VMULPD(x, y, dst)
	} else {
		VMULPS(x, y, dst)
	}
}

// tkernel describes a float32 AVX-512 kernel of 4 columns with the tile's
// rows along the vector lanes (see tkernels).
type tkernel struct {
	name string
	mr   int // rows: at most 16, the lanes of a ZMM vector
}

const (
	tnr     = 4 // columns of a tkernel's tile
	tunroll = 4 // k steps per loop iteration
)

func (k tkernel) generate() {
	TEXT(k.name, NOSPLIT, "func(kc int, a, b, c *float32, ldc int, alpha, beta float32, load int)")
	Doc(fmt.Sprintf("%s computes a %d×%d tile of C from packed slivers of A and B, with the tile's rows along the vector lanes.", k.name, k.mr, tnr))

	kc := Load(Param("kc"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())
	mask := GP32()
	MOVL(U32(1<<k.mr-1), mask)
	rows := K()
	KMOVW(mask, rows)

	acc := make([]VecVirtual, tnr)
	for j := range acc {
		acc[j] = ZMM()
		VPXORD(acc[j], acc[j], acc[j])
	}
	step := func(u int) {
		va := ZMM()
		VMOVUPS_Z(Mem{Base: a, Disp: u * k.mr * 4}, rows, va)
		for j := range acc {
			VFMADD231PS_BCST(Mem{Base: b, Disp: (u*tnr + j) * 4}, va, acc[j])
		}
	}

	kLoop(k.name, kc, a, b, tunroll, k.mr*4, tnr*4, step)

	// Epilogue: transpose each 128-bit lane's 4×4 block, so that lane g of
	// r[i] holds row 4g+i of the tile, then store each row as the other
	// kernels do: C = alpha·acc + beta·C, beta·C rounded first.
	Label(k.name + "_store")
	lo01, hi01, lo23, hi23 := ZMM(), ZMM(), ZMM(), ZMM()
	VUNPCKLPS(acc[1], acc[0], lo01) // c0[0] c1[0] c0[1] c1[1], per lane
	VUNPCKHPS(acc[1], acc[0], hi01) // c0[2] c1[2] c0[3] c1[3]
	VUNPCKLPS(acc[3], acc[2], lo23)
	VUNPCKHPS(acc[3], acc[2], hi23)
	r := []VecVirtual{ZMM(), ZMM(), ZMM(), ZMM()}
	VSHUFPS(U8(0x44), lo23, lo01, r[0]) // row 0 of each 4×4 block
	VSHUFPS(U8(0xEE), lo23, lo01, r[1])
	VSHUFPS(U8(0x44), hi23, hi01, r[2])
	VSHUFPS(U8(0xEE), hi23, hi01, r[3])

	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	load := Load(Param("load"), GP64())
	alpha, beta := XMM(), XMM()
	kernel{}.broadcastParam("alpha", alpha)
	kernel{}.broadcastParam("beta", beta)
	// row returns row i of the tile as an XMM vector (writing to the low
	// lane's would zero the rest of its ZMM vector, the other lanes' rows).
	row := func(i int) Register {
		if i < 4 {
			return r[i].AsX()
		}
		x := XMM()
		VEXTRACTF32X4(U8(i/4), r[i%4], x)
		return x
	}
	for _, withBeta := range []bool{true, false} {
		if withBeta {
			TESTQ(load, load)
			JZ(LabelRef(k.name + "_nobeta"))
		} else {
			Label(k.name + "_nobeta")
		}
		ptr := GP64()
		MOVQ(c, ptr)
		for i := range k.mr {
			m := Mem{Base: ptr}
			t := XMM()
			if withBeta {
				VMULPS(m, beta, t)
				VFMADD231PS(alpha, row(i), t)
			} else {
				VMULPS(alpha, row(i), t)
			}
			VMOVUPS(t, m)
			if i < k.mr-1 {
				ADDQ(ldc, ptr)
			}
		}
		VZEROUPPER()
		RET()
	}
}

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	if 1<<l != n {
		panic(fmt.Sprintf("asm: %d is not a power of two", n))
	}
	return l
}

// transposes are the packing routines: each reads a group of rows of a
// row-major matrix (row stride lds elements) and writes them as columns of
// the destination (row stride ldd): dst[p·ldd + r] = src[r·lds + p] for
// every row r of the group and p < n, n a multiple of the block width.
func transposes() {
	transposePS(8)
	transposePS(4)
	transposePD()
}

// transposePS emits transpose<rows>x8PS: rows (8 or 4) float32 rows in blocks
// of 8 steps.
func transposePS(rows int) {
	name := fmt.Sprintf("transpose%dx8PS", rows)
	TEXT(name, NOSPLIT, "func(src *float32, lds int, dst *float32, ldd int, n int)")
	Doc(fmt.Sprintf("%s transposes %d rows of src into columns of dst, 8 steps at a time.", name, rows))
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	ldd := Load(Param("ldd"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(2), lds)
	SHLQ(U8(2), ldd)
	SHRQ(U8(3), n)
	JZ(LabelRef(name + "_done"))
	// Row pointers: rows 0–3 from src, rows 4–7 from src4 = src + 4·lds.
	lds3 := GP64()
	LEAQ(Mem{Base: lds, Index: lds, Scale: 2}, lds3)
	var src4 GPVirtual
	if rows == 8 {
		src4 = GP64()
		LEAQ(Mem{Base: src, Index: lds, Scale: 4}, src4)
	}
	ldd3 := GP64()
	LEAQ(Mem{Base: ldd, Index: ldd, Scale: 2}, ldd3)

	Label(name + "_loop")
	rowMem := func(r int) Mem {
		base := src
		if r >= 4 {
			base, r = src4, r-4
		}
		switch r {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: lds, Scale: 1}
		case 2:
			return Mem{Base: base, Index: lds, Scale: 2}
		default:
			return Mem{Base: base, Index: lds3, Scale: 1}
		}
	}
	x := make([]VecVirtual, rows)
	for r := range x {
		x[r] = YMM()
		VMOVUPS(rowMem(r), x[r])
	}
	// Interleave pairs of rows, then pairs of pairs: s[g][q] holds, for the
	// group of four rows g, steps q and q+4 in its two halves.
	s := make([][4]VecVirtual, rows/4)
	for g := range s {
		lo0, hi0, lo1, hi1 := YMM(), YMM(), YMM(), YMM()
		VUNPCKLPS(x[4*g+1], x[4*g], lo0)
		VUNPCKHPS(x[4*g+1], x[4*g], hi0)
		VUNPCKLPS(x[4*g+3], x[4*g+2], lo1)
		VUNPCKHPS(x[4*g+3], x[4*g+2], hi1)
		for q, in := range [4][2]VecVirtual{{lo0, lo1}, {lo0, lo1}, {hi0, hi1}, {hi0, hi1}} {
			s[g][q] = YMM()
			imm := U8(0x44)
			if q%2 == 1 {
				imm = U8(0xEE)
			}
			VSHUFPS(imm, in[1], in[0], s[g][q])
		}
	}
	// Step q of the block: dst + q·ldd.
	out := GP64()
	MOVQ(dst, out)
	stepMem := func(q int) Mem {
		switch q % 4 {
		case 0:
			return Mem{Base: out}
		case 1:
			return Mem{Base: out, Index: ldd, Scale: 1}
		case 2:
			return Mem{Base: out, Index: ldd, Scale: 2}
		default:
			return Mem{Base: out, Index: ldd3, Scale: 1}
		}
	}
	for half := 0; half < 2; half++ {
		if half == 1 {
			LEAQ(Mem{Base: dst, Index: ldd, Scale: 4}, out)
		}
		for q := 0; q < 4; q++ {
			if rows == 8 {
				y := YMM()
				VPERM2F128(U8(0x20+0x11*half), s[1][q], s[0][q], y)
				VMOVUPS(y, stepMem(q))
			} else if half == 0 {
				VMOVUPS(s[0][q].AsX(), stepMem(q))
			} else {
				VEXTRACTF128(U8(1), s[0][q], stepMem(q))
			}
		}
	}
	ADDQ(U8(32), src)
	if rows == 8 {
		ADDQ(U8(32), src4)
	}
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 8}, dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// transposePD emits transpose4x4PD: 4 float64 rows in blocks of 4 steps.
func transposePD() {
	name := "transpose4x4PD"
	TEXT(name, NOSPLIT, "func(src *float64, lds int, dst *float64, ldd int, n int)")
	Doc(name + " transposes 4 rows of src into columns of dst, 4 steps at a time.")
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	ldd := Load(Param("ldd"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(3), lds)
	SHLQ(U8(3), ldd)
	SHRQ(U8(2), n)
	JZ(LabelRef(name + "_done"))
	lds3, ldd3 := GP64(), GP64()
	LEAQ(Mem{Base: lds, Index: lds, Scale: 2}, lds3)
	LEAQ(Mem{Base: ldd, Index: ldd, Scale: 2}, ldd3)
	Label(name + "_loop")
	x := [4]VecVirtual{YMM(), YMM(), YMM(), YMM()}
	VMOVUPD(Mem{Base: src}, x[0])
	VMOVUPD(Mem{Base: src, Index: lds, Scale: 1}, x[1])
	VMOVUPD(Mem{Base: src, Index: lds, Scale: 2}, x[2])
	VMOVUPD(Mem{Base: src, Index: lds3, Scale: 1}, x[3])
	lo0, hi0, lo1, hi1 := YMM(), YMM(), YMM(), YMM()
	VUNPCKLPD(x[1], x[0], lo0)
	VUNPCKHPD(x[1], x[0], hi0)
	VUNPCKLPD(x[3], x[2], lo1)
	VUNPCKHPD(x[3], x[2], hi1)
	dsts := []Mem{{Base: dst}, {Base: dst, Index: ldd, Scale: 1}, {Base: dst, Index: ldd, Scale: 2}, {Base: dst, Index: ldd3, Scale: 1}}
	for q, in := range [4][2]VecVirtual{{lo0, lo1}, {hi0, hi1}, {lo0, lo1}, {hi0, hi1}} {
		y := YMM()
		VPERM2F128(U8(0x20+0x11*(q/2)), in[1], in[0], y)
		VMOVUPD(y, dsts[q])
	}
	ADDQ(U8(32), src)
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 4}, dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// vectorOps emits the level-1 kernels of thin products (a row or a column
// of C): axpy, y += alpha·x, and dot, Σ x·y, both with AVX2 and FMA.
func vectorOps() {
	for _, f64 := range []bool{false, true} {
		axpy(f64)
		dot(f64)
	}
}

func vecType(f64 bool) (t, suffix string, size int) {
	if f64 {
		return "float64", "PD", 8
	}
	return "float32", "PS", 4
}

// axpy emits axpyPS/axpyPD: y[i] += alpha·x[i] for i < n.
func axpy(f64 bool) {
	t, sfx, size := vecType(f64)
	name := "axpy" + sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, alpha %s, x, y *%s)", t, t))
	Doc(name + " adds alpha·x to y, n values.")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	a := YMM()
	kernel{f64: f64}.broadcastParam("alpha", a)
	lanes := 32 / size
	const unroll = 4
	Label(name + "_loop")
	CMPQ(n, U32(unroll*lanes))
	JL(LabelRef(name + "_one"))
	for u := 0; u < unroll; u++ {
		v := YMM()
		if f64 {
			VMOVUPD(Mem{Base: y, Disp: 32 * u}, v)
			VFMADD231PD(Mem{Base: x, Disp: 32 * u}, a, v)
			VMOVUPD(v, Mem{Base: y, Disp: 32 * u})
		} else {
			VMOVUPS(Mem{Base: y, Disp: 32 * u}, v)
			VFMADD231PS(Mem{Base: x, Disp: 32 * u}, a, v)
			VMOVUPS(v, Mem{Base: y, Disp: 32 * u})
		}
	}
	ADDQ(U32(unroll*32), x)
	ADDQ(U32(unroll*32), y)
	SUBQ(U32(unroll*lanes), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_one")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	s := XMM()
	if f64 {
		VMOVSD(Mem{Base: y}, s)
		VFMADD231SD(Mem{Base: x}, a.AsX(), s)
		VMOVSD(s, Mem{Base: y})
	} else {
		VMOVSS(Mem{Base: y}, s)
		VFMADD231SS(Mem{Base: x}, a.AsX(), s)
		VMOVSS(s, Mem{Base: y})
	}
	ADDQ(U32(size), x)
	ADDQ(U32(size), y)
	DECQ(n)
	JMP(LabelRef(name + "_one"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// dot emits dotPS/dotPD: Σ x[i]·y[i] for i < n, in four vector
// accumulators summed at the end, then the last values one by one.
func dot(f64 bool) {
	t, sfx, size := vecType(f64)
	name := "dot" + sfx
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, x, y *%s) %s", t, t))
	Doc(name + " returns the dot product of x and y, n values.")
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	y := Load(Param("y"), GP64())
	lanes := 32 / size
	const unroll = 4
	acc := make([]VecVirtual, unroll)
	for u := range acc {
		acc[u] = YMM()
		VXORPS(acc[u], acc[u], acc[u])
	}
	Label(name + "_loop")
	CMPQ(n, U32(unroll*lanes))
	JL(LabelRef(name + "_reduce"))
	for u := 0; u < unroll; u++ {
		v := YMM()
		if f64 {
			VMOVUPD(Mem{Base: x, Disp: 32 * u}, v)
			VFMADD231PD(Mem{Base: y, Disp: 32 * u}, v, acc[u])
		} else {
			VMOVUPS(Mem{Base: x, Disp: 32 * u}, v)
			VFMADD231PS(Mem{Base: y, Disp: 32 * u}, v, acc[u])
		}
	}
	ADDQ(U32(unroll*32), x)
	ADDQ(U32(unroll*32), y)
	SUBQ(U32(unroll*lanes), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_reduce")
	add := func(a, b, d Op) {
		if f64 {
			VADDPD(a, b, d)
		} else {
			VADDPS(a, b, d)
		}
	}
	add(acc[1], acc[0], acc[0])
	add(acc[3], acc[2], acc[2])
	add(acc[2], acc[0], acc[0])
	hi := XMM()
	VEXTRACTF128(U8(1), acc[0], hi)
	lo := acc[0].AsX()
	add(hi, lo, lo)
	if f64 {
		VUNPCKHPD(lo, lo, hi)
		VADDSD(hi, lo, lo)
	} else {
		VMOVHLPS(lo, lo, hi)
		VADDPS(hi, lo, lo)
		VMOVSHDUP(lo, hi)
		VADDSS(hi, lo, lo)
	}
	Label(name + "_one")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	s := XMM()
	if f64 {
		VMOVSD(Mem{Base: x}, s)
		VFMADD231SD(Mem{Base: y}, s, lo)
	} else {
		VMOVSS(Mem{Base: x}, s)
		VFMADD231SS(Mem{Base: y}, s, lo)
	}
	ADDQ(U32(size), x)
	ADDQ(U32(size), y)
	DECQ(n)
	JMP(LabelRef(name + "_one"))
	Label(name + "_done")
	if f64 {
		Store(lo, ReturnIndex(0))
	} else {
		Store(lo, ReturnIndex(0))
	}
	VZEROUPPER()
	RET()
}

// copyRuns emits copyRunsAVX: n runs of w bytes (a multiple of 16), the s-th
// from src + s·w to dst + s·ldd, with AVX moves.
func copyRuns() {
	TEXT("copyRunsAVX", NOSPLIT, "func(dst *byte, ldd int, src *byte, w int, n int)")
	Doc("copyRunsAVX copies n runs of w bytes (a multiple of 16) from src, one after another, to dst, ldd bytes apart.")
	dst := Load(Param("dst"), GP64())
	ldd := Load(Param("ldd"), GP64())
	src := Load(Param("src"), GP64())
	w := Load(Param("w"), GP64())
	n := Load(Param("n"), GP64())
	TESTQ(n, n)
	JZ(LabelRef("copyRunsAVX_done"))
	Label("copyRunsAVX_run")
	i := GP64()
	XORQ(i, i)
	Label("copyRunsAVX_32")
	left := GP64()
	MOVQ(w, left)
	SUBQ(i, left)
	CMPQ(left, U8(32))
	JL(LabelRef("copyRunsAVX_16"))
	y := YMM()
	VMOVUPS(Mem{Base: src, Index: i, Scale: 1}, y)
	VMOVUPS(y, Mem{Base: dst, Index: i, Scale: 1})
	ADDQ(U8(32), i)
	JMP(LabelRef("copyRunsAVX_32"))
	Label("copyRunsAVX_16")
	TESTQ(left, left)
	JZ(LabelRef("copyRunsAVX_next"))
	x := XMM()
	VMOVUPS(Mem{Base: src, Index: i, Scale: 1}, x)
	VMOVUPS(x, Mem{Base: dst, Index: i, Scale: 1})
	Label("copyRunsAVX_next")
	ADDQ(w, src)
	ADDQ(ldd, dst)
	DECQ(n)
	JNZ(LabelRef("copyRunsAVX_run"))
	Label("copyRunsAVX_done")
	VZEROUPPER()
	RET()
}
