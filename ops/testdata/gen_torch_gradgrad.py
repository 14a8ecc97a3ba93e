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
Inputs stay away from kinks and ties (values at least 0.05 from 0 for
ReLU-like functions, distinct values for max, min and max pooling), so that
central differences of the first-order gradients, which the Go test also
compares H with, are valid.

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

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261217)

SAMPLES = 48  # positions stored of each result of a sampled case


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape, scale=1.0):
    return r4(scale * torch.randn(shape, dtype=torch.float64))


def away(*shape, margin=0.05):
    """Random values at least margin away from 0 (for ReLU, LeakyReLU, ELU)."""
    x = randn(*shape)
    return r4(torch.where(x.abs() < margin, torch.sign(x + 1e-9) * (margin + x.abs()), x))


def positive(*shape, lo=0.5, hi=2.0):
    return r4(lo + (hi - lo) * torch.rand(shape, dtype=torch.float64))


def distinct(*shape):
    """Random values with no two equal anywhere."""
    while True:
        x = randn(*shape)
        if len(set(x.reshape(-1).tolist())) == x.numel():
            return x


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


def flat(t):
    """An input (already rounded to 4 decimals), exactly."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat_result(t, dtype):
    """A computed tensor: float64 rounded to 13 significant digits (a
    relative 5e-14 at most, 2000 times below the test's tolerance of 1e-10,
    and a smaller file), float32 with 9, which round-trips a float32."""
    vals = t.detach().to(torch.float64).reshape(-1).tolist()
    digits = "%.9g" if dtype == torch.float32 else "%.13g"
    return [float(digits % v) for v in vals]


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


def second_order(fn, xs, g, vs, dtype):
    """y, F and H (see the docstring) in dtype."""
    x = [xi.to(dtype).requires_grad_() for xi in xs]
    gd = g.to(dtype).requires_grad_()
    y = fn(*x)
    first = torch.autograd.grad(y, x, gd, create_graph=True, allow_unused=True)
    first = [torch.zeros_like(xi) if fi is None else fi for xi, fi in zip(x, first)]
    psi = sum((v.to(dtype) * fi).sum() for v, fi in zip(vs, first) if fi.requires_grad)
    wrt = x + [gd]
    if torch.is_tensor(psi) and psi.requires_grad:
        second = torch.autograd.grad(psi, wrt, allow_unused=True)
    else:
        second = [None] * len(wrt)
    second = [torch.zeros_like(w) if h is None else h for w, h in zip(wrt, second)]
    return y, first, second


def case(name, op, fn, inputs, params=None, sampled=False):
    """One case: op is the tapegrad op (or composite) the Go test builds,
    params its settings, fn the torch function, inputs a list of T."""
    xs = [t.value for t in inputs]
    with torch.no_grad():
        y0 = fn(*[x.clone() for x in xs])
    if sampled:
        g = pat(tuple(y0.shape), 101, 10000)
        vs = [pat(tuple(x.shape), 201 + i, 10000) for i, x in enumerate(xs)]
    else:
        g = T(randn(*y0.shape))
        vs = [T(randn(*x.shape)) for x in xs]
    out = dict(name=name, op=op, params=params or {},
               inputs=[t.json() for t in inputs], g=g.json(), v=[v.json() for v in vs])
    at_x = at_y = None
    if sampled:
        gen = torch.Generator().manual_seed(7)
        at_x = [sorted(torch.randperm(x.numel(), generator=gen)[:SAMPLES].tolist()) for x in xs]
        at_y = sorted(torch.randperm(y0.numel(), generator=gen)[:SAMPLES].tolist())
        out["at_inputs"] = at_x
        out["at_output"] = at_y
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        y, first, second = second_order(fn, xs, g.value, [v.value for v in vs], dtype)
        ax = at_x or [None] * len(xs)
        out[key] = dict(
            output=result(y, dtype, at_y),
            first=[result(f, dtype, a) for f, a in zip(first, ax)],
            second=[result(h, dtype, a) for h, a in zip(second, ax + [at_y])],
        )
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
    C.append(case("elu_1", "ELU", lambda x: F.elu(x, 1.0), [T(away(2, 3))], dict(Alpha=1.0)))
    C.append(case("elu_0.5", "ELU", lambda x: F.elu(x, 0.5), [T(away(3, 2))], dict(Alpha=0.5)))
    C.append(case("tanh", "Tanh", torch.tanh, [T(randn(2, 3))]))
    C.append(case("sigmoid", "Sigmoid", torch.sigmoid, [T(randn(2, 3))]))
    C.append(case("neg", "Neg", torch.neg, [T(randn(2, 3))]))
    C.append(case("scale", "Scale", lambda x: x * -1.5, [T(randn(2, 3))], dict(C=-1.5)))
    C.append(case("add_scalar", "AddScalar", lambda x: x + 0.7, [T(randn(2, 3))], dict(C=0.7)))
    C.append(case("exp", "Exp", torch.exp, [T(randn(2, 3))]))
    C.append(case("log", "Log", torch.log, [T(positive(2, 3))]))
    C.append(case("sqrt", "Sqrt", torch.sqrt, [T(positive(2, 3))]))
    for p, x in ((2.0, randn(2, 3)), (3.0, randn(2, 3)), (1.0, randn(3)), (0.5, positive(2, 3)),
                 (-1.5, positive(4)), (2.5, positive(3, 2))):
        C.append(case("pow_%g" % p, "Pow", lambda x, p=p: torch.pow(x, p), [T(x)], dict(P=p)))
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
    for axis, keep, shape in ((1, False, (2, 3, 2)), (-1, True, (3, 4)), (0, False, (5,))):
        tag = "%d_%s_%s" % (axis, "keep" if keep else "drop", "x".join(map(str, shape)))
        prm = dict(Axis=axis, KeepDims=keep)
        C.append(case("max_" + tag, "Max", lambda x, a=axis, k=keep: torch.max(x, a, keepdim=k)[0], [T(distinct(*shape))], prm))
        C.append(case("min_" + tag, "Min", lambda x, a=axis, k=keep: torch.min(x, a, keepdim=k)[0], [T(distinct(*shape))], prm))
        C.append(case("logsumexp_" + tag, "LogSumExp", lambda x, a=axis, k=keep: torch.logsumexp(x, a, keepdim=k), [T(randn(*shape))], prm))
        C.append(case("log_softmax_" + tag, "LogSoftmax", lambda x, a=axis: F.log_softmax(x, a), [T(randn(*shape))], dict(Axis=axis)))
        C.append(case("softmax_" + tag, "Softmax", lambda x, a=axis: F.softmax(x, a), [T(randn(*shape))], dict(Axis=axis)))
    # Gather: x[range(n), idx], and the cross-entropy built on it.
    C.append(case("gather_3x4", "Gather", lambda x: x[torch.arange(3), torch.tensor([2, 0, 3])], [T(randn(3, 4))], dict(Index=[2, 0, 3])))
    C.append(case("gather_1x2", "Gather", lambda x: x[torch.arange(1), torch.tensor([1])], [T(randn(1, 2))], dict(Index=[1])))
    C.append(case("cross_entropy_4x3", "CrossEntropy", lambda x: F.cross_entropy(x, torch.tensor([2, 0, 1, 2])), [T(randn(4, 3))], dict(Index=[2, 0, 1, 2])))
    C.append(case("cross_entropy_2x5", "CrossEntropy", lambda x: F.cross_entropy(x, torch.tensor([4, 1])), [T(randn(2, 5))], dict(Index=[4, 1])))
    # MatMul: 2-d with the transposes, 1-d operands, broadcast batches.
    for a, b, ta, tb in (((2, 3), (3, 4), False, False), ((2, 3), (4, 3), False, True), ((3, 2), (3, 4), True, False),
                         ((3, 2), (4, 3), True, True), ((3,), (3,), False, False), ((2, 3), (3,), False, False),
                         ((3,), (3, 2), False, False), ((2, 1, 2, 3), (2, 3, 2), False, False), ((2, 2, 3), (3, 2), False, False),
                         ((4, 3), (2, 4, 2), True, False), ((2, 2, 3), (3,), False, False)):
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
    return C


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
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_gradgrad.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_gradgrad.json")
    # One case per line keeps the diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cs)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(cs)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
