package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// compareGroupNorm is compare for group normalization with the given number
// of groups: functional.GroupNormComposed against the fused
// functional.GroupNorm, forward and backward of L = Σ y ⊙ g with gradients
// for x, γ and β, on inputs drawn as bnbench's (x, g ~ N(0, 1),
// γ ~ U(0.5, 1.5), β ~ N(0, 1)). The row's shape names the groups
// ("32x64x32x32/G8"). It panics unless groups divides the channels.
func compareGroupNorm[T tensor.Float](shape []int, groups, reps int) row {
	rng := rand.New(rand.NewPCG(1, 2))
	c := shape[1]
	x, g := tensor.RandN[T](rng, shape...), tensor.RandN[T](rng, shape...)
	gamma := autograd.NewParam(tensor.RandU[T](rng, 0.5, 1.5, c))
	beta := autograd.NewParam(tensor.RandN[T](rng, c))
	tape := autograd.NewTape[T]()
	tape.ReuseBuffers(true)
	saved := map[bnbench.Variant]int{}
	step := func(v bnbench.Variant) bnbench.Result[T] {
		tape.Reset()
		gamma.ZeroGrad()
		beta.ZeroGrad()
		xv := tape.Param(x)
		norm := functional.GroupNorm[T]
		if v == bnbench.Composed {
			norm = functional.GroupNormComposed[T]
		}
		y := norm(xv, groups, gamma, beta, bnbench.Eps)
		if _, ok := saved[v]; !ok {
			saved[v] = tape.SavedBytes()
		}
		tape.BackwardWithGrad(y, g)
		return bnbench.Result[T]{Y: y.Value(), DX: xv.Grad(), DGamma: gamma.Grad(), DBeta: beta.Grad(), SavedBytes: saved[v]}
	}
	cr := step(bnbench.Composed).Clone() // warm-up, and the results compared
	fr := step(bnbench.Fused)
	r := row{
		Shape:         fmt.Sprintf("%s/G%d", bnbench.ShapeName(shape), groups),
		ComposedBytes: cr.SavedBytes,
		FusedBytes:    fr.SavedBytes,
		MemoryRatio:   float64(fr.SavedBytes) / float64(cr.SavedBytes),
		MaxGradDiff:   bnbench.MaxGradDiff(cr, fr),
	}
	times := map[bnbench.Variant][]time.Duration{}
	for i := range reps {
		order := []bnbench.Variant{bnbench.Composed, bnbench.Fused}
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, v := range order {
			runtime.GC()
			start := time.Now()
			step(v)
			times[v] = append(times[v], time.Since(start))
		}
	}
	r.ComposedNs = median(times[bnbench.Composed]).Nanoseconds()
	r.FusedNs = median(times[bnbench.Fused]).Nanoseconds()
	r.Speedup = float64(r.ComposedNs) / float64(r.FusedNs)
	return r
}

// compareInstanceNorm is compareGroupNorm with one group per channel:
// instance normalization with an affine map (nn.InstanceNorm2d's
// affine=True in training).
func compareInstanceNorm[T tensor.Float](shape []int, reps int) row {
	return compareGroupNorm[T](shape, shape[1], reps)
}
