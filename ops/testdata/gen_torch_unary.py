"""Regenerate torch_unary.json, the PyTorch reference numbers that
ops/reference_unary_test.go pins the element-wise ops and activations of
issue 18 to: Clamp, Abs, Maximum, Minimum, Square, Rsqrt, Log1p, Expm1,
GELU, SiLU, Softplus, Mish, Hardtanh (and ReLU6, Hardtanh(0, 6)),
Hardswish, Hardsigmoid, LogSigmoid, PReLU, and the composite Softsign:
forward values and every input's gradient, in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_unary.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_unary.json next to this script. The output is deterministic: every
random input and upstream gradient comes from a fixed torch seed and is
rounded to four decimals, so it reads back into Go as exactly the same
float64, and to the nearest float32 as torch's own float32 copy. The edge
inputs (EDGES) are exact constants. The Go tests never run Python; rerun
this script only to change the cases.

Each case applies one torch function to its inputs in float64 and again in
float32 (from the same numbers) and stores the output and the gradients
torch.autograd.grad(y, x, g) for an upstream g. Non-finite numbers are
written as the strings "nan", "inf" and "-inf".

Every function has a random case and an edge case: EDGES, 32 values with
±Inf, NaN, ±0, the kinks (±0.5, ±1, ±3, 6), tiny and large |x|. Edge
tensors hold 32 elements so that PyTorch's CPU kernels run their vectorized
loop over every element: the scalar loop that finishes a tensor's last few
elements takes other subgradients at some kinks (hardswish at 3 and NaN,
hardtanh at NaN), and tapegrad follows the vectorized loop, what large
tensors see.

Each case names the tapegrad op ("op": its Name, or the composite
Softsign) and its settings ("params": the op's exported fields by Go name).
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261218)

EDGES = [float("-inf"), -800.0, -40.0, -20.0, -3.0, -1.0, -0.5, -1e-10, -0.0, 0.0, 1e-10, 1e-6,
         0.5, 1.0, 3.0, 6.0, 20.0, 21.0, 40.0, 800.0, float("inf"), float("nan"),
         -2.5, -1.25, -0.75, 0.25, 0.75, 1.5, 2.0, 2.9999, 5.0, -6.0]
assert len(EDGES) == 32


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape, scale=1.0):
    return r4(scale * torch.randn(shape, dtype=torch.float64))


def edges():
    return torch.tensor(EDGES, dtype=torch.float64)


def num(v, digits):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return float(digits % v)


def flat(t, digits="%.17g"):
    return [num(v, digits) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def case(name, op, fn, inputs, params=None):
    with torch.no_grad():
        y0 = fn(*[x.clone() for x in inputs])
    g = randn(*y0.shape)
    out = dict(name=name, op=op, params=params or {},
               inputs=[dict(shape=list(x.shape), data=flat(x)) for x in inputs],
               g=dict(shape=list(g.shape), data=flat(g)))
    for dtype, key, digits in ((torch.float64, "float64", "%.17g"), (torch.float32, "float32", "%.9g")):
        xs = [x.to(dtype).requires_grad_() for x in inputs]
        y = fn(*xs)
        grads = torch.autograd.grad(y, xs, g.to(dtype), allow_unused=True)
        grads = [torch.zeros_like(x) if gr is None else gr for x, gr in zip(xs, grads)]
        out[key] = dict(output=flat(y, digits), grads=[flat(gr, digits) for gr in grads])
    return out


def cases():
    C = []
    unary = [
        ("clamp_-0.5_0.5", "Clamp", lambda x: torch.clamp(x, -0.5, 0.5), dict(Min=-0.5, Max=0.5)),
        ("clamp_min_-0.5", "Clamp", lambda x: torch.clamp(x, min=-0.5), dict(Min=-0.5)),
        ("clamp_max_0.5", "Clamp", lambda x: torch.clamp(x, max=0.5), dict(Max=0.5)),
        ("clamp_0.5_-0.5", "Clamp", lambda x: torch.clamp(x, 0.5, -0.5), dict(Min=0.5, Max=-0.5)),
        ("abs", "Abs", torch.abs, None),
        ("square", "Square", torch.square, None),
        ("rsqrt", "Rsqrt", torch.rsqrt, None),
        ("log1p", "Log1p", torch.log1p, None),
        ("expm1", "Expm1", torch.expm1, None),
        ("gelu_none", "GELU", F.gelu, dict(Approximate="none")),
        ("gelu_tanh", "GELU", lambda x: F.gelu(x, approximate="tanh"), dict(Approximate="tanh")),
        ("silu", "SiLU", F.silu, None),
        ("softplus_1_20", "Softplus", F.softplus, dict(Beta=1.0, Threshold=20.0)),
        ("softplus_2_1", "Softplus", lambda x: F.softplus(x, 2.0, 1.0), dict(Beta=2.0, Threshold=1.0)),
        ("mish", "Mish", F.mish, None),
        ("hardtanh", "Hardtanh", F.hardtanh, dict(MinVal=-1.0, MaxVal=1.0)),
        ("hardtanh_-0.5_2", "Hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), dict(MinVal=-0.5, MaxVal=2.0)),
        ("relu6", "Hardtanh", F.relu6, dict(MinVal=0.0, MaxVal=6.0)),
        ("hardswish", "Hardswish", F.hardswish, None),
        ("hardsigmoid", "Hardsigmoid", F.hardsigmoid, None),
        ("logsigmoid", "LogSigmoid", F.logsigmoid, None),
        ("softsign", "Softsign", F.softsign, None),
    ]
    for name, op, fn, params in unary:
        x = randn(3, 5, scale=3.0)
        if op == "Log1p":
            x = r4(x.abs() - 0.9)  # mostly above −1, some below (NaN)
        C.append(case(name, op, fn, [x], params))
        C.append(case(name + "_edges", op, fn, [edges()], params))
    # Maximum and Minimum: ties (the gradient split), ±0, NaN on either
    # side, infinities, and broadcasting both ways.
    a = torch.tensor([1.0, 2.0, float("nan"), 2.0, float("nan"), -0.0, 0.0, float("inf"), float("-inf"), 3.0,
                      float("inf"), -1.0, 0.5, 0.5, -7.0, 7.0] * 2, dtype=torch.float64)
    b = torch.tensor([1.0, 1.0, 2.0, float("nan"), float("nan"), 0.0, -0.0, float("inf"), 3.0, float("-inf"),
                      5.0, -1.0, 0.25, 0.75, -7.0, 6.0] * 2, dtype=torch.float64)
    for fname, op, fn in (("maximum", "Maximum", torch.maximum), ("minimum", "Minimum", torch.minimum)):
        C.append(case(fname + "_edges", op, fn, [a, b]))
        x = randn(2, 3)
        y = randn(3)
        x[1, 1] = y[1]  # a tie through the broadcast
        C.append(case(fname + "_2x3_3", op, fn, [x, y]))
        C.append(case(fname + "_2x1_1x3", op, fn, [randn(2, 1), randn(1, 3)]))
        C.append(case(fname + "_1_2x2", op, fn, [randn(1), randn(2, 2)]))
    # PReLU: a slope per channel, one slope, a 0-d slope, the edges.
    C.append(case("prelu_2x3x4_3", "PReLU", F.prelu, [randn(2, 3, 4), randn(3)]))
    C.append(case("prelu_2x3_1", "PReLU", F.prelu, [randn(2, 3), randn(1)]))
    C.append(case("prelu_4_0d", "PReLU", F.prelu, [randn(4), randn()]))
    C.append(case("prelu_edges_1", "PReLU", F.prelu, [edges(), torch.tensor([0.25], dtype=torch.float64)]))
    C.append(case("prelu_2x16_16", "PReLU", F.prelu, [edges().reshape(2, 16), randn(16)]))
    return C


def main():
    cs = cases()
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_unary.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_unary.json")
    # One case per line keeps the diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cs)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(cs)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
