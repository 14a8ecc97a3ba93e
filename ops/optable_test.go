package ops_test

// The op table: one entry per configuration of every differentiable op of
// package ops, and the checks that every entry goes through — the float64
// gradient check, float32 against float64, the bytes kept for backward, a
// forward with recording off, a tape that reuses its buffers, and the panics
// of bad inputs. TestOpTableCoversOps fails when an exported op has no entry.
//
// To add an op, add its entries to opTable; see docs/adding-an-op.md.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// opEntry is one configuration of one op.
type opEntry[T tensor.Float] struct {
	name   string                // the op's Name, which TestOpTableCoversOps matches to its type
	config string                // what sets this configuration apart, for the subtest's name
	new    func() autograd.Op[T] // a fresh op value
	// inputs draws the inputs, in float64 (the float32 run rounds them),
	// away from kinks and ties so that central differences are valid.
	inputs func(r *rand.Rand) []t64
	keeps  keeps
	bad    []badInput // inputs that must panic
	tol32  float64    // relative tolerance of float32 against float64; tol32 when 0
	// surrogate marks a backward pass that is by design not the forward's
	// gradient, as PyTorch's (Embedding's padding_idx and
	// scale_grad_by_freq): the gradient check skips it, and a PyTorch
	// reference test pins it instead; every other check runs.
	surrogate bool
}

// keeps describes what an op keeps for Backward, which SavedBytes counts.
type keeps struct {
	in  []int // inputs kept whole
	out bool  // the output (or a tensor sharing its data)
	// elems counts the elements of other tensors kept, such as a mean, given
	// the input shapes.
	elems func(in [][]int) int
	// extra is the bytes reported through autograd.ExtraSaver, given the
	// input shapes and the output's.
	extra func(in [][]int, out []int) int
}

// badInput is a set of input shapes an op must refuse, and the text its
// panic message must contain besides "ops: <Name>".
type badInput struct {
	shapes [][]int
	want   []string
}

// bad builds a badInput whose message must name the op and every shape
// given, plus want.
func bad(shapes [][]int, want ...string) badInput {
	for _, s := range shapes {
		want = append(want, fmt.Sprint(s))
	}
	return badInput{shapes: shapes, want: want}
}

// arity is the badInput of an op taking n inputs given n+1 of shape [2].
func arity(name string, n int) badInput {
	shapes := make([][]int, n+1)
	for i := range shapes {
		shapes[i] = []int{2}
	}
	return badInput{shapes: shapes, want: []string{fmt.Sprintf("ops: %s takes %d input(s), got %d", name, n, n+1)}}
}

// s is shorthand for a list of shapes.
func s(shapes ...[]int) [][]int { return shapes }

// Input generators.
func gen(f func(r *rand.Rand, shape ...int) t64, shapes ...[]int) func(*rand.Rand) []t64 {
	return func(r *rand.Rand) []t64 {
		in := make([]t64, len(shapes))
		for i, sh := range shapes {
			in[i] = f(r, sh...)
		}
		return in
	}
}

func normal(shapes ...[]int) func(*rand.Rand) []t64 { return gen(randn, shapes...) }

func awayFromZero(shapes ...[]int) func(*rand.Rand) []t64 {
	return gen(func(r *rand.Rand, sh ...int) t64 { return randAway(r, 0.1, sh...) }, shapes...)
}

func positive(shapes ...[]int) func(*rand.Rand) []t64 {
	return gen(func(r *rand.Rand, sh ...int) t64 { return randPos(r, 0.5, 2, sh...) }, shapes...)
}

func distinct(shapes ...[]int) func(*rand.Rand) []t64 { return gen(randDistinct, shapes...) }

// then concatenates generators: a Div's numerator anywhere, its denominator
// away from 0, say.
func then(gs ...func(*rand.Rand) []t64) func(*rand.Rand) []t64 {
	return func(r *rand.Rand) []t64 {
		var in []t64
		for _, g := range gs {
			in = append(in, g(r)...)
		}
		return in
	}
}

// Kept-tensor sizes.
func size(sh []int) int { return tensor.NumElems(sh) }

// channels is the C of an N×C×… input, for batch norm's per-channel scale.
func channels(in [][]int) int { return in[0][1] }

// intBytes counts n ints.
func intBytes(n int) int { return n * strconv.IntSize / 8 }

