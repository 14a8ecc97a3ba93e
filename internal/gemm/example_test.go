package gemm_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/gemm"
)

// A linear layer's forward pass, y = x·wᵀ, reads w where it lies.
func ExampleSgemm() {
	x := []float32{1, 2, 3, 4, 5, 6} // 2×3: two inputs
	w := []float32{1, 0, 1, 0, 1, 0} // 2×3: two outputs by three inputs
	y := make([]float32, 2*2)
	gemm.Sgemm(false, true, 2, 2, 3, 1, x, 3, w, 3, 0, y, 2)
	fmt.Println(y)
	// Output:
	// [4 2 10 5]
}
