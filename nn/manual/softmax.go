package manual

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/tensor"
)

// Softmax turns each row of B×C logits into probabilities, with its
// hand-derived backward: the vector–Jacobian product of the softmax Jacobian
// ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ), computed row by row without forming the C×C matrix.
//
//	sᵢ  = exp(xᵢ − m) / Σⱼ exp(xⱼ − m),  m = maxⱼ xⱼ      B×C
//	dxᵢ = sᵢ·(dsᵢ − Σⱼ dsⱼ·sⱼ)                             B×C
type Softmax[T tensor.Float] struct {
	s *tensor.Tensor[T]
}

// Forward returns the row-wise softmax of the B×C logits x. Subtracting the
// row maximum first keeps exp from overflowing.
func (sm *Softmax[T]) Forward(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	if x.NDim() != 2 {
		panic(fmt.Sprintf(errProbsRank, "Softmax", x.Shape()))
	}
	c := x.Dim(1)
	s := tensor.New[T](x.Shape()...)
	xd, sd := x.Data(), s.Data()
	for r := 0; r < len(xd); r += c {
		row, out := xd[r:r+c], sd[r:r+c]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var z float64
		for j, v := range row {
			e := fmath.Exp(float64(v - m))
			out[j] = T(e)
			z += e
		}
		for j := range out {
			out[j] = T(float64(out[j]) / z)
		}
	}
	sm.s = s
	return s
}

// Backward returns dx = s ⊙ (ds − ⟨ds, s⟩), the inner product taken per row.
func (sm *Softmax[T]) Backward(ds *tensor.Tensor[T]) *tensor.Tensor[T] {
	if sm.s == nil {
		panic(fmt.Sprintf(errNoForward, "Softmax"))
	}
	checkGradShape("Softmax", ds, sm.s)
	c := sm.s.Dim(1)
	dx := tensor.New[T](ds.Shape()...)
	s, g, d := sm.s.Data(), ds.Data(), dx.Data()
	for r := 0; r < len(s); r += c {
		var dot T
		for j := r; j < r+c; j++ {
			dot += g[j] * s[j]
		}
		for j := r; j < r+c; j++ {
			d[j] = s[j] * (g[j] - dot)
		}
	}
	return dx
}

// CrossEntropy is the mean cross-entropy of B×C probabilities against integer
// labels, with its hand-derived backward:
//
//	L       = −(1/B) Σᵢ log p[i, yᵢ]                    scalar
//	dp[i,j] = −1/(B·p[i, yᵢ]) if j = yᵢ, 0 otherwise    B×C
//
// Followed by Softmax, the two backward passes compose to the simpler
// (p − onehot(y))/B that SoftmaxCrossEntropyGrad computes directly.
type CrossEntropy[T tensor.Float] struct {
	p      *tensor.Tensor[T]
	labels []int
}

// Forward returns the loss of probabilities p for labels, keeping both for
// Backward. A probability of 0 at a label gives +Inf; a subnormal one its
// exact logarithm (fmath.Log).
func (ce *CrossEntropy[T]) Forward(p *tensor.Tensor[T], labels []int) T {
	checkLabels("CrossEntropy", p, labels)
	ce.p, ce.labels = p, labels
	c := p.Dim(1)
	var sum float64
	for i, y := range labels {
		sum -= fmath.Log(float64(p.Data()[i*c+y]))
	}
	return T(sum / float64(len(labels)))
}

// Backward returns ∂L/∂p: −1/(B·p) at each example's label, 0 elsewhere.
func (ce *CrossEntropy[T]) Backward() *tensor.Tensor[T] {
	if ce.p == nil {
		panic(fmt.Sprintf(errNoForward, "CrossEntropy"))
	}
	c, b := ce.p.Dim(1), T(len(ce.labels))
	dp := tensor.New[T](ce.p.Shape()...)
	for i, y := range ce.labels {
		dp.Data()[i*c+y] = -1 / (b * ce.p.Data()[i*c+y])
	}
	return dp
}

// SoftmaxCrossEntropyGrad returns the gradient of the mean cross-entropy with
// respect to the logits that Softmax turned into the probabilities p, in one
// step:
//
//	dx = (p − onehot(y)) / B        B×C
//
// It equals Softmax.Backward(CrossEntropy.Backward()) without dividing by p,
// so it stays exact where p underflows.
func SoftmaxCrossEntropyGrad[T tensor.Float](p *tensor.Tensor[T], labels []int) *tensor.Tensor[T] {
	checkLabels("SoftmaxCrossEntropyGrad", p, labels)
	c, b := p.Dim(1), T(len(labels))
	dx := tensor.Scale(p, 1/b)
	for i, y := range labels {
		dx.Data()[i*c+y] -= 1 / b
	}
	return dx
}

// checkLabels panics unless p is B×C and labels holds B classes in [0, C).
func checkLabels[T tensor.Float](name string, p *tensor.Tensor[T], labels []int) {
	if p.NDim() != 2 {
		panic(fmt.Sprintf(errProbsRank, name, p.Shape()))
	}
	if len(labels) != p.Dim(0) {
		panic(fmt.Sprintf(errLabels, len(labels), p.Dim(0)))
	}
	for i, y := range labels {
		if y < 0 || y >= p.Dim(1) {
			panic(fmt.Sprintf(errLabel, y, i, p.Dim(1)))
		}
	}
}
