"""Regenerate torch_conv_trim.json, the PyTorch reference numbers that
ops/reference_conv_trim_test.go pins ops.Conv2d to on geometries where some
kernel taps read only padding (which Conv2d drops, conv2d_trim.go): the
output and the gradients of x, w and b, computed by F.conv2d in float64 and
in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_conv_trim.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_conv_trim.json next to this script. The output is deterministic:
every input and upstream gradient comes from a fixed torch seed and is
rounded to four decimals, so that it reads back into Go as exactly the same
float64, and its float32 conversion is the float32 torch used. Computed
numbers are written as torchref.flat_result does.
The Go tests never run Python; rerun this script only to change the cases.

The cases: 3×3 kernels with padding 1 on 1×1 planes (the centre tap alone
reads the image), with groups and a bias; a 1×3 plane (dead rows only); a
5×5 kernel on a 1×1 plane (24 of 25 taps dead); a 4×4 kernel with stride 2,
padding 2 and dilation 2 whose dead rows and columns are on both sides and
not the same on both axes; dilation 2 on a 3×3 plane, which trims to a
1×1 kernel with a negative padding; a 5×5 kernel trimmed to 3×3; a stride-2
3×3 on a 2×2 plane (one dead row and column); and a geometry with nothing
dead.
"""

import os

import torch
import torch.nn.functional as F

import torchref as R

torch.manual_seed(20261203)


def run(x64, w64, b64, g64, opts, dtype):
    x, w = (v.detach().clone().to(dtype).requires_grad_(True) for v in (x64, w64))
    b = None if b64 is None else b64.detach().clone().to(dtype).requires_grad_(True)
    y = F.conv2d(x, w, b, **opts)
    y.backward(g64.to(dtype))
    out = dict(output=R.flat_result(y, dtype), grad_x=R.flat_result(x.grad, dtype),
               grad_w=R.flat_result(w.grad, dtype))
    if b is not None:
        out["grad_b"] = R.flat_result(b.grad, dtype)
    return out, list(y.shape)


def case(name, xs, ws, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=False):
    x, w = R.randn(*xs), R.randn(*ws)
    b = R.randn(ws[0]) if bias else None
    opts = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    shape = list(F.conv2d(x, w, b, **opts).shape)
    g = R.upstream(*shape)
    r64, _ = run(x, w, b, g, opts, torch.float64)
    r32, _ = run(x, w, b, g, opts, torch.float32)
    c = dict(name=name, x_shape=list(xs), w_shape=list(ws), stride=list(stride), padding=list(padding),
             dilation=list(dilation), groups=groups, bias=bias, output_shape=shape,
             x=R.flat(x), w=R.flat(w), upstream=R.flat(g), float64=r64, float32=r32)
    c["b"] = R.flat(b) if bias else []
    return c


def cases():
    return [
        case("1x1plane_3x3_p1", (3, 4, 1, 1), (5, 4, 3, 3), padding=(1, 1), bias=True),
        case("1x1plane_groups2", (2, 4, 1, 1), (6, 2, 3, 3), padding=(1, 1), groups=2, bias=True),
        case("1x3plane_dead_rows", (2, 3, 1, 3), (4, 3, 3, 3), padding=(1, 1)),
        case("1x1plane_5x5_p2", (2, 3, 1, 1), (2, 3, 5, 5), padding=(2, 2), bias=True),
        case("k4_s2_p2_d2_asymmetric", (2, 3, 4, 5), (3, 3, 4, 4), stride=(2, 2), padding=(2, 2), dilation=(2, 2)),
        case("d2_negative_padding", (2, 2, 3, 3), (3, 2, 3, 3), padding=(1, 1), dilation=(2, 2), bias=True),
        case("5x5_p1_to_3x3", (2, 3, 3, 3), (4, 3, 5, 5), padding=(1, 1)),
        case("s2_2x2plane", (2, 3, 2, 2), (4, 3, 3, 3), stride=(2, 2), padding=(1, 1), bias=True),
        case("nothing_dead", (2, 3, 4, 4), (2, 3, 3, 3), padding=(1, 1), bias=True),
    ]


def main():
    cs = cases()
    head = {"generator": "ops/testdata/gen_torch_conv_trim.py", "torch_version": torch.__version__}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_conv_trim.json")
    n = R.write(path, head, {"conv": cs})
    print(f"wrote {len(cs)} cases to {path} ({n} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
