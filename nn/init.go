package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// The initializers below fill a tensor in place, as PyTorch's torch.nn.init
// functions with a trailing underscore do; those that draw random numbers
// take the rng to draw from. Every fill is computed in float64 and rounded
// once to T.

// Fans returns the fan-in and fan-out of a weight of the given shape, as
// PyTorch's _calculate_fan_in_and_fan_out: with r the product of the sizes
// after the first two (the receptive field of a convolution kernel, 1 for a
// matrix),
//
//	fan_in = shape[1]·r,  fan_out = shape[0]·r
//
// so in and out for a linear weight out×in, in·kh·kw and out·kh·kw for a
// conv weight out×in×kh×kw. It panics on fewer than 2 dimensions.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf(errFanIn, shape))
	}
	r := tensor.NumElems(shape[2:])
	return shape[1] * r, shape[0] * r
}

// FanIn returns the number of inputs each output of a weight of the given
// shape sees: the fan-in of Fans. It panics on fewer than 2 dimensions.
func FanIn(shape []int) int {
	in, _ := Fans(shape)
	return in
}

// fanOf returns the fan that mode ("fan_in" or "fan_out") names.
func fanOf(shape []int, mode, fn string) int {
	in, out := Fans(shape)
	switch mode {
	case "fan_in":
		return in
	case "fan_out":
		return out
	}
	panic(fmt.Sprintf(errInitMode, fn, mode))
}

// CalculateGain returns the gain PyTorch's calculate_gain recommends for
// scaling the initial weights of a layer followed by the given nonlinearity:
//
//	linear, conv1d, conv2d, conv3d,
//	conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid   1
//	tanh                                                            5/3
//	relu                                                            √2
//	leaky_relu (negative slope param, default 0.01)                 √(2/(1+param²))
//	selu                                                            3/4
//
// param is optional and read only by leaky_relu. It panics on an unknown
// nonlinearity or more than one param.
func CalculateGain(nonlinearity string, param ...float64) float64 {
	if len(param) > 1 {
		panic(fmt.Sprintf(errGainParams, nonlinearity, param))
	}
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d",
		"conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		slope := 0.01
		if len(param) == 1 {
			slope = param[0]
		}
		return math.Sqrt(2 / (1 + slope*slope))
	case "selu":
		return 3.0 / 4
	}
	panic(fmt.Sprintf(errGainNonlinearity, nonlinearity))
}

// XavierUniform fills t from U(−bound, bound) with
//
//	bound = gain·√(6/(fan_in+fan_out))
//
// (Glorot and Bengio, 2010), PyTorch's xavier_uniform_ (gain 1 there by
// default); the fans are those of Fans. It panics if t has fewer than 2
// dimensions.
func XavierUniform[T tensor.Float](t *tensor.Tensor[T], gain float64, rng *rand.Rand) {
	in, out := Fans(t.Shape())
	bound := math.Sqrt(3) * gain * math.Sqrt(2/float64(in+out))
	Uniform(t, -bound, bound, rng)
}

// XavierNormal fills t from N(0, std²) with
//
//	std = gain·√(2/(fan_in+fan_out))
//
// PyTorch's xavier_normal_ (gain 1 there by default). It panics if t has
// fewer than 2 dimensions.
func XavierNormal[T tensor.Float](t *tensor.Tensor[T], gain float64, rng *rand.Rand) {
	in, out := Fans(t.Shape())
	Normal(t, 0, gain*math.Sqrt(2/float64(in+out)), rng)
}

// KaimingUniform fills t from U(−bound, bound) with
//
//	bound = gain·√(3/fan),  gain = CalculateGain(nonlinearity, a)
//
// (He et al., 2015), PyTorch's kaiming_uniform_: fan is the fan-in or
// fan-out of Fans as mode says ("fan_in" or "fan_out"), and a is the
// negative slope of a leaky_relu nonlinearity (ignored by the others).
// PyTorch's defaults are a = 0, "fan_in", "leaky_relu"; its Linear and
// Conv2d initialize their weights with a = √5, "fan_in", "leaky_relu",
// which gives bound = 1/√fan_in. A tensor with no elements is left alone,
// as PyTorch does. It panics if t has fewer than 2 dimensions, on an
// unknown mode or on an unknown nonlinearity.
func KaimingUniform[T tensor.Float](t *tensor.Tensor[T], a float64, mode, nonlinearity string, rng *rand.Rand) {
	if t.Size() == 0 {
		return
	}
	fan := fanOf(t.Shape(), mode, "KaimingUniform")
	bound := math.Sqrt(3) * CalculateGain(nonlinearity, a) / math.Sqrt(float64(fan))
	Uniform(t, -bound, bound, rng)
}

