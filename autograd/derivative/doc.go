// Package derivative computes the derivatives beyond a gradient —
// Hessian–vector, Jacobian–vector and vector–Jacobian products, whole
// Jacobians and Hessians — with autograd's Tape.Grad, as
// torch.autograd.functional does in PyTorch and jvp, vjp and hessian do in
// JAX. It needs no forward mode: every function is one or two reverse
// passes, the second one differentiating the recorded first (CreateGraph),
// so the ops on the way must have a differentiable backward
// (autograd.DifferentiableOp) wherever a second derivative is taken.
//
// Every function comes at two levels. On a function of tensors, like
// torch.autograd.functional, HVP, JVP, VJP, Jacobian and Hessian take f, a
// function of Vars that returns one Var, evaluate it on a fresh tape at the
// given tensors and return tensors:
//
//	loss, hv := derivative.HVP(f, xs, vs, nil)
//
// On a computation already recorded on a tape — a model whose parameters
// are leaves (NewParam) or Vars of the tape — HVPAt, JVPAt, VJPAt,
// JacobianAt and HessianAt take the tape, the output and the Vars to
// differentiate with respect to:
//
//	loss := model(tape, batch)
//	hv := derivative.HVPAt(tape, loss, params, vs, nil)
//
// HVPAt, JVPAt and VJPAt return Vars on the tape; with Options.CreateGraph
// they are recorded and can be differentiated again. The functions record
// their first pass on the tape, which grows until Reset. The Vars they
// return are stale after Reset, as are all the tape's Vars, and on a tape
// that reuses buffers their values are recycled then too; the tensors
// JacobianAt and HessianAt return are the caller's.
//
// For an output y of shape S and an input x of shape P, the Jacobian J =
// ∂y/∂x has shape S × P (S's axes, then P's), as in PyTorch; a Hessian
// block ∂²f/∂xᵢ∂xⱼ has shape Pᵢ × Pⱼ. Jacobian and Hessian take one pass
// per output element (per input element for the Hessian): they are for
// small problems and tests. For large ones, HVP and JVP give the products
// without forming the matrices.
//
// Options.Strict, PyTorch's strict, panics when an output does not depend
// on an input at all (nothing on the tape connects them) instead of
// returning zeros for its derivative; see Options for the exact cases.
package derivative
