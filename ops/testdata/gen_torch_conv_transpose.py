"""Regenerate torch_conv_transpose.json, the PyTorch reference numbers that
ops/reference_conv_transpose_test.go pins ops.ConvTranspose2d,
ops.Conv2dWeightGrad and the second-order gradients of ops.Conv2d,
ops.MaxPool2d and ops.AvgPool2d to, computed by torch in float64 and in
float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_conv_transpose.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_conv_transpose.json next to this script. The output is
deterministic: every input, weight, bias, upstream gradient and direction
comes from a fixed torch seed and is rounded to four decimals, so that it
reads back into Go as exactly the same float64, and its float32 conversion
is the float32 torch used. Computed float64 numbers are written exactly
(Python's shortest repr), float32 ones with 9 significant digits, which
give back the same float32. The Go tests never run Python.

Sections:

- "conv_transpose": F.conv_transpose2d(x, w, b, stride, padding,
  output_padding, groups, dilation), then y.backward(g) for a random
  (never all-ones) upstream g: the output, x.grad, w.grad and b.grad (null
  without a bias).
- "conv2d_weight": torch.nn.grad.conv2d_weight(x, weight_size, dy, stride,
  padding, dilation, groups), then its backward for an upstream g: the
  output and the gradients with respect to x and dy.
- "double": second-order gradients, as gradgradcheck differentiates:
  for f = F.conv2d, F.max_pool2d or F.avg_pool2d with inputs x (and w, b),
  the first-order gradients F_i = torch.autograd.grad(y, inputs, g,
  create_graph=True), then the gradients of psi = sum_i <v_i, F_i> with
  respect to every input and to g, for random directions v_i. "first"
  holds the F_i, "second" the gradients of psi (inputs first, g last;
  zeros where psi does not depend on one). The max pooling inputs have no
  ties within a plane.
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261202)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(*shape, dtype=torch.float64))


def upstream(shape):
    """A random upstream gradient; never all ones."""
    g = randn(*shape)
    assert not torch.all(g == 1)
    return g


def distinct(shape):
    """Random values, rounded, with no two equal within a plane."""
    while True:
        x = randn(*shape)
        planes = x.reshape(-1, shape[-2] * shape[-1])
        if all(len(set(p.tolist())) == p.numel() for p in planes):
            return x


def flat64(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat32(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


DTYPES = ((torch.float64, "float64", flat64), (torch.float32, "float32", flat32))


def leaf(t, dtype):
    """A fresh leaf copy of t in dtype that requires a gradient."""
    return t.detach().clone().to(dtype).requires_grad_(True)


def pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def conv_transpose(name, x_shape, w_shape, bias=False, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    x, w = randn(*x_shape), randn(*w_shape)
    b = randn(w_shape[1] * groups) if bias else None
    kw = dict(stride=pair(stride), padding=pair(padding), output_padding=pair(output_padding),
              groups=groups, dilation=pair(dilation))
    y0 = F.conv_transpose2d(x, w, b, **kw)
    g = upstream(y0.shape)
    out = dict(name=name, x_shape=list(x_shape), w_shape=list(w_shape), bias=bias, **kw,
               x=flat64(x), w=flat64(w), b=flat64(b) if bias else None, upstream=flat64(g),
               output_shape=list(y0.shape))
    for dtype, key, flat in DTYPES:
        xs = leaf(x, dtype)
        ws = leaf(w, dtype)
        bs = leaf(b, dtype) if bias else None
        y = F.conv_transpose2d(xs, ws, bs, **kw)
        y.backward(g.to(dtype))
        out[key] = dict(output=flat(y), grad_x=flat(xs.grad), grad_w=flat(ws.grad),
                        grad_b=flat(bs.grad) if bias else None)
    return out


def conv2d_weight(name, x_shape, weight_size, stride=1, padding=0, dilation=1, groups=1):
    kw = dict(stride=pair(stride), padding=pair(padding), dilation=pair(dilation), groups=groups)
    x = randn(*x_shape)
    dy_shape = F.conv2d(x, torch.zeros(weight_size, dtype=torch.float64), **kw).shape
    dy = randn(*dy_shape)
    g = upstream(weight_size)
    out = dict(name=name, x_shape=list(x_shape), weight_size=list(weight_size), grad_output_shape=list(dy_shape),
               **kw, x=flat64(x), grad_output=flat64(dy), upstream=flat64(g))
    for dtype, key, flat in DTYPES:
        xs = leaf(x, dtype)
        dys = leaf(dy, dtype)
        y = torch.nn.grad.conv2d_weight(xs, weight_size, dys, **kw)
        y.backward(g.to(dtype))
        out[key] = dict(output=flat(y), grad_x=flat(xs.grad), grad_grad_output=flat(dys.grad))
    return out


def double(name, function, shapes, **kw):
    """Second-order gradients of function, applied to inputs of shapes."""
    if function == "max_pool2d":
        inputs = [distinct(shapes[0])]
        fn = lambda xs: F.max_pool2d(xs[0], **kw)
    elif function == "avg_pool2d":
        inputs = [randn(*shapes[0])]
        fn = lambda xs: F.avg_pool2d(xs[0], **kw)
    else:
        inputs = [randn(*s) for s in shapes]
        fn = lambda xs: F.conv2d(*xs, **kw)
    y0 = fn(inputs)
    g = upstream(y0.shape)
    vs = [randn(*s) for s in shapes]
    out = dict(name=name, function=function, shapes=[list(s) for s in shapes],
               **{k: (v if k in ("groups", "divisor_override", "ceil_mode", "count_include_pad") else pair(v))
                  for k, v in kw.items()},
               inputs=[flat64(x) for x in inputs], upstream=flat64(g), directions=[flat64(v) for v in vs],
               output_shape=list(y0.shape))
    for dtype, key, flat in DTYPES:
        xs = [leaf(x, dtype) for x in inputs]
        gs = leaf(g, dtype)
        y = fn(xs)
        first = torch.autograd.grad(y, xs, gs, create_graph=True)
        psi = sum((f * v.to(dtype)).sum() for f, v in zip(first, vs))
        second = torch.autograd.grad(psi, xs + [gs], allow_unused=True)
        second = [torch.zeros_like(t) if s is None else s for s, t in zip(second, xs + [gs])]
        out[key] = dict(output=flat(y), first=[flat(f) for f in first], second=[flat(s) for s in second])
    return out


CONV_TRANSPOSE = [
    conv_transpose("bias_padding1", [1, 2, 3, 3], [2, 3, 3, 3], bias=True, padding=1),
    conv_transpose("stride2_output_padding1", [2, 2, 3, 4], [2, 2, 3, 2], stride=2, padding=(1, 0), output_padding=1),
    # output_padding 1 at stride 1: the dilation 2 allows it.
    conv_transpose("dilation_beyond_stride_groups2", [1, 4, 3, 3], [4, 1, 2, 3], bias=True, stride=(1, 2),
                   padding=1, output_padding=1, groups=2, dilation=(2, 1)),
    conv_transpose("1x1_stride2", [2, 3, 2, 2], [3, 2, 1, 1], stride=2, output_padding=(1, 0)),
    conv_transpose("depthwise_stride2", [1, 3, 4, 4], [3, 1, 3, 3], bias=True, stride=2, padding=1,
                   output_padding=1, groups=3),
    conv_transpose("padding_equal_kernel", [1, 2, 5, 5], [2, 2, 2, 2], padding=2),
    conv_transpose("non_square_everything", [2, 2, 3, 5], [2, 4, 2, 3], bias=True, stride=(3, 2), padding=(0, 1),
                   output_padding=(2, 1), dilation=(1, 2)),
]

CONV2D_WEIGHT = [
    conv2d_weight("stride2_padding1", [2, 2, 5, 5], [3, 2, 3, 3], stride=2, padding=1),
    conv2d_weight("groups2_dilation2x1", [1, 4, 6, 5], [2, 2, 2, 2], dilation=(2, 1), groups=2),
    conv2d_weight("stride_drops_a_row", [1, 3, 6, 7], [2, 3, 2, 3], stride=(2, 3), padding=(0, 1)),
]

DOUBLE = [
    double("conv2d_bias_padding1", "conv2d", [[1, 2, 5, 5], [3, 2, 3, 3], [3]], padding=1),
    double("conv2d_3x3_stride1_winograd_shape", "conv2d", [[2, 3, 6, 6], [2, 3, 3, 3]]),
    double("conv2d_stride2_dilation2_groups2", "conv2d", [[2, 4, 7, 6], [2, 2, 3, 2], [2]],
           stride=(2, 1), padding=(1, 0), dilation=(2, 1), groups=2),
    double("max_pool2d_overlapping", "max_pool2d", [[2, 2, 5, 5]], kernel_size=3, stride=1, padding=1),
    double("max_pool2d_dilation_ceil", "max_pool2d", [[1, 2, 7, 6]], kernel_size=3, stride=2, padding=1,
           dilation=(2, 1), ceil_mode=True),
    double("avg_pool2d_ceil_exclude_pad", "avg_pool2d", [[1, 2, 6, 5]], kernel_size=3, stride=2, padding=1,
           ceil_mode=True, count_include_pad=False),
    double("avg_pool2d_divisor_override", "avg_pool2d", [[2, 1, 4, 5]], kernel_size=(2, 3), stride=1,
           padding=(1, 1), divisor_override=5),
]


def main():
    names = [c["name"] for c in CONV_TRANSPOSE + CONV2D_WEIGHT + DOUBLE]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_conv_transpose.py",
        "torch_version": torch.__version__,
    }

    def block(cases):
        return "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cases) + "\n  ]"

    text = (json.dumps(head, indent=2)[:-2] + ',\n  "conv_transpose": ' + block(CONV_TRANSPOSE) +
            ',\n  "conv2d_weight": ' + block(CONV2D_WEIGHT) + ',\n  "double": ' + block(DOUBLE) + "\n}\n")
    json.loads(text)  # the hand-joined layout must still be valid JSON
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_conv_transpose.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(names)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
