package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// gnGroups is the number of groups of the groupnorm rows (W6's GroupNorm
// has 32); the instancenorm rows take one group per channel.
const gnGroups = 32

// gnShapes are the default shapes of group and instance norm: W6's
// (32, 256, 16, 16) and a smaller batch of feature maps.
var gnShapes = [][]int{{16, 64, 16, 16}, {32, 256, 16, 16}}

// checkGroups refuses a shape whose channels do not split into the groups
// groups(c) gives.
func checkGroups(groups func(c int) int) func(shape []int) error {
	return func(shape []int) error {
		if len(shape) < 2 {
			return fmt.Errorf("%q has no channel axis; group norm wants NxC or NxCxHx…", bnbench.ShapeName(shape))
		}
		if c := shape[1]; c%groups(c) != 0 {
			return fmt.Errorf("%q has %d channels, not divisible into %d groups", bnbench.ShapeName(shape), c, groups(c))
		}
		return nil
	}
}

// groupNormSteps returns the steps of group normalization with groups(C)
// groups, functional.GroupNormComposed against the fused
// functional.GroupNorm, with gradients for x, γ and β, on inputs drawn as
// bnbench's (x, g ~ N(0, 1), γ ~ U(0.5, 1.5), β ~ N(0, 1)), on a tape
// reusing its buffers. With groups(C) = C it is instance normalization with
// an affine map (nn.InstanceNorm2d's affine=True in training).
func groupNormSteps[T tensor.Float](groups func(c int) int) func(shape []int) stepFunc[T] {
	return func(shape []int) stepFunc[T] {
		rng := rand.New(rand.NewPCG(1, 2))
		c := shape[1]
		x, g := tensor.RandN[T](rng, shape...), tensor.RandN[T](rng, shape...)
		gamma := autograd.NewParam(tensor.RandU[T](rng, 0.5, 1.5, c))
		beta := autograd.NewParam(tensor.RandN[T](rng, c))
		tape := autograd.NewTape[T]()
		tape.ReuseBuffers(true)
		saved := map[bool]int{}
		return func(fused bool) (int, []*tensor.Tensor[T]) {
			tape.Reset()
			gamma.ZeroGrad()
			beta.ZeroGrad()
			xv := tape.Param(x)
			norm := functional.GroupNormComposed[T]
			if fused {
				norm = functional.GroupNorm[T]
			}
			y := norm(xv, groups(c), gamma, beta, bnbench.Eps)
			if _, ok := saved[fused]; !ok {
				saved[fused] = tape.SavedBytes()
			}
			tape.BackwardWithGrad(y, g)
			return saved[fused], []*tensor.Tensor[T]{xv.Grad(), gamma.Grad(), beta.Grad()}
		}
	}
}

func groupsOf(n int) func(c int) int { return func(int) int { return n } }
func perChannel(c int) int           { return c }
