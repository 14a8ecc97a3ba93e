"""Regenerate torch_conv_pool.json, the PyTorch reference numbers that
ops/reference_conv_pool_test.go pins ops.Conv2d, ops.MaxPool2d and
ops.AvgPool2d to: forward values and every input's gradient.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_conv_pool.py

It needs PyTorch (any 1.x or 2.x; Debian's python3-torch will do — the
python3 first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_conv_pool.json next to this script. The output is deterministic: every
input, weight, bias and upstream gradient comes from a fixed torch seed and
is rounded to four decimals, so it reads back into Go as exactly the same
float64; every computed number is rounded to 12 significant digits (see
flat12) to keep the file small.
The Go tests never run Python; rerun this script only to change the cases.

Convolution cases ("conv"): F.conv2d(x, w, b, stride, padding, dilation,
groups) in float64, y.backward(g) for a random (never all-ones) upstream g,
and the output with x.grad, w.grad and (with a bias) b.grad. The first ten
are the settings of convCases in ops/conv2d_test.go (some with fewer
channels or smaller planes, to keep the file small); the rest add what those
do not reach: a depthwise convolution with two outputs per channel, a strided
1×1, padding wider than the kernel, non-square dilation with groups.

Pooling cases ("pool"): F.max_pool2d and F.avg_pool2d (PyTorch's defaults:
dilation 1, ceil_mode False, count_include_pad True) with the output and
x.grad. The inputs of max pooling have no ties anywhere in a plane, so the
argmax is unique (ties are tested in ops/pool_test.go).
"""

import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20240614)

DTYPE = torch.float64


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(*shape, dtype=DTYPE))


def upstream(shape):
    """A random upstream gradient; never all ones."""
    g = randn(*shape)
    assert not torch.all(g == 1)
    return g


def distinct(shape):
    """Random values, rounded, with no two equal within a plane (the last
    two axes): redrawn until that holds. Neighbouring values in a plane then
    differ by at least 1e-4, far more than float64 rounding."""
    while True:
        x = randn(*shape)
        planes = x.reshape(-1, shape[-2] * shape[-1])
        if all(len(set(p.tolist())) == p.numel() for p in planes):
            return x


def flat(t):
    """The values of an input (already rounded to 4 decimals), exactly."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat12(t):
    """The values of a computed tensor, rounded to 12 significant digits.

    That keeps the file small and costs a relative 5e-13 at most, 200 times
    below the tests' tolerance of 1e-10. Convolution outputs and gradients
    and max pooling's gradients are sums of products of 4-decimal numbers,
    so their exact values have at most 8 decimals, which 12 significant
    digits hold at these magnitudes: the rounding then recovers the exact
    result from torch's float64 one."""
    return [float("%.12g" % v) for v in t.detach().reshape(-1).tolist()]


def pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def conv(name, x_shape, w_shape, stride=1, padding=0, dilation=1, groups=1, bias=False):
    x = randn(*x_shape).requires_grad_(True)
    w = randn(*w_shape).requires_grad_(True)
    b = randn(w_shape[0]).requires_grad_(True) if bias else None
    stride, padding, dilation = pair(stride), pair(padding), pair(dilation)
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = upstream(y.shape)
    y.backward(g)
    out = dict(
        name=name, x_shape=list(x.shape), w_shape=list(w.shape),
        stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias,
        x=flat(x), w=flat(w), b=flat(b) if bias else None,
        upstream=flat(g), output_shape=list(y.shape), output=flat12(y),
        grad_x=flat12(x.grad), grad_w=flat12(w.grad), grad_b=flat12(b.grad) if bias else None,
    )
    check_finite(out, "x", "w", "upstream", "output", "grad_x", "grad_w")
    return out


def pool(name, function, shape, kernel, stride, padding):
    x = (distinct(shape) if function == "max_pool2d" else randn(*shape)).requires_grad_(True)
    kernel, stride, padding = pair(kernel), pair(stride), pair(padding)
    if function == "max_pool2d":
        y = F.max_pool2d(x, kernel, stride, padding)
    elif function == "avg_pool2d":
        y = F.avg_pool2d(x, kernel, stride, padding)
    else:
        raise ValueError(function)
    g = upstream(y.shape)
    y.backward(g)
    out = dict(
        name=name, function=function, shape=list(x.shape),
        kernel=kernel, stride=stride, padding=padding,
        input=flat(x), upstream=flat(g), output_shape=list(y.shape), output=flat12(y),
        grad=flat12(x.grad),
    )
    check_finite(out, "input", "upstream", "output", "grad")
    return out


