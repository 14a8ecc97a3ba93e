"""Regenerate torch_gradgrad_elem.json, the PyTorch reference numbers that
ops/gradgrad_elem_test.go pins the second-order gradients of the
element-wise, shape and matrix-product ops to (their BackwardVar, the
backward pass recorded with create_graph=True): ReLU, LeakyReLU, ELU, Tanh,
Sigmoid, Exp, Log, Sqrt, Pow, Reshape, Permute and MatMul, in float64 and in
float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_gradgrad_elem.py

It needs PyTorch (any 1.x or 2.x; Debian's python3-torch will do — the
python3 first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_gradgrad_elem.json next to this script. The output is deterministic:
every input, upstream gradient and second-order seed comes from a fixed
torch seed and is rounded to four decimals, so it reads back into Go as
exactly the same float64 (and, converted, the same float32 torch uses).
The Go tests never run Python; rerun this script only to change the cases.

Each case applies one function f to inputs x₁, … (one for the element-wise
ops, a and b for matmul) and, in each dtype, with the upstream gradient g
and the seeds v₁, … (one per input) as tensors that require a gradient too:

    y  = f(x)
    Fᵢ = torch.autograd.grad(y, xᵢ, g, create_graph=True)   = ∂⟨g, y⟩/∂xᵢ
    ψ  = Σᵢ ⟨vᵢ, Fᵢ⟩
    ∂ψ/∂xⱼ and ∂ψ/∂g                                          (second order)

and the file keeps y, every Fᵢ, every ∂ψ/∂xⱼ and ∂ψ/∂g. A gradient that
torch leaves undefined (None: ψ does not depend on the input, as for a
linear op or a power 0) is written as zeros, which is what tapegrad's
Grad with MaterializeGrads returns. The float64 numbers are rounded to 12
significant digits (a relative 5e-13 at most, far below the tests' 1e-10),
the float32 ones keep the 9 significant digits that give them back.

The functions are torch.relu, F.leaky_relu(x, slope), F.elu(x, alpha),
torch.tanh, torch.sigmoid, torch.exp, torch.log, torch.sqrt,
torch.pow(x, p), x.reshape(shape), x.permute(axes) and
torch.matmul(op(a), op(b)), where op(x) is x.transpose(-1, -2) when the
case's trans flag is set and x has 2 or more dimensions — what ops.MatMul's
TransA and TransB mean. The inputs stay away from the kinks of ReLU,
LeakyReLU and ELU (at least 0.1 from 0), and are positive for Log, Sqrt and
fractional or negative powers, except elu_extremes, which has x = ±800: its
second derivative must be 0 for x > 0 (a finite number, not the NaN of
0·exp(800)) and 0 for x ≪ 0.
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
    return r4(torch.randn(tuple(shape), dtype=torch.float64))


def away(*shape):
    """Values in ±[0.1, 2.1) with random signs: away from the kink at 0."""
    mag = 0.1 + 2 * torch.rand(tuple(shape), dtype=torch.float64)
    sign = torch.where(torch.rand(tuple(shape), dtype=torch.float64) < 0.5, -1.0, 1.0)
    return r4(mag * sign)


def positive(*shape):
    """Values in [0.5, 2)."""
    return r4(0.5 + 1.5 * torch.rand(tuple(shape), dtype=torch.float64))


def upstream(shape):
    """A random upstream gradient or seed; never all ones."""
    g = randn(*shape)
    assert g.numel() == 0 or not torch.all(g == 1)
    return g


def flat(t):
    """The values of an input (already rounded to 4 decimals), exactly."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat12(t):
    """A float64 result, rounded to 12 significant digits."""
    return [float("%.12g" % v) for v in t.detach().reshape(-1).tolist()]


def flat9(t):
    """A float32 result, with the 9 significant digits that give it back."""
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def trans(x, flag):
    return x.transpose(-1, -2) if flag and x.dim() >= 2 else x


def function(c):
    """The torch function of case c, of its inputs."""
    op = c["op"]
    if op == "relu":
        return lambda x: torch.relu(x)
    if op == "leaky_relu":
        return lambda x: F.leaky_relu(x, c["param"])
    if op == "elu":
        return lambda x: F.elu(x, c["param"])
    if op in ("tanh", "sigmoid", "exp", "log", "sqrt"):
        return getattr(torch, op)
    if op == "pow":
        return lambda x: torch.pow(x, c["param"])
    if op == "reshape":
        return lambda x: x.reshape(c["shape"])
    if op == "permute":
        return lambda x: x.permute(c["axes"])
    if op == "matmul":
        return lambda a, b: torch.matmul(trans(a, c["trans_a"]), trans(b, c["trans_b"]))
    raise ValueError(op)


