package nn

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Module is a differentiable function with named state, as PyTorch's
// nn.Module.
type Module[T tensor.Float] interface {
	// Forward computes the module's output for x.
	Forward(x *autograd.Var[T]) *autograd.Var[T]
	// State lists the module's own parameters and buffers and its direct
	// submodules, each under its local name, in a stable order.
	State() State[T]
}

// State is what a module holds: its own parameters and buffers, and its
// direct submodules.
type State[T tensor.Float] struct {
	Params   []Param[T]
	Buffers  []Buffer[T]
	Children []Child[T]
}

// Param is a named parameter: a leaf Var that requires a gradient.
type Param[T tensor.Float] struct {
	Name string
	Var  *autograd.Var[T]
}

// Buffer is named state that is not trained by gradients, such as batch
// norm's running statistics. Int marks a buffer PyTorch stores as an int64
// (num_batches_tracked): it is held as T here and written to checkpoints as
// I64.
type Buffer[T tensor.Float] struct {
	Name  string
	Value *tensor.Tensor[T]
	Int   bool
}

// Child is a named submodule.
type Child[T tensor.Float] struct {
	Name   string
	Module Module[T]
}

// ModeSetter is implemented by modules that behave differently in training
// and in evaluation, such as Dropout and batch norm.
type ModeSetter interface {
	SetTraining(training bool)
}

// NamedParams returns every parameter of the module tree under its full
// dotted name (the key of PyTorch's state_dict), each module's own
// parameters before its children's, children in order.
func NamedParams[T tensor.Float](m Module[T]) []Param[T] {
	var out []Param[T]
	walk(m, "", func(prefix string, s State[T]) {
		for _, p := range s.Params {
			out = append(out, Param[T]{Name: prefix + p.Name, Var: p.Var})
		}
	})
	return out
}

// NamedBuffers returns every buffer of the module tree under its full dotted
// name, in the order of NamedParams.
func NamedBuffers[T tensor.Float](m Module[T]) []Buffer[T] {
	var out []Buffer[T]
	walk(m, "", func(prefix string, s State[T]) {
		for _, b := range s.Buffers {
			out = append(out, Buffer[T]{Name: prefix + b.Name, Value: b.Value, Int: b.Int})
		}
	})
	return out
}

// Params returns the parameters of the module tree, in the order of
// NamedParams: what an optimizer is given.
func Params[T tensor.Float](m Module[T]) []*autograd.Var[T] {
	named := NamedParams(m)
	out := make([]*autograd.Var[T], len(named))
	for i, p := range named {
		out[i] = p.Var
	}
	return out
}

// ZeroGrad forgets the gradients of every parameter of the module tree.
func ZeroGrad[T tensor.Float](m Module[T]) {
	for _, p := range NamedParams(m) {
		p.Var.ZeroGrad()
	}
}

// SetTraining puts every module of the tree that has modes into training
// (true) or evaluation (false) mode, as PyTorch's train() and eval().
func SetTraining[T tensor.Float](m Module[T], training bool) {
	walkModules(m, func(m Module[T]) {
		if s, ok := m.(ModeSetter); ok {
			s.SetTraining(training)
		}
	})
}

// walk calls f with the dotted prefix and State of every module in the tree,
// parents before children.
func walk[T tensor.Float](m Module[T], prefix string, f func(prefix string, s State[T])) {
	s := m.State()
	f(prefix, s)
	for _, c := range s.Children {
		walk(c.Module, prefix+c.Name+".", f)
	}
}

func walkModules[T tensor.Float](m Module[T], f func(Module[T])) {
	f(m)
	for _, c := range m.State().Children {
		walkModules(c.Module, f)
	}
}
