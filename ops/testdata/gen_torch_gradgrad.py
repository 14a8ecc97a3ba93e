"""Regenerate torch_gradgrad.json, the PyTorch reference numbers that
ops/reference_gradgrad_test.go pins the second-order gradients of every op
of package ops to (and of the composites functional.Softmax and
functional.CrossEntropy): the double backward that
torch.autograd.grad(..., create_graph=True) records.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_gradgrad.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_gradgrad.json next to this script. The output is deterministic: every
input xᵢ, output gradient g and direction vᵢ comes from a fixed torch seed
and is rounded to four decimals, so it reads back into Go as exactly the
same float64, and to the nearest float32 as torch's own float32 copy.
The Go tests never run Python; rerun this script only to change the cases.

Every case applies one torch function f to its inputs xᵢ and, with a random
output gradient g (of f's output shape) and random vᵢ (of each input's
shape), computes

    y = f(x)
    F = torch.autograd.grad(y, x, g, create_graph=True)     F(x, g) = J(x)ᵀ g
    ψ = Σᵢ ⟨vᵢ, Fᵢ⟩
    H = torch.autograd.grad(ψ, x + [g])                     ∂ψ/∂xᵢ and ∂ψ/∂g

with allow_unused and a zero where torch has no gradient (an F that does
not depend on x, an H of a linear op). It stores y, F and H, computed in
float64 and again in float32 (each dtype from the same rounded numbers).
Inputs other than the edges stay away from kinks and ties (values at
least 0.05 from 0 for ReLU-like functions, distinct values for max, min
and max pooling), so that central differences of the first-order
gradients, which the Go test also compares H with, are valid.

Some cases go further (see case's arguments): a third order, with random
directions wᵢ, ∂(Σᵢ ⟨wᵢ, Hᵢ⟩)/∂xₖ of the Hᵢ recorded with
create_graph=True; edges ("edge": ties, kinks, ±800, infinite or NaN
output gradients, which JSON writes as "inf", "-inf" and "nan"), which the
Go test compares with torch only, as central differences do not hold
there; exact cases ("exact": xᴾ at ±0, with g, vᵢ and wᵢ all ones, so
that F, H and the third order are the plain derivatives), compared value
for value, signs of zeros included, with which Fᵢ and Hᵢ torch leaves
constant; and the
positions ("nan_is_zero") where tapegrad deliberately gives 0 for torch's
NaN.

Each case names the tapegrad op ("op": its Name, or the composite
Softmax or CrossEntropy) and its settings ("params": the op's exported
fields by their Go names, PyTorch's defaults where missing), from which the
Go test builds it. Besides the ops a model calls, the cases cover the ops
that other ops' backward passes are made of, so that those differentiate
to any order: Scatter (Gather's adjoint), ConvTranspose2d and
Conv2dWeightGrad (Conv2d's input and weight gradients), MaxPool2dBackward
and MaxPool2dGather (max pooling's scatter at fixed argmax positions, and
its adjoint), AvgPool2dBackward (average pooling's adjoint). Their torch
counterparts are scatter, conv_transpose2d, Conv2d's weight gradient by its
definition (see conv2d_weight), aten's max_pool2d_with_indices_backward and
avg_pool2d_backward, and gather at the argmax.

One convolution is large enough that tapegrad's Conv2d takes Winograd
F(2×2, 3×3) (64 channels in and out, 128 tiles): its tensors are too large
to store, so its inputs are an integer pattern both sides compute exactly
(see pattern), and each result stores the values at 48 sampled positions
plus the sum and the sum of magnitudes of the whole tensor.
"""

import os

import torch
import torch.nn.functional as F

from torchref import avoid, away, distinct, flat, flat_result, positive, r4, randn, ties, write

torch.manual_seed(20261217)

SAMPLES = 48  # positions stored of each result of a sampled case


def pattern(shape, seed, div):
    """Values k/div for integers k in [−10000, 10000] from a multiplicative
    hash of the flat index i and seed, computed exactly with integers here
    and in the Go test:

        s = (i·2654435761 + seed·40503) mod 2³²
        k = (s >> 7) mod 20001 − 10000
    """
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, dtype=torch.int64)
    s = (i * 2654435761 + seed * 40503) % (2 ** 32)
    k = torch.div(s, 128, rounding_mode="floor") % 20001 - 10000
    return (k.to(torch.float64) / div).reshape(shape)


class T:
    """An input tensor of a case: rounded random values, or a pattern."""

    def __init__(self, value, pat=None):
        self.value = value
        self.pat = pat

    def json(self):
        if self.pat is not None:
            return dict(shape=list(self.value.shape), pattern=self.pat)
        return dict(shape=list(self.value.shape), data=flat(self.value))


def pat(shape, seed, div):
    return T(pattern(shape, seed, div), dict(seed=seed, div=div))


def result(t, dtype, at):
    """A result: every value, or (at not None) those at the positions at,
    with the sum and the sum of magnitudes of the whole."""
    if at is None:
        return dict(data=flat_result(t, dtype))
    f = t.detach().reshape(-1)
    return dict(data=flat_result(f[at], dtype),
                sum=float(f.to(torch.float64).sum()), abs_sum=float(f.to(torch.float64).abs().sum()))


def grads(out, wrt, create_graph=False):
    """torch.autograd.grad of the scalar out (a sum of products, or 0 when
    nothing in it requires a gradient) with respect to wrt, with zeros
    where out does not depend on one."""
    got = [None] * len(wrt)
    if torch.is_tensor(out) and out.requires_grad:
        got = torch.autograd.grad(out, wrt, allow_unused=True, create_graph=create_graph)
    return [torch.zeros_like(w) if h is None else h for w, h in zip(wrt, got)]


def second_order(fn, xs, g, vs, dtype, ws=None):
    """y, F, H and, with directions ws, the third order (see the
    docstring) in dtype, and whether each F and each H of the inputs
    requires a gradient (is not a constant) in torch."""
    x = [xi.to(dtype).requires_grad_() for xi in xs]
    gd = g.to(dtype).requires_grad_()
    y = fn(*x)
    first = torch.autograd.grad(y, x, gd, create_graph=True, allow_unused=True)
    first = [torch.zeros_like(xi) if fi is None else fi for xi, fi in zip(x, first)]
    psi = sum((v.to(dtype) * fi).sum() for v, fi in zip(vs, first) if fi.requires_grad)
    second = grads(psi, x + [gd], create_graph=ws is not None)
    graph = dict(first=[f.requires_grad for f in first], second=[h.requires_grad for h in second[:len(x)]])
    third = None
    if ws is not None:
        psi2 = sum((w.to(dtype) * h).sum() for w, h in zip(ws, second) if h.requires_grad)
        third = grads(psi2, x)
    return y, first, second, third, graph


