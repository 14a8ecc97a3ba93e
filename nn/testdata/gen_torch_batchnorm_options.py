"""Regenerate torch_batchnorm_options.json, the PyTorch reference numbers that
nn/batchnorm_options_reference_test.go pins batch norm's options to:
nn.BatchNorm1d / nn.BatchNorm2d with momentum None, 0 or 0.1,
track_running_stats and affine on or off, and F.batch_norm with running
statistics given or not, the training flag, momentum, eps and weight or bias
None.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_batchnorm_options.py

It needs PyTorch (1.13, Debian's python3-torch, was used; the python3 first
on PATH may lack torch, hence /usr/bin/python3) and writes
torch_batchnorm_options.json next to this script. The output is
deterministic: every input, parameter, running statistic and upstream
gradient comes from a fixed torch seed and is rounded to four decimals, so
it reads back into Go as exactly the same float64 (and, converted, as the
same float32 that torch gets with .to(torch.float32)); every computed number
is rounded to 12 significant digits in float64 and 9 in float32 (see res),
which still reads back as the very float32 torch computed. Every case is
computed twice, from the same inputs: once in float64 ("float64") and once
in float32 ("float32"), each dtype's results as torch computed them. The Go
tests never run Python; rerun this script only to change the cases.

Module cases ("modules"), one for every combination of kind (BatchNorm1d on
N×C, BatchNorm1d on N×C×L, BatchNorm2d), momentum (0.1, None, 0.0),
track_running_stats and affine: the module is built with those arguments
(and a non-default eps for some kinds), given random weight and bias when
affine, and runs three training steps, then one evaluation step. Each step
draws a fresh input x and a fresh random (not all-ones) upstream gradient g,
zeroes the gradients, computes y = bn(x), runs y.backward(g), and records y,
x.grad, weight.grad and bias.grad (when affine) and, after the step,
running_mean, running_var and num_batches_tracked (when tracked). The case
also records the module's state_dict after the steps: its keys in order,
with dtype, shape and values.

Functional cases ("functional"): F.batch_norm(x, running_mean, running_var,
weight, bias, training, momentum, eps) with each of running_mean,
running_var, weight and bias given or None, in training and in evaluation
mode: the output, the gradients of x and of the weight and bias given, and
the running statistics after the call.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20261202)

GEN = torch.float64  # inputs are drawn in float64, then rounded


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def rand_input(shape):
    """Random input with a different offset and spread per channel (axis 1),
    so that the batch statistics and the running statistics move."""
    c = shape[1]
    view = [1] * len(shape)
    view[1] = c
    offset = torch.randn(c, dtype=GEN).reshape(view) * 2.0
    spread = (0.5 + 2.0 * torch.rand(c, dtype=GEN)).reshape(view)
    return r4(torch.randn(*shape, dtype=GEN) * spread + offset)


def upstream(shape):
    """A random upstream gradient; never all ones."""
    g = r4(torch.randn(*shape, dtype=GEN))
    assert not torch.all(g == 1)
    return g


def rand_weight(c):
    """Weights away from 1, some negative."""
    return r4(0.5 + torch.rand(c, dtype=GEN) * 1.5) * torch.where(
        torch.rand(c) < 0.25, -1.0, 1.0).to(GEN)


def flat(t):
    """The values of an input, exact (they have four decimals)."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def res(t):
    """The values of a computed tensor, rounded to keep the file small: a
    float64 result to 12 significant digits (a relative 5e-13 at most, 200
    times below the Go test's tolerance), a float32 one to 9, which still
    reads back as exactly the float32 torch computed."""
    digits = 9 if t.dtype == torch.float32 else 12
    return [float(f"{v:.{digits}g}") for v in t.detach().reshape(-1).tolist()]