// opTable returns every entry, for T = float64 or float32: the same entries
// in the same order for both.
func opTable[T tensor.Float]() []opEntry[T] {
	type e = opEntry[T]
	type op = autograd.Op[T]
	none := keeps{}
	unaryBad := func(name string) []badInput { return []badInput{arity(name, 1)} }
	broadcastBad := func(name string) []badInput {
		return []badInput{bad(s([]int{2, 3}, []int{4}), "ops: "+name+":", "broadcast"), arity(name, 2)}
	}
	binary := func(name string, mk func() op, k keeps, b func(r *rand.Rand, sh ...int) t64) []e {
		var es []e
		for _, sh := range [][2][]int{{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{1}, {2, 2}}} {
			es = append(es, e{name: name, config: shapeName(sh[0], sh[1]), new: mk,
				inputs: then(normal(sh[0]), gen(b, sh[1])), keeps: k, bad: broadcastBad(name)})
		}
		return es
	}
	// aboveHalf keeps a divisor away from 0, with either sign.
	aboveHalf := func(r *rand.Rand, sh ...int) t64 { return randAway(r, 0.5, sh...) }

	var es []e
	es = append(es,
		e{name: "ReLU", config: "2x3", new: func() op { return &ops.ReLU[T]{} }, inputs: awayFromZero([]int{2, 3}), keeps: keeps{out: true}, bad: unaryBad("ReLU")},
		e{name: "ReLU", config: "1", new: func() op { return &ops.ReLU[T]{} }, inputs: awayFromZero([]int{1}), keeps: keeps{out: true}, bad: unaryBad("ReLU")},
		e{name: "LeakyReLU", config: "slope0.1", new: func() op { return &ops.LeakyReLU[T]{Slope: 0.1} }, inputs: awayFromZero([]int{2, 3}), keeps: keeps{in: []int{0}}, bad: unaryBad("LeakyReLU")},
		e{name: "LeakyReLU", config: "slope-2", new: func() op { return &ops.LeakyReLU[T]{Slope: -2} }, inputs: awayFromZero([]int{4}), keeps: keeps{in: []int{0}}, bad: unaryBad("LeakyReLU")},
		e{name: "ELU", config: "alpha1", new: func() op { return &ops.ELU[T]{Alpha: 1} }, inputs: awayFromZero([]int{2, 3}), keeps: keeps{in: []int{0}}, bad: unaryBad("ELU")},
		e{name: "ELU", config: "alpha0.5", new: func() op { return &ops.ELU[T]{Alpha: 0.5} }, inputs: awayFromZero([]int{3, 1}), keeps: keeps{in: []int{0}}, bad: unaryBad("ELU")},
		e{name: "Tanh", config: "2x3", new: func() op { return &ops.Tanh[T]{} }, inputs: normal([]int{2, 3}), keeps: keeps{out: true}, bad: unaryBad("Tanh")},
		e{name: "Sigmoid", config: "2x3", new: func() op { return &ops.Sigmoid[T]{} }, inputs: normal([]int{2, 3}), keeps: keeps{out: true}, bad: unaryBad("Sigmoid")},
		e{name: "Neg", config: "2x3", new: func() op { return &ops.Neg[T]{} }, inputs: normal([]int{2, 3}), keeps: none, bad: unaryBad("Neg")},
		e{name: "Scale", config: "c-1.5", new: func() op { return &ops.Scale[T]{C: -1.5} }, inputs: normal([]int{2, 3}), keeps: none, bad: unaryBad("Scale")},
		e{name: "AddScalar", config: "c0.7", new: func() op { return &ops.AddScalar[T]{C: 0.7} }, inputs: normal([]int{2, 3}), keeps: none, bad: unaryBad("AddScalar")},
		e{name: "Exp", config: "2x3", new: func() op { return &ops.Exp[T]{} }, inputs: normal([]int{2, 3}), keeps: keeps{out: true}, bad: unaryBad("Exp")},
		e{name: "Log", config: "2x3", new: func() op { return &ops.Log[T]{} }, inputs: positive([]int{2, 3}), keeps: keeps{in: []int{0}}, bad: unaryBad("Log")},
		e{name: "Sqrt", config: "2x3", new: func() op { return &ops.Sqrt[T]{} }, inputs: positive([]int{2, 3}), keeps: keeps{out: true}, bad: unaryBad("Sqrt")},
		e{name: "Pow", config: "p3", new: func() op { return &ops.Pow[T]{P: 3} }, inputs: normal([]int{2, 3}), keeps: keeps{in: []int{0}}, bad: unaryBad("Pow")},
		e{name: "Pow", config: "p0.5", new: func() op { return &ops.Pow[T]{P: 0.5} }, inputs: positive([]int{2, 3}), keeps: keeps{in: []int{0}}, bad: unaryBad("Pow")},
		e{name: "Pow", config: "p-1.5", new: func() op { return &ops.Pow[T]{P: -1.5} }, inputs: positive([]int{4}), keeps: keeps{in: []int{0}}, bad: unaryBad("Pow")},
	)
	// More shapes, a 0-d one and one with size-1 axes, for the element-wise
	// ops above that have one configuration.
	for _, u := range []struct {
		name string
		mk   func() op
		in   func(...[]int) func(*rand.Rand) []t64
		k    keeps
	}{
		{"Tanh", func() op { return &ops.Tanh[T]{} }, normal, keeps{out: true}},
		{"Sigmoid", func() op { return &ops.Sigmoid[T]{} }, normal, keeps{out: true}},
		{"Neg", func() op { return &ops.Neg[T]{} }, normal, none},
		{"Scale", func() op { return &ops.Scale[T]{C: 0.25} }, normal, none},
		{"AddScalar", func() op { return &ops.AddScalar[T]{C: -3} }, normal, none},
		{"Exp", func() op { return &ops.Exp[T]{} }, normal, keeps{out: true}},
		{"Log", func() op { return &ops.Log[T]{} }, positive, keeps{in: []int{0}}},
		{"Sqrt", func() op { return &ops.Sqrt[T]{} }, positive, keeps{out: true}},
	} {
		es = append(es,
			e{name: u.name, config: "1x4x1", new: u.mk, inputs: u.in([]int{1, 4, 1}), keeps: u.k, bad: unaryBad(u.name)},
			e{name: u.name, config: "0-d", new: u.mk, inputs: u.in([]int{}), keeps: u.k, bad: unaryBad(u.name)})
	}
	es = append(es, binary("Add", func() op { return &ops.Add[T]{} }, none, randn)...)
	es = append(es, binary("Sub", func() op { return &ops.Sub[T]{} }, none, randn)...)
	es = append(es, binary("Mul", func() op { return &ops.Mul[T]{} }, keeps{in: []int{0, 1}}, randn)...)
	es = append(es, binary("Div", func() op { return &ops.Div[T]{} }, keeps{in: []int{0, 1}}, aboveHalf)...)

	// Reductions.
	// reduceBad gives an input without the axes the configuration names
	// (badShape, with want in the message), and the wrong arity.
	reduceBad := func(name string, badShape []int, want string) []badInput {
		bs := []badInput{arity(name, 1)}
		if badShape != nil {
			bs = append(bs, bad(s(badShape), "ops: "+name+":", want))
		}
		return bs
	}
	outElems := func(axes []int) func(in [][]int) int {
		return func(in [][]int) int { return size(reducedShape(in[0], axes)) }
	}
	for _, c := range []struct {
		axes     []int
		keep     bool
		sh       []int
		badShape []int // nil when every shape is valid
		want     string
	}{
		{[]int{1}, false, []int{2, 3, 2}, []int{3}, "axis 1 out of range"},
		{nil, false, []int{2, 3}, nil, ""},
		{[]int{0, -1}, true, []int{2, 3, 2}, []int{}, "axis 0 out of range"},
		{[]int{-2, 1}, false, []int{3, 2}, []int{4, 2, 3}, "given twice"},
	} {
		cfg := fmt.Sprintf("axes%v,keep=%v,%s", c.axes, c.keep, shapeName(c.sh))
		rb := func(name string) []badInput { return reduceBad(name, c.badShape, c.want) }
		es = append(es,
			e{name: "Sum", config: cfg, new: func() op { return &ops.Sum[T]{Axes: c.axes, KeepDims: c.keep} }, inputs: normal(c.sh), keeps: none, bad: rb("Sum")},
			e{name: "Mean", config: cfg, new: func() op { return &ops.Mean[T]{Axes: c.axes, KeepDims: c.keep} }, inputs: normal(c.sh), keeps: none, bad: rb("Mean")},
			e{name: "Amax", config: cfg, new: func() op { return &ops.Amax[T]{Axes: c.axes, KeepDims: c.keep} }, inputs: distinct(c.sh), keeps: keeps{in: []int{0}, out: true}, bad: rb("Amax")},
			e{name: "Amin", config: cfg, new: func() op { return &ops.Amin[T]{Axes: c.axes, KeepDims: c.keep} }, inputs: distinct(c.sh), keeps: keeps{in: []int{0}, out: true}, bad: rb("Amin")},
			e{name: "Var", config: cfg, new: func() op { return &ops.Var[T]{Axes: c.axes, KeepDims: c.keep, Correction: 1} }, inputs: normal(c.sh), keeps: keeps{in: []int{0}, elems: outElems(c.axes)}, bad: rb("Var")},
			e{name: "Std", config: cfg, new: func() op { return &ops.Std[T]{Axes: c.axes, KeepDims: c.keep, Correction: 1} }, inputs: normal(c.sh), keeps: keeps{in: []int{0}, out: true, elems: outElems(c.axes)}, bad: rb("Std")},
		)
	}
	es = append(es,
		e{name: "Amax", config: "nantie", new: func() op { return &ops.Amax[T]{NaNTies: true} }, inputs: distinct([]int{2, 3}), keeps: keeps{in: []int{0}, out: true},
			bad: []badInput{bad(s([]int{2, 0}), "ops: Amax:", "size 0")}},
		e{name: "Amin", config: "nantie", new: func() op { return &ops.Amin[T]{NaNTies: true} }, inputs: distinct([]int{2, 3}), keeps: keeps{in: []int{0}, out: true},
			bad: []badInput{bad(s([]int{2, 0}), "ops: Amin:", "size 0")}},
		e{name: "Var", config: "correction0", new: func() op { return &ops.Var[T]{Axes: []int{0}} }, inputs: normal([]int{3, 2}), keeps: keeps{in: []int{0}, elems: outElems([]int{0})}, bad: reduceBad("Var", []int{}, "axis 0 out of range")},
		e{name: "Std", config: "correction0", new: func() op { return &ops.Std[T]{Axes: []int{0}} }, inputs: normal([]int{3, 2}), keeps: keeps{in: []int{0}, out: true, elems: outElems([]int{0})}, bad: reduceBad("Std", []int{}, "axis 0 out of range")},
	)
	for _, c := range []struct {
		axis     int
		keep     bool
		sh       []int
		badShape []int
		want     string
	}{
		{1, false, []int{2, 3, 2}, []int{3}, "axis 1 out of range"},
		{-1, true, []int{3, 4}, []int{}, "axis -1 out of range"},
		{0, false, []int{5}, []int{0, 2}, "size 0"},
	} {
		cfg := fmt.Sprintf("axis%d,keep=%v,%s", c.axis, c.keep, shapeName(c.sh))
		rb := func(name string) []badInput { return reduceBad(name, c.badShape, c.want) }
		idx := func(_ [][]int, out []int) int { return intBytes(size(out)) }
		es = append(es,
			e{name: "Max", config: cfg, new: func() op { return &ops.Max[T]{Axis: c.axis, KeepDims: c.keep} }, inputs: distinct(c.sh), keeps: keeps{extra: idx}, bad: rb("Max")},
			e{name: "Min", config: cfg, new: func() op { return &ops.Min[T]{Axis: c.axis, KeepDims: c.keep} }, inputs: distinct(c.sh), keeps: keeps{extra: idx}, bad: rb("Min")},
			e{name: "LogSumExp", config: cfg, new: func() op { return &ops.LogSumExp[T]{Axis: c.axis, KeepDims: c.keep} }, inputs: normal(c.sh), keeps: keeps{in: []int{0}, out: true}, bad: rb("LogSumExp")},
			e{name: "LogSoftmax", config: cfg, new: func() op { return &ops.LogSoftmax[T]{Axis: c.axis} }, inputs: normal(c.sh), keeps: keeps{out: true}, bad: rb("LogSoftmax")},
		)
	}

	// Shapes.
	es = append(es,
		e{name: "Expand", config: "3x1->2x3x4", new: func() op { return &ops.Expand[T]{Shape: []int{2, 3, 4}} }, inputs: normal([]int{3, 1}), keeps: none,
			bad: []badInput{bad(s([]int{2, 4}), "ops: Expand:", "[2 3 4]", "neither 1 nor 3"), arity("Expand", 1)}},
		e{name: "Expand", config: "-1", new: func() op { return &ops.Expand[T]{Shape: []int{-1, 3}} }, inputs: normal([]int{2, 1}), keeps: none,
			bad: []badInput{bad(s([]int{2, 2, 1}), "ops: Expand:", "fewer dimensions"), arity("Expand", 1)}},
		e{name: "Expand", config: "same", new: func() op { return &ops.Expand[T]{Shape: []int{2, 3}} }, inputs: normal([]int{2, 3}), keeps: none,
			bad: []badInput{arity("Expand", 1)}},
		e{name: "SumTo", config: "2x3x4->3x1", new: func() op { return &ops.SumTo[T]{Shape: []int{3, 1}} }, inputs: normal([]int{2, 3, 4}), keeps: none,
			bad: []badInput{bad(s([]int{2, 4}), "ops: SumTo:", "[3 1]"), arity("SumTo", 1)}},
		e{name: "SumTo", config: "2x3->2x3", new: func() op { return &ops.SumTo[T]{Shape: []int{2, 3}} }, inputs: normal([]int{2, 3}), keeps: none,
			bad: []badInput{bad(s([]int{3}), "ops: SumTo:", "[2 3]"), arity("SumTo", 1)}},
		e{name: "Reshape", config: "3x-1", new: func() op { return &ops.Reshape[T]{Shape: []int{3, -1}} }, inputs: normal([]int{2, 3}), keeps: none,
			bad: []badInput{bad(s([]int{2, 2}), "ops: Reshape:", "[3 -1]"), arity("Reshape", 1)}},
		e{name: "Reshape", config: "flat", new: func() op { return &ops.Reshape[T]{Shape: []int{6}} }, inputs: normal([]int{1, 2, 3}), keeps: none,
			bad: []badInput{bad(s([]int{2, 2}), "ops: Reshape:", "[6]"), arity("Reshape", 1)}},
		e{name: "Permute", config: "102", new: func() op { return &ops.Permute[T]{Axes: []int{1, 0, 2}} }, inputs: normal([]int{2, 3, 2}), keeps: none,
			bad: []badInput{bad(s([]int{2, 3}), "ops: Permute:", "[1 0 2] is not a permutation of the axes of a 2-d tensor"), arity("Permute", 1)}},
		e{name: "Permute", config: "10", new: func() op { return &ops.Permute[T]{Axes: []int{1, 0}} }, inputs: normal([]int{3, 2}), keeps: none,
			bad: []badInput{bad(s([]int{2, 3, 4}), "ops: Permute:", "[1 0] is not a permutation of the axes of a 3-d tensor"), arity("Permute", 1)}},
	)

	// Gather.
	gatherBad := []badInput{
		bad(s([]int{4}), "ops: Gather"),
		bad(s([]int{2, 4}), "ops: Gather:", "3 indices"),
		bad(s([]int{3, 1}), "ops: Gather:", "index 2"),
		arity("Gather", 1),
	}
	es = append(es,
		e{name: "Gather", config: "3x4", new: func() op { return &ops.Gather[T]{Index: []int{2, 0, 3}} }, inputs: normal([]int{3, 4}),
			keeps: keeps{extra: func([][]int, []int) int { return intBytes(3) }}, bad: gatherBad},
		e{name: "Gather", config: "1x2", new: func() op { return &ops.Gather[T]{Index: []int{1}} }, inputs: normal([]int{1, 2}),
			keeps: keeps{extra: func([][]int, []int) int { return intBytes(1) }},
			bad:   []badInput{bad(s([]int{2, 4}), "ops: Gather:", "1 indices"), arity("Gather", 1)}},
		e{name: "Scatter", config: "3->3x4", new: func() op { return &ops.Scatter[T]{Index: []int{2, 0, 3}, C: 4} }, inputs: normal([]int{3}),
			keeps: keeps{extra: func([][]int, []int) int { return intBytes(3) }},
			bad: []badInput{
				bad(s([]int{3, 1}), "ops: Scatter needs a 1-d input"),
				bad(s([]int{2}), "ops: Scatter:", "3 indices for 2 values"),
				arity("Scatter", 1),
			}},
		e{name: "Scatter", config: "1->1x1", new: func() op { return &ops.Scatter[T]{Index: []int{0}, C: 1} }, inputs: normal([]int{1}),
			keeps: keeps{extra: func([][]int, []int) int { return intBytes(1) }},
			bad:   []badInput{bad(s([]int{4}), "ops: Scatter:", "4 values"), arity("Scatter", 1)}},
	)

	// MatMul: every pairing of numbers of axes, the flags, broadcast batches.
	mmBad := []badInput{bad(s([]int{2, 3}, []int{5, 7}), "ops: MatMul:"), bad(s([]int{2, 2, 3}, []int{3, 3, 2}), "ops: MatMul:"), arity("MatMul", 2)}
	for _, c := range []struct {
		a, b   []int
		ta, tb bool
	}{
		{[]int{2, 3}, []int{3, 4}, false, false},
		{[]int{2, 3}, []int{4, 3}, false, true},
		{[]int{3, 2}, []int{3, 4}, true, false},
		{[]int{3, 2}, []int{4, 3}, true, true},
		{[]int{3}, []int{3}, false, false},
		{[]int{2, 3}, []int{3}, false, false},
		{[]int{3}, []int{3, 2}, false, false},
		{[]int{3}, []int{2, 3}, true, true},
		{[]int{2, 1, 2, 3}, []int{2, 3, 2}, false, false},
		{[]int{2, 2, 3}, []int{3, 2}, false, false},
		{[]int{4, 3}, []int{2, 4, 2}, true, false},
		{[]int{2, 2, 3}, []int{3}, false, false},
	} {
		cfg := fmt.Sprintf("%s,ta=%v,tb=%v", shapeName(c.a, c.b), c.ta, c.tb)
		es = append(es, e{name: "MatMul", config: cfg, new: func() op { return &ops.MatMul[T]{TransA: c.ta, TransB: c.tb} },
			inputs: normal(c.a, c.b), keeps: keeps{in: []int{0, 1}}, bad: mmBad})
	}

	// BatchNorm with γ and β, and without.
	bnBad := func(n int) []badInput {
		bs := []badInput{bad(s([]int{4}), "ops: BatchNorm")}
		if n == 3 {
			bs[0].shapes = s([]int{4}, []int{4}, []int{4})
			bs = append(bs, bad(s([]int{4, 3}, []int{2}, []int{2}), "ops: BatchNorm:"))
		}
		return append(bs, badInput{shapes: s([]int{4, 3}, []int{3}), want: []string{"ops: BatchNorm takes 1 input (x) or 3 (x, γ, β), got 2"}})
	}
	for _, c := range []struct {
		x      []int
		affine bool
	}{{[]int{4, 3}, true}, {[]int{2, 3, 2, 2}, true}, {[]int{4, 3}, false}, {[]int{3, 2, 5}, false}} {
		c := c
		in := normal(c.x)
		// With γ and β: x, γ/σ, and μ and 1/σ in float64 (ExtraSaver).
		k := keeps{in: []int{0}, elems: channels, extra: func(in [][]int, _ []int) int { return 2 * 8 * in[0][1] }}
		n := 1
		if c.affine {
			in = then(normal(c.x), positive([]int{c.x[1]}), normal([]int{c.x[1]}))
			n = 3
		} else {
			k = keeps{out: true, elems: channels}
		}
		es = append(es, e{name: "BatchNorm", config: fmt.Sprintf("%s,affine=%v", shapeName(c.x), c.affine),
			new:    func() op { return &ops.BatchNorm[T]{Eps: 1e-5} },
			inputs: in, keeps: k, bad: bnBad(n), tol32: 1e-4})
	}

	// Conv2d through each algorithm, with and without bias, strides,
	// dilation and groups.
	for _, c := range []struct {
		cfg    string
		x, w   []int
		bias   bool
		stride [2]int
		pad    [2]int
		dil    [2]int
		groups int
		algo   ops.ConvAlgorithm
	}{
		{"im2col,bias", []int{1, 2, 5, 5}, []int{3, 2, 3, 3}, true, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1, ops.ConvIm2col},
		{"stride2,dilation2,groups2", []int{2, 4, 7, 6}, []int{2, 2, 3, 2}, false, [2]int{2, 1}, [2]int{1, 0}, [2]int{2, 1}, 2, ops.ConvAuto},
		{"1x1", []int{2, 3, 3, 3}, []int{2, 3, 1, 1}, true, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}, 1, ops.ConvAuto},
		{"winograd,bias", []int{1, 2, 4, 5}, []int{3, 2, 3, 3}, true, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1, ops.ConvWinograd},
		{"winograd,pad0", []int{2, 3, 6, 6}, []int{2, 3, 3, 3}, false, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1}, 1, ops.ConvWinograd},
		// tinyconv: kernels trimmed to the taps that read the image.
		{"trimmed,1x1plane", []int{2, 3, 1, 1}, []int{2, 3, 3, 3}, true, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1, ops.ConvAuto},
		{"trimmed,stride2,pad2,dilation2", []int{2, 2, 4, 5}, []int{2, 2, 4, 4}, false, [2]int{2, 2}, [2]int{2, 2}, [2]int{2, 2}, 1, ops.ConvAuto},
	} {
		c := c
		shapes := [][]int{c.x, c.w}
		if c.bias {
			shapes = append(shapes, []int{c.w[0]})
		}
		wrongC := slices.Clone(c.x)
		wrongC[1]++
		convBad := []badInput{
			bad(s(wrongC, c.w), "ops: Conv2d"),
			bad(s(c.x[1:], c.w), "ops: Conv2d"),
			bad(s(c.x, c.w, []int{c.w[0] + 1}), "ops: Conv2d:", "bias"),
			badInput{shapes: s(c.x), want: []string{"ops: Conv2d takes 2 input(s), got 1"}},
		}
		es = append(es, e{name: "Conv2d", config: c.cfg,
			new: func() op {
				return &ops.Conv2d[T]{Stride: c.stride, Padding: c.pad, Dilation: c.dil, Groups: c.groups, Algorithm: c.algo}
			},
			inputs: normal(shapes...), keeps: keeps{in: []int{0, 1}}, bad: convBad, tol32: 1e-4})
	}

	// ConvTranspose2d with each setting, and Conv2dWeightGrad: the ops of
	// Conv2d's backward pass, each other's adjoints.
	for _, c := range []struct {
		cfg                      string
		x, w                     []int
		bias                     bool
		stride, pad, outPad, dil [2]int
		groups                   int
	}{
		{"bias", []int{1, 2, 3, 3}, []int{2, 3, 3, 3}, true, [2]int{}, [2]int{1, 1}, [2]int{}, [2]int{}, 0},
		{"stride2,output_padding1", []int{2, 2, 3, 4}, []int{2, 2, 3, 2}, false, [2]int{2, 2}, [2]int{1, 0}, [2]int{1, 1}, [2]int{}, 1},
		// An output padding of a stride or more, which the dilation allows.
		{"dilation2x1,groups2,output_padding1,bias", []int{1, 4, 3, 3}, []int{4, 1, 2, 3}, true, [2]int{1, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{2, 1}, 2},
		{"1x1,stride2", []int{2, 3, 2, 2}, []int{3, 2, 1, 1}, false, [2]int{2, 2}, [2]int{}, [2]int{1, 0}, [2]int{}, 1},
	} {
		c := c
		shapes := [][]int{c.x, c.w}
		if c.bias {
			shapes = append(shapes, []int{c.w[1] * max(c.groups, 1)})
		}
		wrongC := slices.Clone(c.x)
		wrongC[1]++
		convTBad := []badInput{
			bad(s(wrongC, c.w), "ops: ConvTranspose2d", "input channels"),
			bad(s(c.x[1:], c.w), "ops: ConvTranspose2d", "4-d"),
			bad(s(c.x, c.w, []int{c.w[1]*max(c.groups, 1) + 1}), "ops: ConvTranspose2d:", "bias"),
			badInput{shapes: s(c.x), want: []string{"ops: ConvTranspose2d takes 2 input(s), got 1"}},
		}
		es = append(es, e{name: "ConvTranspose2d", config: c.cfg,
			new: func() op {
				return &ops.ConvTranspose2d[T]{Stride: c.stride, Padding: c.pad, OutputPadding: c.outPad, Dilation: c.dil, Groups: c.groups}
			},
			inputs: normal(shapes...), keeps: keeps{in: []int{0, 1}}, bad: convTBad, tol32: 1e-4})
	}
	for _, c := range []struct {
		cfg              string
		x, dy            []int
		ws               [4]int
		stride, pad, dil [2]int
		groups           int
	}{
		{"stride2,padding1", []int{2, 2, 5, 5}, []int{2, 3, 3, 3}, [4]int{3, 2, 3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{}, 0},
		{"groups2,dilation2x1", []int{1, 4, 6, 5}, []int{1, 2, 4, 4}, [4]int{2, 2, 2, 2}, [2]int{}, [2]int{}, [2]int{2, 1}, 2},
		// dy smaller than the convolution's output by a row, which a
		// transposed convolution's output padding below the dilation allows.
		{"dilation2,cropped", []int{1, 1, 5, 5}, []int{1, 1, 2, 3}, [4]int{1, 1, 2, 2}, [2]int{}, [2]int{}, [2]int{2, 2}, 1},
	} {
		c := c
		bigger := slices.Clone(c.dy)
		bigger[2] += 2
		es = append(es, e{name: "Conv2dWeightGrad", config: c.cfg,
			new: func() op {
				return &ops.Conv2dWeightGrad[T]{WeightSize: c.ws, Stride: c.stride, Padding: c.pad, Dilation: c.dil, Groups: c.groups}
			},
			inputs: normal(c.x, c.dy), keeps: keeps{in: []int{0, 1}}, tol32: 1e-4,
			bad: []badInput{
				bad(s(c.x, bigger), "ops: Conv2dWeightGrad", "does not map back"),
				bad(s(c.x, c.dy[1:]), "ops: Conv2dWeightGrad", "output gradient must be"),
				bad(s(c.x[1:], c.dy), "ops: Conv2dWeightGrad", "4-d"),
				arity("Conv2dWeightGrad", 2),
			}})
	}

	// Pooling, with its options.
	// poolBad has a 3-d input, the wrong arity and, for kernels larger
	// than 1×1 without padding or ceil mode, a 1×1 plane, which gives no
	// window.
	poolBad := func(name string, pad [2]int, ceil bool) []badInput {
		bs := []badInput{bad(s([]int{1, 4, 4}), "ops: "+name), arity(name, 1)}
		if pad == [2]int{} && !ceil {
			bs = append(bs, bad(s([]int{1, 1, 1, 1}), "ops: "+name+":", "gives an output of"))
		}
		return bs
	}
	idx32 := func(_ [][]int, out []int) int { return 4 * size(out) }
	for _, c := range []struct {
		cfg                 string
		x                   []int
		kernel, stride, pad [2]int
		dil                 [2]int
		ceil                bool
	}{
		{"k2s2", []int{1, 2, 4, 5}, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{}, false},
		{"k3s1p1", []int{2, 1, 4, 4}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{}, false},
		{"k2x3s1x2p1x0", []int{1, 1, 5, 6}, [2]int{2, 3}, [2]int{1, 2}, [2]int{1, 0}, [2]int{}, false},
		{"k2,default-stride,ceil", []int{1, 2, 5, 5}, [2]int{2, 2}, [2]int{}, [2]int{0, 0}, [2]int{}, true},
		{"k3s2p1,dilation2x1,ceil", []int{1, 1, 7, 6}, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{2, 1}, true},
	} {
		c := c
		es = append(es, e{name: "MaxPool2d", config: c.cfg,
			new: func() op {
				return &ops.MaxPool2d[T]{Kernel: c.kernel, Stride: c.stride, Padding: c.pad, Dilation: c.dil, CeilMode: c.ceil}
			},
			inputs: distinct(c.x), keeps: keeps{extra: idx32}, bad: poolBad("MaxPool2d", c.pad, c.ceil)})
		if c.dil != [2]int{} {
			continue
		}
		es = append(es, e{name: "AvgPool2d", config: c.cfg,
			new: func() op {
				return &ops.AvgPool2d[T]{Kernel: c.kernel, Stride: c.stride, Padding: c.pad, CeilMode: c.ceil}
			},
			inputs: normal(c.x), keeps: none, bad: poolBad("AvgPool2d", c.pad, c.ceil)})
	}
	es = append(es,
		e{name: "AvgPool2d", config: "k3s2p1,ceil,exclude-pad", new: func() op {
			return &ops.AvgPool2d[T]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, ExcludePad: true}
		}, inputs: normal([]int{1, 2, 6, 5}), keeps: none, bad: poolBad("AvgPool2d", [2]int{1, 1}, true)},
		e{name: "AvgPool2d", config: "k2s1,divisor3", new: func() op {
			return &ops.AvgPool2d[T]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, DivisorOverride: 3}
		}, inputs: normal([]int{2, 1, 3, 4}), keeps: none, bad: poolBad("AvgPool2d", [2]int{}, false)},
	)

	// The pooling ops' backward maps. MaxPool2dBackward and MaxPool2dGather
	// take fixed indices: two outputs picking the same position (windows
	// that overlap) and a window without one (−1).
	for _, c := range []struct {
		cfg           string
		n, ch         int
		idx           []int32
		size, outSize [2]int
	}{
		{"overlap,empty", 1, 2, []int32{0, 5, 5, 11, -1, 6, 1, 2, 3, 4, 7, 11}, [2]int{3, 4}, [2]int{2, 3}},
		{"1x1-plane,batch2", 2, 1, []int32{0, 0}, [2]int{1, 1}, [2]int{1, 1}},
		{"same-size", 1, 1, []int32{4, 4, 2, 8, 0, 1, 6, 7, 3}, [2]int{3, 3}, [2]int{3, 3}},
	} {
		c := c
		in := []int{c.n, c.ch, c.outSize[0], c.outSize[1]}
		x := []int{c.n, c.ch, c.size[0], c.size[1]}
		wrongPlane := []int{c.n, c.ch, c.outSize[0] + 1, c.outSize[1]}
		es = append(es,
			e{name: "MaxPool2dBackward", config: c.cfg,
				new:    func() op { return &ops.MaxPool2dBackward[T]{Indices: c.idx, Size: c.size, OutSize: c.outSize} },
				inputs: normal(in), keeps: none,
				bad: []badInput{
					bad(s(wrongPlane), "ops: MaxPool2dBackward:", fmt.Sprintf("must be N×C×%d×%d", c.outSize[0], c.outSize[1])),
					bad(s([]int{c.n + 1, c.ch, c.outSize[0], c.outSize[1]}), "ops: MaxPool2dBackward:", "one index per pooled output"),
					bad(s(in[1:]), "ops: MaxPool2dBackward:"),
					arity("MaxPool2dBackward", 1),
				}},
			e{name: "MaxPool2dGather", config: c.cfg,
				new:    func() op { return &ops.MaxPool2dGather[T]{Indices: c.idx, Size: c.size, OutSize: c.outSize} },
				inputs: normal(x), keeps: none,
				bad: []badInput{
					bad(s([]int{c.n, c.ch, c.size[0], c.size[1] + 1}), "ops: MaxPool2dGather:", fmt.Sprintf("must be N×C×%d×%d", c.size[0], c.size[1])),
					bad(s([]int{c.n, c.ch + 1, c.size[0], c.size[1]}), "ops: MaxPool2dGather:", "one index per pooled output"),
					arity("MaxPool2dGather", 1),
				}})
	}
	// AvgPool2dBackward with AvgPool2d's settings above: its input is
	// AvgPool2d's output.
	for _, c := range []struct {
		cfg string
		x   []int
		avg ops.AvgPool2d[float64]
	}{
		{"k2s2", []int{1, 2, 4, 5}, ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}},
		{"k3s1p1", []int{2, 1, 4, 4}, ops.AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}}},
		{"k2x3s1x2p1x0", []int{1, 1, 5, 6}, ops.AvgPool2d[float64]{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 0}}},
		{"k2,default-stride,ceil", []int{1, 2, 5, 5}, ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, CeilMode: true}},
		{"k3s2p1,ceil", []int{1, 2, 6, 5}, ops.AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}},
		{"k3s2p1,ceil,exclude-pad", []int{1, 2, 6, 5}, ops.AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, ExcludePad: true}},
		{"k2s1,divisor3", []int{2, 1, 3, 4}, ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, DivisorOverride: 3}},
	} {
		c := c
		a := c.avg
		dy := forward[float64](&a, tensor.New[float64](c.x...)).Shape()
		wrong := slices.Clone(dy)
		wrong[3]++
		es = append(es, e{name: "AvgPool2dBackward", config: c.cfg,
			new: func() op {
				return &ops.AvgPool2dBackward[T]{Kernel: a.Kernel, Stride: a.Stride, Padding: a.Padding, CeilMode: a.CeilMode,
					ExcludePad: a.ExcludePad, DivisorOverride: a.DivisorOverride, InputSize: [2]int{c.x[2], c.x[3]}}
			},
			inputs: normal(dy), keeps: none,
			bad: []badInput{
				bad(s(wrong), "ops: AvgPool2dBackward:", fmt.Sprintf("%v", [2]int{c.x[2], c.x[3]})),
				bad(s(dy[1:]), "ops: AvgPool2dBackward", "4-d"),
				arity("AvgPool2dBackward", 1),
			}})
	}

	// Issue 18: the element-wise math (unary.go) and the activations
	// (activation2.go). Inputs stay 0.1 away from every kink (avoiding).
	f64 := func(x float64) *T { v := T(x); return &v }
	for _, c := range []struct {
		cfg      string
		min, max *T
		kinks    []float64
		sh       []int
	}{
		{"min-0.5,max0.5", f64(-0.5), f64(0.5), []float64{-0.5, 0.5}, []int{2, 3}},
		{"min-0.3", f64(-0.3), nil, []float64{-0.3}, []int{4}},
		{"max0.4", nil, f64(0.4), []float64{0.4}, []int{1, 4, 1}},
		{"min>max", f64(0.5), f64(-0.5), []float64{-0.5, 0.5}, []int{3}},
	} {
		c := c
		es = append(es, e{name: "Clamp", config: c.cfg, new: func() op { return &ops.Clamp[T]{Min: c.min, Max: c.max} },
			inputs: avoiding(1, c.kinks...)(c.sh), keeps: keeps{in: []int{0}}, bad: unaryBad("Clamp")})
	}
	for _, u := range []struct {
		name, cfg string
		mk        func() op
		in        func(...[]int) func(*rand.Rand) []t64
		k         keeps
	}{
		{"Abs", "", func() op { return &ops.Abs[T]{} }, awayFromZero, keeps{in: []int{0}}},
		{"Square", "", func() op { return &ops.Square[T]{} }, normal, keeps{in: []int{0}}},
		{"Rsqrt", "", func() op { return &ops.Rsqrt[T]{} }, positive, keeps{out: true}},
		{"Log1p", "", func() op { return &ops.Log1p[T]{} }, positive, keeps{in: []int{0}}},
		{"Log1p", "near0", func() op { return &ops.Log1p[T]{} }, avoiding(0.3, -1), keeps{in: []int{0}}},
		{"Expm1", "", func() op { return &ops.Expm1[T]{} }, normal, keeps{out: true}},
		{"GELU", "none", func() op { return &ops.GELU[T]{Approximate: "none"} }, avoiding(2), keeps{in: []int{0}}},
		{"GELU", "default", func() op { return &ops.GELU[T]{} }, normal, keeps{in: []int{0}}},
		{"GELU", "tanh", func() op { return &ops.GELU[T]{Approximate: "tanh"} }, avoiding(2), keeps{in: []int{0}}},
		{"SiLU", "", func() op { return &ops.SiLU[T]{} }, avoiding(3), keeps{in: []int{0}}},
		{"Softplus", "beta1,threshold20", func() op { return &ops.Softplus[T]{Beta: 1, Threshold: 20} }, avoiding(3), keeps{in: []int{0}}},
		{"Softplus", "beta2,threshold1", func() op { return &ops.Softplus[T]{Beta: 2, Threshold: 1} }, avoiding(1, 0.5), keeps{in: []int{0}}},
		{"Mish", "", func() op { return &ops.Mish[T]{} }, avoiding(3), keeps{in: []int{0}}},
		{"Hardtanh", "default", func() op { return &ops.Hardtanh[T]{MinVal: -1, MaxVal: 1} }, avoiding(1.5, -1, 1), keeps{in: []int{0}}},
		{"Hardtanh", "relu6", func() op { return &ops.Hardtanh[T]{MinVal: 0, MaxVal: 6} }, avoiding(4, 0, 6), keeps{in: []int{0}}},
		{"Hardswish", "", func() op { return &ops.Hardswish[T]{} }, avoiding(3, -3, 3), keeps{in: []int{0}}},
		{"Hardsigmoid", "", func() op { return &ops.Hardsigmoid[T]{} }, avoiding(3, -3, 3), keeps{in: []int{0}}},
		{"LogSigmoid", "", func() op { return &ops.LogSigmoid[T]{} }, avoiding(4), keeps{in: []int{0}}},
	} {
		u := u
		for _, sh := range [][]int{{2, 3}, {1, 4, 1}, {}} {
			cfg := shapeName(sh)
			if u.cfg != "" {
				cfg = u.cfg + "," + cfg
			}
			es = append(es, e{name: u.name, config: cfg, new: u.mk, inputs: u.in(sh), keeps: u.k, bad: unaryBad(u.name)})
		}
	}
	es = append(es, binary("Maximum", func() op { return &ops.Maximum[T]{} }, keeps{in: []int{0, 1}}, randn)...)
	es = append(es, binary("Minimum", func() op { return &ops.Minimum[T]{} }, keeps{in: []int{0, 1}}, randn)...)
	preluBad := []badInput{
		bad(s([]int{2, 3}, []int{2}), "ops: PReLU:", "one per channel"),
		bad(s([]int{2, 3}, []int{3, 1}), "ops: PReLU:", "0-d or 1-d"),
		bad(s([]int{4}, []int{4}), "ops: PReLU:", "one per channel"),
		arity("PReLU", 2),
	}
	for _, c := range []struct{ x, w []int }{
		{[]int{2, 3, 4}, []int{3}}, {[]int{2, 3}, []int{3}}, {[]int{2, 3, 2, 2}, []int{1}}, {[]int{4}, []int{}}, {[]int{}, []int{1}},
	} {
		es = append(es, e{name: "PReLU", config: shapeName(c.x, c.w), new: func() op { return &ops.PReLU[T]{} },
			inputs: then(awayFromZero(c.x), normal(c.w)), keeps: keeps{in: []int{0, 1}}, bad: preluBad})
	}
	// Indexing (IndexSelect ⇄ IndexAdd, GatherAxis ⇄ ScatterAdd), Where,
	// MaskedFill and Cumsum (issue 18, ops/index.go, where.go, cumsum.go).
	idxBytes := func(n int) func([][]int, []int) int { return func([][]int, []int) int { return intBytes(n) } }
	maskBytes := func(n int) func([][]int, []int) int { return func([][]int, []int) int { return n } }
	for _, c := range []struct {
		cfg   string
		dim   int
		index []int
		x     []int
		bad   []badInput
	}{
		{"dim1,repeated", 1, []int{3, 3, 0}, []int{3, 4}, []badInput{
			bad(s([]int{3, 2}), "ops: IndexSelect:", "index 3 (position 0) is out of range for dim 1 of size 2"),
			bad(s([]int{4}), "ops: IndexSelect:", "dim 1 out of range")}},
		{"dim-1,3-d", -1, []int{1, 0}, []int{2, 3, 2}, []badInput{
			bad(s([]int{2, 3, 1}), "ops: IndexSelect:", "index 1 (position 0) is out of range for dim -1 of size 1")}},
		{"dim0,empty-index", 0, []int{}, []int{2, 3}, []badInput{
			bad(s([]int{}), "ops: IndexSelect:", "exactly one index, got 0")}},
		{"0-d", 0, []int{0}, []int{}, []badInput{
			bad(s([]int{0}), "ops: IndexSelect:", "index 0 (position 0) is out of range for dim 0 of size 0")}},
	} {
		c := c
		es = append(es, e{name: "IndexSelect", config: c.cfg,
			new:    func() op { return &ops.IndexSelect[T]{Dim: c.dim, Index: c.index} },
			inputs: normal(c.x), keeps: keeps{extra: idxBytes(len(c.index))},
			bad: append(c.bad, arity("IndexSelect", 1))})
	}
	for _, c := range []struct {
		cfg       string
		dim       int
		index     []int
		self, src []int
		bad       []badInput
	}{
		{"dim1,repeated", 1, []int{0, 0, 2}, []int{3, 4}, []int{3, 3}, []badInput{
			bad(s([]int{3, 4}, []int{3, 2}), "ops: IndexAdd:", "want [3 3]"),
			badInput{shapes: s([]int{3, 2}, []int{3, 3}), want: []string{"ops: IndexAdd:", "index 2 (position 2) is out of range for dim 1 of size 2 (input of shape [3 2])"}}}},
		{"dim0", 0, []int{1}, []int{2, 3}, []int{1, 3}, []badInput{
			bad(s([]int{2, 3}, []int{1, 3, 1}), "ops: IndexAdd:", "want [1 3]")}},
		{"dim-1,3-d", -1, []int{2, 0, 2, 1}, []int{2, 2, 3}, []int{2, 2, 4}, []badInput{
			bad(s([]int{2, 2, 3}, []int{2, 2, 3}), "ops: IndexAdd:", "with 4 indices along dim -1")}},
		{"0-d", 0, []int{0}, []int{}, []int{}, []badInput{
			bad(s([]int{}, []int{1}), "ops: IndexAdd:", "want []")}},
	} {
		c := c
		es = append(es, e{name: "IndexAdd", config: c.cfg,
			new:    func() op { return &ops.IndexAdd[T]{Dim: c.dim, Index: c.index} },
			inputs: normal(c.self, c.src), keeps: keeps{extra: idxBytes(len(c.index))},
			bad: append(c.bad, arity("IndexAdd", 2))})
	}
	for _, c := range []struct {
		cfg        string
		dim        int
		index, ish []int
		x          []int
		bad        []badInput
	}{
		{"dim1,repeated", 1, []int{0, 3, 3, 1, 0, 2}, []int{2, 3}, []int{3, 4}, []badInput{
			bad(s([]int{3, 3}), "ops: GatherAxis:", "index 3 (position 1) is out of range for dim 1 of size 3"),
			bad(s([]int{1, 4}), "ops: GatherAxis:", "index of shape [2 3] is larger than input"),
			bad(s([]int{3, 4, 1}), "ops: GatherAxis:", "[2 3]", "differ in rank")}},
		{"dim0,3-d,index-longer", 0, []int{2, 0, 1, 1, 0, 2, 2, 2}, []int{4, 2, 1}, []int{3, 2, 2}, []badInput{
			bad(s([]int{3, 1, 2}), "ops: GatherAxis:", "larger than input")}},
		{"dim-1,same-shape", -1, []int{2, 0, 1, 1, 1, 0}, []int{2, 3}, []int{2, 3}, []badInput{
			bad(s([]int{2, 3, 1}), "ops: GatherAxis:", "differ in rank")}},
		{"0-d", 0, []int{0}, []int{}, []int{}, []badInput{
			bad(s([]int{2, 1}), "ops: GatherAxis:", "differ in rank")}},
	} {
		c := c
		es = append(es, e{name: "GatherAxis", config: c.cfg,
			new:    func() op { return &ops.GatherAxis[T]{Dim: c.dim, Index: c.index, IndexShape: c.ish} },
			inputs: normal(c.x), keeps: keeps{extra: idxBytes(len(c.index))},
			bad: append(c.bad, arity("GatherAxis", 1))})
	}
	for _, c := range []struct {
		cfg        string
		dim        int
		index, ish []int
		self, src  []int
		bad        []badInput
	}{
		{"dim1,repeated", 1, []int{0, 3, 3, 1, 0, 2}, []int{2, 3}, []int{3, 4}, []int{2, 3}, []badInput{
			badInput{shapes: s([]int{3, 3}, []int{2, 3}), want: []string{"ops: ScatterAdd:", "index 3 (position 1) is out of range for dim 1 of size 3 (input of shape [3 3])"}},
			bad(s([]int{3, 4}, []int{2, 2}), "ops: ScatterAdd:", "must be no larger than src"),
			bad(s([]int{3, 4}, []int{2}), "ops: ScatterAdd:", "differ in rank")}},
		{"dim0,src-larger", 0, []int{2, 2, 0, 1}, []int{2, 2}, []int{3, 2}, []int{3, 3}, []badInput{
			bad(s([]int{3, 1}, []int{3, 3}), "ops: ScatterAdd:", "and than self of shape [3 1] along every dim but dim 0")}},
		{"dim-2,3-d", -2, []int{0, 2, 1, 1, 2, 0, 0, 0, 1, 2, 2, 1, 0, 1, 1, 0}, []int{4, 2, 2}, []int{4, 3, 2}, []int{4, 2, 2}, []badInput{
			bad(s([]int{4, 3, 2}, []int{4, 2}), "ops: ScatterAdd:", "differ in rank")}},
		{"0-d", 0, []int{0}, []int{}, []int{}, []int{}, []badInput{
			bad(s([]int{}, []int{2, 1}), "ops: ScatterAdd:", "differ in rank")}},
	} {
		c := c
		es = append(es, e{name: "ScatterAdd", config: c.cfg,
			new:    func() op { return &ops.ScatterAdd[T]{Dim: c.dim, Index: c.index, IndexShape: c.ish} },
			inputs: normal(c.self, c.src), keeps: keeps{extra: idxBytes(len(c.index))},
			bad: append(c.bad, arity("ScatterAdd", 2))})
	}
	for _, c := range []struct {
		cfg    string
		cond   []bool
		condSh []int
		a, b   []int
		badA   []int // a shape that does not broadcast with the condition
	}{
		{"2x3", []bool{true, false, true, false, false, true}, []int{2, 3}, []int{2, 3}, []int{2, 3}, []int{3, 2}},
		{"cond2x1,a1x3,b0-d", []bool{false, true}, []int{2, 1}, []int{1, 3}, []int{}, []int{3, 3}},
		{"cond3,a2x3,b2x1", []bool{true, true, false}, []int{3}, []int{2, 3}, []int{2, 1}, []int{2}},
		{"cond2x3,a3,b1", []bool{false, true, true, true, false, false}, []int{2, 3}, []int{3}, []int{1}, []int{4}},
	} {
		c := c
		es = append(es, e{name: "Where", config: c.cfg,
			new:    func() op { return &ops.Where[T]{Cond: c.cond, CondShape: c.condSh} },
			inputs: normal(c.a, c.b), keeps: keeps{extra: maskBytes(len(c.cond))},
			bad: []badInput{
				bad(s(c.badA, c.b), "ops: Where:", fmt.Sprint(c.condSh), "cannot be broadcast together"),
				arity("Where", 2),
			}})
	}
	for _, c := range []struct {
		cfg    string
		mask   []bool
		maskSh []int
		value  float64
		x      []int
		badX   []int
	}{
		{"2x3", []bool{true, false, false, true, true, false}, []int{2, 3}, -1.5, []int{2, 3}, []int{2}},
		{"mask2x1,x3", []bool{false, true}, []int{2, 1}, 0, []int{3}, []int{3, 3}},
		{"mask3,x2x3", []bool{true, false, true}, []int{3}, 4, []int{2, 3}, []int{2, 2}},
		{"mask0-d", []bool{true}, []int{}, 2, []int{2, 2}, nil},
	} {
		c := c
		bs := []badInput{arity("MaskedFill", 1)}
		if c.badX != nil {
			bs = append(bs, bad(s(c.badX), "ops: MaskedFill:", fmt.Sprint(c.maskSh), "cannot be broadcast together"))
		}
		es = append(es, e{name: "MaskedFill", config: c.cfg,
			new:    func() op { return &ops.MaskedFill[T]{Mask: c.mask, MaskShape: c.maskSh, Value: T(c.value)} },
			inputs: normal(c.x), keeps: keeps{extra: maskBytes(len(c.mask))}, bad: bs})
	}
	for _, c := range []struct {
		dim     int
		reverse bool
		x       []int
		badX    []int
	}{
		{1, false, []int{2, 3, 2}, []int{3}},
		{-1, true, []int{3, 4}, nil},
		{0, false, []int{5}, nil},
		{0, true, []int{1, 3}, nil},
		{-1, false, []int{}, nil},
		{-2, true, []int{2, 3}, []int{4}},
	} {
		c := c
		bs := []badInput{arity("Cumsum", 1)}
		if c.badX != nil {
			bs = append(bs, bad(s(c.badX), "ops: Cumsum:", fmt.Sprintf("dim %d out of range", c.dim)))
		}
		es = append(es, e{name: "Cumsum", config: fmt.Sprintf("dim%d,reverse=%v,%s", c.dim, c.reverse, shapeName(c.x)),
			new:    func() op { return &ops.Cumsum[T]{Dim: c.dim, Reverse: c.reverse} },
			inputs: normal(c.x), keeps: none, bad: bs})
	}
	// Loss functions (ops/loss.go): the element-wise losses, with their
	// constants (weight, pos_weight, ignore_index, beta).
	ct := func(data []float64, shape ...int) *tensor.Tensor[T] {
		return convert[T](tensor.FromSlice(data, shape...))
	}
	probs := func(shapes ...[]int) func(*rand.Rand) []t64 {
		return gen(func(r *rand.Rand, sh ...int) t64 { return randPos(r, 0.1, 0.9, sh...) }, shapes...)
	}
	// awayFromKinks keeps |d| at least 0.1 from beta, where SmoothL1's
	// second derivative jumps.
	awayFromKinks := func(beta float64, shapes ...[]int) func(*rand.Rand) []t64 {
		return gen(func(r *rand.Rand, sh ...int) t64 {
			x := randn(r, sh...)
			for i, v := range x.Data() {
				if a := math.Abs(v); math.Abs(a-beta) < 0.1 {
					x.Data()[i] = math.Copysign(a+0.2, v)
				}
			}
			return x
		}, shapes...)
	}
	lossBad := func(name string) []badInput {
		return []badInput{bad(s([]int{2, 3}, []int{3, 2}), "ops: "+name+":", "does not match"), arity(name, 2)}
	}
	es = append(es,
		e{name: "BCEWithLogits", config: "2x3", new: func() op { return &ops.BCEWithLogits[T]{} }, inputs: then(normal([]int{2, 3}), probs([]int{2, 3})), keeps: keeps{in: []int{0, 1}}, bad: lossBad("BCEWithLogits")},
		e{name: "BCEWithLogits", config: "weight,pos_weight", new: func() op {
			return &ops.BCEWithLogits[T]{Weight: ct([]float64{0.5, 2}, 2, 1), PosWeight: ct([]float64{3, 0.25, 1.5}, 3)}
		}, inputs: then(normal([]int{2, 3}), probs([]int{2, 3})), keeps: keeps{in: []int{0, 1}},
			bad: append(lossBad("BCEWithLogits"), bad(s([]int{2, 2}, []int{2, 2}), "ops: BCEWithLogits:", "pos_weight", "[3]", "does not broadcast"))},
		e{name: "BCEWithLogits", config: "pos_weight,1", new: func() op { return &ops.BCEWithLogits[T]{PosWeight: ct([]float64{2}, 1)} },
			inputs: then(normal([]int{1}), probs([]int{1})), keeps: keeps{in: []int{0, 1}}, bad: lossBad("BCEWithLogits")},
		e{name: "BCELoss", config: "2x3", new: func() op { return &ops.BCELoss[T]{} }, inputs: probs([]int{2, 3}, []int{2, 3}), keeps: keeps{in: []int{0, 1}}, bad: lossBad("BCELoss")},
		e{name: "BCELoss", config: "weight", new: func() op { return &ops.BCELoss[T]{Weight: ct([]float64{0.5, 2, 1.5}, 3)} },
			inputs: probs([]int{4, 3}, []int{4, 3}), keeps: keeps{in: []int{0, 1}},
			bad: append(lossBad("BCELoss"), bad(s([]int{2, 2}, []int{2, 2}), "ops: BCELoss:", "weight", "does not broadcast"))},
		e{name: "SmoothL1", config: "beta1", new: func() op { return &ops.SmoothL1[T]{Beta: 1} }, inputs: awayFromKinks(1, []int{2, 3}), keeps: keeps{in: []int{0}}, bad: []badInput{arity("SmoothL1", 1)}},
		e{name: "SmoothL1", config: "beta0.5", new: func() op { return &ops.SmoothL1[T]{Beta: 0.5} }, inputs: awayFromKinks(0.5, []int{4}), keeps: keeps{in: []int{0}},
			bad: []badInput{arity("SmoothL1", 1)}},
		e{name: "SmoothL1", config: "beta0", new: func() op { return &ops.SmoothL1[T]{} }, inputs: awayFromZero([]int{3, 2}), keeps: keeps{in: []int{0}}, bad: []badInput{arity("SmoothL1", 1)}},
		e{name: "SmoothL1", config: "beta2,0-d", new: func() op { return &ops.SmoothL1[T]{Beta: 2} }, inputs: awayFromKinks(2, []int{}), keeps: keeps{in: []int{0}},
			bad: []badInput{arity("SmoothL1", 1)}},
		e{name: "XLogX", config: "2x3", new: func() op { return &ops.XLogX[T]{} }, inputs: positive([]int{2, 3}), keeps: keeps{in: []int{0}}, bad: []badInput{arity("XLogX", 1)}},
	)
	nllBad := func(n int) []badInput {
		return []badInput{
			bad(s([]int{4}), "ops: NLLLoss"),
			bad(s([]int{n + 1, 3}), "ops: NLLLoss:", fmt.Sprintf("%d targets for %d elements", n, n+1)),
			arity("NLLLoss", 1),
		}
	}
	for _, c := range []struct {
		cfg    string
		x      []int
		target []int
		weight []float64
		ignore int
	}{
		{"3x4", []int{3, 4}, []int{2, 0, 3}, nil, -100},
		{"weight,ignore", []int{4, 3}, []int{2, -100, 0, 2}, []float64{0.5, 2, 1.5}, -100},
		{"ignore1,2x3x2x2", []int{2, 3, 2, 2}, []int{0, 1, 2, 1, 1, 0, 2, 2}, []float64{1, 0, 3}, 1},
		{"1x2", []int{1, 2}, []int{1}, nil, -100},
	} {
		c := c
		es = append(es, e{name: "NLLLoss", config: c.cfg,
			new: func() op {
				o := &ops.NLLLoss[T]{Target: c.target, IgnoreIndex: c.ignore}
				if c.weight != nil {
					o.Weight = ct(c.weight, len(c.weight))
				}
				return o
			},
			inputs: normal(c.x), keeps: keeps{extra: func([][]int, []int) int { return intBytes(len(c.target)) }},
			bad: nllBad(len(c.target))})
	}
	// The plumbing ops of issue 18: Concat, Slice and its adjoint
	// SliceBackward, Pad and its adjoint PadBackward.
	concatBad := func(more ...badInput) []badInput {
		return append([]badInput{
			bad(s([]int{2, 3, 4}, []int{3}), "ops: Concat:", "dimensions"),
			bad(s([]int{}, []int{2}), "ops: Concat:", "0-d"),
			{shapes: nil, want: []string{"ops: Concat needs at least one input"}},
		}, more...)
	}
	for _, c := range []struct {
		cfg    string
		axis   int
		shapes [][]int
		more   []badInput
	}{
		{"axis1,3-inputs", 1, s([]int{2, 1, 3}, []int{2, 2, 3}, []int{2, 3, 3}),
			[]badInput{bad(s([]int{2, 1, 3}, []int{2, 1, 4}), "ops: Concat:", "size 4 on axis 2", "sizes must match except on axis 1")}},
		{"axis-1", -1, s([]int{2, 3}, []int{2, 2}),
			[]badInput{bad(s([]int{2, 3}, []int{3, 3}), "ops: Concat:", "size 3 on axis 0")}},
		{"axis0,1-d", 0, s([]int{3}, []int{1}), nil},
		{"one-input", 2, s([]int{1, 2, 3}),
			[]badInput{bad(s([]int{2, 3}), "ops: Concat:", "axis 2 out of range")}},
		{"size-0-on-axis", 0, s([]int{0, 2}, []int{3, 2}, []int{0, 2}), nil},
		{"legacy-empty", 1, s([]int{0}, []int{2, 3}, []int{2, 1}), nil},
	} {
		c := c
		es = append(es, e{name: "Concat", config: c.cfg, new: func() op { return &ops.Concat[T]{Axis: c.axis} },
			inputs: normal(c.shapes...), keeps: none, bad: concatBad(c.more...)})
	}
	for _, c := range []struct {
		cfg    string
		ranges []ops.Range
		x      []int
		bad    []badInput
	}{
		{"1:3,::2", []ops.Range{{1, 3, 1}, {0, ops.End, 2}}, []int{4, 5},
			[]badInput{bad(s([]int{4}), "ops: Slice:", "too many indices")}},
		{"-2:", []ops.Range{{-2, ops.End, 1}}, []int{3, 4}, []badInput{bad(s([]int{}), "ops: Slice:", "too many indices")}},
		{"clamped,:,1::3", []ops.Range{{-10, 10, 1}, {0, ops.End, 1}, {1, ops.End, 3}}, []int{2, 3, 7},
			[]badInput{bad(s([]int{2, 3}), "ops: Slice:", "3 ranges")}},
		{"empty", []ops.Range{{2, 1, 1}}, []int{3, 2}, []badInput{bad(s([]int{}), "ops: Slice:")}},
		{"0-d", nil, []int{}, nil},
	} {
		c := c
		bs := append(c.bad, arity("Slice", 1))
		es = append(es, e{name: "Slice", config: c.cfg, new: func() op { return &ops.Slice[T]{Ranges: c.ranges} },
			inputs: normal(c.x), keeps: none, bad: bs})
		y := forward[float64](&ops.Slice[float64]{Ranges: c.ranges}, tensor.New[float64](c.x...)).Shape()
		wrong := append(slices.Clone(y), 1)
		es = append(es, e{name: "SliceBackward", config: c.cfg,
			new:    func() op { return &ops.SliceBackward[T]{Ranges: c.ranges, Shape: c.x} },
			inputs: normal(y), keeps: none,
			bad: []badInput{bad(s(wrong), "ops: SliceBackward:", fmt.Sprint(c.x)), arity("SliceBackward", 1)}})
	}
	for _, c := range []struct {
		cfg   string
		pads  []int
		mode  ops.PadMode
		value float64
		x     []int
		bad   []badInput
	}{
		{"constant,1x2,value0.5", []int{1, 2}, ops.PadConstant, 0.5, []int{2, 3},
			[]badInput{bad(s([]int{}), "ops: Pad:", "at most 2 per axis")}},
		{"constant,crop", []int{1, -2, -1, 2}, ops.PadConstant, -1, []int{3, 4},
			[]badInput{bad(s([]int{3, 0}), "ops: Pad:", "negative size")}},
		{"reflect,2-axes", []int{2, 1, 1, 1}, ops.PadReflect, 0, []int{1, 3, 4},
			[]badInput{bad(s([]int{1, 3, 2}), "ops: Pad:", "reflect", "less than its size 2")}},
		{"reflect,3-axes,crop", []int{1, -1, 1, 0, 0, 1}, ops.PadReflect, 0, []int{2, 3, 2},
			[]badInput{bad(s([]int{2, 1, 2}), "ops: Pad:", "less than its size 1")}},
		{"replicate,2-axes", []int{2, 0, 0, 3}, ops.PadReplicate, 0, []int{2, 2, 3},
			[]badInput{bad(s([]int{2, 0, 3}), "ops: Pad:", "replicate the empty axis 1")}},
		{"replicate,crop", []int{-1, 2}, ops.PadReplicate, 0, []int{4},
			[]badInput{bad(s([]int{0}), "ops: Pad:")}},
	} {
		c := c
		es = append(es, e{name: "Pad", config: c.cfg,
			new:    func() op { return &ops.Pad[T]{Pads: c.pads, Mode: c.mode, Value: T(c.value)} },
			inputs: normal(c.x), keeps: none, bad: append(c.bad, arity("Pad", 1))})
		y := forward[float64](&ops.Pad[float64]{Pads: c.pads, Mode: c.mode}, tensor.New[float64](c.x...)).Shape()
		wrong := slices.Clone(y)
		wrong[len(wrong)-1]++
		es = append(es, e{name: "PadBackward", config: c.cfg,
			new:    func() op { return &ops.PadBackward[T]{Pads: c.pads, Mode: c.mode, Shape: c.x} },
			inputs: normal(y), keeps: none,
			bad: []badInput{bad(s(wrong), "ops: PadBackward:", c.mode.String()), arity("PadBackward", 1)}})
	}
	// Embedding (issue 19, ops/embedding.go): a lookup of weight rows, with
	// padding_idx and scale_grad_by_freq; its backward is linear in dy.
	pad := func(i int) *int { return &i }
	for _, c := range []struct {
		cfg        string
		index, ish []int
		padding    *int
		freq       bool
		w          []int
		bad        []badInput
	}{
		{"2-d-index,repeated", []int{1, 3, 1, 0, 3, 3}, []int{2, 3}, nil, false, []int{4, 2}, []badInput{
			bad(s([]int{3, 2}), "ops: Embedding:", "index 3 (position 1) is out of range for 3 embeddings"),
			bad(s([]int{4}), "ops: Embedding:", "want a 2-d")}},
		{"padding_idx,repeated", []int{2, 0, 2, 1}, []int{4}, pad(2), false, []int{3, 3}, []badInput{
			bad(s([]int{2, 3}), "ops: Embedding:", "index 2 (position 0) is out of range for 2 embeddings")}},
		{"scale_grad_by_freq,padding_idx", []int{0, 1, 1, 3, 1, 0}, []int{3, 1, 2}, pad(3), true, []int{4, 2}, nil},
		{"0-d-index", []int{1}, []int{}, nil, true, []int{2, 3}, nil},
		{"empty-index", []int{}, []int{0, 2}, pad(0), false, []int{2, 3}, nil},
	} {
		c := c
		es = append(es, e{name: "Embedding", config: c.cfg,
			new: func() op {
				return &ops.Embedding[T]{Index: c.index, IndexShape: c.ish, PaddingIdx: c.padding, ScaleGradByFreq: c.freq}
			},
			inputs: normal(c.w), keeps: keeps{extra: idxBytes(len(c.index))},
			bad:       append(c.bad, arity("Embedding", 1)),
			surrogate: c.padding != nil || c.freq})
	}

	// Issue 19, resizing: adaptive average and max pooling (ops/adaptivepool.go)
	// and AdaptiveAvgPool2dBackward, from smaller, equal and larger planes, with
	// overlapping bins and None (0) sizes.
	for _, c := range []struct {
		cfg  string
		x    []int
		size [2]int
	}{
		{"6x8to3x4", []int{2, 1, 6, 8}, [2]int{3, 4}},
		{"5x7to3x4,overlap", []int{1, 2, 5, 7}, [2]int{3, 4}},
		{"3x2to5x4,larger", []int{1, 2, 3, 2}, [2]int{5, 4}},
		{"4x5to1x1", []int{2, 2, 4, 5}, [2]int{1, 1}},
		{"4x6toNonex4", []int{1, 1, 4, 6}, [2]int{0, 4}},
	} {
		c := c
		out := []int{c.x[0], c.x[1], c.size[0], c.size[1]}
		if out[2] == 0 {
			out[2] = c.x[2]
		}
		if out[3] == 0 {
			out[3] = c.x[3]
		}
		adaptiveBad := func(name string) []badInput {
			return []badInput{bad(s(c.x[2:]), "ops: "+name, "3-d input C×H×W or a 4-d"), arity(name, 1)}
		}
		es = append(es,
			e{name: "AdaptiveAvgPool2d", config: c.cfg,
				new:    func() op { return &ops.AdaptiveAvgPool2d[T]{OutputSize: c.size} },
				inputs: normal(c.x), keeps: none, bad: adaptiveBad("AdaptiveAvgPool2d")},
			e{name: "AdaptiveMaxPool2d", config: c.cfg,
				new:    func() op { return &ops.AdaptiveMaxPool2d[T]{OutputSize: c.size} },
				inputs: distinct(c.x), keeps: keeps{extra: idx32}, bad: adaptiveBad("AdaptiveMaxPool2d")},
			e{name: "AdaptiveAvgPool2dBackward", config: c.cfg,
				new:    func() op { return &ops.AdaptiveAvgPool2dBackward[T]{InputSize: [2]int{c.x[2], c.x[3]}} },
				inputs: normal(out), keeps: none, bad: adaptiveBad("AdaptiveAvgPool2dBackward")})
	}
	// Interpolate and its adjoint InterpolateBackward (ops/upsample.go):
	// nearest and bilinear, by size and by scale factor, growing and
	// shrinking.
	for _, c := range []struct {
		cfg   string
		x     []int
		size  [2]int
		scale [2]float64
		mode  ops.InterpMode
		align bool
	}{
		{"nearest,size5x7", []int{2, 1, 3, 4}, [2]int{5, 7}, [2]float64{}, ops.InterpNearest, false},
		{"nearest,scale2.1x0.6", []int{1, 2, 3, 5}, [2]int{}, [2]float64{2.1, 0.6}, ops.InterpNearest, false},
		{"bilinear,size5x3", []int{1, 2, 3, 4}, [2]int{5, 3}, [2]float64{}, ops.InterpBilinear, false},
		{"bilinear,scale1.7x2", []int{2, 1, 3, 2}, [2]int{}, [2]float64{1.7, 2}, ops.InterpBilinear, false},
		{"bilinear,align,size4x1", []int{1, 1, 3, 3}, [2]int{4, 1}, [2]float64{}, ops.InterpBilinear, true},
		{"bilinear,align,scale0.6x2.5", []int{1, 2, 5, 2}, [2]int{}, [2]float64{0.6, 2.5}, ops.InterpBilinear, true},
	} {
		c := c
		y := forward[float64](&ops.Interpolate[float64]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align},
			tensor.New[float64](c.x...)).Shape()
		wrong := slices.Clone(y)
		wrong[2]++
		es = append(es,
			e{name: "Interpolate", config: c.cfg,
				new: func() op {
					return &ops.Interpolate[T]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align}
				},
				inputs: normal(c.x), keeps: none,
				bad: []badInput{bad(s(c.x[2:]), "ops: Interpolate:", "3-d (N×C×L) or 4-d"), arity("Interpolate", 1)}},
			e{name: "InterpolateBackward", config: c.cfg,
				new: func() op {
					return &ops.InterpolateBackward[T]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align,
						InputSize: [2]int{c.x[2], c.x[3]}}
				},
				inputs: normal(y), keeps: none,
				bad: []badInput{bad(s(wrong), "ops: InterpolateBackward:", "the input must be N×C×"),
					bad(s(y[2:]), "ops: InterpolateBackward:", "3-d (N×C×L) or 4-d"), arity("InterpolateBackward", 1)}})
	}

	// LayerNorm and RMSNorm (issue 19): without the affine map, with γ
	// alone (bias=False), with γ and β; one or two normalized axes.
	for _, c := range []struct {
		x, norm []int
		n       int // inputs
	}{{[]int{3, 4}, []int{4}, 3}, {[]int{2, 3, 2, 3}, []int{2, 3}, 3}, {[]int{2, 3, 4}, []int{4}, 2},
		{[]int{3, 5}, []int{5}, 1}, {[]int{2, 1}, []int{2, 1}, 3}} {
		c := c
		rows := func(in [][]int) int { return size(in[0]) / size(c.norm) }
		for _, name := range []string{"LayerNorm", "RMSNorm"} {
			n := c.n
			if name == "RMSNorm" && n == 3 {
				n = 2
			}
			in := normal(c.x)
			// x, γ, and μ (LayerNorm) and r per row in float64.
			stats := 16
			if name == "RMSNorm" {
				stats = 8
			}
			k := keeps{in: []int{0}, extra: func(in [][]int, _ []int) int { return stats * rows(in) }}
			switch n {
			case 2:
				in = then(normal(c.x), positive(c.norm))
				k.in = []int{0, 1}
			case 3:
				in = then(normal(c.x), positive(c.norm), normal(c.norm))
				k.in = []int{0, 1}
			}
			wrongX := append([]int{2}, c.norm[len(c.norm)-1]+1)
			bs := []badInput{bad(s(wrongX), "ops: "+name+":", fmt.Sprint(c.norm))}
			if n > 1 {
				wrongP := append(slices.Clone(c.norm), 1)
				bs = append(bs, bad(s(c.x, wrongP)[:2], "ops: "+name+":", "γ", fmt.Sprint(c.norm)))
			}
			max := 3
			if name == "RMSNorm" {
				max = 2
			}
			more := make([][]int, max+1)
			for i := range more {
				more[i] = c.norm
			}
			more[0] = c.x
			bs = append(bs, badInput{shapes: more, want: []string{"ops: " + name + " takes", fmt.Sprintf("got %d inputs", max+1)}})
			var mk func() op
			if name == "LayerNorm" {
				mk = func() op { return &ops.LayerNorm[T]{Shape: c.norm, Eps: 1e-5} }
			} else {
				mk = func() op { return &ops.RMSNorm[T]{Shape: c.norm, Eps: 1e-6} }
			}
			es = append(es, e{name: name, config: fmt.Sprintf("%s,norm=%v,inputs=%d", shapeName(c.x), c.norm, n),
				new: mk, inputs: in, keeps: k, bad: bs, tol32: 1e-4})
		}
	}

	// GroupNorm (issue 19): with γ and β and without, groups from 1 to C
	// (instance norm).
	for _, c := range []struct {
		x      []int
		groups int
		affine bool
	}{{[]int{2, 4, 3}, 2, true}, {[]int{2, 6, 2, 2}, 3, true}, {[]int{3, 4}, 1, true}, {[]int{2, 3, 2, 2}, 3, false}, {[]int{2, 4, 5}, 2, false}} {
		c := c
		in := normal(c.x)
		blocks := c.x[0] * c.groups
		// x, γ, and μ and 1/σ per block in float64.
		k := keeps{in: []int{0}, extra: func([][]int, []int) int { return 16 * blocks }}
		gnBad := []badInput{bad(s([]int{4}), "ops: GroupNorm needs"),
			bad(s(append([]int{2, c.x[1] + 1}, c.x[2:]...)), "ops: GroupNorm:", "not divisible into"),
			{shapes: s(c.x, []int{c.x[1]}), want: []string{"ops: GroupNorm takes 1 input (x) or 3 (x, γ, β), got 2"}}}
		if c.affine {
			in = then(normal(c.x), positive([]int{c.x[1]}), normal([]int{c.x[1]}))
			k.in = []int{0, 1}
			gnBad[0].shapes = s([]int{4}, []int{4}, []int{4})
			gnBad[1].shapes = s(append([]int{2, c.x[1] + 1}, c.x[2:]...), []int{c.x[1] + 1}, []int{c.x[1] + 1})
			gnBad = append(gnBad, bad(s(c.x, []int{c.x[1] + 2}, []int{c.x[1]}), "ops: GroupNorm:"))
		}
		if c.groups == 1 {
			gnBad = slices.Delete(gnBad, 1, 2) // one group divides any C
		}
		es = append(es, e{name: "GroupNorm", config: fmt.Sprintf("%s,groups=%d,affine=%v", shapeName(c.x), c.groups, c.affine),
			new:    func() op { return &ops.GroupNorm[T]{Groups: c.groups, Eps: 1e-5} },
			inputs: in, keeps: k, bad: gnBad, tol32: 1e-4})
	}

	// Unbatched inputs and 1-d interpolation (issue 19, task "unbatched"):
	// the adaptive pooling ops on C×H×W inputs, and Interpolate and
	// InterpolateBackward on N×C×L inputs, nearest and linear (with and
	// without align_corners), by size and by scale factor, growing and
	// shrinking, and the mode that does not fit the rank refused.
	for _, c := range []struct {
		cfg  string
		x    []int
		size [2]int
	}{
		{"unbatched,5x7to3x4", []int{2, 5, 7}, [2]int{3, 4}},
		{"unbatched,3x2to5xNone", []int{3, 3, 2}, [2]int{5, 0}},
	} {
		c := c
		out := []int{c.x[0], c.size[0], c.size[1]}
		if out[2] == 0 {
			out[2] = c.x[2]
		}
		unbatchedBad := func(name string) []badInput {
			return []badInput{bad(s(c.x[1:]), "ops: "+name, "3-d input C×H×W or a 4-d"),
				bad(s(append([]int{1, 1}, c.x...)), "ops: "+name, "got shape [1 1 "), arity(name, 1)}
		}
		es = append(es,
			e{name: "AdaptiveAvgPool2d", config: c.cfg,
				new:    func() op { return &ops.AdaptiveAvgPool2d[T]{OutputSize: c.size} },
				inputs: normal(c.x), keeps: none, bad: unbatchedBad("AdaptiveAvgPool2d")},
			e{name: "AdaptiveMaxPool2d", config: c.cfg,
				new:    func() op { return &ops.AdaptiveMaxPool2d[T]{OutputSize: c.size} },
				inputs: distinct(c.x), keeps: keeps{extra: idx32}, bad: unbatchedBad("AdaptiveMaxPool2d")},
			e{name: "AdaptiveAvgPool2dBackward", config: c.cfg,
				new:    func() op { return &ops.AdaptiveAvgPool2dBackward[T]{InputSize: [2]int{c.x[1], c.x[2]}} },
				inputs: normal(out), keeps: none, bad: unbatchedBad("AdaptiveAvgPool2dBackward")})
	}
	for _, c := range []struct {
		cfg   string
		x     []int
		size  [2]int
		scale [2]float64
		mode  ops.InterpMode
		align bool
	}{
		{"1d,nearest,size7", []int{2, 1, 4}, [2]int{7, 0}, [2]float64{}, ops.InterpNearest, false},
		{"1d,nearest,scale0.6", []int{1, 2, 7}, [2]int{}, [2]float64{0.6, 0}, ops.InterpNearest, false},
		{"1d,linear,size5", []int{1, 2, 3}, [2]int{5, 5}, [2]float64{}, ops.InterpLinear, false},
		{"1d,linear,scale1.7", []int{2, 1, 4}, [2]int{}, [2]float64{1.7, 1.7}, ops.InterpLinear, false},
		{"1d,linear,align,size4", []int{1, 2, 6}, [2]int{4, 0}, [2]float64{}, ops.InterpLinear, true},
		{"1d,linear,align,scale2.5", []int{1, 1, 3}, [2]int{}, [2]float64{2.5, 0}, ops.InterpLinear, true},
	} {
		c := c
		y := forward[float64](&ops.Interpolate[float64]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align},
			tensor.New[float64](c.x...)).Shape()
		wrong := slices.Clone(y)
		wrong[2]++
		interpBad := []badInput{bad(s(c.x[1:]), "ops: Interpolate:", "3-d (N×C×L) or 4-d"), arity("Interpolate", 1)}
		backBad := []badInput{bad(s(wrong), "ops: InterpolateBackward:", "the input must be N×C×"+fmt.Sprint(y[2])+","),
			bad(s(y[1:]), "ops: InterpolateBackward:", "3-d (N×C×L) or 4-d"), arity("InterpolateBackward", 1)}
		if c.mode == ops.InterpLinear {
			four := append([]int{1}, c.x...)
			interpBad = append(interpBad, bad(s(four), "ops: Interpolate:", "mode linear needs a 3-d input"))
			backBad = append(backBad, bad(s(append([]int{1}, y...)), "ops: InterpolateBackward:", "mode linear needs a 3-d input"))
		}
		es = append(es,
			e{name: "Interpolate", config: c.cfg,
				new: func() op {
					return &ops.Interpolate[T]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align}
				},
				inputs: normal(c.x), keeps: none, bad: interpBad},
			e{name: "InterpolateBackward", config: c.cfg,
				new: func() op {
					return &ops.InterpolateBackward[T]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align,
						InputSize: [2]int{c.x[2], 0}}
				},
				inputs: normal(y), keeps: none, bad: backBad})
	}
	// ChannelAffine (issue 21: batch norm in evaluation mode in one pass):
	// N×C, and N×C×… with runs shorter and longer than 16 values.
	for _, x := range [][]int{{4, 3}, {2, 3, 2, 2}, {2, 2, 17}} {
		c := []int{x[1]}
		es = append(es, e{name: "ChannelAffine", config: shapeName(x),
			new:    func() op { return &ops.ChannelAffine[T]{} },
			inputs: normal(x, c, c), keeps: keeps{in: []int{0, 1}},
			bad: []badInput{
				bad(s([]int{4}, []int{4}, []int{4}), "ops: ChannelAffine needs an input of shape N×C"),
				bad(s(x, []int{x[1] + 1}, c), "ops: ChannelAffine: scale of shape", "do not match input"),
				bad(s(x, c, []int{1, x[1]}), "ops: ChannelAffine: scale of shape", "shift of shape [1"),
				{shapes: s(x, c), want: []string{"ops: ChannelAffine takes 3 input(s), got 2"}},
			}})
	}
	// recurrent cells (issue 20, ops/lstm.go and gru.go): LSTMCell on
	// gates N×4H and a state N×H, GRUCell on input and hidden gates N×3H
	// and a state N×H; batch 1, hidden size 1, and larger.
	for _, nh := range [][2]int{{3, 2}, {1, 1}, {2, 5}} {
		n, h := nh[0], nh[1]
		es = append(es, e{name: "LSTMCell", config: fmt.Sprintf("N=%d,H=%d", n, h),
			new:    func() op { return &ops.LSTMCell[T]{} },
			inputs: normal([]int{n, 4 * h}, []int{n, h}),
			keeps:  keeps{in: []int{1}, elems: func(in [][]int) int { return 5 * size(in[1]) }},
			bad: []badInput{
				bad(s([]int{n, 4*h + 1}, []int{n, h}), "ops: LSTMCell: gates of shape"),
				bad(s([]int{n + 1, 4 * h}, []int{n, h}), "ops: LSTMCell: gates of shape"),
				bad(s([]int{4 * h}, []int{h}), "ops: LSTMCell: gates of shape"),
				bad(s([]int{n, 0}, []int{n, 0}), "ops: LSTMCell:", "H ≥ 1"),
				arity("LSTMCell", 2),
			}},
			e{name: "GRUCell", config: fmt.Sprintf("N=%d,H=%d", n, h),
				new:    func() op { return &ops.GRUCell[T]{} },
				inputs: normal([]int{n, 3 * h}, []int{n, 3 * h}, []int{n, h}),
				keeps:  keeps{in: []int{2}, elems: func(in [][]int) int { return 4 * size(in[2]) }},
				bad: []badInput{
					bad(s([]int{n, 3 * h}, []int{n, 3*h + 3}, []int{n, h}), "ops: GRUCell: input gates of shape"),
					bad(s([]int{n, 3 * h}, []int{n, 3 * h}, []int{n + 1, h}), "ops: GRUCell: input gates of shape"),
					bad(s([]int{n, 3 * h}, []int{n, 3 * h}, []int{n, h + 1}), "ops: GRUCell: input gates of shape"),
					bad(s([]int{3 * h}, []int{3 * h}, []int{h}), "ops: GRUCell: input gates of shape"),
					arity("GRUCell", 3),
				}})
	}
	// attention (issue 20): ScaledDotProductAttention without a mask, with
	// a full additive mask and broadcast ones (L×S, key padding N×1×1×S),
	// causal with L = S, L < S and L > S, a scale, an unbatched 2-d input,
	// and dropout with a seeded source.
	es = append(es, attentionEntries[T]()...)
	// PackedAttention, attention on the packed projections of
	// MultiheadAttention's self-attention.
	es = append(es, packedAttentionEntries[T]()...)
	return es
}