def case(name, op, fn, inputs, params=None, sampled=False, g=None, third=False, edge=False, exact=False,
         nan_is_zero=None, ones=False):
    """One case: op is the tapegrad op (or composite) the Go test builds,
    params its settings, fn the torch function, inputs a list of T.

    g is the output gradient (random when None); ones makes g, every vᵢ
    and wᵢ all ones, so that F, H and the third order are the plain
    derivatives of an element-wise f; third adds directions wᵢ
    and the third order; edge marks inputs at kinks, ties or infinities,
    where central differences do not apply (the Go test then compares
    with PyTorch only); exact asks the Go test for every value exactly,
    signs of zeros and infinities included, and for torch's constants
    (an F or H that requires no gradient) to be constants in tapegrad;
    nan_is_zero(k, i) says where tapegrad deliberately gives 0 for a NaN of
    torch's Hₖ (element i): the case stores those positions of each Hₖ."""
    xs = [t.value for t in inputs]
    with torch.no_grad():
        y0 = fn(*[x.clone() for x in xs])
    if sampled:
        g = pat(tuple(y0.shape), 101, 10000)
        vs = [pat(tuple(x.shape), 201 + i, 10000) for i, x in enumerate(xs)]
    elif ones:
        g = T(torch.ones(y0.shape, dtype=torch.float64))
        vs = [T(torch.ones(x.shape, dtype=torch.float64)) for x in xs]
    else:
        g = T(randn(*y0.shape) if g is None else g)
        vs = [T(randn(*x.shape)) for x in xs]
    ws = None
    if third:
        ws = [T(torch.ones(x.shape, dtype=torch.float64) if ones else randn(*x.shape)) for x in xs]
    out = dict(name=name, op=op, params=params or {},
               inputs=[t.json() for t in inputs], g=g.json(), v=[v.json() for v in vs])
    if third:
        out["w"] = [w.json() for w in ws]
    for flag, key in ((edge, "edge"), (exact, "exact")):
        if flag:
            out[key] = True
    at_x = at_y = None
    if sampled:
        gen = torch.Generator().manual_seed(7)
        at_x = [sorted(torch.randperm(x.numel(), generator=gen)[:SAMPLES].tolist()) for x in xs]
        at_y = sorted(torch.randperm(y0.numel(), generator=gen)[:SAMPLES].tolist())
        out["at_inputs"] = at_x
        out["at_output"] = at_y
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        y, first, second, third_, graph = second_order(fn, xs, g.value, [v.value for v in vs], dtype,
                                                       [w.value for w in ws] if third else None)
        ax = at_x or [None] * len(xs)
        out[key] = dict(
            output=result(y, dtype, at_y),
            first=[result(f, dtype, a) for f, a in zip(first, ax)],
            second=[result(h, dtype, a) for h, a in zip(second, ax + [at_y])],
        )
        if third:
            out[key]["third"] = [result(h, dtype, a) for h, a in zip(third_, ax)]
        if exact:
            out[key]["graph"] = graph
        if nan_is_zero is not None and dtype == torch.float64:
            out["nan_is_zero"] = [[i for i, v in enumerate(h.detach().reshape(-1).tolist()) if v != v and nan_is_zero(k, i)]
                                  for k, h in enumerate(second)]
            assert any(out["nan_is_zero"]), name
    return out


def mm(ta, tb):
    def f(a, b):
        if ta and a.dim() >= 2:
            a = a.transpose(-1, -2)
        if tb and b.dim() >= 2:
            b = b.transpose(-1, -2)
        return torch.matmul(a, b)
    return f


def bn(*x):
    if len(x) == 3:
        return F.batch_norm(x[0], None, None, x[1], x[2], training=True, eps=1e-5)
    return F.batch_norm(x[0], None, None, training=True, eps=1e-5)


def conv(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    def f(x, w, b=None):
        return F.conv2d(x, w, b, stride, padding, dilation, groups)
    params = dict(Stride=list(stride), Padding=list(padding), Dilation=list(dilation), Groups=groups)
    return f, params


def maxpool(kernel, stride, padding=(0, 0), dilation=(1, 1), ceil=False):
    def f(x):
        return F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=ceil)
    params = dict(Kernel=list(kernel), Stride=list(stride), Padding=list(padding), Dilation=list(dilation), CeilMode=ceil)
    return f, params


def avgpool(kernel, stride, padding=(0, 0), ceil=False, exclude_pad=False, divisor=0):
    def f(x):
        return F.avg_pool2d(x, kernel, stride, padding, ceil_mode=ceil,
                            count_include_pad=not exclude_pad, divisor_override=divisor or None)
    params = dict(Kernel=list(kernel), Stride=list(stride), Padding=list(padding), CeilMode=ceil,
                  ExcludePad=exclude_pad, DivisorOverride=divisor)
    return f, params


