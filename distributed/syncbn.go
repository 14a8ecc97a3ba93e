package distributed

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// SyncBatchNorm is batch normalization whose training-mode statistics are
// those of the global batch — every rank's batch together — as PyTorch's
// nn.SyncBatchNorm. It wraps an nn.BatchNorm, whose parameters, buffers,
// state_dict names, Eps, Momentum and CumulativeAverage it uses, so a
// checkpoint of a model with SyncBatchNorm is one of the same model
// without it. With M the number of values per channel over all ranks:
//
//	μ  = (1/M) Σ_ranks Σ x           one all-reduce of C+1 sums (the count too)
//	σ² = (1/M) Σ_ranks Σ (x − μ)²    one all-reduce of C sums
//	y  = γ ⊙ (x − μ)/√(σ² + eps) + β
//
// and the running statistics are updated with μ and σ²·M/(M−1), as
// nn.BatchNorm updates them. Backward, the gradients reaching (μ, σ²) on
// every rank are summed by one all-reduce of 2C values, and
//
//	∂L/∂x = (1/M) (Σ_ranks ∂L/∂μ + 2 (x − μ) Σ_ranks ∂L/∂σ²)
//
// the rest being the tape's ordinary ops (the normalization is composed of
// them, as functional.BatchNormComposed). The sums are kept in float64 for
// both element types.
//
// In evaluation mode it is the wrapped BatchNorm, with nothing exchanged
// (as PyTorch's SyncBatchNorm, which synchronizes only in training). Every
// rank must run the forward and backward passes together, as they run
// collectives. An error of a collective panics, since an op cannot return
// one; the panic's value is the error.
//
// Forward panics on an input of rank below 2 or with the wrong channel
// count, and when a channel has a single value over all ranks.
type SyncBatchNorm[T tensor.Float] struct {
	*nn.BatchNorm[T]
	Comm Comm
	eval bool
}

// NewSyncBatchNorm returns a SyncBatchNorm of bn over comm, in training
// mode.
func NewSyncBatchNorm[T tensor.Float](bn *nn.BatchNorm[T], comm Comm) *SyncBatchNorm[T] {
	return &SyncBatchNorm[T]{BatchNorm: bn, Comm: comm}
}

// SetTraining switches between global batch statistics (training) and the
// wrapped BatchNorm's evaluation.
func (s *SyncBatchNorm[T]) SetTraining(training bool) {
	s.eval = !training
	s.BatchNorm.SetTraining(training)
}

// Forward normalizes x with the global batch's statistics in training
// mode, and as the wrapped BatchNorm in evaluation mode.
func (s *SyncBatchNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if s.eval {
		return s.BatchNorm.Forward(x)
	}
	sh := x.Shape()
	c := s.Channels
	if len(sh) < 2 || sh[1] != c {
		panic(fmt.Sprintf(errSyncBNChannels, sh, "an input of 2 or more dimensions", c))
	}
	op := &syncStats[T]{comm: s.Comm}
	stats := autograd.Apply[T](op, x) // 2×C: μ and σ²
	if op.m < 2 {
		panic(fmt.Sprintf(errSyncBNOne, sh, op.m))
	}
	bshape := make([]int, len(sh))
	for i := range bshape {
		bshape[i] = 1
	}
	bshape[1] = c
	row := func(r int) *autograd.Var[T] {
		mask := tensor.New[T](2, c)
		for j := range c {
			mask.Data()[r*c+j] = 1
		}
		return functional.Reshape(functional.Sum(functional.Mul(stats, autograd.NewConst(mask)), 0), bshape...)
	}
	mean, variance := row(0), row(1)
	y := functional.Div(functional.Sub(x, mean), functional.Sqrt(functional.AddScalar(variance, s.Eps)))
	if s.Weight != nil {
		y = functional.Mul(y, functional.Reshape(s.Weight, bshape...))
	}
	if s.Bias != nil {
		y = functional.Add(y, functional.Reshape(s.Bias, bshape...))
	}
	if s.RunningMean != nil && s.RunningVar != nil && s.NumBatchesTracked != nil {
		s.NumBatchesTracked.Data()[0]++
		factor := float64(s.Momentum)
		if s.CumulativeAverage {
			factor = 1 / float64(s.NumBatchesTracked.Data()[0])
		}
		v := stats.Value().Data()
		mu := tensor.FromSlice(append([]T(nil), v[:c]...), c)
		s2 := tensor.FromSlice(append([]T(nil), v[c:]...), c)
		functional.UpdateRunningStats(s.RunningMean, s.RunningVar, mu, s2, op.m, factor)
	}
	return y
}

