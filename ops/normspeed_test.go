package ops_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// normPass runs op's Forward and Backward (every input needing its
// gradient) and returns y followed by the gradients.
func normPass[T tensor.Float](op autograd.Op[T], dy *tensor.Tensor[T], in ...*tensor.Tensor[T]) []*tensor.Tensor[T] {
	y := op.Forward(in)
	needs := make([]bool, len(in))
	for i := range needs {
		needs[i] = true
	}
	return append([]*tensor.Tensor[T]{y}, op.Backward(dy, needs)...)
}

// normCase is one layer, RMS or group norm pass of the tests below, with
// inputs x, γ (and β) drawn for shape.
type normCase struct {
	name  string
	shape []int
	op64  func() autograd.Op[float64]
	op32  func() autograd.Op[float32]
	np    int // inputs: 1 (x), 2 (x, γ) or 3 (x, γ, β)
	param []int
	rows  int // layer and RMS norm: normalized rows, 0 for group norm
	rms   bool
}

func normCases() []normCase {
	ln := func(shape []int, np int) normCase {
		s := shape[len(shape)-1:]
		return normCase{fmt.Sprintf("LayerNorm %v %d inputs", shape, np), shape,
			func() autograd.Op[float64] { return &ops.LayerNorm[float64]{Shape: s, Eps: 1e-5} },
			func() autograd.Op[float32] { return &ops.LayerNorm[float32]{Shape: s, Eps: 1e-5} }, np, s, tensor.NumElems(shape) / s[0], false}
	}
	rms := func(shape []int, np int) normCase {
		s := shape[len(shape)-1:]
		return normCase{fmt.Sprintf("RMSNorm %v %d inputs", shape, np), shape,
			func() autograd.Op[float64] { return &ops.RMSNorm[float64]{Shape: s, Eps: 1e-5} },
			func() autograd.Op[float32] { return &ops.RMSNorm[float32]{Shape: s, Eps: 1e-5} }, np, s, tensor.NumElems(shape) / s[0], true}
	}
	gn := func(shape []int, groups, np int) normCase {
		return normCase{fmt.Sprintf("GroupNorm %v %d groups %d inputs", shape, groups, np), shape,
			func() autograd.Op[float64] { return &ops.GroupNorm[float64]{Groups: groups, Eps: 1e-5} },
			func() autograd.Op[float32] { return &ops.GroupNorm[float32]{Groups: groups, Eps: 1e-5} }, np, shape[1:2], 0, false}
	}
	return []normCase{
		// Rows shorter than a vector, of whole vectors and partial sums,
		// with tails; wide rows; several row blocks of narrow (d < 256)
		// and wide rows.
		// The large ones hold more than 2·parallel.Grain values, so that
		// they are split among goroutines and their rows into blocks.
		ln([]int{5, 7}, 3), ln([]int{3, 16}, 2), ln([]int{4, 100}, 1), ln([]int{3, 2, 1029}, 3),
		ln([]int{4800, 60}, 3), ln([]int{288, 1024}, 3), ln([]int{288, 1024}, 1),
		rms([]int{5, 7}, 2), rms([]int{4, 100}, 1), rms([]int{288, 1024}, 2), rms([]int{4800, 60}, 2),
		gn([]int{3, 4, 5}, 2, 3), gn([]int{2, 6, 3, 3}, 3, 1), gn([]int{2, 4, 41}, 4, 3), gn([]int{32, 64, 16, 16}, 32, 3),
	}
}

// inputs draws x (mean 5, scale 3, as activations away from 0), γ, β and
// dy for c.
func (c normCase) inputs(seed uint64) (in []t64, dy t64) {
	r := rng(seed)
	in = []t64{tensor.AddScalar(tensor.Scale(randn(r, c.shape...), 3), 5)}
	for range c.np - 1 {
		in = append(in, randn(r, c.param...))
	}
	return in, randn(r, c.shape...)
}

func to32s(ts []t64) []*tensor.Tensor[float32] {
	out := make([]*tensor.Tensor[float32], len(ts))
	for i, x := range ts {
		out[i] = to32(x)
	}
	return out
}

// paramGrads returns layer or RMS norm's dγ and dβ computed plainly, row
// by row in float64: Σ_rows dy ⊙ x̂ and Σ_rows dy.
func (c normCase) paramGrads(x, dy t64) (dg, db []float64) {
	d := len(x.Data()) / c.rows
	dg, db = make([]float64, d), make([]float64, d)
	for r := range c.rows {
		row, g := x.Data()[r*d:][:d], dy.Data()[r*d:][:d]
		mu, ss := 0.0, 0.0
		if !c.rms {
			for _, v := range row {
				mu += v / float64(d)
			}
		}
		for _, v := range row {
			ss += (v - mu) * (v - mu)
		}
		is := 1 / math.Sqrt(ss/float64(d)+1e-5)
		for j, v := range row {
			dg[j] += g[j] * (v - mu) * is
			db[j] += g[j]
		}
	}
	return dg, db
}

