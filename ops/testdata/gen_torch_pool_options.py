"""Regenerate torch_pool_options.json, the PyTorch reference numbers that
ops/reference_pool_options_test.go pins the options of ops.MaxPool2d
(dilation, ceil_mode, return_indices) and ops.AvgPool2d (ceil_mode,
count_include_pad, divisor_override) to: outputs, input gradients and max
pooling's indices, computed by torch in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_pool_options.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_pool_options.json next to this script. The output is deterministic:
every input and upstream gradient comes from a fixed torch seed and is
rounded to four decimals, so that it reads back into Go as exactly the same
float64, and its float32 conversion is the float32 torch used. Computed
float64 numbers are written exactly (Python's shortest repr), float32 ones
with 9 significant digits, which give back the same float32. JSON has no NaN
or infinity: the few cases that hold them (the "specials") write them as the
strings "nan", "inf" and "-inf".

Each case runs F.max_pool2d(x, kernel_size, stride, padding, dilation,
ceil_mode, return_indices=True) or F.avg_pool2d(x, kernel_size, stride,
padding, ceil_mode, count_include_pad, divisor_override) in both dtypes, with
y.backward(g) for a random (never all-ones) upstream g, and records y, x.grad
and, for max pooling, the indices. A stride of null is PyTorch's None (the
kernel size). The inputs of max pooling have no ties within a plane, except
in the specials, where the tie rules are the point: NaN propagation, windows
of -inf alone, and windows of dilated taps that all fall in the padding.

For the last of those, PyTorch 1.13 returns -inf with an index outside the
window (the first tap past the padding, which may lie outside the plane),
and its backward adds the gradient at that index, into another position, or
another plane, or past the gradient's storage (it can crash the
interpreter, so the script never runs it). tapegrad gives the same -inf but
the index -1 and no gradient. Such a case ("only_padding") records torch's
own indices as "torch_indices", its "indices" with -1 at those windows, and
as "grad" the gradient torch computes for the same pooling of the input
padded explicitly with -inf (F.pad, then no padding), cropped back to the
input: there a window of padding alone routes its gradient into the
padding, which is dropped. Its inputs hold no -inf, so every other window
would pick the same position both ways (the script checks that the outputs
agree). Along an axis, either every window or none has a tap inside the
input, so in these cases every output is -inf.
"""

import json
import math
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
    """Random values, rounded, with no two equal within a plane (the last
    two axes): redrawn until that holds."""
    while True:
        x = randn(*shape)
        planes = x.reshape(-1, shape[-2] * shape[-1])
        if all(len(set(p.tolist())) == p.numel() for p in planes):
            return x


