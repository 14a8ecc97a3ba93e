package normbench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Layer says which layer a Case runs.
type Layer int

const (
	LayerNorm       Layer = iota // over the last axis, with weight and bias
	GroupNorm                    // Groups groups of channels, with weight and bias
	RMSNorm                      // over the last axis, with weight
	ConvTranspose2d              // square kernel, stride and padding, with bias
)

func (l Layer) String() string {
	switch l {
	case LayerNorm:
		return "layernorm"
	case GroupNorm:
		return "groupnorm"
	case RMSNorm:
		return "rmsnorm"
	case ConvTranspose2d:
		return "convtranspose2d"
	}
	return fmt.Sprintf("Layer(%d)", int(l))
}

// Case is one row of W6: a layer and the shape of its input x. Group norm
// also has its number of groups; the transposed convolution its output
// channels, kernel size, stride and padding (the same along H and W).
type Case struct {
	Layer  Layer
	Shape  []int
	Groups int

	OutChannels, Kernel, Stride, Padding int
}

// Cases are W6's normalization layers: layer norm over the last axis of
// 32×128×256 and 4096×1024, group norm with 32 groups on 32×256×16×16, and
// RMSNorm over the last axis of 4096×1024.
var Cases = []Case{
	{Layer: LayerNorm, Shape: []int{32, 128, 256}},
	{Layer: LayerNorm, Shape: []int{4096, 1024}},
	{Layer: GroupNorm, Shape: []int{32, 256, 16, 16}, Groups: 32},
	{Layer: RMSNorm, Shape: []int{4096, 1024}},
}

// Deconv is W6's transposed convolution, a decoder's upsampling layer: the
// 32×128×16×16 input to 64 channels with a 4×4 kernel, stride 2 and
// padding 1, so 32×64×32×32 out, with a bias.
var Deconv = Case{Layer: ConvTranspose2d, Shape: []int{32, 128, 16, 16}, OutChannels: 64, Kernel: 4, Stride: 2, Padding: 1}

// Eps is the ε of layer norm and group norm, PyTorch's default.
const Eps = 1e-5

// RMSEps is the ε of RMSNorm, float32's machine epsilon 2⁻²³, which
// PyTorch 2.x's F.rms_norm takes for eps=None on float32 input and
// nn.NewRMSNorm takes by default. The float64 workloads use it too.
const RMSEps = 0x1p-23

// Name is the case as row ids and sub-benchmarks name it: the layer and the
// shape of x, such as layernorm/4096x1024; the transposed convolution
// adds its output channels, kernel, stride and padding, as
// convtranspose2d/32x128x16x16-64c-k4s2p1.
func (c Case) Name() string {
	n := c.Layer.String() + "/" + ShapeName(c.Shape)
	if c.Layer == ConvTranspose2d {
		n += fmt.Sprintf("-%dc-k%ds%dp%d", c.OutChannels, c.Kernel, c.Stride, c.Padding)
	}
	return n
}

// ShapeName writes a shape as its sizes joined by "x", such as
// "32x256x16x16".
func ShapeName(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "x")
}

// ParamShapes returns the shapes of the weight and the bias (nil for
// RMSNorm, which has none).
func (c Case) ParamShapes() (weight, bias []int) {
	last := c.Shape[len(c.Shape)-1]
	switch c.Layer {
	case LayerNorm:
		return []int{last}, []int{last}
	case GroupNorm:
		return []int{c.Shape[1]}, []int{c.Shape[1]}
	case RMSNorm:
		return []int{last}, nil
	case ConvTranspose2d:
		return []int{c.Shape[1], c.OutChannels, c.Kernel, c.Kernel}, []int{c.OutChannels}
	}
	panic(fmt.Sprintf("normbench: unknown %v", c.Layer))
}

// OutShape returns the shape of y.
func (c Case) OutShape() []int {
	if c.Layer != ConvTranspose2d {
		return c.Shape
	}
	out := func(n int) int { return (n-1)*c.Stride - 2*c.Padding + c.Kernel }
	return []int{c.Shape[0], c.OutChannels, out(c.Shape[2]), out(c.Shape[3])}
}

