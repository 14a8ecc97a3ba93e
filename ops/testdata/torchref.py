"""Helpers shared by the PyTorch reference generators of ops/testdata:
rounded random inputs, their exact JSON form, and the one-case-per-line
JSON layout. A generator next to this file imports it as torchref (Python
puts a script's own folder first on sys.path); the generators seed torch
themselves, so the numbers depend only on each script's seed and order.
"""

import json
import math

import torch


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape, scale=1.0):
    """Standard normal values times scale, rounded."""
    return r4(scale * torch.randn(shape, dtype=torch.float64))


def away(*shape, margin=0.05):
    """Random values at least margin away from 0 (for ReLU, LeakyReLU, ELU)."""
    x = randn(*shape)
    return r4(torch.where(x.abs() < margin, torch.sign(x + 1e-9) * (margin + x.abs()), x))


def avoid(*shape, scale=1.0, kinks=()):
    """N(0, scale²) values at least 0.1 away from each kink."""
    x = randn(*shape, scale=scale)
    for k in kinks:
        d = x - k
        x = torch.where(d.abs() < 0.1, k + torch.sign(d + 1e-12) * (0.1 + d.abs()), x)
    return r4(x)


def positive(*shape, lo=0.5, hi=2.0):
    """Uniform values in [lo, hi), rounded."""
    return r4(lo + (hi - lo) * torch.rand(shape, dtype=torch.float64))


def distinct(*shape):
    """Random values with no two equal anywhere."""
    while True:
        x = randn(*shape)
        if len(set(x.reshape(-1).tolist())) == x.numel():
            return x


def ties(*shape):
    """Small integers in [−2, 2], so that many elements tie."""
    return torch.randint(-2, 3, shape).to(torch.float64)


def upstream(*shape):
    """A random upstream gradient; never all ones."""
    g = randn(*shape)
    assert g.numel() <= 1 or not torch.all(g == 1)
    return g


def enc(v):
    """A float as JSON: the number, or "nan", "inf", "-inf" (reftest.Float
    reads both)."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat(t):
    """The values of a tensor, exactly (Python's shortest repr)."""
    return [enc(float(v)) for v in t.detach().reshape(-1).tolist()]


def flat_result(t, dtype):
    """A computed tensor: float64 rounded to 13 significant digits (a
    relative 5e-14 at most, far below the tests' 1e-10, and a smaller
    file), float32 with the 9 that give it back."""
    if t._is_zerotensor():  # abs's double backward: a zero without storage
        t = torch.zeros(t.shape, dtype=t.dtype)
    digits = "%.9g" if dtype == torch.float32 else "%.13g"
    return [enc(float(digits % v)) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def write(path, head, sections):
    """Writes head (a dict) and the lists of cases in sections (name →
    list) to path as JSON, one case per line, which keeps the diffs
    readable, and returns the text's length."""
    def block(cases):
        return "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cases) + "\n  ]"
    text = json.dumps(head, indent=2)[:-2]
    for name, cases in sections.items():
        names = [c["name"] for c in cases]
        assert len(names) == len(set(names)), "case names must be unique in " + name
        text += ',\n  "%s": %s' % (name, block(cases))
    text += "\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    return len(text)
