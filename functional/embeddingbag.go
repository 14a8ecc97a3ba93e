package functional

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// EmbeddingBagOptions are the settings of EmbeddingBag, as the keyword
// arguments of torch.nn.functional.embedding_bag. The zero value is
// PyTorch's defaults but for Mode, whose "" means PyTorch's default "mean".
type EmbeddingBagOptions struct {
	// Mode reduces each bag: "sum", "mean" (the default, also for "") or
	// "max".
	Mode string
	// PaddingIdx, MaxNorm, NormType and ScaleGradByFreq are Embedding's;
	// entries equal to PaddingIdx are left out of their bag (they do not
	// count for the mean).
	PaddingIdx      *int
	MaxNorm         float64
	NormType        float64
	ScaleGradByFreq bool
	// IncludeLastOffset takes the last offset as the end of the last bag
	// (include_last_offset): len(offsets)−1 bags.
	IncludeLastOffset bool
}

// EmbeddingBag reduces bags of embedding rows, as
// torch.nn.functional.embedding_bag(input, weight, offsets, …): input
// holds indices into weight (N×D) with inputShape either B×L (B bags of L,
// offsets nil) or M (offsets give each bag's first position, the first
// offset 0, non-decreasing, at most M). For bag b of positions P_b (less
// those at the padding index),
//
//	sum:  y[b, :] = Σ_{p∈P_b} s_p·w[input[p], :]                      B×D
//	mean: y[b, :] = (1/|P_b|)·Σ_{p∈P_b} w[input[p], :],  0 for an empty bag
//	max:  y[b, j] = max_{p∈P_b} w[input[p], j],          0 for an empty bag
//
// where s_p is perSampleWeights[p] (a Var of inputShape, mode sum only, nil
// for 1). The gradient goes to the rows looked up (to the first maximum of
// each column in mode max) and to perSampleWeights. It is a composite:
// Embedding's lookup, then IndexAdd into the bags (sum, mean) or
// GatherAxis of each column's maximum (max), so it has every order of
// derivative.
//
// It panics unless Mode is sum, mean or max, inputShape is 1-d with valid
// offsets or 2-d without, perSampleWeights (only with sum) has inputShape,
// and as Embedding.
func EmbeddingBag[T tensor.Float](input, inputShape, offsets []int, weight, perSampleWeights *autograd.Var[T], o EmbeddingBagOptions) *autograd.Var[T] {
	return EmbeddingBagOn(nil, input, inputShape, offsets, weight, perSampleWeights, o)
}

// EmbeddingBagOn is EmbeddingBag computed on tape t, as EmbeddingOn is
// Embedding. A nil t makes it EmbeddingBag.
func EmbeddingBagOn[T tensor.Float](t *autograd.Tape[T], input, inputShape, offsets []int, weight, perSampleWeights *autograd.Var[T], o EmbeddingBagOptions) *autograd.Var[T] {
	mode := o.Mode
	if mode == "" {
		mode = "mean"
	}
	if mode != "sum" && mode != "mean" && mode != "max" {
		panic(fmt.Sprintf(errBagMode, o.Mode))
	}
	ws := weight.Shape()
	if len(ws) != 2 {
		panic(fmt.Sprintf(errEmbeddingWeight, ws))
	}
	if tensor.NumElems(inputShape) != len(input) {
		panic(fmt.Sprintf(errBagInput, len(input), inputShape))
	}
	bag, nbags := bagsOf(len(input), inputShape, offsets, o.IncludeLastOffset)
	if perSampleWeights != nil {
		if mode != "sum" {
			panic(fmt.Sprintf(errBagPSW, mode))
		}
		if !tensor.EqualShapes(perSampleWeights.Shape(), inputShape) {
			panic(fmt.Sprintf(errBagPSWShape, perSampleWeights.Shape(), inputShape))
		}
	}
	n, d := ws[0], ws[1]
	var pad = -1
	if o.PaddingIdx != nil {
		if p := *o.PaddingIdx; p < -n || p >= n {
			panic(fmt.Sprintf(errEmbeddingPadding, p, n, ws))
		}
		pad = (*o.PaddingIdx + n) % n
	}
	// The positions that take part: in a bag and not padding.
	var pos, index, bagOf []int
	count := make([]int, nbags)
	for p, k := range input {
		if bag[p] < 0 || k == pad {
			continue
		}
		pos, index, bagOf = append(pos, p), append(index, k), append(bagOf, bag[p])
		count[bag[p]]++
	}
	rows := EmbeddingOn(t, index, []int{len(index)}, weight, EmbeddingOptions{MaxNorm: o.MaxNorm, NormType: o.NormType, ScaleGradByFreq: o.ScaleGradByFreq})
	if perSampleWeights != nil {
		s := IndexSelect(Reshape(perSampleWeights, len(input)), 0, pos)
		rows = Mul(rows, Reshape(s, len(pos), 1))
	}
	if mode == "max" && len(pos) > 0 {
		// Each column's first maximum within its bag, as a row of rows.
		at := make([]int, nbags*d)
		nonEmpty := tensor.New[T](nbags, 1)
		r := rows.Value().Data()
		for b := range at {
			at[b] = -1
		}
		for i, b := range bagOf {
			nonEmpty.Data()[b] = 1
			for j := range d {
				if k := at[b*d+j]; k < 0 || r[i*d+j] > r[k*d+j] {
					at[b*d+j] = i
				}
			}
		}
		for i := range at {
			at[i] = max(at[i], 0)
		}
		return Mul(GatherAxis(rows, 0, at, []int{nbags, d}), autograd.NewConst(nonEmpty))
	}
	y := IndexAdd(autograd.NewConst(tensor.New[T](nbags, d)), 0, bagOf, rows)
	if mode == "mean" {
		inv := tensor.New[T](nbags, 1)
		for b, c := range count {
			if c > 0 {
				inv.Data()[b] = 1 / T(c)
			}
		}
		y = Mul(y, autograd.NewConst(inv))
	}
	return y
}

// bagsOf returns the bag of each of m positions (−1 for none) and the
// number of bags, from a B×L shape or from offsets, or panics.
func bagsOf(m int, shape, offsets []int, includeLast bool) (bag []int, nbags int) {
	bag = make([]int, m)
	switch len(shape) {
	case 2:
		if offsets != nil {
			panic(fmt.Sprintf(errBagOffsets2D, shape, offsets))
		}
		for p := range bag {
			bag[p] = p / shape[1]
		}
		return bag, shape[0]
	case 1:
	default:
		panic(fmt.Sprintf(errBagRank, shape))
	}
	nbags = len(offsets)
	if includeLast {
		nbags--
	}
	if nbags < 0 || (len(offsets) > 0 && offsets[0] != 0) {
		panic(fmt.Sprintf(errBagOffsets, offsets, m))
	}
	for p := range bag {
		bag[p] = -1
	}
	for b := range nbags {
		end := m
		if b+1 < len(offsets) {
			end = offsets[b+1]
		}
		if offsets[b] > end || end > m {
			panic(fmt.Sprintf(errBagOffsets, offsets, m))
		}
		for p := offsets[b]; p < end; p++ {
			bag[p] = b
		}
	}
	return bag, nbags
}