def run(c, inputs, g, seeds, dtype):
    """y, F and the second-order gradients of case c in dtype."""
    xs = [x.to(dtype).clone().requires_grad_(True) for x in inputs]
    gv = g.to(dtype).clone().requires_grad_(True)
    vs = [v.to(dtype) for v in seeds]
    y = function(c)(*xs)
    fs = torch.autograd.grad(y, xs, gv, create_graph=True, allow_unused=True)
    fs = [torch.zeros_like(x) if f is None else f for x, f in zip(xs, fs)]
    outs = [(f, v) for f, v in zip(fs, vs) if f.requires_grad]
    wrt = xs + [gv]
    if outs:
        second = torch.autograd.grad([f for f, _ in outs], wrt, [v for _, v in outs], allow_unused=True)
    else:
        second = [None] * len(wrt)
    second = [torch.zeros_like(w) if s is None else s for w, s in zip(wrt, second)]
    return y, fs, second[:-1], second[-1]


def case(name, op, shapes, gen=randn, inputs=None, param=None, shape=None, axes=None, trans_a=False, trans_b=False):
    c = dict(name=name, op=op, param=param, shape=shape, axes=axes, trans_a=trans_a, trans_b=trans_b)
    if inputs is None:
        inputs = [gen(*s) for s in shapes]
    y64 = function(c)(*inputs)
    g = upstream(y64.shape)
    seeds = [upstream(x.shape) for x in inputs]
    c.update(
        input_shapes=[list(x.shape) for x in inputs], inputs=[flat(x) for x in inputs],
        output_shape=list(y64.shape), upstream=flat(g), seeds=[flat(v) for v in seeds],
    )
    for dtype, key, fmt in ((torch.float64, "float64", flat12), (torch.float32, "float32", flat9)):
        y, fs, second, second_g = run(c, inputs, g, seeds, dtype)
        c[key] = dict(
            output=fmt(y), grads=[fmt(f) for f in fs],
            gradgrads=[fmt(s) for s in second], gradgrad_upstream=fmt(second_g),
        )
        for k, vs in c[key].items():
            # JSON has no Inf or NaN, and these cases are chosen to stay finite.
            for v in (vs if k in ("output", "gradgrad_upstream") else sum(vs, [])):
                assert math.isfinite(v), (name, key, k)
    return c


CASES = [
    case("relu", "relu", [[2, 3]], away),
    case("leaky_relu_slope0.1", "leaky_relu", [[2, 3]], away, param=0.1),
    case("leaky_relu_slope-2", "leaky_relu", [[4]], away, param=-2.0),
    case("elu_alpha1", "elu", [[2, 3]], away, param=1.0),
    case("elu_alpha0.5", "elu", [[3, 1]], away, param=0.5),
    case("elu_extremes", "elu", None, inputs=[torch.tensor([800.0, -800.0, 0.5, -0.5], dtype=torch.float64)], param=1.5),
    case("tanh", "tanh", [[2, 3]]),
    case("tanh_0d", "tanh", [[]]),
    case("sigmoid", "sigmoid", [[2, 3]]),
    case("exp", "exp", [[2, 3]]),
    case("log", "log", [[2, 3]], positive),
    case("sqrt", "sqrt", [[1, 4, 1]], positive),
    case("pow_p3", "pow", [[2, 3]], param=3.0),
    case("pow_p2", "pow", [[5]], param=2.0),
    case("pow_p1", "pow", [[4]], param=1.0),
    case("pow_p0", "pow", [[4]], param=0.0),
    case("pow_p0.5", "pow", [[2, 3]], positive, param=0.5),
    case("pow_p-1", "pow", [[4]], away, param=-1.0),
    case("pow_p-1.5", "pow", [[4]], positive, param=-1.5),
    case("pow_p2.5", "pow", [[3]], positive, param=2.5),
    case("reshape", "reshape", [[2, 3]], shape=[3, -1]),
    case("permute", "permute", [[2, 3, 2]], axes=[1, 0, 2]),
    case("matmul_matrix_matrix", "matmul", [[2, 3], [3, 4]]),
    case("matmul_transB", "matmul", [[2, 3], [4, 3]], trans_b=True),
    case("matmul_transA", "matmul", [[3, 2], [3, 4]], trans_a=True),
    case("matmul_transA_transB", "matmul", [[3, 2], [4, 3]], trans_a=True, trans_b=True),
    case("matmul_dot", "matmul", [[3], [3]]),
    case("matmul_matrix_vector", "matmul", [[2, 3], [3]]),
    case("matmul_vector_matrix", "matmul", [[3], [3, 2]]),
    case("matmul_vector_flags_ignored", "matmul", [[3], [2, 3]], trans_a=True, trans_b=True),
    case("matmul_broadcast_stacks", "matmul", [[2, 1, 2, 3], [2, 3, 2]]),
    case("matmul_stack_matrix", "matmul", [[2, 2, 3], [3, 2]]),
    case("matmul_matrix_stack_transA", "matmul", [[4, 3], [2, 4, 2]], trans_a=True),
    case("matmul_stack_vector", "matmul", [[2, 2, 3], [3]]),
    case("matmul_vector_stack_transB", "matmul", [[3], [2, 4, 3]], trans_b=True),
]


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_gradgrad_elem.py",
        "torch_version": torch.__version__,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_gradgrad_elem.json")
    # One case per line keeps the file small and its diffs readable.
    block = "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in CASES) + "\n  ]"
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": ' + block + "\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} second-order cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
