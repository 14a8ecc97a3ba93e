"""Regenerate torch_channel_affine.json, the PyTorch reference numbers that
ops/reference_channel_affine_test.go pins ops.ChannelAffine to: the output
and the gradients of x, the scale s and the shift t, computed by torch in
float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_channel_affine.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_channel_affine.json next to this script. The output is deterministic:
every input and upstream gradient comes from a fixed torch seed and is
rounded to four decimals, so that it reads back into Go as exactly the same
float64, and its float32 conversion is the float32 torch used. Computed
numbers are written as torchref.flat_result does (13 significant digits in
float64, the 9 that give the float32 back in float32).
The Go tests never run Python; rerun this script only to change the cases.

ChannelAffine is y = x·s + t with s and t of shape C broadcast along the
channel axis 1 of an N×C or N×C×… input; torch computes it as
x * s.view(1, C, 1, …) + t.view(1, C, 1, …), with y.backward(g) for a random
(never all-ones) upstream g. The shapes cover N×C, runs of a channel's
values shorter and longer than the 16 partial sums of tapegrad's backward,
and the course's ConvNet's evaluation-mode batch norm: s = γ/√(var + eps)
and t = β − mean·s from positive running variances ("bn_eval" cases).
"""

import os

import torch

import torchref as R

torch.manual_seed(20261221)


def run(x64, s64, t64, g64, dtype):
    x, s, t = (v.detach().clone().to(dtype).requires_grad_(True) for v in (x64, s64, t64))
    shape = (1, -1) + (1,) * (x.dim() - 2)
    y = x * s.view(shape) + t.view(shape)
    y.backward(g64.to(dtype))
    return dict(output=R.flat_result(y, dtype), grad_x=R.flat_result(x.grad, dtype),
                grad_s=R.flat_result(s.grad, dtype), grad_t=R.flat_result(t.grad, dtype))


def case(name, shape, s=None, t=None):
    x = R.randn(*shape)
    c = shape[1]
    s = R.randn(c) if s is None else s
    t = R.randn(c) if t is None else t
    g = R.upstream(*shape)
    return dict(name=name, shape=list(shape), x=R.flat(x), s=R.flat(s), t=R.flat(t), upstream=R.flat(g),
                float64=run(x, s, t, g, torch.float64), float32=run(x, s, t, g, torch.float32))


def bn_eval(name, shape):
    """Batch norm in evaluation mode as ChannelAffine: s and t from γ, β and
    running statistics, rounded to four decimals like every input."""
    c = shape[1]
    gamma, beta = R.positive(c), R.randn(c)
    mean, var = R.randn(c), R.positive(c)
    s = R.r4(gamma / torch.sqrt(var + 1e-5))
    t = R.r4(beta - mean * s)
    return case(name, shape, s, t)


def cases():
    return [
        case("4x3", (4, 3)),
        case("1x5", (1, 5)),
        case("2x3x5", (2, 3, 5)),
        case("2x3x2x2", (2, 3, 2, 2)),
        case("2x2x17", (2, 2, 17)),
        case("3x2x6x6", (3, 2, 6, 6)),
        bn_eval("bn_eval_2x4x3x3", (2, 4, 3, 3)),
        bn_eval("bn_eval_8x3", (8, 3)),
    ]


def main():
    cs = cases()
    head = {"generator": "ops/testdata/gen_torch_channel_affine.py", "torch_version": torch.__version__}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_channel_affine.json")
    n = R.write(path, head, {"channel_affine": cs})
    print(f"wrote {len(cs)} cases to {path} ({n} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
