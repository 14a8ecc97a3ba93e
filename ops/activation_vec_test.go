package ops_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/parallel"
	ivec "github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestActivationVec32 checks that the float32 activations take package
// vec's kernels, forward and backward, over tensors large enough to run
// in parallel chunks: the same bits as one call of the kernel over the
// whole tensor, and within 1 ulp of the float64 op's result rounded.
func TestActivationVec32(t *testing.T) {
	const n = 3*parallel.Grain + 7
	rng := rand.New(rand.NewPCG(7, 8))
	x32, dy32 := make([]float32, n), make([]float32, n)
	for i := range x32 {
		x32[i] = float32(rng.NormFloat64() * 4)
		dy32[i] = float32(rng.NormFloat64())
	}
	x64, dy64 := make([]float64, n), make([]float64, n)
	for i := range x32 {
		x64[i], dy64[i] = float64(x32[i]), float64(dy32[i])
	}
	type pair struct {
		op32 autograd.Op[float32]
		op64 autograd.Op[float64]
	}
	for _, c := range []struct {
		name string
		ops  func() pair
		fwd  func(y, x []float32)
		bwd  func(dx, dy, x []float32) // nil: dy·y(1−y) or dy(1−y²), not vec's
	}{
		{"GELU", func() pair { return pair{&ops.GELU[float32]{}, &ops.GELU[float64]{}} }, ivec.GELU32, ivec.GELUGrad32},
		{"GELU tanh", func() pair {
			return pair{&ops.GELU[float32]{Approximate: "tanh"}, &ops.GELU[float64]{Approximate: "tanh"}}
		}, ivec.GELUTanh32, ivec.GELUTanhGrad32},
		{"SiLU", func() pair { return pair{&ops.SiLU[float32]{}, &ops.SiLU[float64]{}} }, ivec.SiLU32, ivec.SiLUGrad32},
		{"Sigmoid", func() pair { return pair{&ops.Sigmoid[float32]{}, &ops.Sigmoid[float64]{}} }, ivec.Sigmoid32, nil},
		{"Tanh", func() pair { return pair{&ops.Tanh[float32]{}, &ops.Tanh[float64]{}} }, ivec.Tanh32, nil},
	} {
		p := c.ops()
		y := p.op32.Forward([]*tensor.Tensor[float32]{tensor.FromSlice(x32)}).Data()
		y64 := p.op64.Forward([]*tensor.Tensor[float64]{tensor.FromSlice(x64)}).Data()
		want := make([]float32, n)
		c.fwd(want, x32)
		for i := range y {
			if y[i] != want[i] {
				t.Fatalf("%s(%g) = %g, vec's %g", c.name, x32[i], y[i], want[i])
			}
			// (the float64 tanh form's 1 + tanh u cancels below about −5,
			// off by up to |x|·2⁻⁵³ there; the float32 path's x·σ(2u) does not)
			if d := math.Abs(float64(y[i]) - y64[i]); d > 0x1p-23*math.Abs(y64[i]) && d > 1e-15*math.Abs(x64[i]) {
				t.Fatalf("%s(%g) = %g in float32, %g in float64", c.name, x32[i], y[i], y64[i])
			}
		}
		if c.bwd == nil {
			continue
		}
		dx := p.op32.Backward(tensor.FromSlice(dy32), []bool{true})[0].Data()
		dx64 := p.op64.Backward(tensor.FromSlice(dy64), []bool{true})[0].Data()
		c.bwd(want, dy32, x32)
		for i := range dx {
			if dx[i] != want[i] {
				t.Fatalf("%s'(%g) = %g, vec's %g", c.name, x32[i], dx[i], want[i])
			}
			// dy·float32(f') against dy·f' in float64: two roundings
			if d := math.Abs(float64(dx[i]) - dx64[i]); d > 0x1p-22*math.Abs(dx64[i]) && d > 1e-15*math.Abs(x64[i]*dy64[i]) {
				t.Fatalf("%s'(%g) = %g in float32, %g in float64", c.name, x32[i], dx[i], dx64[i])
			}
		}
	}
}
