"""Regenerate torch_functional.json, the PyTorch reference numbers that
autograd/derivative/reference_test.go pins package derivative to: the
results of torch.autograd.functional's vjp, jvp, hvp, jacobian and hessian
on a few functions written with the ops whose backward tapegrad can
differentiate (add, sub, mul, div, neg, scalar multiples and offsets,
broadcasting, sums).

Run it from the repository root:

    /usr/bin/python3 autograd/derivative/testdata/gen_torch_functional.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_functional.json next to this script. The output is deterministic:
every input, constant and vector comes from a fixed torch seed and is
rounded to four decimals, so it reads back into Go as exactly the same
float64, and to the nearest float32 as torch's own float32 copy. Each case
is run twice, in float64 and in float32, and both results are stored as
computed (a float32 result is exact as a float64).
The Go tests never run Python; rerun this script only to change the cases.

Every case names a function (the Go test has the same ones), its inputs, the
constant some functions take, a vector v of the output's shape (for vjp)
and vectors u of the inputs' shapes (for jvp, and for hvp when the output
is a scalar); it stores the output and torch's vjp, jvp and jacobian, and
for scalar functions hvp and hessian, one flat list per tensor (row-major,
in PyTorch's layout: a Jacobian has the output's axes then the input's).
"""

import json
import os

import torch
from torch.autograd import functional as AF

torch.manual_seed(20261202)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(shape, dtype=torch.float64))


# The functions, as the Go test writes them. c is the case's constant.
def rosenbrock(c):
    return lambda x, y: ((1 - x) ** 2 + 100 * (y - x * x) ** 2).sum()


def quadratic(c):
    return lambda x: 0.5 * (c * torch.outer(x, x)).sum()


def mixed(c):
    return lambda x, w: (w / (1 + x * x)) * x - w * w


def mixed_sq(c):
    return lambda x, w: (mixed(c)(x, w) ** 2).sum()


def cube(c):
    return lambda x: x * x * x + 2 * x


def quotient(c):
    return lambda x, y: (x * y / (y * y + 1)).sum()


FUNCS = {f.__name__: f for f in (rosenbrock, quadratic, mixed, mixed_sq, cube, quotient)}


def flat(t):
    return t.reshape(-1).tolist()


def run(name, fn, inputs, const, dtype):
    xs = tuple(x.to(dtype) for x in inputs)
    c = None if const is None else const.to(dtype)
    f = FUNCS[fn](c)
    out = f(*xs)
    scalar = out.numel() == 1
    v = VECS[name]["v"].to(dtype)
    us = tuple(u.to(dtype) for u in VECS[name]["us"])
    _, vjp = AF.vjp(f, xs, v)
    _, jvp = AF.jvp(f, xs, us)
    jac = AF.jacobian(f, xs)
    res = {
        "value": flat(out),
        "vjp": [flat(g) for g in vjp],
        "jvp": flat(jvp),
        "jacobian": [flat(j) for j in jac],
    }
    if scalar:
        _, hvp = AF.hvp(f, xs, us)
        hess = AF.hessian(f, xs)
        res["hvp"] = [flat(h) for h in hvp]
        res["hessian"] = [[flat(h) for h in row] for row in hess]
    return res


VECS = {}


def case(name, fn, inputs, const=None):
    out = FUNCS[fn](const)(*inputs)
    VECS[name] = {"v": randn(*out.shape), "us": [randn(*x.shape) for x in inputs]}
    c = {
        "name": name,
        "fn": fn,
        "inputs": [{"shape": list(x.shape), "data": flat(x)} for x in inputs],
        "const": None if const is None else {"shape": list(const.shape), "data": flat(const)},
        "v": {"shape": list(out.shape), "data": flat(VECS[name]["v"])},
        "us": [{"shape": list(u.shape), "data": flat(u)} for u in VECS[name]["us"]],
    }
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        c[key] = run(name, fn, inputs, const, dtype)
    return c


CASES = [
    case("rosenbrock", "rosenbrock", [randn(3), randn(3)]),
    case("rosenbrock_minimum", "rosenbrock", [torch.ones(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)]),
    case("quadratic", "quadratic", [randn(4)], const=randn(4, 4)),
    case("mixed", "mixed", [randn(3), randn(2, 3)]),
    case("mixed_sq", "mixed_sq", [randn(3), randn(2, 3)]),
    case("cube", "cube", [randn(2, 3)]),
    case("quotient", "quotient", [randn(2, 2), randn(2, 2)]),
]


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "autograd/derivative/testdata/gen_torch_functional.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_functional.json")
    # One case per line keeps the file small and its diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in CASES)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
