package ops_test

import (
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Ops split large inputs among goroutines; outputs and gradients must be
// the same bits for every GOMAXPROCS. The inputs here are large enough to
// be split.
func TestOpsDoNotDependOnGOMAXPROCS(t *testing.T) {
	r := rng(200)
	x := randn(r, 32, 16, 24, 24) // 294 912 values, above 2·parallel.Grain
	flat := randn(r, 1024, 512)   // N×C batch norm
	w, b := randn(r, 8, 16, 3, 3), randn(r, 8)
	gamma, beta := randn(r, 16), randn(r, 16)
	g2, b2 := randn(r, 512), randn(r, 512)
	cases := []struct {
		name string
		mk   func() autograd.Op[float64]
		in   []t64
	}{
		{"ReLU", func() autograd.Op[float64] { return &ops.ReLU[float64]{} }, []t64{x}},
		{"Sigmoid", func() autograd.Op[float64] { return &ops.Sigmoid[float64]{} }, []t64{x}},
		{"BatchNorm 4-d", func() autograd.Op[float64] { return &ops.BatchNorm[float64]{Eps: 1e-5} }, []t64{x, gamma, beta}},
		{"BatchNorm N×C", func() autograd.Op[float64] { return &ops.BatchNorm[float64]{Eps: 1e-5} }, []t64{flat, g2, b2}},
		{"MaxPool2d", func() autograd.Op[float64] {
			return &ops.MaxPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
		}, []t64{x}},
		{"AvgPool2d", func() autograd.Op[float64] {
			return &ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}
		}, []t64{x}},
		{"Conv2d", func() autograd.Op[float64] { return &ops.Conv2d[float64]{Padding: [2]int{1, 1}} }, []t64{x, w, b}},
		{"Sum", func() autograd.Op[float64] { return &ops.Sum[float64]{Axes: []int{0, 2}} }, []t64{x}},
	}
	run := func(c int) []t64 {
		op := cases[c].mk()
		seed := tensor.Map(forward[float64](cases[c].mk(), cases[c].in...), func(v float64) float64 { return v*0.37 - 0.1 })
		y, grads := backward(t, op, seed, cases[c].in...)
		return append([]t64{y}, grads...)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := make([][]t64, len(cases))
	for c := range cases {
		want[c] = run(c)
	}
	runtime.GOMAXPROCS(4)
	for c := range cases {
		for i, got := range run(c) {
			if !tensor.AllClose(got, want[c][i], 0, 0) {
				t.Errorf("%s: result %d differs between GOMAXPROCS 1 and 4 by %g", cases[c].name, i, tensor.MaxAbsDiff(got, want[c][i]))
			}
		}
	}
}
