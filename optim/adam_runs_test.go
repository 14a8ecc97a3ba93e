package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestAdamStepSplitsAllParams checks that Step, which splits the elements
// of all the parameters among goroutines as one run, updates each parameter
// to the bits an optimizer of that parameter alone gives, at GOMAXPROCS 1
// and 4, with the options that take the vectorized path and those that do
// not, on parameters small and large (beyond two parallel.Grain, so that
// runs are cut inside a parameter and across parameters), one of them
// without a gradient.
func TestAdamStepSplitsAllParams(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	sizes := []int{3, 280001, 5, 0, 400003, 262144, 1}
	for _, c := range []struct {
		name string
		opts []optim.AdamOption
		adam func([]*autograd.Var[float32], ...optim.AdamOption) optim.Optimizer[float32]
	}{
		{"Adam", nil, adamOf},
		{"Adam amsgrad maximize decay", []optim.AdamOption{optim.Amsgrad(true), optim.Maximize(true), optim.WeightDecay(0.1)}, adamOf},
		{"AdamW", []optim.AdamOption{optim.WeightDecay(0.01)}, adamWOf},
	} {
		for _, procs := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/GOMAXPROCS=%d", c.name, procs), func(t *testing.T) {
				runtime.GOMAXPROCS(procs)
				all, alone := splitParams(sizes), splitParams(sizes)
				opts := append([]optim.AdamOption{optim.LR(1e-2)}, c.opts...)
				opt := c.adam(all, opts...)
				single := make([]optim.Optimizer[float32], len(alone))
				for i, p := range alone {
					single[i] = c.adam([]*autograd.Var[float32]{p}, opts...)
				}
				for range 3 {
					opt.Step()
					runtime.GOMAXPROCS(1) // each parameter alone, unsplit
					for _, o := range single {
						o.Step()
					}
					runtime.GOMAXPROCS(procs)
				}
				for i := range all {
					got, want := all[i].Value().Data(), alone[i].Value().Data()
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("parameter %d (%d values), [%d] = %v, its own optimizer gives %v", i, sizes[i], j, got[j], want[j])
						}
					}
				}
				if p, w := all[len(all)-2].Value().Data()[0], float32(0.5); p == w {
					t.Fatalf("parameter %d was not updated", len(all)-2)
				}
			})
		}
	}
}

func adamOf(ps []*autograd.Var[float32], opts ...optim.AdamOption) optim.Optimizer[float32] {
	return optim.NewAdam(ps, opts...)
}

func adamWOf(ps []*autograd.Var[float32], opts ...optim.AdamOption) optim.Optimizer[float32] {
	return optim.NewAdamW(ps, opts...)
}

// splitParams returns parameters of the given sizes, each with a gradient
// but the third, all drawn from the same seed: 0.5 everywhere for the one
// before last, random values for the others.
func splitParams(sizes []int) []*autograd.Var[float32] {
	rng := rand.New(rand.NewPCG(21, 22))
	ps := make([]*autograd.Var[float32], len(sizes))
	for i, n := range sizes {
		v := tensor.RandN[float32](rng, n)
		if i == len(sizes)-2 {
			v = tensor.Full[float32](0.5, n)
		}
		ps[i] = autograd.NewParam(v)
		if i != 2 {
			ps[i].SetGrad(tensor.RandN[float32](rng, n))
		}
	}
	return ps
}
