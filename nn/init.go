package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// FanIn returns the number of inputs each output of a weight of the given
// shape sees: in for a linear weight out×in, in·kh·kw for a conv weight
// out×in×kh×kw. It panics on fewer than 2 dimensions.
func FanIn(shape []int) int {
	if len(shape) < 2 {
		panic(fmt.Sprintf(errFanIn, shape))
	}
	return tensor.NumElems(shape[1:])
}

// KaimingUniform fills t from U(−bound, bound) with
//
//	bound = gain·√(3/fan_in),  gain = √(2/(1+a²))
//
// PyTorch's kaiming_uniform_ in fan-in mode for a leaky ReLU of negative
// slope a. PyTorch's Linear and Conv2d initialize their weights with
// a = √5, which gives bound = 1/√fan_in.
func KaimingUniform[T tensor.Float](t *tensor.Tensor[T], a float64, rng *rand.Rand) {
	gain := math.Sqrt(2 / (1 + a*a))
	bound := gain * math.Sqrt(3/float64(FanIn(t.Shape())))
	Uniform(t, -bound, bound, rng)
}

// Uniform fills t from U(lo, hi).
func Uniform[T tensor.Float](t *tensor.Tensor[T], lo, hi float64, rng *rand.Rand) {
	d := t.Data()
	for i := range d {
		d[i] = T(lo + (hi-lo)*rng.Float64())
	}
}

// Normal fills t from N(mean, std²).
func Normal[T tensor.Float](t *tensor.Tensor[T], mean, std float64, rng *rand.Rand) {
	d := t.Data()
	for i := range d {
		d[i] = T(mean + std*rng.NormFloat64())
	}
}

// Zeros fills t with zeros.
func Zeros[T tensor.Float](t *tensor.Tensor[T]) { t.Zero() }

// initLinearLike gives a weight and its bias PyTorch's default initialization
// for Linear and Conv2d: Kaiming-uniform weights with a = √5, and biases from
// U(−1/√fan_in, 1/√fan_in).
func initLinearLike[T tensor.Float](w, b *tensor.Tensor[T], rng *rand.Rand) {
	KaimingUniform(w, math.Sqrt(5), rng)
	if b != nil {
		bound := 1 / math.Sqrt(float64(FanIn(w.Shape())))
		Uniform(b, -bound, bound, rng)
	}
}
