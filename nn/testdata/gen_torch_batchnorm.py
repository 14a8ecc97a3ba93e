"""Regenerate torch_batchnorm.json, the PyTorch reference numbers that
nn/batchnorm_reference_test.go pins nn.BatchNorm1d, nn.BatchNorm2d,
functional.BatchNorm and functional.BatchNormComposed to.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_batchnorm.py

It needs PyTorch (any 1.x or 2.x; Debian's python3-torch will do — the
python3 first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_batchnorm.json next to this script. The output is deterministic: every
input, parameter and upstream gradient comes from a fixed torch seed and is
rounded to four decimals, so it reads back into Go as exactly the same
float64; every computed number is written with repr, i.e. in full precision.
The Go tests never run Python; rerun this script only to change the cases.

Module cases ("modules"): an nn.BatchNorm1d or nn.BatchNorm2d in float64 with
random γ (weight) and β (bias), some with non-default eps and momentum, runs
three training steps. Each step draws a fresh input x and a fresh random (not
all-ones) upstream gradient g, zeroes the gradients, computes y = bn(x), runs
y.backward(g), and records y, x.grad, weight.grad, bias.grad and, after the
step, running_mean, running_var and num_batches_tracked. Then bn.eval() and
one more input and upstream gradient: the evaluation output, its gradients,
and the (unchanged) running statistics.

Functional cases ("functional"): F.batch_norm(x, None, None, weight, bias,
training=True, eps=eps) with its gradients, plus the batch mean and the biased
batch variance per channel, which functional.BatchNorm also returns.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20240611)

DTYPE = torch.float64


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def rand_input(shape, c):
    """Random input with a different offset and spread per channel (axis 1),
    so that the batch statistics and the running statistics move."""
    view = [1] * len(shape)
    view[1] = c
    offset = torch.randn(c, dtype=DTYPE).reshape(view) * 2.0
    spread = (0.5 + 2.0 * torch.rand(c, dtype=DTYPE)).reshape(view)
    return r4(torch.randn(*shape, dtype=DTYPE) * spread + offset)


def upstream(shape):
    """A random, not all-ones, upstream gradient."""
    return r4(torch.randn(*shape, dtype=DTYPE))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def grads_of(x, bn_weight, bn_bias):
    return {
        "grad_input": flat(x.grad),
        "grad_weight": flat(bn_weight.grad),
        "grad_bias": flat(bn_bias.grad),
    }


def module_case(name, kind, shapes, eval_shape, eps=None, momentum=None):
    """Three training steps on the given input shapes, then one eval step."""
    c = shapes[0][1]
    kwargs = {}
    if eps is not None:
        kwargs["eps"] = eps
    if momentum is not None:
        kwargs["momentum"] = momentum
    bn = getattr(nn, kind)(c, **kwargs).to(DTYPE)
    weight = r4(0.5 + torch.rand(c, dtype=DTYPE) * 1.5) * torch.where(
        torch.rand(c) < 0.25, -1.0, 1.0).to(DTYPE)
    bias = r4(torch.randn(c, dtype=DTYPE))
    with torch.no_grad():
        bn.weight.copy_(weight)
        bn.bias.copy_(bias)
    bn.train()
    steps = []
    for shape in shapes:
        x = rand_input(shape, c).requires_grad_(True)
        g = upstream(shape)
        bn.zero_grad()
        y = bn(x)
        y.backward(g)
        step = {"shape": list(shape), "input": flat(x), "upstream": flat(g), "output": flat(y)}
        step.update(grads_of(x, bn.weight, bn.bias))
        step.update(
            running_mean=flat(bn.running_mean),
            running_var=flat(bn.running_var),
            num_batches_tracked=int(bn.num_batches_tracked.item()),
        )
        steps.append(step)
    bn.eval()
    x = rand_input(eval_shape, c).requires_grad_(True)
    g = upstream(eval_shape)
    bn.zero_grad()
    y = bn(x)
    y.backward(g)
    ev = {"shape": list(eval_shape), "input": flat(x), "upstream": flat(g), "output": flat(y)}
    ev.update(grads_of(x, bn.weight, bn.bias))
    ev.update(
        running_mean=flat(bn.running_mean),
        running_var=flat(bn.running_var),
        num_batches_tracked=int(bn.num_batches_tracked.item()),
    )
    return {
        "name": name,
        "module": kind,
        "channels": c,
        "eps": bn.eps,
        "momentum": bn.momentum,
        "weight": flat(weight),
        "bias": flat(bias),
        "steps": steps,
        "eval": ev,
    }


def functional_case(name, shape, eps):
    c = shape[1]
    x = rand_input(shape, c).requires_grad_(True)
    weight = r4(torch.randn(c, dtype=DTYPE)).requires_grad_(True)
    bias = r4(torch.randn(c, dtype=DTYPE)).requires_grad_(True)
    g = upstream(shape)
    y = F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)
    y.backward(g)
    axes = [0] + list(range(2, len(shape)))
    var, mean = torch.var_mean(x.detach(), dim=axes, unbiased=False)
    out = {
        "name": name,
        "eps": eps,
        "shape": list(shape),
        "input": flat(x),
        "weight": flat(weight),
        "bias": flat(bias),
        "upstream": flat(g),
        "output": flat(y),
        "batch_mean": flat(mean),
        "batch_var": flat(var),
    }
    out.update(grads_of(x, weight, bias))
    return out


MODULES = [
    # BatchNorm1d on N×C, default eps and momentum.
    module_case("bn1d_NC_6x4", "BatchNorm1d", [(6, 4)] * 3, (5, 4)),
    # BatchNorm1d on N×C×L, non-default eps and momentum, and a batch size
    # that changes from step to step (M, hence M/(M−1), changes with it).
    module_case("bn1d_NCL_3x4x5_eps1e-3_mom0.25", "BatchNorm1d",
                [(3, 4, 5), (2, 4, 5), (3, 4, 5)], (2, 4, 5), eps=1e-3, momentum=0.25),
    # BatchNorm2d on N×C×H×W, default eps and momentum.
    module_case("bn2d_2x3x4x5", "BatchNorm2d", [(2, 3, 4, 5)] * 3, (1, 3, 4, 5)),
    # BatchNorm2d with batch 1: statistics over the spatial axes alone; a
    # large eps, so that a misplaced eps shows, and a large momentum.
    module_case("bn2d_batch1_1x2x3x3_eps0.05_mom0.5", "BatchNorm2d",
                [(1, 2, 3, 3)] * 3, (1, 2, 3, 3), eps=0.05, momentum=0.5),
]

FUNCTIONAL = [
    functional_case("batch_norm_4x3", (4, 3), 1e-5),
    functional_case("batch_norm_2x3x2x2_eps0.1", (2, 3, 2, 2), 0.1),
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
        "generator": "nn/testdata/gen_torch_batchnorm.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
    }
    # One case per line keeps the file small and its diffs readable.
    mods = ",\n".join("    " + json.dumps(c, allow_nan=False) for c in MODULES)
    funcs = ",\n".join("    " + json.dumps(c, allow_nan=False) for c in FUNCTIONAL)
    text = (json.dumps(head, indent=2)[:-2] + ',\n  "modules": [\n' + mods +
            '\n  ],\n  "functional": [\n' + funcs + "\n  ]\n}\n")
    json.loads(text)  # the hand-joined layout must still be valid JSON
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_batchnorm.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(MODULES)} module and {len(FUNCTIONAL)} functional cases "
          f"({len(text)} bytes) to {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