// KaimingNormal fills t from N(0, std²) with
//
//	std = gain/√fan,  gain = CalculateGain(nonlinearity, a)
//
// PyTorch's kaiming_normal_, with the arguments of KaimingUniform. A tensor
// with no elements is left alone, as PyTorch does. It panics if t has fewer
// than 2 dimensions, on an unknown mode or on an unknown nonlinearity.
func KaimingNormal[T tensor.Float](t *tensor.Tensor[T], a float64, mode, nonlinearity string, rng *rand.Rand) {
	if t.Size() == 0 {
		return
	}
	fan := fanOf(t.Shape(), mode, "KaimingNormal")
	Normal(t, 0, CalculateGain(nonlinearity, a)/math.Sqrt(float64(fan)), rng)
}

// Uniform fills t from U(lo, hi), PyTorch's uniform_(t, a=lo, b=hi).
func Uniform[T tensor.Float](t *tensor.Tensor[T], lo, hi float64, rng *rand.Rand) {
	d := t.Data()
	for i := range d {
		d[i] = T(lo + (hi-lo)*rng.Float64())
	}
}

// Normal fills t from N(mean, std²), PyTorch's normal_.
func Normal[T tensor.Float](t *tensor.Tensor[T], mean, std float64, rng *rand.Rand) {
	d := t.Data()
	for i := range d {
		d[i] = T(mean + std*rng.NormFloat64())
	}
}

// TruncNormal fills t from N(mean, std²) conditioned on [a, b], PyTorch's
// trunc_normal_ (defaults mean 0, std 1, a −2, b 2), by inverting the
// normal CDF Φ:
//
//	u ~ U(Φ((a−mean)/std), Φ((b−mean)/std))
//	x = mean + std·√2·erf⁻¹(2u−1), clamped to [a, b]
//
// Every element lies in [a, b] (within T's rounding of a and b); a = b
// fills t with a, as PyTorch. It panics unless std > 0 and a ≤ b.
func TruncNormal[T tensor.Float](t *tensor.Tensor[T], mean, std, a, b float64, rng *rand.Rand) {
	if !(std > 0) || !(a <= b) {
		panic(fmt.Sprintf(errTruncNormal, mean, std, a, b))
	}
	cdf := func(x float64) float64 { return (1 + math.Erf((x-mean)/std/math.Sqrt2)) / 2 }
	lo, hi := 2*cdf(a)-1, 2*cdf(b)-1
	d := t.Data()
	for i := range d {
		x := mean + std*math.Sqrt2*math.Erfinv(lo+(hi-lo)*rng.Float64())
		d[i] = T(min(max(x, a), b))
	}
}

// Constant fills t with v, PyTorch's constant_.
func Constant[T tensor.Float](t *tensor.Tensor[T], v float64) { t.Fill(T(v)) }

// Zeros fills t with zeros, PyTorch's zeros_.
func Zeros[T tensor.Float](t *tensor.Tensor[T]) { t.Zero() }

// Ones fills t with ones, PyTorch's ones_.
func Ones[T tensor.Float](t *tensor.Tensor[T]) { t.Fill(1) }

// Eye fills the matrix t (rows×cols) with the identity, PyTorch's eye_:
// t[i][j] = 1 if i = j, else 0. It panics unless t has 2 dimensions.
func Eye[T tensor.Float](t *tensor.Tensor[T]) {
	s := t.Shape()
	if len(s) != 2 {
		panic(fmt.Sprintf(errEye, s))
	}
	t.Zero()
	d := t.Data()
	for i := range min(s[0], s[1]) {
		d[i*s[1]+i] = 1
	}
}

// Dirac fills the convolution weight t (out×in×k…, with 1, 2 or 3 kernel
// dimensions) with the Dirac delta, PyTorch's dirac_: the convolution then
// copies its input channels to its output channels. Within each of the
// groups, output channel j of the group (of out/groups) gets a 1 at input
// channel j and the kernel's centre (index ⌊k/2⌋ on every kernel axis), for
// j < min(out/groups, in); everything else is 0. It panics unless t has 3,
// 4 or 5 dimensions and groups is positive and divides out.
func Dirac[T tensor.Float](t *tensor.Tensor[T], groups int) {
	s := t.Shape()
	if len(s) < 3 || len(s) > 5 || groups <= 0 || s[0]%groups != 0 {
		panic(fmt.Sprintf(errDirac, s, groups))
	}
	t.Zero()
	per := s[0] / groups
	kernel := tensor.NumElems(s[2:])
	centre := 0 // offset of the kernel's centre within one kernel
	for _, k := range s[2:] {
		centre = centre*k + k/2
	}
	d := t.Data()
	for g := range groups {
		for j := range min(per, s[1]) {
			d[((g*per+j)*s[1]+j)*kernel+centre] = 1
		}
	}
}