def cases():
    C = []
    # Element-wise.
    C.append(case("relu", "ReLU", F.relu, [T(away(2, 3))]))
    C.append(case("leaky_relu_0.1", "LeakyReLU", lambda x: F.leaky_relu(x, 0.1), [T(away(2, 3))], dict(Slope=0.1)))
    C.append(case("leaky_relu_-2", "LeakyReLU", lambda x: F.leaky_relu(x, -2.0), [T(away(4))], dict(Slope=-2.0)))
    C.append(case("elu_1", "ELU", lambda x: F.elu(x, 1.0), [T(away(2, 3))], dict(Alpha=1.0), third=True))
    C.append(case("elu_0.5", "ELU", lambda x: F.elu(x, 0.5), [T(away(3, 2))], dict(Alpha=0.5)))
    C.append(case("tanh", "Tanh", torch.tanh, [T(randn(2, 3))], third=True))
    C.append(case("sigmoid", "Sigmoid", torch.sigmoid, [T(randn(2, 3))], third=True))
    C.append(case("neg", "Neg", torch.neg, [T(randn(2, 3))]))
    C.append(case("scale", "Scale", lambda x: x * -1.5, [T(randn(2, 3))], dict(C=-1.5)))
    C.append(case("add_scalar", "AddScalar", lambda x: x + 0.7, [T(randn(2, 3))], dict(C=0.7)))
    C.append(case("exp", "Exp", torch.exp, [T(randn(2, 3))], third=True))
    C.append(case("log", "Log", torch.log, [T(positive(2, 3))], third=True))
    C.append(case("sqrt", "Sqrt", torch.sqrt, [T(positive(2, 3))], third=True))
    for p, x in ((2.0, randn(2, 3)), (3.0, randn(2, 3)), (1.0, randn(3)), (0.5, positive(2, 3)),
                 (-1.5, positive(4)), (2.5, positive(3, 2))):
        C.append(case("pow_%g" % p, "Pow", lambda x, p=p: torch.pow(x, p), [T(x)], dict(P=p), third=p == -1.5))
    C.append(case("pow_0", "Pow", lambda x: torch.pow(x, 0.0), [T(randn(4))], dict(P=0.0)))
    C.append(case("pow_-1", "Pow", lambda x: torch.pow(x, -1.0), [T(away(4, margin=0.1))], dict(P=-1.0)))
    C.append(case("tanh_0d", "Tanh", torch.tanh, [T(randn())]))
    C.append(case("sqrt_1x4x1", "Sqrt", torch.sqrt, [T(positive(1, 4, 1))]))
    # Edges, compared with PyTorch only. ELU at ±800, where e⁸⁰⁰ overflows:
    # the second derivative is 0 (not the NaN of 0·Inf) on both sides.
    C.append(case("elu_1.5_pm800", "ELU", lambda x: F.elu(x, 1.5),
                  [T(torch.tensor([800.0, -800.0, 0.5, -0.5], dtype=torch.float64))], dict(Alpha=1.5), edge=True))
    # Infinite and NaN output gradients through the piecewise functions:
    # ReLU's mask gives an exact 0 off its branch, as threshold_backward.
    x = torch.tensor([-1.0, 2, -3, 4, -5, 6], dtype=torch.float64)
    inf, nan = float("inf"), float("nan")
    g = torch.tensor([inf, inf, -inf, nan, nan, 1], dtype=torch.float64)
    C.append(case("relu_infinite_g", "ReLU", F.relu, [T(x)], g=g, edge=True))
    C.append(case("leaky_relu_0.5_infinite_g", "LeakyReLU", lambda x: F.leaky_relu(x, 0.5), [T(x)], dict(Slope=0.5),
                  g=g, edge=True))
    # ELU's H with respect to x is 0 on the linear branch for any g;
    # PyTorch's is NaN there (0·Inf) where g is infinite.
    C.append(case("elu_1_infinite_g", "ELU", lambda x: F.elu(x, 1.0), [T(x)], dict(Alpha=1.0), g=g, edge=True,
                  nan_is_zero=lambda k, i, x=x: k == 0 and x[i] > 0))
    # xᴾ at +0 and −0 up to the third derivative, signs of zeros and
    # infinities included; a derivative that torch leaves constant (P = 1
    # from the second on, P = 0 from the first) is a constant in tapegrad.
    for p in (2.0, 3.0, 0.5, 1.0, 0.0, -1.0):
        C.append(case("pow_%g_at_signed_zeros" % p, "Pow", lambda x, p=p: torch.pow(x, p),
                      [T(torch.tensor([0.0, -0.0], dtype=torch.float64))], dict(P=p),
                      ones=True, third=True, edge=True, exact=True))
    # Binary, with broadcasting both ways.
    for a, b in (((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((1,), (2, 2))):
        tag = "%s_%s" % ("x".join(map(str, a)), "x".join(map(str, b)))
        C.append(case("add_" + tag, "Add", torch.add, [T(randn(*a)), T(randn(*b))]))
        C.append(case("sub_" + tag, "Sub", torch.sub, [T(randn(*a)), T(randn(*b))]))
        C.append(case("mul_" + tag, "Mul", torch.mul, [T(randn(*a)), T(randn(*b))]))
        C.append(case("div_" + tag, "Div", torch.div, [T(randn(*a)), T(away(*b, margin=0.5))]))
    # Reductions.
    for axes, keep, shape in (([1], False, (2, 3, 2)), (None, False, (2, 3)), ([0, -1], True, (2, 3, 2)), ([-2, 1], False, (3, 2))):
        tag = "%s_%s_%s" % ("all" if axes is None else "".join(map(str, axes)), "keep" if keep else "drop", "x".join(map(str, shape)))
        dim = () if axes is None else axes
        prm = dict(Axes=axes, KeepDims=keep)
        C.append(case("sum_" + tag, "Sum", lambda x, d=dim, k=keep: torch.sum(x, d, keepdim=k) if d else torch.sum(x), [T(randn(*shape))], prm))
        C.append(case("mean_" + tag, "Mean", lambda x, d=dim, k=keep: torch.mean(x, d, keepdim=k) if d else torch.mean(x), [T(randn(*shape))], prm))
        C.append(case("amax_" + tag, "Amax", lambda x, d=dim, k=keep: torch.amax(x, d, keepdim=k), [T(distinct(*shape))], prm))
        C.append(case("amin_" + tag, "Amin", lambda x, d=dim, k=keep: torch.amin(x, d, keepdim=k), [T(distinct(*shape))], prm))
        for corr in (0, 1):
            pc = dict(prm, Correction=corr)
            d = None if axes is None else axes
            C.append(case("var_%s_c%d" % (tag, corr), "Var", lambda x, d=d, k=keep, c=corr: torch.var(x, d, correction=c, keepdim=k), [T(randn(*shape))], pc))
            C.append(case("std_%s_c%d" % (tag, corr), "Std", lambda x, d=d, k=keep, c=corr: torch.std(x, d, correction=c, keepdim=k), [T(randn(*shape))], pc))
    C.append(case("sum_all_keep_2x3", "Sum", lambda x: torch.sum(x, (0, 1), keepdim=True), [T(randn(2, 3))], dict(KeepDims=True)))
    C.append(case("std_0_drop_4x3_c1_third", "Std", lambda x: torch.std(x, [0], correction=1), [T(randn(4, 3))],
                  dict(Axes=[0], Correction=1), third=True))
    C.append(case("std_all_c2_3x4", "Std", lambda x: torch.std(x, None, correction=2), [T(randn(3, 4))], dict(Correction=2)))
    # Ties (edges): Max and Min pick the first, Amax and Amin split the
    # gradient evenly, and so does torch.max(x) of all elements, which is
    # Amax with NaNTies.
    C.append(case("max_0_drop_4x5_ties", "Max", lambda x: torch.max(x, 0)[0], [T(ties(4, 5))], dict(Axis=0), edge=True))
    C.append(case("amax_12_keep_3x4x2_ties", "Amax", lambda x: torch.amax(x, [1, 2], keepdim=True), [T(ties(3, 4, 2))],
                  dict(Axes=[1, 2], KeepDims=True), edge=True))
    C.append(case("amin_all_drop_4x5_ties", "Amin", lambda x: torch.amin(x), [T(ties(4, 5))], {}, edge=True))
    C.append(case("max_all_3x4_ties", "Amax", torch.max, [T(ties(3, 4))], dict(NaNTies=True), edge=True))
    # Std at σ = 0 (an edge): PyTorch's ∂H/∂g there is NaN (its double
    # backward divides the 0 that masked_fill leaves by 2σ = 0); tapegrad's
    # is 0, as its first-order gradient there is (a deliberate difference).
    C.append(case("std_1_drop_2x3_c1_sigma0", "Std", lambda x: torch.std(x, [1], correction=1),
                  [T(torch.tensor([[0.1, 0.1, 0.1], [1.0, 2.0, 4.0]], dtype=torch.float64))],
                  dict(Axes=[1], Correction=1), edge=True, nan_is_zero=lambda k, i: k == 1))
    for axis, keep, shape in ((1, False, (2, 3, 2)), (-1, True, (3, 4)), (0, False, (5,))):
        tag = "%d_%s_%s" % (axis, "keep" if keep else "drop", "x".join(map(str, shape)))
        prm = dict(Axis=axis, KeepDims=keep)
        C.append(case("max_" + tag, "Max", lambda x, a=axis, k=keep: torch.max(x, a, keepdim=k)[0], [T(distinct(*shape))], prm))
        C.append(case("min_" + tag, "Min", lambda x, a=axis, k=keep: torch.min(x, a, keepdim=k)[0], [T(distinct(*shape))], prm))
        C.append(case("logsumexp_" + tag, "LogSumExp", lambda x, a=axis, k=keep: torch.logsumexp(x, a, keepdim=k), [T(randn(*shape))], prm))
        C.append(case("log_softmax_" + tag, "LogSoftmax", lambda x, a=axis: F.log_softmax(x, a), [T(randn(*shape))], dict(Axis=axis)))
        C.append(case("softmax_" + tag, "Softmax", lambda x, a=axis: F.softmax(x, a), [T(randn(*shape))], dict(Axis=axis)))
    C.append(case("logsumexp_1_drop_3x5_third", "LogSumExp", lambda x: torch.logsumexp(x, 1), [T(randn(3, 5))],
                  dict(Axis=1), third=True))
    C.append(case("logsumexp_0_keep_3x2x4", "LogSumExp", lambda x: torch.logsumexp(x, 0, keepdim=True), [T(randn(3, 2, 4))],
                  dict(Axis=0, KeepDims=True)))
    C.append(case("logsumexp_-1_drop_2x4_large", "LogSumExp", lambda x: torch.logsumexp(x, -1), [T(randn(2, 4, scale=30) + 500)],
                  dict(Axis=-1)))
    C.append(case("log_softmax_1_4x5_third", "LogSoftmax", lambda x: F.log_softmax(x, 1), [T(randn(4, 5))], dict(Axis=1),
                  third=True))
    # Gather: x[range(n), idx], and the cross-entropy built on it.
    C.append(case("gather_3x4", "Gather", lambda x: x[torch.arange(3), torch.tensor([2, 0, 3])], [T(randn(3, 4))], dict(Index=[2, 0, 3])))
    C.append(case("gather_1x2", "Gather", lambda x: x[torch.arange(1), torch.tensor([1])], [T(randn(1, 2))], dict(Index=[1])))
    C.append(case("cross_entropy_4x3", "CrossEntropy", lambda x: F.cross_entropy(x, torch.tensor([2, 0, 1, 2])), [T(randn(4, 3))], dict(Index=[2, 0, 1, 2])))
    C.append(case("cross_entropy_2x5", "CrossEntropy", lambda x: F.cross_entropy(x, torch.tensor([4, 1])), [T(randn(2, 5))], dict(Index=[4, 1])))
    C.append(case("cross_entropy_5x4_third", "CrossEntropy", lambda x: F.cross_entropy(x, torch.tensor([3, 0, 1, 1, 2])),
                  [T(randn(5, 4))], dict(Index=[3, 0, 1, 1, 2]), third=True))
    # MatMul: 2-d with the transposes, 1-d operands, broadcast batches.
    for a, b, ta, tb in (((2, 3), (3, 4), False, False), ((2, 3), (4, 3), False, True), ((3, 2), (3, 4), True, False),
                         ((3, 2), (4, 3), True, True), ((3,), (3,), False, False), ((2, 3), (3,), False, False),
                         ((3,), (3, 2), False, False), ((2, 1, 2, 3), (2, 3, 2), False, False), ((2, 2, 3), (3, 2), False, False),
                         ((4, 3), (2, 4, 2), True, False), ((2, 2, 3), (3,), False, False),
                         ((3,), (2, 3), True, True), ((3,), (2, 4, 3), False, True)):
        tag = "%s_%s%s%s" % ("x".join(map(str, a)), "x".join(map(str, b)), "_ta" if ta else "", "_tb" if tb else "")
        C.append(case("matmul_" + tag, "MatMul", mm(ta, tb), [T(randn(*a)), T(randn(*b))], dict(TransA=ta, TransB=tb)))
    # Shapes.
    C.append(case("reshape_3x-1", "Reshape", lambda x: x.reshape(3, -1), [T(randn(2, 3))], dict(Shape=[3, -1])))
    C.append(case("reshape_flat", "Reshape", lambda x: x.reshape(6), [T(randn(1, 2, 3))], dict(Shape=[6])))
    C.append(case("permute_102", "Permute", lambda x: x.permute(1, 0, 2), [T(randn(2, 3, 2))], dict(Axes=[1, 0, 2])))
    C.append(case("permute_10", "Permute", lambda x: x.permute(1, 0), [T(randn(3, 2))], dict(Axes=[1, 0])))
    C.append(case("expand_3x1_2x3x4", "Expand", lambda x: x.expand(2, 3, 4), [T(randn(3, 1))], dict(Shape=[2, 3, 4])))
    C.append(case("expand_-1", "Expand", lambda x: x.expand(-1, 3), [T(randn(2, 1))], dict(Shape=[-1, 3])))
    C.append(case("sum_to_2x3x4_3x1", "SumTo", lambda x: x.sum_to_size(3, 1), [T(randn(2, 3, 4))], dict(Shape=[3, 1])))
    C.append(case("sum_to_2x3x4_1x4", "SumTo", lambda x: x.sum_to_size(1, 4), [T(randn(2, 3, 4))], dict(Shape=[1, 4])))
    # Batch norm in training mode, with and without γ and β, 2-d and 4-d.
    C.append(case("batch_norm_4x3_affine", "BatchNorm", bn, [T(randn(4, 3)), T(positive(3)), T(randn(3))], dict(Eps=1e-5)))
    C.append(case("batch_norm_2x3x2x2_affine", "BatchNorm", bn, [T(randn(2, 3, 2, 2)), T(positive(3)), T(randn(3))], dict(Eps=1e-5)))
    C.append(case("batch_norm_4x3", "BatchNorm", bn, [T(randn(4, 3))], dict(Eps=1e-5)))
    C.append(case("batch_norm_2x2x2x3", "BatchNorm", bn, [T(randn(2, 2, 2, 3))], dict(Eps=1e-5)))
    # Convolutions: bias, stride, padding, dilation, groups.
    f, p = conv(padding=(1, 1))
    C.append(case("conv_bias_pad1", "Conv2d", f, [T(randn(1, 2, 5, 5)), T(randn(3, 2, 3, 3, scale=0.5)), T(randn(3))], p))
    f, p = conv(stride=(2, 1), padding=(1, 0), dilation=(2, 1), groups=2)
    C.append(case("conv_stride_dilation_groups", "Conv2d", f, [T(randn(1, 4, 7, 6)), T(randn(2, 2, 3, 2, scale=0.5))], p))
    f, p = conv()
    C.append(case("conv_1x1_bias", "Conv2d", f, [T(randn(2, 3, 3, 3)), T(randn(2, 3, 1, 1)), T(randn(2))], p))
    f, p = conv(stride=(2, 2), padding=(2, 1), groups=3)
    C.append(case("conv_depthwise_stride2", "Conv2d", f, [T(randn(1, 3, 5, 6)), T(randn(6, 1, 2, 3)), T(randn(6))], p))
    f, p = conv(stride=(2, 1), padding=(1, 0), dilation=(2, 1), groups=2)
    C.append(case("conv_batch2_stride_dilation_groups_bias", "Conv2d", f,
                  [T(randn(2, 4, 7, 6)), T(randn(2, 2, 3, 2)), T(randn(2))], p))
    f, p = conv()
    C.append(case("conv_3x3_winograd_forced", "Conv2d", f, [T(randn(2, 3, 6, 6)), T(randn(2, 3, 3, 3))],
                  dict(p, Algorithm=2)))  # ops.ConvWinograd
    f, p = conv(padding=(1, 1))
    C.append(case("conv_3x3_winograd", "Conv2d", f, [pat((2, 64, 16, 16), 1, 10000), pat((64, 64, 3, 3), 2, 200000),
                                                      pat((64,), 3, 10000)], p, sampled=True))
    # Pooling, with the options.
    for tag, (f, p), shape in (
        ("k2s2", maxpool((2, 2), (2, 2)), (1, 2, 4, 5)),
        ("k3s1p1", maxpool((3, 3), (1, 1), (1, 1)), (2, 1, 4, 4)),
        ("k2x3s1x2p1x0", maxpool((2, 3), (1, 2), (1, 0)), (1, 1, 5, 6)),
        ("k2_ceil", maxpool((2, 2), (2, 2), ceil=True), (1, 2, 5, 5)),
        ("k3s2p1_dilation2x1_ceil", maxpool((3, 3), (2, 2), (1, 1), (2, 1), ceil=True), (1, 1, 7, 6)),
    ):
        C.append(case("max_pool_" + tag, "MaxPool2d", f, [T(distinct(*shape))], p))
    for tag, (f, p), shape in (
        ("k2s2", avgpool((2, 2), (2, 2)), (1, 2, 4, 5)),
        ("k3s1p1", avgpool((3, 3), (1, 1), (1, 1)), (2, 1, 4, 4)),
        ("k2_ceil", avgpool((2, 2), (2, 2), ceil=True), (1, 2, 5, 5)),
        ("k3s2p1_ceil_exclude_pad", avgpool((3, 3), (2, 2), (1, 1), ceil=True, exclude_pad=True), (1, 2, 6, 5)),
        ("k2s1_divisor3", avgpool((2, 2), (1, 1), divisor=3), (2, 1, 3, 4)),
        ("k3s2p1_ceil", avgpool((3, 3), (2, 2), (1, 1), ceil=True), (1, 1, 6, 6)),
        ("k2x3s1p1_divisor5", avgpool((2, 3), (1, 1), (1, 1), divisor=5), (2, 1, 4, 5)),
    ):
        C.append(case("avg_pool_" + tag, "AvgPool2d", f, [T(randn(*shape))], p))
    # The ops that make the backward passes of Gather, Max, Min, Conv2d and
    # the pooling ops differentiable: each is the linear map of a backward
    # pass, whose own backward is its adjoint.
    for tag, index, c, n in (("3_cols4", [2, 0, 3], 4, 3), ("1_cols2", [1], 2, 1)):
        idx = torch.tensor(index)
        C.append(case("scatter_" + tag, "Scatter",
                      lambda x, idx=idx, c=c: torch.zeros(x.shape[0], c, dtype=x.dtype).scatter(1, idx[:, None], x[:, None]),
                      [T(randn(n))], dict(Index=index, C=c)))
    for tag, x, w, bias, stride, pad, outpad, dil, groups in (
        ("bias_pad1", (1, 2, 3, 3), (2, 3, 3, 3), True, (1, 1), (1, 1), (0, 0), (1, 1), 1),
        ("stride2_output_padding1", (1, 2, 3, 4), (2, 2, 3, 2), False, (2, 2), (1, 0), (1, 1), (1, 1), 1),
        ("dilation2x1_groups2_output_padding1_bias", (1, 4, 3, 3), (4, 1, 2, 3), True, (1, 2), (1, 1), (1, 1), (2, 1), 2),
    ):
        ins = [T(randn(*x)), T(randn(*w, scale=0.5))] + ([T(randn(w[1] * groups))] if bias else [])
        C.append(case("conv_transpose_" + tag, "ConvTranspose2d",
                      lambda x, w, b=None, s=stride, p=pad, op=outpad, d=dil, g=groups: F.conv_transpose2d(x, w, b, s, p, op, g, d),
                      ins, dict(Stride=list(stride), Padding=list(pad), OutputPadding=list(outpad), Dilation=list(dil), Groups=groups)))
    for tag, x, dy, ws, stride, pad, dil, groups in (
        ("stride2_padding1", (1, 2, 5, 5), (1, 3, 3, 3), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1),
        ("groups2_dilation2x1", (1, 4, 6, 5), (1, 2, 4, 4), (2, 2, 2, 2), (1, 1), (0, 0), (2, 1), 2),
    ):
        C.append(case("conv2d_weight_grad_" + tag, "Conv2dWeightGrad",
                      lambda x, dy, ws=ws, s=stride, p=pad, d=dil, g=groups: conv2d_weight(x, dy, ws, s, p, d, g),
                      [T(randn(*x)), T(randn(*dy))],
                      dict(WeightSize=list(ws), Stride=list(stride), Padding=list(pad), Dilation=list(dil), Groups=groups)))
    for tag, shape, kernel, stride, pad, dil, ceil in (
        ("k3s1p1", (2, 1, 4, 4), (3, 3), (1, 1), (1, 1), (1, 1), False),
        ("k2_ceil", (1, 2, 5, 5), (2, 2), (2, 2), (0, 0), (1, 1), True),
        ("k3s2p1_dilation2x1_ceil", (1, 1, 7, 6), (3, 3), (2, 2), (1, 1), (2, 1), True),
    ):
        x0 = distinct(*shape)
        y0, idx = F.max_pool2d(x0, kernel, stride, pad, dil, ceil_mode=ceil, return_indices=True)
        n, c, h, w = shape
        ho, wo = y0.shape[2], y0.shape[3]
        prm = dict(Indices=idx.reshape(-1).tolist(), Size=[h, w], OutSize=[ho, wo])
        C.append(case("max_pool_backward_" + tag, "MaxPool2dBackward",
                      lambda d, x0=x0, k=kernel, s=stride, p=pad, dl=dil, cm=ceil, idx=idx:
                      torch.ops.aten.max_pool2d_with_indices_backward(d, x0.to(d.dtype), k, s, p, dl, cm, idx),
                      [T(randn(n, c, ho, wo))], prm))
        C.append(case("max_pool_gather_" + tag, "MaxPool2dGather",
                      lambda x, idx=idx, ho=ho, wo=wo: x.flatten(2).gather(2, idx.flatten(2)).reshape(x.shape[0], x.shape[1], ho, wo),
                      [T(randn(*shape))], prm))
    for tag, shape, kernel, stride, pad, ceil, exclude, divisor in (
        ("k3s1p1", (2, 1, 4, 4), (3, 3), (1, 1), (1, 1), False, False, 0),
        ("k3s2p1_ceil_exclude_pad", (1, 2, 6, 5), (3, 3), (2, 2), (1, 1), True, True, 0),
        ("k2s1_divisor3", (2, 1, 3, 4), (2, 2), (1, 1), (0, 0), False, False, 3),
    ):
        y0 = F.avg_pool2d(torch.zeros(shape, dtype=torch.float64), kernel, stride, pad, ceil_mode=ceil)
        C.append(case("avg_pool_backward_" + tag, "AvgPool2dBackward",
                      lambda d, sh=shape, k=kernel, s=stride, p=pad, cm=ceil, ex=exclude, dv=divisor:
                      torch.ops.aten.avg_pool2d_backward(d, torch.zeros(sh, dtype=d.dtype), k, s, p, cm, not ex, dv or None),
                      [T(randn(*y0.shape))],
                      dict(Kernel=list(kernel), Stride=list(stride), Padding=list(pad), CeilMode=ceil, ExcludePad=exclude,
                           DivisorOverride=divisor, InputSize=list(shape[2:]))))
    # Issue 18: the element-wise math and the activations (ops/unary.go,
    # ops/activation2.go), inputs 0.1 away from every kink (avoid).
    C.append(case("clamp_-0.5_0.5", "Clamp", lambda x: torch.clamp(x, -0.5, 0.5), [T(avoid(2, 3, kinks=(-0.5, 0.5)))], dict(Min=-0.5, Max=0.5)))
    C.append(case("clamp_min_-0.3", "Clamp", lambda x: torch.clamp(x, min=-0.3), [T(avoid(4, kinks=(-0.3,)))], dict(Min=-0.3)))
    C.append(case("clamp_max_0.4", "Clamp", lambda x: torch.clamp(x, max=0.4), [T(avoid(3, 2, kinks=(0.4,)))], dict(Max=0.4)))
    C.append(case("abs", "Abs", torch.abs, [T(away(2, 3))]))
    C.append(case("square", "Square", torch.square, [T(randn(2, 3))]))
    C.append(case("rsqrt", "Rsqrt", torch.rsqrt, [T(positive(2, 3))]))
    C.append(case("log1p", "Log1p", torch.log1p, [T(avoid(2, 3, scale=0.3, kinks=(-1,)))]))
    C.append(case("expm1", "Expm1", torch.expm1, [T(randn(2, 3))]))
    for a, b in (((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3))):
        tag = "%s_%s" % ("x".join(map(str, a)), "x".join(map(str, b)))
        C.append(case("maximum_" + tag, "Maximum", torch.maximum, [T(randn(*a)), T(randn(*b))]))
        C.append(case("minimum_" + tag, "Minimum", torch.minimum, [T(randn(*a)), T(randn(*b))]))
    C.append(case("gelu_none", "GELU", F.gelu, [T(avoid(2, 3, scale=2))], dict(Approximate="none")))
    C.append(case("gelu_tanh", "GELU", lambda x: F.gelu(x, approximate="tanh"), [T(avoid(2, 3, scale=2))], dict(Approximate="tanh")))
    C.append(case("silu", "SiLU", F.silu, [T(avoid(2, 3, scale=3))]))
    C.append(case("softplus_1_20", "Softplus", F.softplus, [T(avoid(2, 3, scale=3))], dict(Beta=1.0, Threshold=20.0)))
    C.append(case("softplus_2_1", "Softplus", lambda x: F.softplus(x, 2.0, 1.0), [T(avoid(2, 3, kinks=(0.5,)))], dict(Beta=2.0, Threshold=1.0)))
    C.append(case("mish", "Mish", F.mish, [T(avoid(2, 3, scale=3))]))
    C.append(case("hardtanh", "Hardtanh", F.hardtanh, [T(avoid(2, 3, scale=1.5, kinks=(-1, 1)))], dict(MinVal=-1.0, MaxVal=1.0)))
    C.append(case("hardtanh_relu6", "Hardtanh", F.relu6, [T(avoid(2, 3, scale=4, kinks=(0, 6)))], dict(MinVal=0.0, MaxVal=6.0)))
    C.append(case("hardswish", "Hardswish", F.hardswish, [T(avoid(2, 4, scale=3, kinks=(-3, 3)))]))
    # PyTorch 1.13 has no double backward for hardsigmoid: the same
    # function as relu6(x + 3)/6, away from the kinks.
    C.append(case("hardsigmoid", "Hardsigmoid", lambda x: F.relu6(x + 3) / 6, [T(avoid(2, 4, scale=3, kinks=(-3, 3)))]))
    C.append(case("logsigmoid", "LogSigmoid", F.logsigmoid, [T(avoid(2, 3, scale=4))]))
    for xs, ws in (((2, 3, 4), (3,)), ((2, 3), (1,)), ((4,), ())):
        tag = "%s_%s" % ("x".join(map(str, xs)), "x".join(map(str, ws)) or "0d")
        C.append(case("prelu_" + tag, "PReLU", F.prelu, [T(away(*xs)), T(randn(*ws))]))
    # Indexing, Where, MaskedFill and Cumsum (issue 18; ops/index.go,
    # where.go, cumsum.go): IndexSelect ⇄ IndexAdd and GatherAxis ⇄
    # ScatterAdd are adjoint pairs; Where and MaskedFill select with a
    # constant mask; Cumsum's Reverse is flip-cumsum-flip.
    for tag, dim, index, shape in (("dim1_repeated", 1, [3, 3, 0], (3, 4)), ("dim-1_3d", -1, [1, 0], (2, 3, 2))):
        idx = torch.tensor(index)
        C.append(case("index_select_" + tag, "IndexSelect", lambda x, d=dim, i=idx: x.index_select(d, i),
                      [T(randn(*shape))], dict(Dim=dim, Index=index)))
    for tag, dim, index, self_shape, src_shape in (("dim1_repeated", 1, [0, 0, 2], (3, 4), (3, 3)),
                                                   ("dim-1_3d", -1, [2, 0, 2, 1], (2, 2, 3), (2, 2, 4))):
        idx = torch.tensor(index)
        C.append(case("index_add_" + tag, "IndexAdd", lambda s, src, d=dim, i=idx: s.index_add(d, i, src),
                      [T(randn(*self_shape)), T(randn(*src_shape))], dict(Dim=dim, Index=index)))
    for tag, dim, index, ishape, shape in (("dim1_repeated", 1, [0, 3, 3, 1, 0, 2], (2, 3), (3, 4)),
                                           ("dim0_3d", 0, [2, 0, 1, 1, 0, 2, 2, 2], (4, 2, 1), (3, 2, 2))):
        idx = torch.tensor(index).reshape(ishape)
        C.append(case("gather_axis_" + tag, "GatherAxis", lambda x, d=dim, i=idx: torch.gather(x, d, i),
                      [T(randn(*shape))], dict(Dim=dim, Index=index, IndexShape=list(ishape))))
    for tag, dim, index, ishape, self_shape, src_shape in (
        ("dim1_repeated", 1, [0, 3, 3, 1, 0, 2], (2, 3), (3, 4), (2, 3)),
        ("dim0_src_larger", 0, [2, 2, 0, 1], (2, 2), (3, 2), (3, 3)),
    ):
        idx = torch.tensor(index).reshape(ishape)
        # torch 1.13's backward of scatter_add gives src a gradient of the
        # index's shape, which it then rejects for a larger src: the src is
        # narrowed to the index's shape first, the same function.
        C.append(case("scatter_add_" + tag, "ScatterAdd",
                      lambda s, src, d=dim, i=idx: s.scatter_add(d, i, src[tuple(slice(0, n) for n in i.shape)]),
                      [T(randn(*self_shape)), T(randn(*src_shape))], dict(Dim=dim, Index=index, IndexShape=list(ishape))))
    for tag, cond, cshape, a, b in (("2x3", [True, False, True, False, False, True], (2, 3), (2, 3), (2, 3)),
                                    ("cond2x1_a1x3_b0d", [False, True], (2, 1), (1, 3), ()),
                                    ("cond3_a2x3_b2x1", [True, True, False], (3,), (2, 3), (2, 1))):
        cnd = torch.tensor(cond).reshape(cshape)
        C.append(case("where_" + tag, "Where", lambda x, y, c=cnd: torch.where(c, x, y),
                      [T(randn(*a)), T(randn(*b))], dict(Cond=cond, CondShape=list(cshape))))
    for tag, mask, mshape, value, shape in (("2x3", [True, False, False, True, True, False], (2, 3), -1.5, (2, 3)),
                                            ("mask2x1_x3", [False, True], (2, 1), 0.0, (3,))):
        m = torch.tensor(mask).reshape(mshape)
        C.append(case("masked_fill_" + tag, "MaskedFill", lambda x, m=m, val=value: x.masked_fill(m, val),
                      [T(randn(*shape))], dict(Mask=mask, MaskShape=list(mshape), Value=value)))
    for dim, reverse, shape in ((1, False, (2, 3, 2)), (-1, True, (3, 4)), (0, False, (5,))):
        tag = "%d_%s_%s" % (dim, "reverse" if reverse else "forward", "x".join(map(str, shape)))
        if reverse:
            f = lambda x, d=dim: torch.flip(torch.cumsum(torch.flip(x, [d]), d), [d])
        else:
            f = lambda x, d=dim: torch.cumsum(x, d)
        C.append(case("cumsum_" + tag, "Cumsum", f, [T(randn(*shape))], dict(Dim=dim, Reverse=reverse)))
    # The loss ops (ops/loss.go), element-wise (reduction="none"); their
    # weighted forms are pinned by functional/testdata/gen_torch_losses.py
    # (a tensor setting has no JSON form here).
    C.append(case("bce_with_logits", "BCEWithLogits",
                  lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
                  [T(randn(2, 3, scale=2.0)), T(positive(2, 3, lo=0.1, hi=0.9))]))
    C.append(case("bce_loss", "BCELoss", lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
                  [T(positive(2, 3, lo=0.1, hi=0.9)), T(positive(2, 3, lo=0.1, hi=0.9))]))
    for tag, shape, target, ignore in (("3x4", (3, 4), [2, 0, 3], -100),
                                       ("ignore1_2x3x2", (2, 3, 2), [0, 1, 2, 1], 1)):
        tt = torch.tensor(target).reshape((shape[0],) + shape[2:])
        C.append(case("nll_loss_" + tag, "NLLLoss",
                      lambda x, tt=tt, ig=ignore: F.nll_loss(x, tt, reduction="none", ignore_index=ig),
                      [T(randn(*shape))], dict(Target=target, IgnoreIndex=ignore)))
    for beta in (1.0, 0.5, 0.0):
        d = away(2, 3, margin=0.05)
        d = r4(torch.where((d.abs() - beta).abs() < 0.1, d + torch.sign(d) * 0.2, d))
        C.append(case("smooth_l1_beta%g" % beta, "SmoothL1",
                      lambda x, b=beta: F.smooth_l1_loss(x, torch.zeros_like(x), reduction="none", beta=b),
                      [T(d)], dict(Beta=beta)))
    C.append(case("xlogx", "XLogX", lambda x: x * torch.log(x), [T(positive(2, 3))]))
    # The plumbing ops of issue 18: torch.cat, basic slicing and F.pad, and
    # their adjoints SliceBackward (zeros with the slice assigned) and
    # PadBackward (F.pad's gradient by its definition, see pad_backward).
    for tag, axis, shapes in (("axis1_3_inputs", 1, ((2, 1, 3), (2, 2, 3), (2, 3, 3))), ("axis-1", -1, ((2, 3), (2, 2))),
                              ("axis0_1d", 0, ((3,), (1,))), ("legacy_empty", 1, ((0,), (2, 3), (2, 1)))):
        C.append(case("concat_" + tag, "Concat", lambda *x, a=axis: torch.cat(x, a), [T(randn(*sh)) for sh in shapes], dict(Axis=axis)))
    END = 2 ** 63 - 1  # ops.End, math.MaxInt
    for tag, ranges, shape in (("1:3_::2", ((1, 3, 1), (0, END, 2)), (4, 5)), ("-2:", ((-2, END, 1),), (3, 4)),
                               ("clamped_:_1::3", ((-10, 10, 1), (0, END, 1), (1, END, 3)), (2, 3, 7))):
        sl = tuple(slice(a, b, c) for a, b, c in ranges)
        prm = dict(Ranges=[dict(Start=a, Stop=b, Step=c) for a, b, c in ranges])
        C.append(case("slice_" + tag, "Slice", lambda x, sl=sl: x[sl], [T(randn(*shape))], prm))
        y0 = torch.zeros(shape)[sl]
        C.append(case("slice_backward_" + tag, "SliceBackward", lambda d, sl=sl, sh=shape: slice_backward(d, sh, sl),
                      [T(randn(*y0.shape))], dict(prm, Shape=list(shape))))
    for tag, pads, mode, value, shape in (("constant_value0.5", (1, 2), "constant", 0.5, (2, 3)),
                                          ("constant_crop", (1, -2, -1, 2), "constant", -1.0, (3, 4)),
                                          ("reflect_2_axes", (2, 1, 1, 1), "reflect", 0.0, (1, 3, 4)),
                                          ("reflect_crop", (1, -1), "reflect", 0.0, (2, 4)),
                                          ("replicate_2_axes", (2, 0, 0, 3), "replicate", 0.0, (2, 2, 3))):
        C.append(case("pad_" + tag, "Pad", lambda x, p=pads, m=mode, v=value: F.pad(x, p, m, v) if m == "constant" else F.pad(x, p, m),
                      [T(randn(*shape))], dict(Pads=list(pads), Mode=mode, Value=value)))
        if mode == "constant":
            continue
        y0 = F.pad(torch.zeros(shape, dtype=torch.float64), pads, mode)
        C.append(case("pad_backward_" + tag, "PadBackward", lambda d, p=pads, m=mode, sh=shape: pad_backward(d, sh, p, m),
                      [T(randn(*y0.shape))], dict(Pads=list(pads), Mode=mode, Shape=list(shape))))
    # Embedding (issue 19, ops/embedding.go): F.embedding with padding_idx;
    # F is linear in g and independent of the weight. No scale_grad_by_freq
    # case: PyTorch 1.13's double backward (embedding_dense_double_backward)
    # drops the 1/count scaling, so its ∂ψ/∂g is not the derivative of its
    # own first-order gradient, which tapegrad's is (ops/embedding_test.go
    # pins that with central differences).
    for tag, index, ishape, padding, freq, wshape in (("repeated_2d", [1, 3, 1, 0, 3, 3], (2, 3), None, False, (4, 2)),
                                                     ("padding_idx", [2, 0, 2, 1], (4,), 2, False, (3, 3)),
                                                     ("padding_idx_3d", [0, 1, 1, 3, 1, 0], (3, 1, 2), 3, False, (4, 2))):
        idx = torch.tensor(index).reshape(ishape)
        C.append(case("embedding_" + tag, "Embedding",
                      lambda w, i=idx, p=padding, f=freq: F.embedding(i, w, padding_idx=p, scale_grad_by_freq=f),
                      [T(randn(*wshape))], dict(Index=index, IndexShape=list(ishape), PaddingIdx=padding, ScaleGradByFreq=freq)))
    # Issue 19, resizing: adaptive average and max pooling, and adaptive
    # average pooling's adjoint (ops/adaptivepool.go), with overlapping bins
    # and planes that grow.
    for tag, shape, size in (("5x7to3x4", (1, 2, 5, 7), (3, 4)), ("3x2to5x4", (2, 1, 3, 2), (5, 4))):
        C.append(case("adaptive_avg_pool_" + tag, "AdaptiveAvgPool2d",
                      lambda x, sz=size: F.adaptive_avg_pool2d(x, sz), [T(randn(*shape))], dict(OutputSize=list(size))))
        C.append(case("adaptive_max_pool_" + tag, "AdaptiveMaxPool2d",
                      lambda x, sz=size: F.adaptive_max_pool2d(x, sz), [T(distinct(*shape))], dict(OutputSize=list(size))))
        C.append(case("adaptive_avg_pool_backward_" + tag, "AdaptiveAvgPool2dBackward",
                      lambda d, sh=shape: torch.ops.aten._adaptive_avg_pool2d_backward(d, torch.zeros(sh, dtype=d.dtype)),
                      [T(randn(shape[0], shape[1], *size))], dict(InputSize=list(shape[2:]))))
    # F.interpolate on 4-d inputs and its adjoint (ops/upsample.go); Mode is
    # ops.InterpMode: 0 nearest, 1 bilinear.
    for tag, shape, size, scale, mode, align in (
        ("nearest_size5x7", (2, 1, 3, 4), (5, 7), None, "nearest", None),
        ("bilinear_scale1.7x2", (2, 1, 3, 2), None, (1.7, 2.0), "bilinear", False),
        ("bilinear_align_size4x1", (1, 1, 3, 3), (4, 1), None, "bilinear", True),
    ):
        prm = dict(Mode=0 if mode == "nearest" else 1, AlignCorners=bool(align))
        if size is not None:
            prm["Size"] = list(size)
        else:
            prm["ScaleFactor"] = list(scale)
        interp = lambda x, sz=size, sc=scale, m=mode, al=align: F.interpolate(x, size=sz, scale_factor=sc, mode=m, align_corners=al)
        C.append(case("interpolate_" + tag, "Interpolate", interp, [T(randn(*shape))], prm))
        y0 = interp(torch.zeros(shape, dtype=torch.float64))
        C.append(case("interpolate_backward_" + tag, "InterpolateBackward",
                      lambda d, sh=shape, f=interp: interp_adjoint(f, sh, d),
                      [T(randn(*y0.shape))], dict(prm, InputSize=list(shape[2:]))))
    # Layer norm and RMS norm (issue 19): no affine map, γ alone, γ and β;
    # RMS norm as its composition (torch 1.13 has no F.rms_norm).
    ln = lambda sh: (lambda *x: F.layer_norm(x[0], sh, *x[1:], eps=1e-5))
    C.append(case("layer_norm_3x4_affine", "LayerNorm", ln((4,)), [T(randn(3, 4)), T(positive(4)), T(randn(4))],
                  dict(Shape=[4], Eps=1e-5)))
    C.append(case("layer_norm_2x3x2x3_affine", "LayerNorm", ln((2, 3)),
                  [T(randn(2, 3, 2, 3)), T(positive(2, 3)), T(randn(2, 3))], dict(Shape=[2, 3], Eps=1e-5)))
    C.append(case("layer_norm_2x3x4_weight_only", "LayerNorm", ln((4,)), [T(randn(2, 3, 4)), T(positive(4))],
                  dict(Shape=[4], Eps=1e-5)))
    C.append(case("layer_norm_3x5", "LayerNorm", ln((5,)), [T(randn(3, 5))], dict(Shape=[5], Eps=1e-5)))
    rms = lambda *x: (x[0] * (x[0].pow(2).mean(-1, keepdim=True) + 1e-6).rsqrt()) * (x[1] if len(x) > 1 else 1)
    C.append(case("rms_norm_2x3x4_weight", "RMSNorm", rms, [T(randn(2, 3, 4)), T(positive(4))], dict(Shape=[4], Eps=1e-6)))
    C.append(case("rms_norm_3x5", "RMSNorm", rms, [T(randn(3, 5))], dict(Shape=[5], Eps=1e-6)))
    # GroupNorm (issue 19): with and without weight and bias, groups from 1
    # to C (instance norm).
    for tag, groups, shape, affine in (("2x4x3_g2_affine", 2, (2, 4, 3), True),
                                       ("2x6x2x2_g3_affine", 3, (2, 6, 2, 2), True),
                                       ("3x4_g1_affine", 1, (3, 4), True),
                                       ("2x3x2x2_g3", 3, (2, 3, 2, 2), False),
                                       ("2x4x5_g2", 2, (2, 4, 5), False)):
        c = shape[1]
        fn = lambda *x, g=groups: F.group_norm(x[0], g, *x[1:], eps=1e-5)
        inputs = [T(randn(*shape))]
        if affine:
            inputs += [T(positive(c)), T(randn(c))]
        C.append(case("group_norm_" + tag, "GroupNorm", fn, inputs, dict(Groups=groups, Eps=1e-5)))
    # Unbatched inputs and 1-d interpolation (issue 19, task "unbatched"):
    # adaptive pooling of a C×H×W input and its adjoint, and F.interpolate
    # on N×C×L inputs and its adjoint. Mode 2 is ops.InterpLinear; a 3-d
    # input takes its size or scale factor, and InputSize, in the first
    # entry, the second 0.
    shape, size = (2, 5, 7), (3, 4)
    C.append(case("adaptive_avg_pool_unbatched_5x7to3x4", "AdaptiveAvgPool2d",
                  lambda x: F.adaptive_avg_pool2d(x, size), [T(randn(*shape))], dict(OutputSize=list(size))))
    C.append(case("adaptive_max_pool_unbatched_5x7to3x4", "AdaptiveMaxPool2d",
                  lambda x: F.adaptive_max_pool2d(x, size), [T(distinct(*shape))], dict(OutputSize=list(size))))
    C.append(case("adaptive_avg_pool_backward_unbatched_5x7to3x4", "AdaptiveAvgPool2dBackward",
                  lambda d: interp_adjoint(lambda z: F.adaptive_avg_pool2d(z, size), shape, d),
                  [T(randn(shape[0], *size))], dict(InputSize=list(shape[1:]))))
    for tag, shape, size, scale, mode, align in (
        ("1d_nearest_size7", (2, 1, 4), 7, None, "nearest", None),
        ("1d_linear_scale1.7", (2, 1, 4), None, 1.7, "linear", False),
        ("1d_linear_align_size5", (1, 2, 3), 5, None, "linear", True),
    ):
        prm = dict(Mode=0 if mode == "nearest" else 2, AlignCorners=bool(align))
        if size is not None:
            prm["Size"] = [size, 0]
        else:
            prm["ScaleFactor"] = [scale, 0]
        interp = lambda x, sz=size, sc=scale, m=mode, al=align: F.interpolate(
            x, size=sz, scale_factor=None if sc is None else (sc,), mode=m, align_corners=al)
        C.append(case("interpolate_" + tag, "Interpolate", interp, [T(randn(*shape))], prm))
        y0 = interp(torch.zeros(shape, dtype=torch.float64))
        C.append(case("interpolate_backward_" + tag, "InterpolateBackward",
                      lambda d, sh=shape, f=interp: interp_adjoint(f, sh, d),
                      [T(randn(*y0.shape))], dict(prm, InputSize=[shape[2], 0])))
    # ChannelAffine (issue 21): batch norm in evaluation mode, x·s + t per
    # channel, on N×C and N×C×H×W.
    def affine(x, s, t):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return x * s.view(shape) + t.view(shape)
    for tag, shape in (("4x3", (4, 3)), ("2x3x2x2", (2, 3, 2, 2))):
        C.append(case("channel_affine_" + tag, "ChannelAffine", affine,
                      [T(randn(*shape)), T(randn(shape[1])), T(randn(shape[1]))]))
    # recurrent cells (issue 20): LSTMCell on gate pre-activations N×4H and
    # a cell state N×H, output h' and c' stacked; GRUCell on input and
    # hidden gates N×3H and a hidden state N×H. Both as the composition of
    # torch's pointwise functions in PyTorch's gate order.
    def lstm_cell(a, c):
        i, f, g, o = a.chunk(4, 1)
        c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.stack([torch.sigmoid(o) * torch.tanh(c2), c2])
    def gru_cell(u, w, h):
        ur, uz, un = u.chunk(3, 1)
        wr, wz, wn = w.chunk(3, 1)
        r, z = torch.sigmoid(ur + wr), torch.sigmoid(uz + wz)
        n = torch.tanh(un + r * wn)
        return (1 - z) * n + z * h
    for n, h in ((3, 2), (1, 1)):
        C.append(case(f"lstm_cell_{n}x{h}", "LSTMCell", lstm_cell, [T(randn(n, 4 * h)), T(randn(n, h))]))
        C.append(case(f"gru_cell_{n}x{h}", "GRUCell", gru_cell, [T(randn(n, 3 * h)), T(randn(n, 3 * h)), T(randn(n, h))]))
    # attention (issue 20): ScaledDotProductAttention, PyTorch 1.13's
    # F._scaled_dot_product_attention (matmul, softmax, matmul on the CPU):
    # without a mask (with a third order), with a float mask broadcast over
    # the batch (differentiated too), causal with L > S, and a scale (1.13
    # has none: q is multiplied by scale·√E).
    def sdpa(causal=False, scale=0.0):
        def f(q, k, v, m=None):
            if scale:
                q = q * (scale * q.shape[-1] ** 0.5)
            return F._scaled_dot_product_attention(q, k, v, m, 0.0, False, causal)[0]
        return f
    C.append(case("sdpa_2x3x4_S5_Ev3", "ScaledDotProductAttention", sdpa(),
                  [T(randn(2, 3, 4)), T(randn(2, 5, 4)), T(randn(2, 5, 3))], third=True))
    C.append(case("sdpa_heads_mask_LxS", "ScaledDotProductAttention", sdpa(),
                  [T(randn(2, 2, 3, 2)), T(randn(2, 2, 4, 2)), T(randn(2, 2, 4, 3)), T(randn(3, 4))]))
    C.append(case("sdpa_causal_L5_S3", "ScaledDotProductAttention", sdpa(causal=True),
                  [T(randn(2, 5, 2)), T(randn(2, 3, 2)), T(randn(2, 3, 2))], dict(IsCausal=True)))
    C.append(case("sdpa_scale_0.7", "ScaledDotProductAttention", sdpa(scale=0.7),
                  [T(randn(3, 4)), T(randn(4, 4)), T(randn(4, 2))], dict(Scale=0.7)))
    # PackedAttention, MultiheadAttention's self-attention on the
    # packed projection x = [q k v] (N×L×3E, or L×N×3E with SeqFirst): the
    # heads split as multi_head_attention_forward splits them, 1.13's
    # F._scaled_dot_product_attention, the heads merged back.
    def packed(heads, seq_first=False, causal=False):
        def f(x, m=None):
            if seq_first:
                x = x.transpose(0, 1)
            n, l, e3 = x.shape
            d = e3 // 3 // heads
            q, k, v = (t.reshape(n, l, heads, d).transpose(1, 2) for t in x.chunk(3, -1))
            y = F._scaled_dot_product_attention(q, k, v, m, 0.0, False, causal)[0]
            y = y.transpose(1, 2).reshape(n, l, heads * d)
            return y.transpose(0, 1) if seq_first else y
        return f
    C.append(case("packed_attention_N2_L3_H2", "PackedAttention", packed(2),
                  [T(randn(2, 3, 12))], dict(Heads=2), third=True))
    C.append(case("packed_attention_seqfirst_causal", "PackedAttention", packed(2, True, True),
                  [T(randn(4, 2, 12))], dict(Heads=2, SeqFirst=True, IsCausal=True)))
    C.append(case("packed_attention_mask_Nx1x1xL", "PackedAttention", packed(3),
                  [T(randn(2, 3, 18)), T(randn(2, 1, 1, 3))], dict(Heads=3)))
    return C


def interp_adjoint(f, shape, d):
    """The adjoint of the linear map f at d: the gradient of <f(z), d> with
    respect to z (any z; here zeros), differentiable in d."""
    with torch.enable_grad():
        z = torch.zeros(shape, dtype=d.dtype, requires_grad=True)
        return torch.autograd.grad(f(z), z, d, create_graph=True)[0]


def slice_backward(d, shape, sl):
    """Slice's backward pass: zeros of shape with the slice sl set to d."""
    z = torch.zeros(shape, dtype=d.dtype)
    z[sl] = d
    return z


def pad_backward(d, shape, pads, mode):
    """F.pad's gradient with respect to its input of the given shape, by its
    definition, recorded so that it can be differentiated again."""
    with torch.enable_grad():
        x = torch.zeros(shape, dtype=d.dtype, requires_grad=True)
        return torch.autograd.grad(F.pad(x, pads, mode), x, d, create_graph=True)[0]


def conv2d_weight(x, dy, weight_size, stride, padding, dilation, groups):
    """Conv2d's weight gradient as a function of x and dy, by its definition:
    the gradient of ⟨dy, conv2d(x, w)⟩ with respect to w, recorded so that it
    can be differentiated again (it does not depend on w)."""
    with torch.enable_grad():
        w = torch.zeros(weight_size, dtype=x.dtype, requires_grad=True)
        y = F.conv2d(x, w, None, stride, padding, dilation, groups)
        return torch.autograd.grad(y, w, dy, create_graph=True)[0]


def main():
    cs = cases()
    head = {
        "generator": "ops/testdata/gen_torch_gradgrad.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_gradgrad.json")
    size = write(path, head, {"cases": cs})
    print(f"wrote {len(cs)} cases to {path} ({size} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
