// Package autograd is tapegrad's reverse-mode automatic differentiation
// engine: a tape that records operations as they run and one generic backward
// pass that walks it.
//
// A Tape is an append-only list of nodes (a Wengert list). Each node holds an
// Op, the Vars it read and the Var it produced. Recording order is already a
// topological order, so Backward walks the list from the end and calls each
// op's hand-derived vector–Jacobian product; there is no graph search.
//
// A Var is a value on or off a tape:
//
//   - NewParam makes a leaf that wants a gradient and lives on no tape, such as
//     a model parameter shared by many training steps;
//   - NewConst makes a leaf that wants none;
//   - Tape.Input puts a value on a tape without a gradient (a batch of data),
//     and Tape.Param puts one there with a gradient;
//   - Apply runs an Op on Vars and returns its output.
//
// Apply records a node when at least one input requires a gradient: on the
// inputs' tape, or, when none lives on a tape (parameters combined only with
// each other), in the output itself, which is then pending and brings that
// history onto the first tape it meets. An op on inputs that require no
// gradient only computes, so inference needs no special mode. Mixing two
// tapes in one op panics.
//
// The engine does the bookkeeping every op would otherwise repeat: it checks
// the number and shapes of the gradients an op returns (panicking with the
// op's name), sums the gradient of a broadcast input back to that input's
// shape, and accumulates: the first gradient reaching a Var is taken as is,
// later ones are added, so a Var used twice gets both contributions. Leaf
// gradients add up across Backward calls until ZeroGrad, as in PyTorch.
//
// Tape.Grad is PyTorch's torch.autograd.grad: it returns the gradients of
// chosen outputs with respect to chosen inputs — leaves or intermediate
// Vars — and accumulates nothing into Grad. With GradOptions.CreateGraph the
// backward pass is itself recorded: each op's BackwardVar (an op that
// implements DifferentiableOp) computes its gradients by applying
// differentiable ops to Vars, so the gradients Grad returns are Vars of the
// tape that Grad or Backward can differentiate again, to any order — for
// gradient penalties, Hessian–vector products, Newton steps. Backward stays
// the fast first-order path and never calls BackwardVar. Package derivative
// builds Hessian–vector, Jacobian–vector and vector–Jacobian products,
// Jacobians and Hessians on Grad.
//
// Package gradtest checks any op's backward against central finite
// differences, and with GradGradCheck its second-order gradients.
package autograd