def check_finite(case, *keys):
    for key in keys:
        # JSON has no Inf or NaN, and these cases are chosen to stay finite.
        assert all(math.isfinite(v) for v in case[key]), (case["name"], key)


CONV = [
    # The cases of convCases in ops/conv2d_test.go, in order, some with
    # fewer channels or smaller planes to keep the file small.
    conv("plain_3x3", [2, 2, 5, 4], [3, 2, 3, 3], bias=True),
    conv("batch1_stride2_odd_pad1", [1, 2, 7, 7], [2, 2, 3, 3], stride=2, padding=1),
    conv("stride2_drops_last_row", [2, 1, 6, 6], [2, 1, 3, 3], stride=2, bias=True),
    conv("dilation2", [1, 1, 7, 8], [2, 1, 3, 3], dilation=2, padding=(2, 1)),
    conv("groups2", [2, 4, 3, 3], [4, 2, 3, 3], groups=2, padding=1, bias=True),
    conv("depthwise", [2, 3, 4, 3], [3, 1, 3, 3], groups=3, padding=1),
    conv("1x1", [3, 3, 2, 3], [2, 3, 1, 1], bias=True),
    conv("non_square_input_kernel_stride", [1, 2, 6, 5], [3, 2, 2, 3], stride=(1, 2), padding=(0, 1)),
    conv("kernel_is_whole_image", [1, 2, 4, 4], [2, 2, 4, 4], bias=True),
    conv("everything_at_once", [2, 2, 5, 6], [4, 1, 2, 2], stride=(3, 2), padding=1, dilation=(2, 1), groups=2),
    # Beyond convCases.
    conv("depthwise_multiplier2_stride2_odd", [1, 2, 5, 5], [4, 1, 3, 3], stride=2, padding=1, groups=2, bias=True),
    conv("1x1_stride2_odd", [2, 2, 3, 5], [3, 2, 1, 1], stride=2, bias=True),
    conv("padding_beyond_kernel", [1, 2, 3, 3], [2, 2, 2, 2], padding=(2, 3), bias=True),
    conv("non_square_dilation_groups2", [1, 2, 5, 6], [2, 1, 3, 2], stride=(2, 1), padding=(1, 2), dilation=(1, 3), groups=2),
]

POOL = []
for fn in ("max_pool2d", "avg_pool2d"):
    short = fn.split("_")[0]
    POOL += [
        # The cases of poolCases in ops/pool_test.go, in order, most with
        # fewer planes.
        pool(short + "_odd_stride2_pad1", fn, [2, 1, 7, 7], 3, 2, 1),
        pool(short + "_overlapping_stride1_batch1", fn, [1, 1, 5, 5], 3, 1, 1),
        pool(short + "_non_square", fn, [2, 1, 4, 7], (2, 3), (1, 2), (1, 0)),
        pool(short + "_1x1_kernel", fn, [1, 2, 3, 4], 1, 1, 0),
        pool(short + "_kernel_is_whole_plane", fn, [1, 2, 4, 5], (4, 5), 1, 0),
        pool(short + "_2x2_stride2_odd_width", fn, [2, 1, 6, 5], 2, 2, 0),
        pool(short + "_stride_beyond_kernel", fn, [1, 1, 7, 8], 2, 3, (1, 0)),
        pool(short + "_H1", fn, [2, 1, 1, 5], (1, 3), 1, (0, 1)),
        # Beyond poolCases: the ConvNet's 3/2/1 pool on its last two sizes,
        # and non-square kernel, stride and padding together.
        pool(short + "_convnet_4to2", fn, [2, 2, 4, 4], 3, 2, 1),
        pool(short + "_convnet_2to1", fn, [2, 3, 2, 2], 3, 2, 1),
        pool(short + "_non_square_all_overlapping", fn, [1, 1, 6, 5], (3, 2), (2, 1), (1, 1)),
    ]


def main():
    names = [c["name"] for c in CONV + POOL]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_conv_pool.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_conv_pool.json")
    # One case per line keeps the file small and its diffs readable.
    def block(cases):
        return "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cases) + "\n  ]"
    text = (json.dumps(head, indent=2)[:-2] + ',\n  "conv": ' + block(CONV) +
            ',\n  "pool": ' + block(POOL) + "\n}\n")
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CONV)} convolution and {len(POOL)} pooling cases to {path} "
          f"({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