KINDS = [
    # name, module, training shapes, evaluation shape, eps (None: default)
    ("bn1d_NC", "BatchNorm1d", [(5, 3), (4, 3), (6, 3)], (3, 3), None),
    ("bn1d_NCL", "BatchNorm1d", [(2, 3, 4), (3, 3, 4), (2, 3, 4)], (2, 3, 4), 1e-3),
    ("bn2d", "BatchNorm2d", [(2, 2, 3, 3), (1, 2, 3, 3), (2, 2, 3, 3)], (2, 2, 3, 3), 0.05),
]
MOMENTA = [("mom0.1", 0.1), ("momNone", None), ("mom0", 0.0)]


def module_inputs(kind):
    """The inputs of one module case, drawn once and shared by both dtypes."""
    _, _, shapes, eval_shape, _ = kind
    c = shapes[0][1]
    return {
        "weight": rand_weight(c),
        "bias": r4(torch.randn(c, dtype=GEN)),
        "steps": [(rand_input(s), upstream(s)) for s in shapes],
        "eval": (rand_input(eval_shape), upstream(eval_shape)),
    }


def run_module(kind, momentum, track, affine, inp, dtype):
    """The steps of one module case in one dtype."""
    _, module, shapes, _, eps = kind
    c = shapes[0][1]
    kwargs = dict(momentum=momentum, affine=affine, track_running_stats=track)
    if eps is not None:
        kwargs["eps"] = eps
    bn = getattr(nn, module)(c, **kwargs).to(dtype)
    if affine:
        with torch.no_grad():
            bn.weight.copy_(inp["weight"])
            bn.bias.copy_(inp["bias"])

    def step(x0, g0):
        x = x0.detach().to(dtype).clone().requires_grad_(True)
        g = g0.to(dtype)
        bn.zero_grad()
        y = bn(x)
        y.backward(g)
        out = {"output": res(y), "grad_input": res(x.grad)}
        if affine:
            out.update(grad_weight=res(bn.weight.grad), grad_bias=res(bn.bias.grad))
        if track:
            out.update(
                running_mean=res(bn.running_mean),
                running_var=res(bn.running_var),
                num_batches_tracked=int(bn.num_batches_tracked.item()),
            )
        return out

    bn.train()
    steps = [step(x, g) for x, g in inp["steps"]]
    state = []
    for name, t in bn.state_dict().items():
        state.append({
            "name": name,
            "dtype": str(t.dtype).replace("torch.", ""),
            "shape": list(t.shape),
            "values": res(t) if t.is_floating_point() else [int(v) for v in t.reshape(-1).tolist()],
        })
    bn.eval()
    ev = step(*inp["eval"])
    return {"steps": steps, "eval": ev, "state_dict": state}


def module_case(kind, mom, track, affine):
    name, module, shapes, eval_shape, eps = kind
    mom_name, momentum = mom
    inp = module_inputs(kind)
    case = {
        "name": f"{name}_{mom_name}_track{int(track)}_affine{int(affine)}",
        "module": module,
        "channels": shapes[0][1],
        "eps": eps if eps is not None else 1e-5,
        "default_eps": eps is None,
        "momentum": momentum,  # null for None
        "track_running_stats": track,
        "affine": affine,
        "weight": flat(inp["weight"]) if affine else None,
        "bias": flat(inp["bias"]) if affine else None,
        "shapes": [list(s) for s in shapes],
        "eval_shape": list(eval_shape),
        "inputs": [flat(x) for x, _ in inp["steps"]] + [flat(inp["eval"][0])],
        "upstreams": [flat(g) for _, g in inp["steps"]] + [flat(inp["eval"][1])],
    }
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        case[key] = run_module(kind, momentum, track, affine, inp, dtype)
    return case


