"""Regenerate torch_init.json, the PyTorch reference numbers that
nn/init_reference_test.go pins nn's initializers (nn/init.go) to.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_init.py

It needs PyTorch (Debian's python3-torch will do; the python3 first on PATH
may lack torch, hence /usr/bin/python3) and writes torch_init.json next to
this script. The output is deterministic (fixed torch seeds). The Go tests
never run Python; rerun this script only to change the cases.

What it records:
- "gains": torch.nn.init.calculate_gain(nonlinearity, param).
- "fans": torch.nn.init._calculate_fan_in_and_fan_out of tensors of
  several shapes (matrices, conv1d/2d/3d weights).
- "kaiming", "xavier": the bound of the uniform and the std of the normal
  variant for a shape and the arguments, computed from torch's own fan and
  gain helpers with the formulas of kaiming_uniform_/kaiming_normal_ and
  xavier_uniform_/xavier_normal_ (torch exposes the numbers no other way).
  The Go tests check the distributions of samples against them.
- "orthogonal": torch.nn.init.orthogonal_ in float64 and float32, together
  with the Gaussian matrix it drew (redrawn from the same seed with the same
  call torch makes), written with full precision so that Go can factor the
  very same matrix and compare.
- "trunc_normal": the mean and std of the truncated normal for some
  (mean, std, a, b), from the closed form, for the sample tests.
- "eye", "dirac": torch.nn.init.eye_ and dirac_ outputs.
"""

import json
import math
import os

import torch
import torch.nn.init as I


def gains():
    out = []
    for nl, p in [("linear", None), ("conv1d", None), ("conv2d", None),
                  ("conv3d", None), ("conv_transpose1d", None),
                  ("conv_transpose2d", None), ("conv_transpose3d", None),
                  ("sigmoid", None), ("tanh", None), ("relu", None),
                  ("relu", 3.0), ("leaky_relu", None), ("leaky_relu", 0.2),
                  ("leaky_relu", 0.0), ("leaky_relu", math.sqrt(5)),
                  ("selu", None)]:
        out.append({"nonlinearity": nl, "param": p,
                    "gain": I.calculate_gain(nl, p)})
    return out


SHAPES = [[3, 5], [5, 3], [1, 1], [4, 3, 5], [16, 8, 3, 3], [6, 2, 1, 7],
          [2, 3, 2, 3, 4], [7, 0]]


def fans():
    out = []
    for s in SHAPES:
        fi, fo = I._calculate_fan_in_and_fan_out(torch.empty(s))
        out.append({"shape": s, "fan_in": fi, "fan_out": fo})
    return out


def kaiming():
    out = []
    for s in [[3, 5], [16, 8, 3, 3], [6, 2, 1, 7]]:
        for a, mode, nl in [(0.0, "fan_in", "leaky_relu"),
                            (math.sqrt(5), "fan_in", "leaky_relu"),
                            (0.0, "fan_out", "relu"),
                            (0.3, "fan_out", "leaky_relu"),
                            (0.0, "fan_in", "tanh")]:
            t = torch.empty(s)
            fan = I._calculate_correct_fan(t, mode)
            std = I.calculate_gain(nl, a) / math.sqrt(fan)
            out.append({"shape": s, "a": a, "mode": mode, "nonlinearity": nl,
                        "bound": math.sqrt(3.0) * std, "std": std})
    return out


def xavier():
    out = []
    for s in [[3, 5], [16, 8, 3, 3], [6, 2, 1, 7]]:
        for gain in [1.0, I.calculate_gain("relu")]:
            fi, fo = I._calculate_fan_in_and_fan_out(torch.empty(s))
            std = gain * math.sqrt(2.0 / float(fi + fo))
            out.append({"shape": s, "gain": gain,
                        "bound": math.sqrt(3.0) * std, "std": std})
    return out


def orthogonal():
    out = []
    seed = 1900
    for s, gain in [([5, 3], 1.0), ([3, 5], 1.0), ([4, 4], 2.0),
                    ([6, 2, 2, 1], 1.0), ([2, 3, 2], 0.5), ([1, 4], 1.0),
                    ([4, 1], 3.0), ([20, 12], 1.0)]:
        case = {"shape": s, "gain": gain}
        for name, dt in [("float64", torch.float64),
                         ("float32", torch.float32)]:
            seed += 1
            rows = s[0]
            cols = math.prod(s) // rows
            t = torch.empty(s, dtype=dt)
            # orthogonal_ draws its matrix as t.new(rows, cols).normal_(0, 1).
            torch.manual_seed(seed)
            g = t.new(rows, cols).normal_(0, 1)
            torch.manual_seed(seed)
            I.orthogonal_(t, gain)
            case[name] = {"gaussian": [float(v) for v in g.flatten()],
                          "out": [float(v) for v in t.flatten()]}
        out.append(case)
    return out


def trunc_normal():
    out = []
    for mean, std, a, b in [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, 0.0, 3.0),
                            (0.0, 1.0, 1.0, 4.0), (-3.0, 2.0, -4.0, -3.5)]:
        al, be = (a - mean) / std, (b - mean) / std
        phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
        cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
        z = cdf(be) - cdf(al)
        m = mean + std * (phi(al) - phi(be)) / z
        v = std * std * (1 + (al * phi(al) - be * phi(be)) / z
                         - ((phi(al) - phi(be)) / z) ** 2)
        out.append({"mean": mean, "std": std, "a": a, "b": b,
                    "want_mean": m, "want_std": math.sqrt(v)})
    return out


def eye():
    out = []
    for s in [[3, 5], [5, 3], [4, 4]]:
        t = torch.empty(s)
        I.eye_(t)
        out.append({"shape": s, "out": [float(v) for v in t.flatten()]})
    return out


def dirac():
    out = []
    for s, groups in [([4, 2, 3], 1), ([6, 3, 3, 3], 2), ([2, 4, 1, 3, 2], 1),
                      ([4, 4, 3, 3], 4), ([3, 5, 2, 4], 1), ([8, 2, 3], 2)]:
        t = torch.empty(s)
        I.dirac_(t, groups)
        out.append({"shape": s, "groups": groups,
                    "out": [float(v) for v in t.flatten()]})
    return out


def main():
    data = {
        "generator": "nn/testdata/gen_torch_init.py",
        "torch_version": torch.__version__,
        "gains": gains(),
        "fans": fans(),
        "kaiming": kaiming(),
        "xavier": xavier(),
        "orthogonal": orthogonal(),
        "trunc_normal": trunc_normal(),
        "eye": eye(),
        "dirac": dirac(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "torch_init.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