// Orthogonal fills t with a (semi-)orthogonal matrix scaled by gain,
// PyTorch's orthogonal_ (gain 1 there by default). t is seen as the matrix
// rows×cols, rows = shape[0] and cols the product of the other sizes; a
// Gaussian matrix G of that shape (transposed when rows < cols, so that it
// is tall) is factored G = QR with the diagonal of R made positive (which
// makes the factorization unique), and
//
//	t = gain·Q   (gain·Qᵀ when rows < cols)
//
// so that tᵀt = gain²·I when rows ≥ cols and t·tᵀ = gain²·I otherwise. A
// tensor with no elements is left alone, as PyTorch does. It panics if t
// has fewer than 2 dimensions.
func Orthogonal[T tensor.Float](t *tensor.Tensor[T], gain float64, rng *rand.Rand) {
	s := t.Shape()
	if len(s) < 2 {
		panic(fmt.Sprintf(errOrthogonal, s))
	}
	if t.Size() == 0 {
		return
	}
	rows := s[0]
	cols := t.Size() / rows
	g := make([]float64, rows*cols)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	q := orthogonalFrom(g, rows, cols)
	d := t.Data()
	for i, v := range q {
		d[i] = T(gain * v)
	}
}

// orthogonalFrom returns, for the row-major rows×cols matrix g, the
// rows×cols matrix Orthogonal makes of it before scaling by the gain: Q of
// g = QR (R with a positive diagonal) if rows ≥ cols, else Qᵀ of gᵀ = QR.
func orthogonalFrom(g []float64, rows, cols int) []float64 {
	m, n := rows, cols
	a := make([]float64, m*n) // the tall matrix m×n, row-major
	if rows < cols {
		m, n = cols, rows
		for i := range rows {
			for j := range cols {
				a[j*n+i] = g[i*cols+j]
			}
		}
	} else {
		copy(a, g)
	}
	q := householderQ(a, m, n)
	if rows >= cols {
		return q
	}
	out := make([]float64, rows*cols)
	for i := range m {
		for j := range n {
			out[j*m+i] = q[i*n+j]
		}
	}
	return out
}

// householderQ returns the m×n factor Q (m ≥ n, row-major) of the reduced
// QR factorization of a whose R has a non-negative diagonal, by Householder
// reflections. a is overwritten.
func householderQ(a []float64, m, n int) []float64 {
	vs := make([][]float64, n) // the reflections H_k = I − 2v vᵀ, ‖v‖ = 1
	sign := make([]float64, n) // the sign of R's diagonal, to undo
	for k := range n {
		var norm float64
		for i := k; i < m; i++ {
			norm = math.Hypot(norm, a[i*n+k])
		}
		v := make([]float64, m-k)
		for i := k; i < m; i++ {
			v[i-k] = a[i*n+k]
		}
		// Reflect column k onto −sign(a_kk)·‖x‖·e_k, avoiding cancellation.
		alpha := -norm
		if a[k*n+k] < 0 {
			alpha = norm
		}
		v[0] -= alpha
		var vn float64
		for _, x := range v {
			vn = math.Hypot(vn, x)
		}
		sign[k] = 1
		if alpha < 0 {
			sign[k] = -1
		}
		if vn == 0 { // the column is already zero below the diagonal
			vs[k] = nil
			if a[k*n+k] < 0 {
				sign[k] = -1
			}
			continue
		}
		for i := range v {
			v[i] /= vn
		}
		vs[k] = v
		for j := k; j < n; j++ {
			var dot float64
			for i := k; i < m; i++ {
				dot += v[i-k] * a[i*n+j]
			}
			for i := k; i < m; i++ {
				a[i*n+j] -= 2 * dot * v[i-k]
			}
		}
	}
	// Q = H_0 H_1 … H_{n−1} applied to the first n columns of I, with column
	// k times sign[k] so that R's diagonal becomes positive.
	q := make([]float64, m*n)
	for k := range n {
		q[k*n+k] = sign[k]
	}
	for k := n - 1; k >= 0; k-- {
		v := vs[k]
		if v == nil {
			continue
		}
		for j := range n {
			var dot float64
			for i := k; i < m; i++ {
				dot += v[i-k] * q[i*n+j]
			}
			for i := k; i < m; i++ {
				q[i*n+j] -= 2 * dot * v[i-k]
			}
		}
	}
	return q
}

// initLinearLike gives a weight and its bias PyTorch's default initialization
// for Linear and Conv2d: Kaiming-uniform weights with a = √5, and biases from
// U(−1/√fan_in, 1/√fan_in).
func initLinearLike[T tensor.Float](w, b *tensor.Tensor[T], rng *rand.Rand) {
	KaimingUniform(w, math.Sqrt(5), "fan_in", "leaky_relu", rng)
	if b != nil {
		bound := 1 / math.Sqrt(float64(FanIn(w.Shape())))
		Uniform(b, -bound, bound, rng)
	}
}
