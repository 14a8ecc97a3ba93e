package gemmbench_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/gemmbench"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestRun checks Run against a plain triple loop in float64, on shapes with
// sizes of 1, and that a second Run overwrites C rather than adding to it.
func TestRun(t *testing.T) {
	for _, s := range []gemmbench.Shape{{1, 1, 1}, {3, 5, 2}, {1, 7, 4}, {6, 1, 3}, {17, 33, 9}} {
		t.Run(s.Name(), func(t *testing.T) {
			w := gemmbench.NewWorkload[float64](rand.New(rand.NewPCG(1, 2)), s)
			want := tensor.New[float64](s.M, s.N)
			a, b, c := w.A.Data(), w.B.Data(), want.Data()
			for i := range s.M {
				for j := range s.N {
					var sum float64
					for k := range s.K {
						sum += a[i*s.K+k] * b[k*s.N+j]
					}
					c[i*s.N+j] = sum
				}
			}
			w.Run()
			if d := tensor.MaxAbsDiff(w.Run(), want); d > 1e-12 {
				t.Errorf("C differs from the triple loop by %g", d)
			}
		})
	}
}

func ExampleShape() {
	for _, s := range gemmbench.Shapes {
		fmt.Printf("%s: %.3f GFLOP\n", s.Name(), s.FLOPs()/1e9)
	}
	// Output:
	// 1024x1024x1024: 2.147 GFLOP
	// 200x3072x100: 0.123 GFLOP
	// 2048x576x64: 0.151 GFLOP
	// 256x4608x512: 1.208 GFLOP
}