// syncStats computes the global batch's per-channel mean and biased
// variance of an N×C×… input, as the 2×C rows (μ, σ²); see SyncBatchNorm.
type syncStats[T tensor.Float] struct {
	comm Comm
	x    *tensor.Tensor[T]
	mean []float64
	m    int // values per channel over all ranks
}

func (op *syncStats[T]) Name() string { return "SyncBatchNormStats" }

func (op *syncStats[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// channels calls f(c, v) for every value v of channel c of x.
func channels[T tensor.Float](x *tensor.Tensor[T], f func(c int, v T)) {
	sh := x.Shape()
	c := sh[1]
	inner := tensor.NumElems(sh[2:])
	d := x.Data()
	for i := 0; i < len(d); i += inner {
		ch := (i / inner) % c
		for _, v := range d[i : i+inner] {
			f(ch, v)
		}
	}
}

func (op *syncStats[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	x := in[0]
	op.x = x
	c := x.Dim(1)
	sums := make([]float64, c+1)
	channels(x, func(ch int, v T) { sums[ch] += float64(v) })
	sums[c] = float64(x.Size() / c)
	must(op.comm.AllReduceFloat64(sums))
	op.m = int(sums[c])
	op.mean = make([]float64, c)
	for ch := range op.mean {
		op.mean[ch] = sums[ch] / sums[c]
	}
	sq := make([]float64, c)
	channels(x, func(ch int, v T) { d := float64(v) - op.mean[ch]; sq[ch] += d * d })
	must(op.comm.AllReduceFloat64(sq))
	out := tensor.New[T](2, c)
	for ch := range c {
		out.Data()[ch] = T(op.mean[ch])
		out.Data()[c+ch] = T(sq[ch] / sums[c])
	}
	return out
}

func (op *syncStats[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	c := op.x.Dim(1)
	d := make([]float64, 2*c)
	for i, v := range dy.Data() {
		d[i] = float64(v)
	}
	// Every rank's loss reaches the global statistics: sum their gradients.
	must(op.comm.AllReduceFloat64(d))
	if !needs[0] {
		return []*tensor.Tensor[T]{nil}
	}
	m := float64(op.m)
	dx := tensor.New[T](op.x.Shape()...)
	inner := tensor.NumElems(op.x.Shape()[2:])
	xd, out := op.x.Data(), dx.Data()
	for i := 0; i < len(xd); i += inner {
		ch := (i / inner) % c
		dmu, dvar, mu := d[ch]/m, 2*d[c+ch]/m, op.mean[ch]
		for k, v := range xd[i : i+inner] {
			out[i+k] = T(dmu + dvar*(float64(v)-mu))
		}
	}
	return []*tensor.Tensor[T]{dx}
}

// must panics with err if it is not nil: a collective inside an op.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

// ConvertSyncBatchNorm replaces every *nn.BatchNorm among the layers of the
// nn.Sequentials of m's module tree by a SyncBatchNorm over comm wrapping
// it, as PyTorch's SyncBatchNorm.convert_sync_batchnorm, and returns how
// many it replaced. Parameter and buffer names do not change. Batch norms
// held by other containers are left alone.
func ConvertSyncBatchNorm[T tensor.Float](m nn.Module[T], comm Comm) int {
	n := 0
	if s, ok := m.(*nn.Sequential[T]); ok {
		for i, l := range s.Layers {
			if bn, ok := l.(*nn.BatchNorm[T]); ok {
				s.Layers[i] = NewSyncBatchNorm(bn, comm)
				n++
			}
		}
	}
	for _, ch := range m.State().Children {
		if _, ok := ch.Module.(*SyncBatchNorm[T]); !ok {
			n += ConvertSyncBatchNorm(ch.Module, comm)
		}
	}
	return n
}