// Variant says how a Step computes a normalization layer.
type Variant int

const (
	Composed Variant = iota // LayerNormComposed, GroupNormComposed, RMSNormComposed: tape primitives
	Fused                   // LayerNorm, GroupNorm, RMSNorm, ConvTranspose2d: the fused op
)

func (v Variant) String() string {
	switch v {
	case Composed:
		return "composed"
	case Fused:
		return "fused"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// Inputs are a workload's tensors: the input x, the output gradient g
// (shaped as y), the weight, and the bias (nil for RMSNorm).
type Inputs[T tensor.Float] struct {
	X, G, Weight, Bias *tensor.Tensor[T]
}

// NewInputs draws a case's inputs from rng, in this order: x and g from
// N(0, 1); for the normalization layers the weight from U(0.5, 1.5) and
// the bias from N(0, 1); for the transposed convolution the weight and bias
// from U(−b, b) with b = 1/√(OutChannels·Kernel²), PyTorch's default
// initialization. The same source state gives the same inputs.
func NewInputs[T tensor.Float](rng *rand.Rand, c Case) Inputs[T] {
	ws, bs := c.ParamShapes()
	in := Inputs[T]{X: tensor.RandN[T](rng, c.Shape...), G: tensor.RandN[T](rng, c.OutShape()...)}
	if c.Layer == ConvTranspose2d {
		b := T(1 / math.Sqrt(float64(c.OutChannels*c.Kernel*c.Kernel)))
		in.Weight, in.Bias = tensor.RandU[T](rng, -b, b, ws...), tensor.RandU[T](rng, -b, b, bs...)
		return in
	}
	in.Weight = tensor.RandU[T](rng, 0.5, 1.5, ws...)
	if bs != nil {
		in.Bias = tensor.RandN[T](rng, bs...)
	}
	return in
}

// Result is what one Step computed: the output, the gradients of
// L = Σ y ⊙ g with respect to x, the weight and the bias (nil for RMSNorm),
// and the bytes the recorded ops kept for the backward pass
// (Tape.SavedBytes after the forward pass). Its tensors are valid until the
// next Step, which reuses their storage; Clone keeps them longer.
type Result[T tensor.Float] struct {
	Y, DX, DWeight, DBias *tensor.Tensor[T]
	SavedBytes            int
}

// Clone returns a copy of r that later Steps leave alone.
func (r Result[T]) Clone() Result[T] {
	c := Result[T]{Y: r.Y.Clone(), DX: r.DX.Clone(), DWeight: r.DWeight.Clone(), SavedBytes: r.SavedBytes}
	if r.DBias != nil {
		c.DBias = r.DBias.Clone()
	}
	return c
}

// Named is a tensor of a Result under the name the compare command and
// workloads.py give it.
type Named[T tensor.Float] struct {
	Name   string
	Tensor *tensor.Tensor[T]
}

// Named lists the result's tensors as y, dx, dweight and dbias (without
// dbias for RMSNorm).
func (r Result[T]) Named() []Named[T] {
	n := []Named[T]{{"y", r.Y}, {"dx", r.DX}, {"dweight", r.DWeight}}
	if r.DBias != nil {
		n = append(n, Named[T]{"dbias", r.DBias})
	}
	return n
}

// MaxDiff returns the largest absolute difference between two results,
// over y and the gradients.
func MaxDiff[T tensor.Float](a, b Result[T]) float64 {
	d := max(tensor.MaxAbsDiff(a.Y, b.Y), tensor.MaxAbsDiff(a.DX, b.DX), tensor.MaxAbsDiff(a.DWeight, b.DWeight))
	if a.DBias != nil {
		d = max(d, tensor.MaxAbsDiff(a.DBias, b.DBias))
	}
	return d
}

// Workload is one case's inputs and the tape its Steps reuse, with buffer
// reuse on, as a training loop's. It is used by one goroutine at a time.
type Workload[T tensor.Float] struct {
	Case   Case
	In     Inputs[T]
	weight *autograd.Var[T]
	bias   *autograd.Var[T] // nil for RMSNorm
	tape   *autograd.Tape[T]
	saved  [2]int // SavedBytes by variant, measured at its first Step
}

// NewWorkload draws a case's inputs from rng (NewInputs) and returns its
// workload.
func NewWorkload[T tensor.Float](rng *rand.Rand, c Case) *Workload[T] {
	return FromInputs(c, NewInputs[T](rng, c))
}

// FromInputs returns the workload of a case on the given inputs. It panics
// if their shapes are not the case's.
func FromInputs[T tensor.Float](c Case, in Inputs[T]) *Workload[T] {
	ws, bs := c.ParamShapes()
	if !tensor.EqualShapes(in.X.Shape(), c.Shape) || !tensor.EqualShapes(in.G.Shape(), c.OutShape()) ||
		!tensor.EqualShapes(in.Weight.Shape(), ws) || (in.Bias == nil) != (bs == nil) ||
		(in.Bias != nil && !tensor.EqualShapes(in.Bias.Shape(), bs)) {
		panic(fmt.Sprintf("normbench: inputs of %s do not fit: x %v, g %v, weight %v, bias %v",
			c.Name(), in.X.Shape(), in.G.Shape(), in.Weight.Shape(), shapeOf(in.Bias)))
	}
	w := &Workload[T]{Case: c, In: in, weight: autograd.NewParam(in.Weight), tape: autograd.NewTape[T]()}
	if in.Bias != nil {
		w.bias = autograd.NewParam(in.Bias)
	}
	w.tape.ReuseBuffers(true)
	return w
}

func shapeOf[T tensor.Float](t *tensor.Tensor[T]) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}

// InputBytes returns the size of x in bytes.
func (w *Workload[T]) InputBytes() int { return w.In.X.Bytes() }

// Step runs the layer forward and backward once on the reset tape, the
// normalization layers as variant v (the transposed convolution has only
// its op, Fused), and returns what it computed, valid until the next Step.
// It panics for an unknown variant, or Composed on the transposed
// convolution.
func (w *Workload[T]) Step(v Variant) Result[T] {
	if v != Composed && v != Fused || v == Composed && w.Case.Layer == ConvTranspose2d {
		panic(fmt.Sprintf("normbench: no %v %v", v, w.Case.Layer))
	}
	w.tape.Reset()
	w.weight.ZeroGrad()
	if w.bias != nil {
		w.bias.ZeroGrad()
	}
	x := w.tape.Param(w.In.X)
	c := w.Case
	last := c.Shape[len(c.Shape)-1:]
	var y *autograd.Var[T]
	switch c.Layer {
	case LayerNorm:
		norm := functional.LayerNorm[T]
		if v == Composed {
			norm = functional.LayerNormComposed[T]
		}
		y = norm(x, last, w.weight, w.bias, Eps)
	case GroupNorm:
		norm := functional.GroupNorm[T]
		if v == Composed {
			norm = functional.GroupNormComposed[T]
		}
		y = norm(x, c.Groups, w.weight, w.bias, Eps)
	case RMSNorm:
		norm := functional.RMSNorm[T]
		if v == Composed {
			norm = functional.RMSNormComposed[T]
		}
		y = norm(x, last, w.weight, RMSEps)
	case ConvTranspose2d:
		y = functional.ConvTranspose2d(x, w.weight, w.bias, functional.ConvTranspose2dOptions{
			Stride: [2]int{c.Stride, c.Stride}, Padding: [2]int{c.Padding, c.Padding}})
	}
	if w.saved[v] == 0 { // the same every Step: measured once, not in every timed one
		w.saved[v] = w.tape.SavedBytes()
	}
	w.tape.BackwardWithGrad(y, w.In.G)
	r := Result[T]{Y: y.Value(), DX: x.Grad(), DWeight: w.weight.Grad(), SavedBytes: w.saved[v]}
	if w.bias != nil {
		r.DBias = w.bias.Grad()
	}
	return r
}
