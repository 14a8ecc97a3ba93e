package optim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// benchParams returns one float32 parameter of n elements with a gradient.
func benchParams(n int) []*autograd.Var[float32] {
	rng := rand.New(rand.NewPCG(1, 2))
	p := autograd.NewParam(tensor.RandN[float32](rng, n))
	p.SetGrad(tensor.RandN[float32](rng, n))
	return []*autograd.Var[float32]{p}
}

// The steps of the common configurations, which run through internal/vec.
func BenchmarkAdamStep(b *testing.B) {
	opt := optim.NewAdam(benchParams(1<<20), optim.LR(1e-4))
	for b.Loop() {
		opt.Step()
	}
}

func BenchmarkSGDStep(b *testing.B) {
	opt := optim.NewSGD(benchParams(1<<20), optim.LR(1e-4))
	for b.Loop() {
		opt.Step()
	}
}
