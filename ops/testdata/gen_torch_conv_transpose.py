"""Regenerate torch_conv_transpose.json, the PyTorch reference numbers that
ops/reference_conv_transpose_test.go pins ops.ConvTranspose2d
and ops.Conv2dWeightGrad to, computed by torch in float64 and in float32.
(Their second-order gradients, and those of Conv2d and the pooling ops,
are in gen_torch_gradgrad.py.)

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_conv_transpose.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_conv_transpose.json next to this script. The output is
deterministic: every input, weight, bias and upstream gradient
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
"""

import os

import torch
import torch.nn.functional as F

from torchref import flat, randn, upstream, write

torch.manual_seed(20261202)


def flat32(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


DTYPES = ((torch.float64, "float64", flat), (torch.float32, "float32", flat32))


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
    g = upstream(*y0.shape)
    out = dict(name=name, x_shape=list(x_shape), w_shape=list(w_shape), bias=bias, **kw,
               x=flat(x), w=flat(w), b=flat(b) if bias else None, upstream=flat(g),
               output_shape=list(y0.shape))
    for dtype, key, fmt in DTYPES:
        xs = leaf(x, dtype)
        ws = leaf(w, dtype)
        bs = leaf(b, dtype) if bias else None
        y = F.conv_transpose2d(xs, ws, bs, **kw)
        y.backward(g.to(dtype))
        out[key] = dict(output=fmt(y), grad_x=fmt(xs.grad), grad_w=fmt(ws.grad),
                        grad_b=fmt(bs.grad) if bias else None)
    return out


def conv2d_weight(name, x_shape, weight_size, stride=1, padding=0, dilation=1, groups=1):
    kw = dict(stride=pair(stride), padding=pair(padding), dilation=pair(dilation), groups=groups)
    x = randn(*x_shape)
    dy_shape = F.conv2d(x, torch.zeros(weight_size, dtype=torch.float64), **kw).shape
    dy = randn(*dy_shape)
    g = upstream(*weight_size)
    out = dict(name=name, x_shape=list(x_shape), weight_size=list(weight_size), grad_output_shape=list(dy_shape),
               **kw, x=flat(x), grad_output=flat(dy), upstream=flat(g))
    for dtype, key, fmt in DTYPES:
        xs = leaf(x, dtype)
        dys = leaf(dy, dtype)
        y = torch.nn.grad.conv2d_weight(xs, weight_size, dys, **kw)
        y.backward(g.to(dtype))
        out[key] = dict(output=fmt(y), grad_x=fmt(xs.grad), grad_grad_output=fmt(dys.grad))
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

def main():
    head = {
        "generator": "ops/testdata/gen_torch_conv_transpose.py",
        "torch_version": torch.__version__,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_conv_transpose.json")
    size = write(path, head, {"conv_transpose": CONV_TRANSPOSE, "conv2d_weight": CONV2D_WEIGHT})
    print(f"wrote {len(CONV_TRANSPOSE) + len(CONV2D_WEIGHT)} cases to {path} ({size} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