// reducedShape is shape with axes (all when empty) kept with size 1.
func reducedShape(shape, axes []int) []int {
	out := slices.Clone(shape)
	if len(axes) == 0 {
		for i := range out {
			out[i] = 1
		}
		return out
	}
	for _, a := range axes {
		out[(a+len(shape))%len(shape)] = 1
	}
	return out
}

// entryName names an entry's subtest.
func entryName[T tensor.Float](e opEntry[T]) string { return e.name + "/" + e.config }

// entryInputs draws an entry's inputs from a generator seeded by its index.
func entryInputs[T tensor.Float](i int, e opEntry[T]) []t64 { return e.inputs(rng(uint64(1000 + i))) }

// convert converts a float64 tensor to T.
func convert[T tensor.Float](x t64) *tensor.Tensor[T] {
	y := tensor.New[T](x.Shape()...)
	for i, v := range x.Data() {
		y.Data()[i] = T(v)
	}
	return y
}

// run records a fresh op of e on tape with every input requiring a
// gradient, seeds the output with seed (drawn from r when nil) and returns
// copies of the output and of the inputs' gradients.
func run[T tensor.Float](t *testing.T, tape *autograd.Tape[T], e opEntry[T], in []t64, seed t64) (out *tensor.Tensor[T], grads []*tensor.Tensor[T]) {
	t.Helper()
	vs := make([]*autograd.Var[T], len(in))
	for i, x := range in {
		vs[i] = tape.Param(convert[T](x))
	}
	y := autograd.Apply(e.new(), vs...)
	tape.BackwardWithGrad(y, convert[T](seed))
	out = y.Value().Clone()
	for i, v := range vs {
		if v.Grad() == nil {
			t.Fatalf("no gradient for input %d", i)
		}
		grads = append(grads, v.Grad().Clone())
	}
	return out, grads
}

