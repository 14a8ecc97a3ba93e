"""Regenerate torch_resize.json, the PyTorch reference numbers that
ops/reference_resize_test.go pins ops.AdaptiveAvgPool2d and
ops.AdaptiveMaxPool2d ("adaptive_pool") and ops.Interpolate
("interpolate") to: outputs, input gradients and max pooling's indices,
computed by torch in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_resize.py

It needs PyTorch (Debian's python3-torch 1.13, hence /usr/bin/python3) and
writes torch_resize.json next to this script. The output is deterministic:
inputs and upstream gradients come from a fixed torch seed, rounded to four
decimals (see torchref.py). Each case runs F.adaptive_avg_pool2d(x,
output_size) or F.adaptive_max_pool2d(x, output_size, return_indices=True)
in both dtypes, with y.backward(g) for a random upstream g. An output size
of null on an axis is PyTorch's None (the input's size). Max pooling's
inputs have no ties, except in the NaN case.

Each "interpolate" case runs F.interpolate(x, size, scale_factor, mode,
align_corners) on a 4-d input (recompute_scale_factor None) in both dtypes,
with y.backward(g); size or scale_factor is null when not given. The cases
shrink and grow, by sizes and by scale factors whose 1/scale differs from
in/out, with PyTorch's nearest special cases (out = in, out = 2·in).
"""

import os

import torch
import torch.nn.functional as F

import torchref as R

torch.manual_seed(20261219)


def case(name, fn, shape, size, x=None):
    if x is None:
        x = R.distinct(*shape) if fn == "adaptive_max_pool2d" else R.randn(*shape)
    c = {"name": name, "function": fn, "shape": list(shape), "output_size": list(size),
         "input": R.flat(x)}
    osize = tuple(size)
    for dt, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        xi = x.to(dt).clone().requires_grad_(True)
        if fn == "adaptive_max_pool2d":
            y, idx = F.adaptive_max_pool2d(xi, osize, return_indices=True)
        else:
            y, idx = F.adaptive_avg_pool2d(xi, osize), None
        if key == "float64":
            g = R.upstream(*y.shape)
            c["upstream"] = R.flat(g)
            c["output_shape"] = list(y.shape)
        y.backward(g.to(dt))
        c[key] = {"output": R.flat_result(y, dt), "grad": R.flat_result(xi.grad, dt),
                  "indices": None if idx is None else idx.reshape(-1).tolist()}
    return c


def cases():
    out = []
    for fn, short in (("adaptive_avg_pool2d", "avg"), ("adaptive_max_pool2d", "max")):
        out += [
            case(short + "_divides", fn, [2, 3, 6, 8], [3, 4]),
            case(short + "_overlapping_bins", fn, [1, 2, 5, 7], [3, 4]),
            case(short + "_global", fn, [2, 2, 4, 5], [1, 1]),
            case(short + "_larger_than_input", fn, [1, 2, 3, 2], [5, 4]),
            case(short + "_none_h", fn, [1, 1, 4, 6], [None, 4]),
            case(short + "_none_w", fn, [2, 1, 5, 3], [2, None]),
            case(short + "_same_size", fn, [1, 2, 3, 3], [3, 3]),
            case(short + "_1x1_input", fn, [1, 3, 1, 1], [2, 3]),
        ]
    nan = float("nan")
    out.append(case("max_nan", "adaptive_max_pool2d", [1, 1, 3, 4], [2, 2], x=torch.tensor([
        1.0, nan, -0.5, 2.0,
        0.25, 3.0, nan, -1.0,
        -2.0, 0.5, 1.5, nan], dtype=torch.float64).reshape(1, 1, 3, 4)))
    return out


def interp(name, shape, size=None, scale=None, mode="nearest", align=None):
    x = R.randn(*shape)
    c = {"name": name, "shape": list(shape), "size": size, "scale_factor": scale, "mode": mode,
         "align_corners": bool(align), "input": R.flat(x)}
    for dt, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        xi = x.to(dt).clone().requires_grad_(True)
        y = F.interpolate(xi, size=None if size is None else tuple(size),
                          scale_factor=None if scale is None else tuple(scale), mode=mode, align_corners=align)
        if key == "float64":
            g = R.upstream(*y.shape)
            c["upstream"] = R.flat(g)
            c["output_shape"] = list(y.shape)
        y.backward(g.to(dt))
        c[key] = {"output": R.flat_result(y, dt), "grad": R.flat_result(xi.grad, dt), "indices": None}
    return c


def interp_cases():
    out = []
    for mode, aligns in (("nearest", (None,)), ("bilinear", (False, True))):
        for al in aligns:
            tag = mode if al is None else "%s_align%s" % (mode, al)
            out += [
                interp(tag + "_size_up", [2, 2, 3, 4], size=[5, 7], mode=mode, align=al),
                interp(tag + "_size_down", [1, 2, 10, 7], size=[6, 3], mode=mode, align=al),
                interp(tag + "_size_same_and_double", [1, 1, 3, 4], size=[3, 8], mode=mode, align=al),
                interp(tag + "_scale_2", [1, 2, 3, 2], scale=[2.0, 2.0], mode=mode, align=al),
                interp(tag + "_scale_2.1_1.7", [1, 1, 3, 5], scale=[2.1, 1.7], mode=mode, align=al),
                interp(tag + "_scale_0.6_0.45", [2, 1, 7, 9], scale=[0.6, 0.45], mode=mode, align=al),
                interp(tag + "_to_1x1", [1, 1, 4, 3], size=[1, 1], mode=mode, align=al),
                interp(tag + "_from_1x1", [1, 2, 1, 1], size=[3, 2], mode=mode, align=al),
            ]
    return out


def main():
    cs = cases()
    # torch writes None sizes as the input's; the file keeps null.
    head = {"generator": "ops/testdata/gen_torch_resize.py", "torch_version": torch.__version__}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_resize.json")
    n = R.write(path, head, {"adaptive_pool": cs, "interpolate": interp_cases()})
    print(f"wrote {len(cs)} cases to {path} ({n} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