def enc(v):
    """A float for JSON: the strings "nan", "inf", "-inf" where JSON has no number."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat64(t):
    return [enc(float(v)) for v in t.detach().reshape(-1).tolist()]


def flat32(t):
    return [enc(float("%.9g" % v)) for v in t.detach().reshape(-1).tolist()]


def pair(v):
    if v is None:
        return None
    return [v, v] if isinstance(v, int) else list(v)


def run(fn, x64, g64, dtype, kw, backward=True):
    x = x64.detach().clone().to(dtype).requires_grad_(backward)
    if fn == "max_pool2d":
        y, idx = F.max_pool2d(x, return_indices=True, **kw)
    else:
        y, idx = F.avg_pool2d(x, **kw), None
    if not backward:
        return y, None, idx
    y.backward(g64.to(dtype))
    return y, x.grad, idx


def case(name, fn, shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False,
         count_include_pad=True, divisor_override=None, x=None, only_padding=False):
    if x is None:
        x = distinct(shape) if fn == "max_pool2d" else randn(*shape)
    kw = dict(kernel_size=pair(kernel), stride=pair(stride), padding=pair(padding), ceil_mode=ceil_mode)
    if fn == "max_pool2d":
        kw["dilation"] = pair(dilation)
    else:
        kw.update(count_include_pad=count_include_pad, divisor_override=divisor_override)
    y0 = F.max_pool2d(x, **kw) if fn == "max_pool2d" else F.avg_pool2d(x, **kw)
    g = upstream(y0.shape)
    out = dict(
        name=name, function=fn, shape=list(x.shape),
        kernel_size=pair(kernel), stride=pair(stride), padding=pair(padding),
        dilation=pair(dilation) if fn == "max_pool2d" else None,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad if fn == "avg_pool2d" else None,
        divisor_override=divisor_override,
        input=flat64(x), upstream=flat64(g), output_shape=list(y0.shape),
    )
    for dtype, key, flat in ((torch.float64, "float64", flat64), (torch.float32, "float32", flat32)):
        # Never run torch's backward through a window of padding alone: it
        # writes outside the gradient's storage.
        y, grad, idx = run(fn, x, g, dtype, kw, backward=not only_padding)
        res = dict(output=flat(y), grad=flat(grad) if grad is not None else None,
                   indices=idx.reshape(-1).tolist() if idx is not None else None,
                   torch_indices=None)
        if only_padding:
            res.update(only_padding_result(x, g, dtype, kw, y, idx))
        out[key] = res
    return out


def only_padding_result(x64, g64, dtype, kw, y, idx):
    """See the docstring: the gradient through explicit -inf padding, and
    -1 for the indices of windows whose taps all fall in the padding."""
    assert not torch.isinf(x64).any()
    ph, pw = kw["padding"]
    x = x64.detach().clone().to(dtype)
    xp = F.pad(x, (pw, pw, ph, ph), value=-math.inf).requires_grad_(True)
    kw2 = dict(kw, padding=0)
    yp, _ = F.max_pool2d(xp, return_indices=True, **kw2)
    assert yp.shape == y.shape and torch.equal(yp, y), "explicit padding must agree"
    yp.backward(g64.to(dtype))
    grad = xp.grad[..., ph:ph + x.shape[-2], pw:pw + x.shape[-1]]
    empty = torch.isinf(y) & (y < 0)  # inputs hold no -inf
    assert empty.any(), "the case must have a window of padding alone"
    ours = torch.where(empty, torch.full_like(idx, -1), idx)
    flat = flat64 if dtype == torch.float64 else flat32
    return dict(grad=flat(grad), indices=ours.reshape(-1).tolist(), torch_indices=idx.reshape(-1).tolist())


nan, inf = math.nan, math.inf

MAX = [
    case("max_ceil_partial_last_window", "max_pool2d", [2, 2, 6, 8], 3, 2, ceil_mode=True),
    case("max_ceil_last_window_must_start_inside", "max_pool2d", [1, 2, 5, 3], 2, 2, 1, ceil_mode=True),
    case("max_ceil_convnet_3_2_1_even", "max_pool2d", [2, 2, 8, 8], 3, 2, 1, ceil_mode=True),
    case("max_stride_none_ceil", "max_pool2d", [1, 2, 5, 7], 2, None, ceil_mode=True),
    case("max_dilation2_stride2_pad1", "max_pool2d", [1, 2, 9, 8], 3, 2, 1, dilation=2),
    case("max_dilation_ceil_non_square", "max_pool2d", [2, 1, 8, 7], (3, 2), (2, 3), (1, 1), dilation=(2, 1), ceil_mode=True),
    case("max_dilation_1x3_stride1", "max_pool2d", [1, 1, 5, 9], (2, 3), 1, (1, 1), dilation=(1, 3)),
    case("max_kernel_beyond_input_ceil", "max_pool2d", [2, 1, 2, 3], 3, 2, 0, ceil_mode=True),
    case("max_kernel_beyond_input_ceil_pad1", "max_pool2d", [2, 1, 2, 3], 3, 2, 1, ceil_mode=True),
    case("max_everything_at_once", "max_pool2d", [2, 3, 7, 9], (3, 2), (2, 3), (1, 1), dilation=(2, 3), ceil_mode=True),
]

AVG = [
    case("avg_exclude_pad", "avg_pool2d", [2, 2, 5, 6], 3, 2, 1, count_include_pad=False),
    case("avg_ceil_include_pad_past_padding", "avg_pool2d", [1, 2, 6, 6], 3, 2, 1, ceil_mode=True),
    case("avg_ceil_exclude_pad", "avg_pool2d", [1, 2, 6, 7], 3, 2, 1, ceil_mode=True, count_include_pad=False),
    case("avg_divisor_override", "avg_pool2d", [2, 1, 5, 5], 3, 2, 1, divisor_override=5),
    case("avg_divisor_override_ceil_exclude", "avg_pool2d", [1, 2, 7, 6], (3, 2), 2, 1, ceil_mode=True,
         count_include_pad=False, divisor_override=4),
    case("avg_negative_divisor_override", "avg_pool2d", [1, 1, 4, 5], 2, 1, 1, divisor_override=-3),
    case("avg_non_square_ceil_exclude", "avg_pool2d", [2, 1, 5, 8], (2, 3), (3, 1), (1, 1), ceil_mode=True,
         count_include_pad=False),
    case("avg_ceil_no_padding", "avg_pool2d", [1, 1, 7, 5], 2, 2, ceil_mode=True),
    case("avg_ceil_last_window_must_start_inside", "avg_pool2d", [1, 2, 5, 3], 2, 2, 1, ceil_mode=True),
    case("avg_kernel_beyond_input_ceil", "avg_pool2d", [2, 1, 2, 3], 3, 2, 0, ceil_mode=True),
    case("avg_kernel_beyond_input_ceil_pad1", "avg_pool2d", [2, 1, 2, 3], 3, 2, 1, ceil_mode=True,
         count_include_pad=True),
    case("avg_kernel_beyond_input_ceil_pad1_exclude", "avg_pool2d", [2, 1, 2, 3], 3, 2, 1, ceil_mode=True,
         count_include_pad=False),
    case("avg_stride_none_ceil", "avg_pool2d", [1, 1, 7, 8], 3, None, ceil_mode=True),
]


def specials():
    t = lambda rows, *shape: torch.tensor(rows, dtype=torch.float64).reshape(*shape)
    return [
        # NaN: the last NaN of a window wins, over numbers and -inf alike.
        case("max_nan_propagation", "max_pool2d", [1, 1, 4, 5], 2, 1, 1, x=t([
            1.5, nan, -0.5, 2.0, nan,
            nan, 0.25, 3.0, -inf, 1.0,
            -2.0, 0.5, -1.0, nan, 4.0,
            0.75, -0.25, nan, 5.0, -3.0], 1, 1, 4, 5)),
        # NaN through dilated taps (rows 1 and 3, columns 1, 3 and 5 only)
        # and a ceil-mode partial window: NaNs elsewhere are never seen.
        case("max_nan_dilated_ceil", "max_pool2d", [1, 1, 5, 6], 2, 2, 1, dilation=2, ceil_mode=True, x=t([
            0.5, -1.0, 2.0, nan, 1.5, -0.25,
            3.0, -2.0, 2.5, nan, 1.25, 0.75,
            -0.5, 4.0, 1.0, 0.0, -3.0, 2.25,
            2.75, nan, 0.125, 1.75, -1.5, nan,
            nan, 0.375, -2.5, 3.5, 2.125, -0.125], 1, 1, 5, 6)),
        # Windows of -inf alone (with and without padding) route their
        # gradient to their first in-bounds position.
        case("max_neg_inf_windows", "max_pool2d", [2, 1, 3, 4], 2, 1, 1, x=t([
            -inf, -inf, -inf, 1.0,
            -inf, -inf, -inf, -inf,
            2.0, -inf, -inf, -inf] + [-inf] * 12, 2, 1, 3, 4)),
        # Dilated taps that all fall in the padding, along the rows or the
        # columns. Along an axis, either every window or none has a tap in
        # the input, so here every output is -inf.
        case("max_only_padding_rows", "max_pool2d", [2, 1, 2, 3], 2, 1, 1, dilation=3, only_padding=True),
        case("max_only_padding_cols_ceil", "max_pool2d", [1, 2, 4, 2], (2, 2), (2, 1), (1, 1), dilation=(1, 3),
             ceil_mode=True, only_padding=True),
    ]


SPECIAL = specials()


def main():
    cases = MAX + AVG + SPECIAL
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_pool_options.py",
        "torch_version": torch.__version__,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_pool_options.json")
    block = "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cases) + "\n  ]"
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": ' + block + "\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(cases)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
