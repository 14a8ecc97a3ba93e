"""Regenerate torch_groupnorm.json, the PyTorch reference numbers that
functional/groupnorm_reference_test.go pins functional.GroupNorm,
functional.GroupNormComposed and functional.InstanceNorm to, and that
nn/groupnorm_reference_test.go pins nn.GroupNorm and nn.InstanceNorm2d to.

Run it from the repository root:

    /usr/bin/python3 functional/testdata/gen_torch_groupnorm.py

It needs PyTorch (1.13, Debian's python3-torch, was used; the python3 first
on PATH may lack torch, hence /usr/bin/python3) and writes
torch_groupnorm.json next to this script. The output is deterministic: every
input, parameter, running statistic and upstream gradient comes from a fixed
torch seed and is rounded to four decimals, so it reads back into Go as
exactly the same float64 (and, converted, as the same float32 that torch
gets with .to(torch.float32)); every computed number is rounded to 12
significant digits in float64 and 9 in float32. Every case is computed
twice from the same inputs, in float64 ("float64") and in float32
("float32"). The Go tests never run Python; rerun this script only to change
the cases.

Group norm cases ("group_norm"): F.group_norm(x, num_groups, weight, bias,
eps) with weight and bias each given or None, groups from 1 to C, inputs of
rank 2 to 4 (weight None with a bias is run with a constant weight of ones,
as torch 1.13's backward fails there): the output and the gradients of x, weight and bias for a random
upstream gradient g.

Instance norm cases ("instance_norm"): F.instance_norm(x, running_mean,
running_var, weight, bias, use_input_stats, momentum, eps) with each of
running_mean, running_var, weight and bias given or None (both running
statistics given when use_input_stats is False): the output, the gradients
and the running statistics after the call.

Module cases ("modules"): nn.GroupNorm(num_groups, C, eps, affine) and
nn.InstanceNorm2d(C, eps, momentum, affine, track_running_stats), built with
random weight and bias when affine, run two training steps and one
evaluation step; each step records y, x.grad, weight.grad, bias.grad and the
running statistics (when tracked). The case also records the state_dict's
keys in order (instance norm never counts num_batches_tracked: it stays 0).
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20261219)

GEN = torch.float64


def r4(t):
    return torch.round(t * 1e4) / 1e4


def randn(*shape, scale=1.0, offset=0.0):
    return r4(torch.randn(*shape, dtype=GEN) * scale + offset)


def rand_input(shape):
    """Random input with a different offset and spread per channel."""
    c = shape[1]
    view = [1] * len(shape)
    view[1] = c
    offset = torch.randn(c, dtype=GEN).reshape(view) * 2.0
    spread = (0.5 + 2.0 * torch.rand(c, dtype=GEN)).reshape(view)
    return r4(torch.randn(*shape, dtype=GEN) * spread + offset)


def upstream(shape):
    g = randn(*shape)
    assert not torch.all(g == 1)
    return g


def rand_weight(c):
    """Weights away from 1, some negative."""
    return r4(0.5 + torch.rand(c, dtype=GEN) * 1.5) * torch.where(torch.rand(c) < 0.25, -1.0, 1.0).to(GEN)


def positive(c):
    return r4(0.5 + torch.rand(c, dtype=GEN) * 1.5)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def res(t):
    digits = 9 if t.dtype == torch.float32 else 12
    return [float(f"{v:.{digits}g}") for v in t.detach().reshape(-1).tolist()]


def leaf(t, dtype):
    if t is None:
        return None
    return t.detach().to(dtype).clone().requires_grad_(True)


def grads(out, **named):
    for k, v in named.items():
        if v is not None:
            out["grad_" + k] = res(v.grad)
    return out


def group_norm_cases():
    cases = []
    for shape, groups, eps, w, b in [
        ((2, 4, 3), 2, 1e-5, True, True),
        ((2, 6, 2, 2), 3, 1e-5, True, True),
        ((3, 4), 1, 1e-5, True, True),
        ((2, 4, 5), 4, 1e-5, True, True),
        ((2, 3, 2, 2), 3, 1e-3, False, False),
        ((2, 4, 3), 2, 0.1, True, False),
        ((2, 4, 3), 2, 1e-5, False, True),
        ((1, 6, 3, 2), 2, 1e-5, True, True),
    ]:
        c = shape[1]
        inp = dict(x=rand_input(shape), g=upstream(shape),
                   weight=rand_weight(c) if w else None, bias=randn(c) if b else None)
        case = dict(name=f"{'x'.join(map(str, shape))}_g{groups}_eps{eps}_w{int(w)}_b{int(b)}",
                    shape=list(shape), groups=groups, eps=eps, x=flat(inp["x"]), g=flat(inp["g"]))
        if w:
            case["weight"] = flat(inp["weight"])
        if b:
            case["bias"] = flat(inp["bias"])
        for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
            x, wt, bs = leaf(inp["x"], dtype), leaf(inp["weight"], dtype), leaf(inp["bias"], dtype)
            if wt is None and bs is not None:
                # torch 1.13's group_norm backward fails with weight None and
                # a bias ("tensor does not have a device"): a constant weight
                # of ones is the same function.
                y = F.group_norm(x, groups, torch.ones(c, dtype=dtype), bs, eps)
            else:
                y = F.group_norm(x, groups, wt, bs, eps)
            y.backward(inp["g"].to(dtype))
            case[key] = grads({"output": res(y)}, input=x, weight=wt, bias=bs)
        cases.append(case)
    return cases


def instance_norm_cases():
    cases = []
    shape = (2, 3, 3, 2)
    c = shape[1]
    for use_input, rm, rv, w, b, momentum, eps in [
        (True, False, False, False, False, 0.1, 1e-5),
        (True, True, True, True, True, 0.1, 1e-5),
        (True, True, False, False, True, 0.3, 1e-3),
        (True, False, True, True, False, 0.0, 1e-5),
        (False, True, True, False, False, 0.1, 1e-5),
        (False, True, True, True, True, 0.1, 0.01),
        (False, True, True, True, False, 0.1, 1e-5),
    ]:
        inp = dict(x=rand_input(shape), g=upstream(shape),
                   running_mean=randn(c), running_var=positive(c),
                   weight=rand_weight(c), bias=randn(c))
        case = dict(name=f"inputstats{int(use_input)}_rm{int(rm)}_rv{int(rv)}_w{int(w)}_b{int(b)}_mom{momentum}_eps{eps}",
                    shape=list(shape), use_input_stats=use_input, momentum=momentum, eps=eps,
                    x=flat(inp["x"]), g=flat(inp["g"]))
        for k, on in (("running_mean", rm), ("running_var", rv), ("weight", w), ("bias", b)):
            if on:
                case[k] = flat(inp[k])
        for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
            x = leaf(inp["x"], dtype)
            wt = leaf(inp["weight"], dtype) if w else None
            bs = leaf(inp["bias"], dtype) if b else None
            rmt = inp["running_mean"].to(dtype).clone() if rm else None
            rvt = inp["running_var"].to(dtype).clone() if rv else None
            y = F.instance_norm(x, rmt, rvt, wt, bs, use_input, momentum, eps)
            y.backward(inp["g"].to(dtype))
            out = grads({"output": res(y)}, input=x, weight=wt, bias=bs)
            if rm:
                out["running_mean_after"] = res(rmt)
            if rv:
                out["running_var_after"] = res(rvt)
            case[key] = out
        cases.append(case)
    return cases


def module_cases():
    cases = []
    specs = [
        ("GroupNorm", dict(num_groups=2, num_channels=4), [(2, 4, 3, 3), (3, 4, 3, 3)], (2, 4, 3, 3)),
        ("GroupNorm", dict(num_groups=3, num_channels=6, eps=1e-3, affine=False), [(2, 6, 4), (1, 6, 4)], (2, 6, 4)),
        ("GroupNorm", dict(num_groups=1, num_channels=3), [(4, 3), (2, 3)], (3, 3)),
        ("InstanceNorm2d", dict(num_features=3), [(2, 3, 3, 3), (1, 3, 3, 3)], (2, 3, 3, 3)),
        ("InstanceNorm2d", dict(num_features=3, affine=True), [(2, 3, 3, 3), (1, 3, 3, 3)], (2, 3, 3, 3)),
        ("InstanceNorm2d", dict(num_features=3, track_running_stats=True), [(2, 3, 3, 3), (3, 3, 3, 3)], (2, 3, 3, 3)),
        ("InstanceNorm2d", dict(num_features=2, eps=1e-3, momentum=0.3, affine=True, track_running_stats=True),
         [(2, 2, 3, 4), (1, 2, 3, 4)], (2, 2, 3, 4)),
        ("InstanceNorm2d", dict(num_features=2, momentum=0.0, affine=True, track_running_stats=True),
         [(2, 2, 3, 4), (1, 2, 3, 4)], (2, 2, 3, 4)),
    ]
    for kind, kwargs, shapes, eval_shape in specs:
        c = shapes[0][1]
        affine = kwargs.get("affine", kind == "GroupNorm")
        inp = dict(weight=rand_weight(c), bias=randn(c),
                   steps=[(rand_input(s), upstream(s)) for s in shapes + [eval_shape]])
        case = dict(name=kind + "_" + "_".join(f"{k}{v}" for k, v in kwargs.items()), kind=kind, kwargs=kwargs,
                    steps=[dict(x=flat(x), g=flat(g), shape=list(x.shape)) for x, g in inp["steps"]])
        if affine:
            case.update(weight=flat(inp["weight"]), bias=flat(inp["bias"]))
        for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
            m = getattr(nn, kind)(**kwargs).to(dtype)
            if affine:
                with torch.no_grad():
                    m.weight.copy_(inp["weight"])
                    m.bias.copy_(inp["bias"])
            outs = []
            for i, (x0, g0) in enumerate(inp["steps"]):
                m.train(i < len(shapes))
                m.zero_grad()
                x = leaf(x0, dtype)
                y = m(x)
                y.backward(g0.to(dtype))
                out = {"output": res(y), "grad_input": res(x.grad)}
                if affine:
                    out.update(grad_weight=res(m.weight.grad), grad_bias=res(m.bias.grad))
                if getattr(m, "running_mean", None) is not None:
                    out.update(running_mean=res(m.running_mean), running_var=res(m.running_var),
                               num_batches_tracked=int(m.num_batches_tracked.item()))
                outs.append(out)
            case[key] = outs
            case["state_keys"] = list(m.state_dict().keys())
        cases.append(case)
    return cases


def main():
    doc = dict(generator="functional/testdata/gen_torch_groupnorm.py", torch_version=torch.__version__,
               group_norm=group_norm_cases(), instance_norm=instance_norm_cases(), modules=module_cases())
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_groupnorm.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