// outputShape applies e's op to constant inputs and returns the shape of
// its output.
func outputShape[T tensor.Float](e opEntry[T], in []t64) []int {
	cs := make([]*tensor.Tensor[T], len(in))
	for i, x := range in {
		cs[i] = convert[T](x)
	}
	return forward(e.new(), cs...).Shape()
}

func TestOpTableGradCheck(t *testing.T) {
	for i, e := range opTable[float64]() {
		t.Run(entryName(e), func(t *testing.T) {
			if e.surrogate {
				t.Skip("the backward pass is not the gradient by design; pinned by a PyTorch reference test")
			}
			if err := gradtest.Check(func(x vars64) *autograd.Var[float64] { return autograd.Apply(e.new(), x...) }, entryInputs(i, e), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestOpTableGradGradCheck checks every entry's second-order gradients:
// its differentiable backward (BackwardVar) against finite differences of
// its first-order one, as PyTorch's gradgradcheck.
func TestOpTableGradGradCheck(t *testing.T) {
	for i, e := range opTable[float64]() {
		t.Run(entryName(e), func(t *testing.T) {
			if err := gradtest.GradGradCheck(func(x vars64) *autograd.Var[float64] { return autograd.Apply(e.new(), x...) }, entryInputs(i, e), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOpTableFloat32(t *testing.T) {
	t32 := opTable[float32]()
	for i, e := range opTable[float64]() {
		t.Run(entryName(e), func(t *testing.T) {
			in := entryInputs(i, e)
			// Inputs rounded to float32 first, so that both runs see the same values.
			for j, x := range in {
				in[j] = to64(to32(x))
			}
			seed := randn(rng(uint64(i)), outputShape(e, in)...)
			want, wantG := run(t, autograd.NewTape[float64](), e, in, seed)
			got, gotG := run(t, autograd.NewTape[float32](), t32[i], in, seed)
			tol := cmpTol(e.tol32)
			assertLike(t, "output", to64(got), want, tol)
			for j := range wantG {
				assertLike(t, fmt.Sprintf("gradient of input %d", j), to64(gotG[j]), wantG[j], tol)
			}
		})
	}
}

// cmpTol is an entry's float32 tolerance.
func cmpTol(tol float64) float64 {
	if tol == 0 {
		return tol32
	}
	return tol
}

func TestOpTableSavedBytes(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testSavedBytes[float64](t) })
	t.Run("float32", func(t *testing.T) { testSavedBytes[float32](t) })
}

func testSavedBytes[T tensor.Float](t *testing.T) {
	elem := int(tensor.New[T](1).Bytes())
	for i, e := range opTable[T]() {
		t.Run(entryName(e), func(t *testing.T) {
			in := entryInputs(i, e)
			shapes := make([][]int, len(in))
			want := 0
			for j, x := range in {
				shapes[j] = x.Shape()
				if slices.Contains(e.keeps.in, j) {
					want += elem * x.Size()
				}
			}
			tape := autograd.NewTape[T]()
			vs := make([]*autograd.Var[T], len(in))
			for j, x := range in {
				vs[j] = tape.Param(convert[T](x))
			}
			op := e.new()
			y := autograd.Apply(op, vs...)
			if e.keeps.out {
				want += elem * y.Value().Size()
			}
			if e.keeps.elems != nil {
				want += elem * e.keeps.elems(shapes)
			}
			extra := 0
			if e.keeps.extra != nil {
				extra = e.keeps.extra(shapes, y.Shape())
			}
			want += extra
			if got := tape.SavedBytes(); got != want {
				t.Errorf("tape.SavedBytes() = %d, want %d from the table", got, want)
			}
			listed := 0
			for _, k := range op.Saved() {
				if k != nil {
					listed += k.Bytes()
				}
			}
			if es, ok := op.(autograd.ExtraSaver); ok {
				listed += es.ExtraSavedBytes()
			} else if extra != 0 {
				t.Errorf("the table says %d extra bytes, but the op is no ExtraSaver", extra)
			}
			if listed != want {
				t.Errorf("Saved lists %d bytes (ExtraSaver included), want %d from the table", listed, want)
			}
		})
	}
}

func TestOpTableNoGrad(t *testing.T) {
	for i, e := range opTable[float64]() {
		t.Run(entryName(e), func(t *testing.T) {
			in := entryInputs(i, e)
			tape := autograd.NewTape[float64]()
			tape.ReuseBuffers(true)
			tape.SetGradEnabled(false)
			vs := make(vars64, len(in))
			for j, x := range in {
				vs[j] = tape.Param(x)
			}
			y := autograd.Apply(e.new(), vs...)
			if y.RequiresGrad() {
				t.Error("the output requires a gradient with recording off")
			}
			if n := tape.Len(); n != 0 {
				t.Errorf("tape.Len() = %d with recording off, want 0", n)
			}
			if b := tape.SavedBytes(); b != 0 {
				t.Errorf("tape.SavedBytes() = %d with recording off, want 0", b)
			}
			want := forward(e.new(), in...)
			assertLike(t, "output with recording off", y.Value(), want, 0)
		})
	}
}

func TestOpTableReuseBuffers(t *testing.T) {
	for i, e := range opTable[float64]() {
		t.Run(entryName(e), func(t *testing.T) {
			in := entryInputs(i, e)
			seed := randn(rng(uint64(i)), outputShape(e, in)...)
			want, wantG := run(t, autograd.NewTape[float64](), e, in, seed)
			tape := autograd.NewTape[float64]()
			tape.ReuseBuffers(true)
			for pass := range 3 {
				got, gotG := run(t, tape, e, in, seed)
				assertLike(t, fmt.Sprintf("pass %d: output", pass), got, want, 0)
				for j := range wantG {
					assertLike(t, fmt.Sprintf("pass %d: gradient of input %d", pass, j), gotG[j], wantG[j], 0)
				}
				tape.Reset()
			}
		})
	}
}

func TestOpTablePanics(t *testing.T) {
	for _, e := range opTable[float64]() {
		t.Run(entryName(e), func(t *testing.T) {
			if len(e.bad) == 0 {
				t.Fatal("the entry lists no bad inputs")
			}
			for _, b := range e.bad {
				in := make([]t64, len(b.shapes))
				for j, sh := range b.shapes {
					in[j] = tensor.Ones[float64](sh...)
				}
				want := append([]string{"ops: " + e.name}, b.want...)
				testutil.MustPanic(t, func() { forward(e.new(), in...) }, want...)
				// The message starts with the package and the op's name.
				if msg, _ := testutil.PanicMessage(func() { forward(e.new(), in...) }); !strings.HasPrefix(msg, "ops: "+e.name) {
					t.Errorf("inputs %v: panic %q does not start with %q", b.shapes, msg, "ops: "+e.name)
				}
			}
		})
	}
}

// TestOpTableCoversOps fails when an exported type of package ops that
// implements autograd.Op (it has methods Name, Forward, Backward and Saved)
// has no BackwardVar (autograd.DifferentiableOp) or no entry in the op table, when an entry's name is not its op's, or
// when an op's doc comment does not end with a paragraph saying when it
// panics.
func TestOpTableCoversOps(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	methods := make(map[string]map[string]bool)
	docs := make(map[string]string)
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		{
			for _, d := range f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE && len(gd.Specs) == 1 {
					docs[gd.Specs[0].(*ast.TypeSpec).Name.Name] = gd.Doc.Text()
				}
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
					continue
				}
				name := recvType(fd.Recv.List[0].Type)
				if name == "" || !ast.IsExported(name) {
					continue
				}
				if methods[name] == nil {
					methods[name] = make(map[string]bool)
				}
				methods[name][fd.Name.Name] = true
			}
		}
	}
	var opTypes []string
	for name, ms := range methods {
		if ms["Name"] && ms["Forward"] && ms["Backward"] && ms["Saved"] {
			opTypes = append(opTypes, name)
		}
	}
	sort.Strings(opTypes)
	if len(opTypes) < 30 {
		t.Fatalf("found only %d op types in package ops (%v): the parse is broken", len(opTypes), opTypes)
	}
	covered := make(map[string]int)
	for _, e := range opTable[float64]() {
		if got := e.new().Name(); got != e.name {
			t.Errorf("entry %s makes an op named %q", entryName(e), got)
		}
		covered[e.name]++
	}
	for _, name := range opTypes {
		if !methods[name]["BackwardVar"] {
			t.Errorf("op %s has no BackwardVar: every op supports second-order gradients (autograd.DifferentiableOp)", name)
		}
		if covered[name] == 0 {
			t.Errorf("op %s has no entry in the op table (ops/optable_test.go)", name)
		}
	}
	// docs/architecture.md: each op's doc comment ends with when it panics.
	for _, name := range opTypes {
		paras := strings.Split(strings.TrimSpace(docs[name]), "\n\n")
		if last := paras[len(paras)-1]; !strings.Contains(last, "panics") {
			t.Errorf("the doc comment of %s does not end with when it panics: its last paragraph is %q", name, last)
		}
	}
	for name := range covered {
		if !slices.Contains(opTypes, name) {
			t.Errorf("the op table has entries for %s, which is not an op type of package ops", name)
		}
	}
}

// recvType returns the name of a method's receiver type: T in (x *T[U]).
func recvType(x ast.Expr) string {
	for {
		switch v := x.(type) {
		case *ast.StarExpr:
			x = v.X
		case *ast.IndexExpr:
			x = v.X
		case *ast.IndexListExpr:
			x = v.X
		case *ast.Ident:
			return v.Name
		default:
			return ""
		}
	}
}
