package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// ChannelAffine is a per-channel affine map of an N×C or N×C×d₁×… input x,
// with a scale s and a shift t of shape C:
//
//	y[n,c,…] = x[n,c,…]·s[c] + t[c]                    like x
//	dx[n,c,…] = dy[n,c,…]·s[c]                          like x
//	ds[c] = Σ dy[n,c,…]·x[n,c,…],  dt[c] = Σ dy[n,c,…]  C
//
// where the sums run over every axis but the channel axis 1. It is batch
// norm in evaluation mode, s = γ/√(running_var + eps) and t = β −
// running_mean·s (functional.BatchNormFull), in one pass over x where a
// broadcast Mul and Add take two: each run of a channel's values is
// scaled and shifted while it is in cache. The products and sums are those
// of x·s then + t, rounded the same; the sums of the backward pass are
// accumulated in float64, 16 partial sums a run as BatchNorm's.
//
// It keeps x and s (only for the backward pass). Its backward is
// differentiable: BackwardVar writes the three gradients with Mul, Sum
// and Reshape.
//
// It panics unless it is given 3 inputs, x has at least 2 axes, and s and
// t are of shape C.
type ChannelAffine[T tensor.Float] struct {
	arena[T]

	x, s *tensor.Tensor[T]
}

func (*ChannelAffine[T]) Name() string { return "ChannelAffine" }

func (op *ChannelAffine[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("ChannelAffine", in, 3)
	x, s, t := in[0], in[1], in[2]
	xs := x.Shape()
	if len(xs) < 2 {
		panic(fmt.Sprintf(errBNRank, "ChannelAffine", xs))
	}
	n, c, inner := xs[0], xs[1], tensor.NumElems(xs[2:])
	if !tensor.EqualShapes(s.Shape(), []int{c}) || !tensor.EqualShapes(t.Shape(), []int{c}) {
		panic(fmt.Sprintf(errChannelAffine, s.Shape(), t.Shape(), xs, c))
	}
	op.x, op.s = x, s
	y := op.ar.NewUninit(xs...)
	channelAffine(y.Data(), x.Data(), s.Data(), t.Data(), n, c, inner)
	return y
}

// channelAffine writes y = x·s + t, per channel, for x laid out n × c ×
// inner; t may be nil (no shift). Runs are done in parallel.
func channelAffine[T tensor.Float](y, x, s, t []T, n, c, inner int) {
	if inner == 1 {
		// Rows of c channels.
		parallel.Chunks(n, max(parallel.Grain/max(c, 1), 1), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				yr, xr := y[r*c:(r+1)*c], x[r*c:(r+1)*c]
				vec.Binary(vec.OpMul, yr, xr, s)
				if t != nil {
					vec.Binary(vec.OpAdd, yr, yr, t)
				}
			}
		})
		return
	}
	parallel.Chunks(n*c, max(parallel.Grain/max(inner, 1), 1), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			yr, xr := y[p*inner:(p+1)*inner], x[p*inner:(p+1)*inner]
			vec.BinaryVS(vec.OpMul, yr, xr, s[p%c])
			if t != nil {
				vec.BinaryVS(vec.OpAdd, yr, yr, t[p%c])
			}
		}
	})
}

func (op *ChannelAffine[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	xs := op.x.Shape()
	n, c, inner := xs[0], xs[1], tensor.NumElems(xs[2:])
	grads := make([]*tensor.Tensor[T], 3)
	g := dy.Data()
	if needs[0] {
		grads[0] = op.ar.NewUninit(xs...)
		channelAffine(grads[0].Data(), g, op.s.Data(), nil, n, c, inner)
	}
	if !needs[1] && !needs[2] {
		return grads
	}
	sumDy, sumDyX := make([]float64, c), make([]float64, c)
	if len(g) > 0 {
		xd := op.x.Data()
		byChannels(n, c, inner, func(clo, chi int) {
			if inner == 1 {
				vec.SumDotRows(sumDy[clo:chi], sumDyX[clo:chi], g[clo:], xd[clo:], n, c)
				return
			}
			la, lab := make([]float64, bnLanes), make([]float64, bnLanes)
			for ch := clo; ch < chi; ch++ {
				sumDy[ch], sumDyX[ch] = bnSumDot(la, lab, g, xd, n, c, inner, ch)
			}
		})
	}
	if needs[1] {
		grads[1] = op.ar.NewUninit(c)
		for i, v := range sumDyX {
			grads[1].Data()[i] = T(v)
		}
	}
	if needs[2] {
		grads[2] = op.ar.NewUninit(c)
		for i, v := range sumDy {
			grads[2].Data()[i] = T(v)
		}
	}
	return grads
}

// BackwardVar is Backward with ops: dx = dy·reshape(s), ds = Σ dy·x and
// dt = Σ dy over every axis but 1.
func (op *ChannelAffine[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	rank := len(op.x.Shape())
	c := op.x.Dim(1)
	axes := []int{0}
	for a := 2; a < rank; a++ {
		axes = append(axes, a)
	}
	grads := make([]*v[T], 3)
	if needs[0] {
		shape := make([]int, rank)
		for a := range shape {
			shape[a] = 1
		}
		shape[1] = c
		grads[0] = vMul(dy, vReshape(in[1], shape...))
	}
	if needs[1] {
		grads[1] = vSum(vMul(dy, in[0]), false, axes...)
	}
	if needs[2] {
		grads[2] = vSum(dy, false, axes...)
	}
	return grads
}

func (op *ChannelAffine[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.s} }
