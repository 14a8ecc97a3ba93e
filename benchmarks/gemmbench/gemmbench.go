package gemmbench

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// Shape is the size of one product: A is M×K, B is K×N and C is M×N.
type Shape struct{ M, K, N int }

// Shapes are W4's products: a square one, the course MLP's first layer at
// batch 200 (200×3072 times 3072×100), and two the ConvNet's convolutions
// become through im2col at batch 32 (an 8×8 plane: 2048×576 times 576×64; a
// 512-channel layer: 256×4608 times 4608×512).
var Shapes = []Shape{{1024, 1024, 1024}, {200, 3072, 100}, {2048, 576, 64}, {256, 4608, 512}}

// Name writes the shape as M×K×N joined by "x", such as "200x3072x100": a
// name benchstat and flag values can carry.
func (s Shape) Name() string { return fmt.Sprintf("%dx%dx%d", s.M, s.K, s.N) }

// FLOPs returns the floating-point operations of one product, one multiply
// and one add per term: 2·M·K·N.
func (s Shape) FLOPs() float64 { return 2 * float64(s.M) * float64(s.K) * float64(s.N) }

// Workload is one product's operands and result. It is used by one
// goroutine at a time.
type Workload[T tensor.Float] struct {
	Shape   Shape
	A, B, C *tensor.Tensor[T]
}

// NewWorkload draws A and B of shape s from N(0, 1) with rng and allocates
// C. It panics if a size is not positive.
func NewWorkload[T tensor.Float](rng *rand.Rand, s Shape) *Workload[T] {
	if s.M <= 0 || s.K <= 0 || s.N <= 0 {
		panic(fmt.Sprintf("gemmbench: shape %+v has a size that is not positive", s))
	}
	return &Workload[T]{
		Shape: s,
		A:     tensor.RandN[T](rng, s.M, s.K),
		B:     tensor.RandN[T](rng, s.K, s.N),
		C:     tensor.New[T](s.M, s.N),
	}
}

// Run computes C = A·B with tensor.Gemm, overwriting C, and returns C.
func (w *Workload[T]) Run() *tensor.Tensor[T] {
	s := w.Shape
	tensor.Gemm(false, false, s.M, s.N, s.K, 1, w.A.Data(), s.K, w.B.Data(), s.N, 0, w.C.Data(), s.N)
	return w.C
}
