package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// A layer is one normalization the command compares, composed against
// fused: the rows of the table it makes. To add one, write its steps (as
// layerNormSteps below) and list it in layers.
type layer struct {
	name   string
	shapes [][]int                 // default shapes
	check  func(shape []int) error // refuses a shape the layer cannot take
	steps  steps
}

// steps makes a layer's step function for one shape, in each dtype.
type steps struct {
	f32 func(shape []int) stepFunc[float32]
	f64 func(shape []int) stepFunc[float64]
}

// stepFunc runs one forward and backward pass of L = Σ y ⊙ g, composed or
// fused, and returns the bytes the recorded ops kept for the backward pass
// and the gradients (valid until the next call).
type stepFunc[T tensor.Float] func(fused bool) (savedBytes int, grads []*tensor.Tensor[T])

// layers lists every layer the command knows, in the table's order.
func layers() []layer {
	return []layer{
		{name: "batchnorm", shapes: bnbench.Shapes, check: checkBatchNorm,
			steps: steps{f32: batchNormSteps[float32], f64: batchNormSteps[float64]}},
		{name: "layernorm", shapes: lnShapes, check: checkLastAxis,
			steps: steps{f32: layerNormSteps[float32](false), f64: layerNormSteps[float64](false)}},
		{name: "rmsnorm", shapes: lnShapes, check: checkLastAxis,
			steps: steps{f32: layerNormSteps[float32](true), f64: layerNormSteps[float64](true)}},
		{name: "groupnorm", shapes: gnShapes, check: checkGroups(groupsOf(gnGroups)),
			steps: steps{f32: groupNormSteps[float32](groupsOf(gnGroups)), f64: groupNormSteps[float64](groupsOf(gnGroups))}},
		{name: "instancenorm", shapes: gnShapes[:1], check: checkGroups(perChannel),
			steps: steps{f32: groupNormSteps[float32](perChannel), f64: groupNormSteps[float64](perChannel)}},
	}
}

// lnShapes are the default shapes of layer norm and RMS norm, normalized
// over the last axis: batches of feature vectors, and a batch of token
// sequences as a transformer's.
var lnShapes = [][]int{{200, 100}, {128, 1024}, {32, 128, 768}}

func checkBatchNorm(shape []int) error {
	if len(shape) < 2 {
		return fmt.Errorf("%q has no channel axis; batch norm wants NxC or NxCxHx…", bnbench.ShapeName(shape))
	}
	if tensor.NumElems(shape)/shape[1] < 2 {
		return fmt.Errorf("%q has one value per channel; batch norm needs at least two", bnbench.ShapeName(shape))
	}
	return nil
}

func checkLastAxis(shape []int) error {
	if len(shape) < 1 {
		return fmt.Errorf("an empty shape has no axis to normalize")
	}
	return nil
}

// batchNormSteps is W3: bnbench's workload, with gradients for x, γ and β.
func batchNormSteps[T tensor.Float](shape []int) stepFunc[T] {
	w := bnbench.NewWorkload[T](rand.New(rand.NewPCG(1, 2)), shape...)
	return func(fused bool) (int, []*tensor.Tensor[T]) {
		v := bnbench.Composed
		if fused {
			v = bnbench.Fused
		}
		r := w.Step(v)
		return r.SavedBytes, []*tensor.Tensor[T]{r.DX, r.DGamma, r.DBeta}
	}
}

// layerNormSteps returns the steps of layer norm (with γ and β) or RMS norm
// (with γ) over the last axis, PyTorch's default eps 1e-5 for both, on a
// tape reusing its buffers: x and g from N(0, 1), γ from U(0.5, 1.5), β
// from N(0, 1).
func layerNormSteps[T tensor.Float](rms bool) func(shape []int) stepFunc[T] {
	return func(shape []int) stepFunc[T] {
		rng := rand.New(rand.NewPCG(1, 2))
		norm := shape[len(shape)-1:]
		x, g := tensor.RandN[T](rng, shape...), tensor.RandN[T](rng, shape...)
		gamma := autograd.NewParam(tensor.RandU[T](rng, 0.5, 1.5, norm...))
		beta := autograd.NewParam(tensor.RandN[T](rng, norm...))
		tape := autograd.NewTape[T]()
		tape.ReuseBuffers(true)
		saved := map[bool]int{}
		return func(fused bool) (int, []*tensor.Tensor[T]) {
			tape.Reset()
			gamma.ZeroGrad()
			beta.ZeroGrad()
			xv := tape.Param(x)
			var y *autograd.Var[T]
			switch {
			case rms && fused:
				y = functional.RMSNorm(xv, norm, gamma, 1e-5)
			case rms:
				y = functional.RMSNormComposed(xv, norm, gamma, 1e-5)
			case fused:
				y = functional.LayerNorm(xv, norm, gamma, beta, 1e-5)
			default:
				y = functional.LayerNormComposed(xv, norm, gamma, beta, 1e-5)
			}
			if _, ok := saved[fused]; !ok {
				saved[fused] = tape.SavedBytes()
			}
			tape.BackwardWithGrad(y, g)
			grads := []*tensor.Tensor[T]{xv.Grad(), gamma.Grad()}
			if !rms {
				grads = append(grads, beta.Grad())
			}
			return saved[fused], grads
		}
	}
}
