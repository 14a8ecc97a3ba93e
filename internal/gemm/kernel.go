package gemm

// microKernel computes an mr×nr tile of C from kc steps of a packed A
// sliver (mr values a step) and a packed B sliver (nr values a step):
//
//	C = alpha·(Ã·B̃) + beta·C    (load ≠ 0)
//	C = alpha·(Ã·B̃)             (load = 0: C is only written)
//
// C is row-major with row stride ldc.
type microKernel[T Float] func(kc int, a, b, c *T, ldc int, alpha, beta T, load int)

// kernel is a micro-kernel and the blocking it is tuned for.
type kernel[T Float] struct {
	name   string // the variant: "avx512", "avx2" or "go"
	mr, nr int    // the tile: mr rows by nr columns
	kc     int    // depth of a packed block
	mc     int    // rows of a packed A block (a multiple of mr)
	nc     int    // columns of a packed B block (a multiple of nr)
	fn     microKernel[T]
	// The kernels of the half tiles, for the last row or column of tiles
	// when it is no more than half full: mr×nr/2, mr/2×nr and mr/2×nr/2.
	// Nil when there are none.
	fnN, fnM, fnMN microKernel[T]
	// The kernels of the quarter-width tiles, for the last column of tiles
	// when it is no more than a quarter full: mr×nr/4 and mr/2×nr/4. Nil
	// when there are none; set only with the half tiles.
	fnQ, fnMQ microKernel[T]
	// The kernels of the eighth-width tiles, mr×nr/8 and mr/2×nr/8, for
	// the last column of tiles when it is no more than an eighth full: a
	// linear layer of 100 outputs leaves 4 columns past 3 tiles of 32. Nil
	// when there are none; set only with the quarter tiles.
	fnE, fnME microKernel[T]
	// fastPack says packing and thin products may use assembly (the
	// transposes, copies, axpy and dot of the variant's instruction set).
	fastPack bool
}

// tileFor returns the kernel for a tile of height h (mr or mr/2) and width
// w (nr, nr/2, nr/4 or nr/8).
func (k *kernel[T]) tileFor(h, w int) microKernel[T] {
	full := h == k.mr
	switch {
	case w == k.nr && full:
		return k.fn
	case w == k.nr:
		return k.fnM
	case w == k.nr/2 && full:
		return k.fnN
	case w == k.nr/2:
		return k.fnMN
	case w == k.nr/4 && full:
		return k.fnQ
	case w == k.nr/4:
		return k.fnMQ
	case full:
		return k.fnE
	}
	return k.fnME
}

// lastWidth returns the width of the last sliver of n lines cut in slivers
// of w (mr or nr): the narrowest of w/8, w/4 and w/2 that holds what is
// left and has a kernel (eighth, quarter, half), else w.
func lastWidth(n, w int, half, quarter, eighth bool) int {
	r := n % w
	switch {
	case eighth && r > 0 && r <= w/8:
		return w / 8
	case quarter && r > 0 && r <= w/4:
		return w / 4
	case half && r > 0 && r <= w/2:
		return w / 2
	}
	return w
}

// forced, when not empty, names the kernel variant every call uses instead
// of the best one the CPU runs: tests set it to exercise each variant.
var forced string

// kernelFor returns the kernel of element type T: the forced variant if one
// is set and the CPU runs it, else the fastest the CPU runs.
func kernelFor[T Float]() *kernel[T] {
	var ks []*kernel[T]
	switch any(T(0)).(type) {
	case float32:
		ks = any(kernels32).([]*kernel[T])
	default:
		ks = any(kernels64).([]*kernel[T])
	}
	if forced != "" {
		for _, k := range ks {
			if k.name == forced {
				return k
			}
		}
	}
	return ks[0]
}

// variants returns the names of the kernel variants this CPU runs, the
// fastest first.
func variants() []string {
	var names []string
	for _, k := range kernels32 {
		names = append(names, k.name)
	}
	return names
}

// Variant names the micro-kernel that products use on this CPU and build:
// "avx512", "avx2" or "go". Benchmarks print it next to their numbers.
func Variant() string { return kernelFor[float32]().name }
