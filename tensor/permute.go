package tensor

import "fmt"

// PermuteShape returns the shape of a tensor of the given shape permuted by
// axes (output axis i is input axis axes[i]), or an error unless axes is a
// permutation of 0 … len(shape)−1.
func PermuteShape(shape, axes []int) ([]int, error) {
	nd := len(shape)
	fail := func() ([]int, error) {
		why := fmt.Sprintf(errPermutationWhy, axes, nd)
		return nil, shapeError(why, "tensor: %s", why)
	}
	if len(axes) != nd {
		return fail()
	}
	seen := make([]bool, nd)
	out := make([]int, nd)
	for i, a := range axes {
		if a < 0 || a >= nd || seen[a] {
			return fail()
		}
		seen[a] = true
		out[i] = shape[a]
	}
	return out, nil
}

// Permute returns a new tensor whose axis i is axis axes[i] of t, as NumPy's
// transpose(t, axes) and PyTorch's permute do; the data is copied into the new
// layout. It panics unless axes is a permutation of 0 … t.NDim()−1.
func Permute[T Float](t *Tensor[T], axes ...int) *Tensor[T] { return heap[T]().Permute(t, axes...) }

// Permute is the package-level Permute with the result's storage from the
// arena.
func (ar *Arena[T]) Permute(t *Tensor[T], axes ...int) *Tensor[T] {
	nd := len(t.shape)
	shape, err := PermuteShape(t.shape, axes)
	if err != nil {
		panic(err.Error())
	}
	dst := ar.NewUninit(shape...)
	if len(t.data) == 0 {
		return dst
	}
	if isBatchedTranspose(axes) {
		r, c := t.shape[nd-2], t.shape[nd-1]
		for b := 0; b < len(t.data); b += r * c {
			transpose2(dst.data[b:b+r*c], t.data[b:b+r*c], r, c)
		}
		return dst
	}
	inStr := stridesOf(t.shape)
	steps := make([]int, nd) // input stride along each output axis
	for i, a := range axes {
		steps[i] = inStr[a]
	}
	last := nd - 1
	n, step := 1, 0
	if nd > 0 {
		n, step = shape[last], steps[last]
	}
	idx := make([]int, max(last, 0))
	in := 0
	for o := 0; o < len(dst.data); o += n {
		row := dst.data[o : o+n]
		for j := range row {
			row[j] = t.data[in+j*step]
		}
		k := last - 1
		for ; k >= 0; k-- {
			idx[k]++
			in += steps[k]
			if idx[k] < shape[k] {
				break
			}
			in -= steps[k] * idx[k]
			idx[k] = 0
		}
	}
	return dst
}

// isBatchedTranspose reports whether axes keeps every axis in place but swaps
// the last two.
func isBatchedTranspose(axes []int) bool {
	nd := len(axes)
	if nd < 2 || axes[nd-2] != nd-1 || axes[nd-1] != nd-2 {
		return false
	}
	for i := range nd - 2 {
		if axes[i] != i {
			return false
		}
	}
	return true
}

// transpose2 writes the transpose of the r×c row-major matrix src into dst
// (c×r), in square tiles so that both sides stay in cache.
func transpose2[T Float](dst, src []T, r, c int) {
	const tile = 32
	for i0 := 0; i0 < r; i0 += tile {
		i1 := min(i0+tile, r)
		for j0 := 0; j0 < c; j0 += tile {
			j1 := min(j0+tile, c)
			for i := i0; i < i1; i++ {
				for j := j0; j < j1; j++ {
					dst[j*r+i] = src[i*c+j]
				}
			}
		}
	}
}

// Transpose returns a copy of t with axes a1 and a2 swapped; negative axes
// count from the end. Transpose(m, 0, 1) of a matrix is its transpose mᵀ.
func Transpose[T Float](t *Tensor[T], a1, a2 int) *Tensor[T] {
	return Permute(t, SwapAxes(len(t.shape), a1, a2)...)
}

// SwapAxes returns the permutation of n axes that swaps a1 and a2 (negative
// values count from the end) and keeps the others in place.
func SwapAxes(n, a1, a2 int) []int {
	a1, a2 = NormAxis(a1, n), NormAxis(a2, n)
	axes := make([]int, n)
	for i := range axes {
		axes[i] = i
	}
	axes[a1], axes[a2] = a2, a1
	return axes
}

// InversePermutation returns the permutation that undoes axes: Permute by
// axes, then by InversePermutation(axes), gives the original tensor back.
func InversePermutation(axes []int) []int {
	inv := make([]int, len(axes))
	for i, a := range axes {
		inv[a] = i
	}
	return inv
}
