"""Regenerate torch_padding.json, the PyTorch reference numbers that
nn/padding_test.go pins the padding modules and Flatten / Unflatten to:
nn.ConstantPad1d/2d/3d, nn.ZeroPad2d, nn.ReflectionPad1d/2d/3d,
nn.ReplicationPad1d/2d/3d, nn.Flatten and nn.Unflatten.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_padding.py

It needs PyTorch (1.13, Debian's python3-torch, was used; the python3 first
on PATH may lack torch, hence /usr/bin/python3) and writes
torch_padding.json next to this script. The output is deterministic: every
input and upstream gradient comes from a fixed torch seed and is rounded to
four decimals, so it reads back into Go as exactly the same float64 (and,
converted, as the same float32 that torch gets with .to(torch.float32)).
Padding only copies numbers, so every output is exact in both dtypes, and
a gradient adds at most a few upstream numbers; all are written as torch
computed them. Every case is computed twice, from the same
inputs: once in float64 ("float64") and once in float32 ("float32"). The Go
tests never run Python; rerun this script only to change the cases.

Each case ("cases") builds one module from its arguments as PyTorch takes
them ("padding" is the int or the tuple given to the constructor, "value"
the constant modules' value; "dims" are Flatten's start_dim and end_dim, or
Unflatten's dim followed by its unflattened_size), draws an input x of the
case's shape and an upstream gradient g of the output's shape, computes
y = module(x), runs y.backward(g), and records y's shape and values, x.grad
and the module's state_dict keys. The edges: asymmetric pads, negative pads
(cropping, down to an empty axis, and in reflection and replication past
the other end of the axis), reflection at its limit (a pad of the axis's
size − 1), inputs without a batch axis and with an empty one (or an empty
channel axis without one), and constant padding of inputs of any rank from 1-d to 5-d.

"sequential" is the state_dict keys of an nn.Sequential holding padding
modules, Flatten and Unflatten around one Linear: only the Linear's.
"""

import json
import os

import torch
import torch.nn as nn

torch.manual_seed(20261218)

GEN = torch.float64  # inputs are drawn in float64, then rounded


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# name, module, padding (None for Flatten/Unflatten), value, dims, input shape
CASES = [
    ("cp1d_int", "ConstantPad1d", 2, 3.5, None, (2, 3, 4)),
    ("cp1d_asym_2d", "ConstantPad1d", (1, 3), -1.25, None, (3, 5)),
    ("cp1d_crop", "ConstantPad1d", (-1, 2), 0.5, None, (2, 2, 4)),
    ("cp1d_crop_to_empty", "ConstantPad1d", (-1, -2), 1.0, None, (2, 3)),
    ("cp1d_1d", "ConstantPad1d", (2, 1), 2.0, None, (4,)),
    ("cp2d_int", "ConstantPad2d", 1, 0.75, None, (2, 2, 3, 3)),
    ("cp2d_asym_crop", "ConstantPad2d", (2, -1, -2, 1), -0.5, None, (1, 2, 4, 3)),
    ("cp2d_2d", "ConstantPad2d", (1, 0, 0, 2), 1.5, None, (3, 3)),
    ("cp2d_5d", "ConstantPad2d", 1, 1.0, None, (1, 2, 1, 2, 3)),
    ("cp3d_int", "ConstantPad3d", 1, 2.0, None, (1, 1, 2, 2, 2)),
    ("cp3d_asym_crop_4d", "ConstantPad3d", (1, 0, -1, 2, 0, 1), -3.0, None, (2, 2, 3, 2)),
    ("cp3d_3d", "ConstantPad3d", (0, 1, 1, 0, 2, 1), 0.25, None, (2, 2, 2)),
    ("zp2d_int", "ZeroPad2d", 2, None, None, (1, 1, 2, 3)),
    ("zp2d_asym_crop_3d", "ZeroPad2d", (1, 2, 3, -1), None, None, (2, 3, 3)),
    ("rf1d_int", "ReflectionPad1d", 2, None, None, (2, 3, 4)),
    ("rf1d_limit_2d", "ReflectionPad1d", (3, 3), None, None, (2, 4)),
    ("rf1d_asym", "ReflectionPad1d", (0, 2), None, None, (1, 2, 5)),
    ("rf1d_neg", "ReflectionPad1d", (-1, 2), None, None, (2, 4)),
    ("rf2d_int", "ReflectionPad2d", 1, None, None, (2, 2, 3, 3)),
    ("rf2d_limit_asym_3d", "ReflectionPad2d", (3, 1, 0, 2), None, None, (2, 3, 4)),
    ("rf2d_asym", "ReflectionPad2d", (1, 2, 2, 1), None, None, (1, 1, 3, 3)),
    ("rf2d_empty_batch", "ReflectionPad2d", 1, None, None, (0, 2, 3, 3)),
    ("rf3d_int", "ReflectionPad3d", 1, None, None, (1, 1, 2, 3, 3)),
    ("rf3d_limit_asym_4d", "ReflectionPad3d", (2, 0, 1, 2, 1, 0), None, None, (2, 2, 3, 3)),
    ("rp1d_int", "ReplicationPad1d", 3, None, None, (2, 2, 2)),
    ("rp1d_asym_neg_2d", "ReplicationPad1d", (-1, 2), None, None, (3, 4)),
    ("rp2d_int", "ReplicationPad2d", 2, None, None, (1, 2, 2, 3)),
    ("rp2d_asym_neg_3d", "ReplicationPad2d", (0, 3, 1, -1), None, None, (2, 3, 3)),
    ("rp3d_int", "ReplicationPad3d", 1, None, None, (1, 1, 2, 2, 3)),
    ("rp3d_asym_4d", "ReplicationPad3d", (1, 2, 0, 1, 2, 0), None, None, (2, 2, 2, 2)),
    ("rp3d_single", "ReplicationPad3d", (2, 1, 1, 2, 1, 1), None, None, (1, 1, 1, 1, 1)),
    ("rf1d_crop_past_left", "ReflectionPad1d", (-3, 1), None, None, (1, 3)),
    ("rp1d_crop_past_left", "ReplicationPad1d", (-3, 1), None, None, (1, 3)),
    ("rf2d_crop_h_to_empty", "ReflectionPad2d", (0, 0, -1, -2), None, None, (1, 3, 3)),
    ("rp3d_crop_w_to_empty", "ReplicationPad3d", (-1, -2, 0, 0, 0, 0), None, None, (1, 3, 3, 3)),
    ("rf1d_empty_channels_unbatched", "ReflectionPad1d", 1, None, None, (0, 3)),
    ("rp3d_empty_batch", "ReplicationPad3d", 1, None, None, (0, 1, 2, 2, 2)),
    ("flatten_default", "Flatten", None, None, None, (2, 3, 4)),
    ("flatten_default_2d", "Flatten", None, None, None, (3, 4)),
    ("flatten_all", "Flatten", None, None, (0, -1), (2, 3, 4)),
    ("flatten_middle", "Flatten", None, None, (1, 2), (2, 3, 4, 2)),
    ("flatten_negative", "Flatten", None, None, (-3, -2), (2, 3, 4, 2)),
    ("flatten_0d", "Flatten", None, None, (0, -1), ()),
    ("unflatten_infer", "Unflatten", None, None, (1, 2, -1), (3, 4, 2)),
    ("unflatten_last", "Unflatten", None, None, (-1, 2, 1, 3), (2, 6)),
]