def functional_case(name, shape, training, momentum, eps, mean=True, var=True, weight=True, bias=True):
    c = shape[1]
    x0, g0 = rand_input(shape), upstream(shape)
    rm0 = r4(torch.randn(c, dtype=GEN)) if mean else None
    rv0 = r4(0.5 + torch.rand(c, dtype=GEN) * 2) if var else None
    w0 = rand_weight(c) if weight else None
    b0 = r4(torch.randn(c, dtype=GEN)) if bias else None
    case = {
        "name": name, "shape": list(shape), "training": training, "momentum": momentum, "eps": eps,
        "input": flat(x0), "upstream": flat(g0),
        "running_mean": flat(rm0) if mean else None, "running_var": flat(rv0) if var else None,
        "weight": flat(w0) if weight else None, "bias": flat(b0) if bias else None,
    }
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        x = x0.detach().to(dtype).clone().requires_grad_(True)
        rm = rm0.to(dtype).clone() if mean else None
        rv = rv0.to(dtype).clone() if var else None
        w = w0.detach().to(dtype).clone().requires_grad_(True) if weight else None
        b = b0.detach().to(dtype).clone().requires_grad_(True) if bias else None
        y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
        y.backward(g0.to(dtype))
        case[key] = {
            "output": res(y), "grad_input": res(x.grad),
            "grad_weight": res(w.grad) if weight else None,
            "grad_bias": res(b.grad) if bias else None,
            "running_mean": res(rm) if mean else None,
            "running_var": res(rv) if var else None,
        }
    return case


MODULES = [module_case(k, m, track, affine)
           for k in KINDS for m in MOMENTA for track in (True, False) for affine in (True, False)]

FUNCTIONAL = [
    # Training: batch statistics, running statistics updated when given.
    functional_case("train_nostats_noaffine_4x3", (4, 3), True, 0.1, 1e-5,
                    mean=False, var=False, weight=False, bias=False),
    functional_case("train_stats_affine_4x3x5", (4, 3, 5), True, 0.1, 1e-5),
    functional_case("train_stats_weightonly_mom0_eps1e-3_2x3x2x2", (2, 3, 2, 2), True, 0.0, 1e-3, bias=False),
    functional_case("train_stats_biasonly_mom0.3_5x2", (5, 2), True, 0.3, 1e-5, weight=False),
    functional_case("train_meanonly_noaffine_mom0.5_3x2x3", (3, 2, 3), True, 0.5, 1e-5,
                    var=False, weight=False, bias=False),
    functional_case("train_varonly_affine_mom1_eps0.05_2x3x2x2", (2, 3, 2, 2), True, 1.0, 0.05, mean=False),
    functional_case("train_nostats_affine_1x2x3x3", (1, 2, 3, 3), True, 0.1, 1e-5, mean=False, var=False),
    # Evaluation: running statistics, left alone.
    functional_case("eval_affine_3x3x2", (3, 3, 2), False, 0.1, 1e-5),
    functional_case("eval_noaffine_1x4", (1, 4), False, 0.1, 1e-5, weight=False, bias=False),
    functional_case("eval_weightonly_eps0.1_2x2x3x3", (2, 2, 3, 3), False, 0.1, 0.1, bias=False),
    functional_case("eval_biasonly_3x2", (3, 2), False, 0.1, 1e-5, weight=False),
]


def check_finite(obj, where):
    if isinstance(obj, float):
        assert math.isfinite(obj), where
    elif isinstance(obj, list):
        for v in obj:
            check_finite(v, where)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            check_finite(v, where + "." + k)


def main():
    names = [c["name"] for c in MODULES + FUNCTIONAL]
    assert len(names) == len(set(names)), "case names must be unique"
    check_finite(MODULES + FUNCTIONAL, "cases")
    head = {
        "generator": "nn/testdata/gen_torch_batchnorm_options.py",
        "torch_version": torch.__version__,
    }
    # One case per line keeps the file's diffs readable.
    mods = ",\n".join("    " + json.dumps(c, allow_nan=False) for c in MODULES)
    funcs = ",\n".join("    " + json.dumps(c, allow_nan=False) for c in FUNCTIONAL)
    text = (json.dumps(head, indent=2)[:-2] + ',\n  "modules": [\n' + mods +
            '\n  ],\n  "functional": [\n' + funcs + "\n  ]\n}\n")
    json.loads(text)  # the hand-joined layout must still be valid JSON
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_batchnorm_options.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(MODULES)} module and {len(FUNCTIONAL)} functional cases "
          f"({len(text)} bytes) to {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