// The float32 passes (vectorized on amd64) agree with float64's, forward
// and backward, on shapes that meet every path of the row loops, and
// layer and RMS norm's dγ and dβ (summed over blocks of rows) with plain
// sums.
func TestNormsFloat32Paths(t *testing.T) {
	names := []string{"y", "dx", "dγ", "dβ"}
	for i, c := range normCases() {
		in, dy := c.inputs(uint64(200 + i))
		want := normPass(c.op64(), dy, in...)
		if c.rows > 0 && c.np > 1 {
			dg, db := c.paramGrads(in[0], dy)
			for k, ref := range [][]float64{dg, db}[:c.np-1] {
				for j, v := range ref {
					if w := want[2+k].Data()[j]; math.Abs(w-v) > 1e-10*(1+math.Abs(v)) {
						t.Fatalf("%s: %s[%d] = %v, want %v", c.name, names[2+k], j, w, v)
					}
				}
			}
		}
		got := normPass(c.op32(), to32(dy), to32s(in)...)
		for k := range want {
			scale := 1.0
			for _, v := range want[k].Data() {
				scale = max(scale, math.Abs(v))
			}
			for j, v := range got[k].Data() {
				if w := want[k].Data()[j]; math.Abs(float64(v)-w) > 3e-6*scale {
					t.Fatalf("%s: %s[%d] = %v in float32, %v in float64 (scale %v)", c.name, names[k], j, v, w, scale)
				}
			}
		}
	}
}

// The fused ops' results do not depend on GOMAXPROCS: rows and groups are
// computed alone and dγ, dβ added over row blocks fixed by the shape.
func TestNormsSameBitsAnyGOMAXPROCS(t *testing.T) {
	for i, c := range normCases() {
		in, dy := c.inputs(uint64(300 + i))
		in32, dy32 := to32s(in), to32(dy)
		var runs [3][]*tensor.Tensor[float32]
		for p, procs := range []int{1, 2, 3} {
			prev := runtime.GOMAXPROCS(procs)
			runs[p] = normPass(c.op32(), dy32, in32...)
			runtime.GOMAXPROCS(prev)
		}
		for p := 1; p < len(runs); p++ {
			for k := range runs[0] {
				for j, v := range runs[0][k].Data() {
					if w := runs[p][k].Data()[j]; math.Float32bits(v) != math.Float32bits(w) {
						t.Fatalf("%s: result %d element %d is %v with GOMAXPROCS 1, %v with %d", c.name, k, j, v, w, p+1)
					}
				}
			}
		}
	}
}

// BenchmarkNormPasses times the fused norms' Forward and Backward alone, in
// float32 on W6's shapes, each op with an arena reusing its buffers as a
// training loop's tape does: layer norm over the last axis of 32×128×256
// and 4096×1024 with γ and β, group norm with 32 groups on 32×256×16×16
// with γ and β.
func BenchmarkNormPasses(b *testing.B) {
	type bcase struct {
		name  string
		shape []int
		op    func() autograd.Op[float32]
		param []int
	}
	ln := func(s []int) func() autograd.Op[float32] {
		return func() autograd.Op[float32] { return &ops.LayerNorm[float32]{Shape: s[len(s)-1:], Eps: 1e-5} }
	}
	cases := []bcase{
		{"LayerNorm/32x128x256", []int{32, 128, 256}, ln([]int{32, 128, 256}), []int{256}},
		{"LayerNorm/4096x1024", []int{4096, 1024}, ln([]int{4096, 1024}), []int{1024}},
		{"GroupNorm/32x256x16x16", []int{32, 256, 16, 16},
			func() autograd.Op[float32] { return &ops.GroupNorm[float32]{Groups: 32, Eps: 1e-5} }, []int{256}},
	}
	for _, c := range cases {
		r := rng(7)
		x, dy := to32(randn(r, c.shape...)), to32(randn(r, c.shape...))
		in := []*tensor.Tensor[float32]{x, to32(randn(r, c.param...)), to32(randn(r, c.param...))}
		needs := []bool{true, true, true}
		ar := tensor.NewArena[float32]()
		op := c.op()
		op.(interface{ UseArena(*tensor.Arena[float32]) }).UseArena(ar)
		b.Run(c.name+"/forward", func(b *testing.B) {
			b.SetBytes(int64(x.Bytes()))
			for b.Loop() {
				ar.Recycle()
				op.Forward(in)
			}
		})
		b.Run(c.name+"/backward", func(b *testing.B) {
			b.SetBytes(int64(x.Bytes()))
			for b.Loop() {
				ar.Recycle()
				op.Forward(in)
				op.Backward(dy, needs)
			}
		})
	}
}