def build(module, padding, value, dims):
    if module == "Flatten":
        return nn.Flatten() if dims is None else nn.Flatten(dims[0], dims[1])
    if module == "Unflatten":
        return nn.Unflatten(dims[0], tuple(dims[1:]))
    if module.startswith("ConstantPad"):
        return getattr(nn, module)(padding, value)
    return getattr(nn, module)(padding)


def run(module, padding, value, dims, x0, g0, dtype):
    m = build(module, padding, value, dims).to(dtype)
    x = x0.to(dtype).clone().requires_grad_(True)
    y = m(x)
    g = g0.to(dtype)
    assert tuple(g.shape) == tuple(y.shape)
    y.backward(g)
    return m, {"y_shape": list(y.shape), "y": flat(y), "grad": flat(x.grad)}


def main():
    cases = []
    for name, module, padding, value, dims, shape in CASES:
        x0 = r4(torch.randn(shape, dtype=GEN))
        y_shape = build(module, padding, value, dims)(x0).shape
        g0 = r4(torch.randn(tuple(y_shape), dtype=GEN))
        m64, r64 = run(module, padding, value, dims, x0, g0, torch.float64)
        _, r32 = run(module, padding, value, dims, x0, g0, torch.float32)
        case = {"name": name, "module": module}
        if padding is not None:
            case["padding"] = [padding] if isinstance(padding, int) else list(padding)
        if value is not None:
            case["value"] = value
        if dims is not None:
            case["dims"] = list(dims)
        case.update({"shape": list(shape), "x": flat(x0), "g": flat(g0),
                     "state_dict": list(m64.state_dict().keys()),
                     "float64": r64, "float32": r32})
        cases.append(case)
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"

    seq = nn.Sequential(nn.ZeroPad2d(1), nn.ReflectionPad2d((1, 0, 0, 1)),
                        nn.ReplicationPad2d(1), nn.ConstantPad2d(1, 2.0),
                        nn.Flatten(), nn.Linear(9 * 10, 6), nn.Unflatten(1, (2, 3)),
                        nn.ReflectionPad1d(1))
    head = {
        "generator": "nn/testdata/gen_torch_padding.py",
        "torch_version": torch.__version__,
        "sequential": list(seq.state_dict().keys()),
    }
    # One case per line keeps the file's diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False) for c in cases)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_padding.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(cases)} cases ({len(text)} bytes) to {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
