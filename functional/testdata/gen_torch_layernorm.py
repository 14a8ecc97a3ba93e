"""Regenerate torch_layernorm.json, the PyTorch reference numbers that
functional/layernorm_test.go pins functional.LayerNorm, LayerNormComposed,
RMSNorm and RMSNormComposed (and so ops.LayerNorm and ops.RMSNorm) to:
forward values and the gradients of x, weight and bias.

Run it from the repository root:

    /usr/bin/python3 functional/testdata/gen_torch_layernorm.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_layernorm.json next to this script. The output is deterministic: every
input and upstream gradient comes from a fixed torch seed and is rounded to
four decimals, so it reads back into Go as exactly the same float64, and to
the nearest float32 as torch's own float32 copy. Every case is computed in
float64 and again in float32 from the same rounded numbers.
The Go tests never run Python; rerun this script only to change the cases.

Layer norm cases ("layer_norm"): F.layer_norm(x, normalized_shape, weight,
bias, eps), weight and bias each given or None (bias=False in PyTorch 2.x's
nn.LayerNorm is weight alone). RMS norm cases ("rms_norm"): torch 1.13 has
no F.rms_norm, so the reference is its definition,

    y = x * rsqrt(mean(x², last len(normalized_shape) axes) + eps) * weight

with eps given, or "eps_machine" (PyTorch 2.x's eps=None): torch.finfo of
the dtype's eps, which differs between float64 and float32. Edge cases: a
constant row (σ² = 0, so x̂ = 0 and only eps keeps 1/σ finite), a single
normalized value (D = 1), a zero row for RMS norm, a large eps, and a row of
large values (float32's accuracy).
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261202)


def r4(t):
    return torch.round(t * 1e4) / 1e4


def randn(*shape, scale=1.0):
    return r4(torch.randn(*shape, dtype=torch.float64) * scale)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def rms_norm(x, shape, weight, eps):
    axes = tuple(range(x.dim() - len(shape), x.dim()))
    y = x * torch.rsqrt(x.pow(2).mean(dim=axes, keepdim=True) + eps)
    return y if weight is None else y * weight


def run(kind, x, shape, weight, bias, g, eps, dtype):
    xs = x.detach().to(dtype).clone().requires_grad_()
    w = None if weight is None else weight.detach().to(dtype).clone().requires_grad_()
    b = None if bias is None else bias.detach().to(dtype).clone().requires_grad_()
    e = torch.finfo(dtype).eps if eps is None else eps
    if kind == "layer_norm":
        y = F.layer_norm(xs, shape, w, b, e)
    else:
        y = rms_norm(xs, shape, w, e)
    y.backward(g.to(dtype))
    out = dict(y=flat(y), dx=flat(xs.grad))
    if w is not None:
        out["dweight"] = flat(w.grad)
    if b is not None:
        out["dbias"] = flat(b.grad)
    return out


def case(name, kind, x, shape, weight=None, bias=None, eps=1e-5):
    g = randn(*x.shape)
    c = dict(name=name, kind=kind, x_shape=list(x.shape), normalized_shape=list(shape), x=flat(x), g=flat(g))
    if eps is None:
        c["eps_machine"] = True
    else:
        c["eps"] = eps
    if weight is not None:
        c["weight"] = flat(weight)
    if bias is not None:
        c["bias"] = flat(bias)
    c["float64"] = run(kind, x, shape, weight, bias, g, eps, torch.float64)
    c["float32"] = run(kind, x, shape, weight, bias, g, eps, torch.float32)
    return c


def cases():
    C = []
    pos = lambda *s: r4(torch.rand(*s, dtype=torch.float64) + 0.5)
    # Layer norm: affine, weight only, bias only, none; one and two axes.
    C.append(case("ln_4x6_affine", "layer_norm", randn(4, 6), (6,), pos(6), randn(6)))
    C.append(case("ln_2x3x4x5_2axes_affine", "layer_norm", randn(2, 3, 4, 5), (4, 5), pos(4, 5), randn(4, 5)))
    C.append(case("ln_2x3x4_weight_only", "layer_norm", randn(2, 3, 4), (4,), pos(4)))
    C.append(case("ln_3x5_bias_only", "layer_norm", randn(3, 5), (5,), None, randn(5)))
    C.append(case("ln_3x5_no_affine", "layer_norm", randn(3, 5), (5,)))
    C.append(case("ln_2x3_all_axes", "layer_norm", randn(2, 3), (2, 3), pos(2, 3), randn(2, 3)))
    C.append(case("ln_1d_input", "layer_norm", randn(7), (7,), pos(7), randn(7)))
    C.append(case("ln_eps_0.1", "layer_norm", randn(3, 4), (4,), pos(4), randn(4), eps=0.1))
    C.append(case("ln_2x64_large_values", "layer_norm", randn(2, 64, scale=100.0) + 1000, (64,), pos(64), randn(64)))
    const = torch.cat([torch.full((1, 5), 0.75, dtype=torch.float64), randn(1, 5)])
    C.append(case("ln_constant_row", "layer_norm", const, (5,), pos(5), randn(5)))
    C.append(case("ln_size1_axis", "layer_norm", randn(4, 1), (1,), pos(1), randn(1)))
    # RMS norm: with and without weight, eps given and machine eps.
    C.append(case("rms_4x6_weight", "rms_norm", randn(4, 6), (6,), pos(6), eps=1e-6))
    C.append(case("rms_2x3x4x5_2axes_weight", "rms_norm", randn(2, 3, 4, 5), (4, 5), pos(4, 5), eps=1e-6))
    C.append(case("rms_3x5_no_weight", "rms_norm", randn(3, 5), (5,), eps=1e-5))
    C.append(case("rms_4x6_eps_machine", "rms_norm", randn(4, 6), (6,), pos(6), eps=None))
    zero = torch.cat([torch.zeros(1, 4, dtype=torch.float64), randn(1, 4)])
    C.append(case("rms_zero_row", "rms_norm", zero, (4,), pos(4), eps=1e-5))
    C.append(case("rms_eps_0.5", "rms_norm", randn(3, 4), (4,), pos(4), eps=0.5))
    return C


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "torch_layernorm.json")
    out = dict(generator="functional/testdata/gen_torch_layernorm.py", torch_version=torch.__version__,
               cases=cases())
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote %d cases to %s (torch %s)" % (len(out["cases"]), path, torch.__version__))


if __name__ == "__main__":
    main()
