//go:build !amd64 || purego

package gemm

// Without assembly, the pure-Go kernel is the only one.
var (
	kernels32 = []*kernel[float32]{goKernel32()}
	kernels64 = []*kernel[float64]{goKernel64()}
)
