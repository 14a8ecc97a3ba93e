"""Regenerate torch_edges.json, the PyTorch reference numbers that
functional/edges_test.go pins the element-wise transcendental ops and the
softmax family to at the edges of the float range: exp up to its overflow
threshold and into the subnormals, log of subnormals, pow at ±0, ±Inf and
NaN, sigmoid, tanh and ELU in their tails, and log-sum-exp, softmax,
log-softmax and cross-entropy on rows whose maximum is near exp's overflow
threshold or whose terms underflow.

Run it from the repository root:

    /usr/bin/python3 functional/testdata/gen_torch_edges.py

It needs PyTorch (Debian's python3-torch; the python3 first on PATH may lack
it, hence /usr/bin/python3) and mpmath (which python3-torch pulls in), and
writes torch_edges.json next to this script. The output is deterministic:
the inputs are fixed edge values and the upstream gradients come from a
fixed torch seed, rounded to four decimals. Every number is written as a
string with repr ("5e-324", "-0.0", "inf", "nan"), which Go's
strconv.ParseFloat reads back exactly; float32 numbers are written as the
float64 holding the same value.

"cases" are computed by torch, in float64 for the float64 cases and in
float32 for the float32 ones (each dtype has its own edges: exp overflows
at 709.78 in float64 and at 88.72 in float32): the output and the input's
gradient from torch.autograd for the upstream gradient.

"divergences" are the inputs where tapegrad deliberately gives another
result than PyTorch 1.13, with both: torch's numbers and the wanted ones,
which are the true values rounded once to the dtype (mpmath at 400 bits,
see round_to), except for the log-sum-exp of a row that is entirely -Inf,
where the wanted gradient is tapegrad's chosen 0 (torch's is NaN).
The Go tests never run Python; rerun this script only to change the cases.
"""

import json
import math
import os

import mpmath
import torch
import torch.nn.functional as F

torch.manual_seed(20261202)
mpmath.mp.prec = 400

INF = float("inf")
NAN = float("nan")
DTYPES = {"float64": torch.float64, "float32": torch.float32}
# mantissa bits, smallest normal exponent, largest exponent
FORMAT = {"float64": (53, -1022, 1023), "float32": (24, -126, 127)}


def s(v):
    """A number as an exact string."""
    return repr(float(v))


def strs(t):
    return [s(v) for v in t.detach().reshape(-1).tolist()]


def round_to(v, dtype):
    """The mpmath number v rounded once to the dtype: to nearest, ties to
    even, subnormals and overflow included (mpmath's float() would round
    subnormals twice)."""
    mant, emin, emax = FORMAT[dtype]
    v = mpmath.mpf(v)
    if v == 0:
        return 0.0
    if mpmath.isinf(v) or mpmath.isnan(v):
        return float(v)
    sign, a = (-1 if v < 0 else 1), abs(v)
    _, e = mpmath.frexp(a)  # a = m·2^e, m in [1/2, 1): leading bit 2^(e-1)
    q = max(e - 1, emin) - (mant - 1)  # the quantum at a
    n = a / mpmath.mpf(2) ** q
    k = int(mpmath.floor(n))
    frac = n - k
    if frac > 0.5 or (frac == 0.5 and k % 2 == 1):
        k += 1
    if k * mpmath.mpf(2) ** q >= mpmath.mpf(2) ** (emax + 1):
        return sign * INF
    return sign * math.ldexp(k, q)


def f32(v):
    """The float32 nearest to v, as a Python float."""
    return torch.tensor(v, dtype=torch.float32).item()


def upstream(n, dtype, ones=False):
    """A random upstream gradient of n values, rounded to four decimals,
    in ±[0.5, 1.5) (never all ones); all ones where signs are under test."""
    if ones:
        return torch.ones(n, dtype=DTYPES[dtype])
    g = torch.rand(n, dtype=torch.float64) + 0.5
    sign = torch.where(torch.rand(n, dtype=torch.float64) < 0.3, -1.0, 1.0)
    return (torch.round(g * sign * 1e4) / 1e4).to(DTYPES[dtype])


def apply(function, x, params):
    if function == "exp":
        return torch.exp(x)
    if function == "log":
        return torch.log(x)
    if function == "pow":
        return torch.pow(x, params["p"])
    if function == "sigmoid":
        return torch.sigmoid(x)
    if function == "tanh":
        return torch.tanh(x)
    if function == "elu":
        return F.elu(x, alpha=params["alpha"])
    if function == "logsumexp":
        return torch.logsumexp(x, dim=params["axis"])
    if function == "softmax":
        return torch.softmax(x, dim=params["axis"])
    if function == "log_softmax":
        return torch.log_softmax(x, dim=params["axis"])
    if function == "cross_entropy":
        return F.cross_entropy(x, torch.tensor(params["labels"]))
    raise ValueError(function)


def run(name, dtype, function, values, shape=None, ones=False, **params):
    shape = shape or [len(values)]
    x = torch.tensor(values, dtype=DTYPES[dtype]).reshape(shape).requires_grad_(True)
    y = apply(function, x, params)
    g = upstream(y.numel(), dtype, ones).reshape(y.shape)
    y.backward(g)
    case = dict(name=name, dtype=dtype, function=function, shape=list(shape),
                input=strs(x), upstream=strs(g), output_shape=list(y.shape),
                output=strs(y), grad=strs(x.grad))
    case.update(params)
    return case, x, g


CASES = []
DIVERGENCES = []


def case(*args, **kw):
    CASES.append(run(*args, **kw)[0])


def divergence(why, want_output, want_grad, *args, **kw):
    """A case where tapegrad's numbers are want_output and want_grad, which
    take the case's input and upstream gradient (as mpmath numbers) and
    return the true values."""
    c, x, g = run(*args, **kw)
    dtype = c["dtype"]
    xs = [mpmath.mpf(v) for v in x.detach().reshape(-1).tolist()]
    gs = [mpmath.mpf(v) for v in g.reshape(-1).tolist()]
    c["why"] = why
    c["torch_output"], c["torch_grad"] = c.pop("output"), c.pop("grad")
    c["want_output"] = [s(round_to(v, dtype)) for v in want_output(xs)]
    c["want_grad"] = [s(round_to(v, dtype)) for v in want_grad(xs, gs)]
    DIVERGENCES.append(c)


POWERS = [0.5, -0.5, -1.0, 2.0, 1.0, 0.0, 3.0, 0.3, -2.0, -3.0, 1.5, 2.5, -0.3, 4.0, -4.0, 0.7, -1.5]


def build():
    # float64: exp's overflow threshold is 709.782712893384, its last
    # subnormal result is at -745.1332191019411.
    d = "float64"
    case("exp/top", d, "exp", [709.43, 709.44, 709.5, 709.6, 709.7, 709.78, 709.7827128933841, 710.0, 800.0, INF])
    case("exp/subnormal", d, "exp", [-708.39, -708.5, -709.0, -720.0, -740.0, -744.0, -745.13, -745.1332191019411,
                                     -745.1332191019412, -745.2, -746.0, -800.0, -INF])
    case("exp/ordinary", d, "exp", [-20.0, -1.0, 0.0, 1e-300, 0.5, 1.0, 20.0, NAN])
    case("log/subnormal", d, "log", [5e-324, 1e-323, 1e-320, 3e-315, 1e-310, math.nextafter(2.0 ** -1022, 0),
                                     2.0 ** -1022, 1e-300])
    case("log/special", d, "log", [1.0, 2.0, 1e308, 1.7976931348623157e308, INF, 0.0, -0.0, -1.0, -INF, NAN])
    xs = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 4.0, -4.0, 5e-324, -5e-324, 1e-310, 2.5, 1e300]
    for p in POWERS:
        case("pow/%g" % p, d, "pow", xs, ones=True, p=p)
    case("sigmoid/tails", d, "sigmoid", [-800.0, -745.2, -709.0, -708.5, -40.0, -36.0, -20.0, -1.0, 0.0, 1.0,
                                         20.0, 36.0, 40.0, 709.5, 800.0])
    case("tanh/tails", d, "tanh", [-800.0, -40.0, -20.0, -1.0, -1e-300, -5e-324, 0.0, 5e-324, 1e-10, 0.5, 1.0,
                                   5.0, 20.0, 40.0, 709.78, 800.0])
    for a in (1.0, 0.5):
        case("elu/%g" % a, d, "elu", [-800.0, -745.13, -740.0, -720.0, -709.0, -40.0, -20.0, -1.0, -0.5,
                                      0.0, 0.5, 709.5], alpha=a)
    rows = [[709.6, 709.5, 0.0, -1e4],
            [709.78, 709.78, 709.78, 709.78],
            [709.7827128933839, 709.782712893384, 700.0, 709.0],
            [0.0, -709.0, -720.0, -745.1]]
    for fn in ("logsumexp", "softmax", "log_softmax"):
        case(fn + "/rows", d, fn, sum(rows, []), shape=[4, 4], axis=1)
        case(fn + "/columns", d, fn, sum(rows, []), shape=[4, 4], axis=0)
    case("cross_entropy/rows", d, "cross_entropy", sum(rows, []), shape=[4, 4], labels=[2, 0, 1, 3])

    # float32: exp overflows from 88.72283935546875 and reaches the
    # subnormals below -87.34.
    d = "float32"
    case("exp/top", d, "exp", [f32(v) for v in [88.7, 88.72, 88.7228, 88.72283, 88.72284, 89.0, 100.0, INF]])
    case("exp/subnormal", d, "exp", [f32(v) for v in [-87.3, -88.0, -100.0, -103.27, -103.9, -103.97, -104.0,
                                                      -110.0, -INF]])
    case("log/subnormal", d, "log", [f32(v) for v in [1e-45, 3e-45, 1e-40, 1e-39, 1.1754942e-38, 1.1754944e-38,
                                                      1.0, 3.4e38, INF, 0.0, -0.0, -1.0, NAN]])
    xs = [f32(v) for v in [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 4.0, -4.0, 1e-45, -1e-45, 1e-40, 2.5, 1e30]]
    for p in POWERS:
        case("pow/%g" % p, d, "pow", xs, ones=True, p=p)
    case("sigmoid/tails", d, "sigmoid", [f32(v) for v in [-110.0, -104.0, -88.0, -87.3, -20.0, -10.0, 0.0, 10.0,
                                                          20.0, 88.7, 100.0]])
    case("tanh/tails", d, "tanh", [f32(v) for v in [-100.0, -10.0, -1.0, -1e-40, 0.0, 1e-45, 0.5, 5.0, 10.0, 100.0]])
    for a in (1.0, 0.5):
        case("elu/%g" % a, d, "elu", [f32(v) for v in [-110.0, -103.9, -100.0, -88.0, -20.0, -1.0, 0.0, 0.5, 88.7]],
             alpha=a)
    rows = [[88.6, 88.5, 0.0, -100.0],
            [88.72, 88.72, 88.72, 88.72],
            [88.7228, 88.72283, 80.0, 88.0],
            [0.0, -87.3, -103.9, -110.0]]
    flat = [f32(v) for v in sum(rows, [])]
    for fn in ("logsumexp", "softmax", "log_softmax"):
        case(fn + "/rows", d, fn, flat, shape=[4, 4], axis=1)
        case(fn + "/columns", d, fn, flat, shape=[4, 4], axis=0)
    case("cross_entropy/rows", d, "cross_entropy", flat, shape=[4, 4], labels=[2, 0, 1, 3])

    # Infinities and NaN in the rows, in both dtypes: partly masked (-Inf),
    # fully masked (softmax and log-softmax give NaN, as does their
    # gradient; log-sum-exp's gradient is a divergence, below), +Inf, NaN.
    masked = [[-INF, 0.0, 1.0, -INF], [INF, 0.0, 1.0, 2.0], [NAN, 0.0, 1.0, 2.0]]
    for d in DTYPES:
        case("logsumexp/infinities", d, "logsumexp", sum(masked, []), shape=[3, 4], axis=1)
        for fn in ("softmax", "log_softmax"):
            case(fn + "/infinities", d, fn, sum(masked + [[-INF] * 4], []), shape=[4, 4], axis=1)
        case("cross_entropy/masked", d, "cross_entropy", [-INF, 0.0, 1.0, -INF, 3.0, -INF, 0.5, 1.0],
             shape=[2, 4], labels=[2, 0])

    # Deliberate divergences.
    exp_ = lambda xs: [mpmath.exp(x) for x in xs]
    exp_grad = lambda xs, gs: [g * mpmath.exp(x) for x, g in zip(xs, gs)]
    sig = lambda x: 1 / (1 + mpmath.exp(-x))
    divergence("torch.exp (SLEEF) overflows 2 ulps early; e^x is finite up to 709.782712893384",
               exp_, exp_grad, "exp/last-finite", "float64", "exp", [709.7827128933839, 709.782712893384])
    for d, xs in (("float64", [-720.0, -740.0, -745.13]), ("float32", [f32(-100.0), f32(-103.9)])):
        divergence("torch.sigmoid computes 1/(1+e^-x), which is 0 once e^-x overflows; "
                   "σ(x) is e^x/(1+e^x), subnormal there",
                   lambda xs: [sig(x) for x in xs],
                   lambda xs, gs: [g * sig(x) * (1 - sig(x)) for x, g in zip(xs, gs)],
                   "sigmoid/subnormal", d, "sigmoid", xs)
    for d in ("float64", "float32"):
        divergence("PyTorch 1.13's ELU computes e^x - 1, which loses the relative precision of α·expm1(x) near 0",
                   lambda xs: [0.5 * mpmath.expm1(x) for x in xs],
                   lambda xs, gs: [g * 0.5 * mpmath.exp(x) for x, g in zip(xs, gs)],
                   "elu/near-zero", d, "elu", [f32(v) for v in [-1e-10, -3e-8, -1e-5]], alpha=0.5)
        divergence("a row that is entirely -Inf (fully masked): tapegrad's log-sum-exp gradient is 0, torch's NaN",
                   lambda xs: [-INF, mpmath.log(mpmath.exp(1) + 1)],
                   lambda xs, gs: [0, 0, gs[1] * mpmath.exp(1) / (mpmath.exp(1) + 1), gs[1] / (mpmath.exp(1) + 1)],
                   "logsumexp/masked-row", d, "logsumexp", [-INF, -INF, 1.0, 0.0], shape=[2, 2], axis=1)


def main():
    build()
    names = [(c["dtype"], c["name"]) for c in CASES + DIVERGENCES]
    assert len(names) == len(set(names)), "case names must be unique per dtype"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_edges.json")
    with open(path, "w") as f:
        f.write('{\n  "generator": "functional/testdata/gen_torch_edges.py",\n')
        f.write('  "torch_version": %s,\n' % json.dumps(torch.__version__))
        for key, cs in (("cases", CASES), ("divergences", DIVERGENCES)):
            f.write('  "%s": [\n' % key)
            f.write(",\n".join("    " + json.dumps(c) for c in cs))
            f.write("\n  ]%s\n" % ("," if key == "cases" else ""))
        f.write("}\n")


if __name__ == "__main__":
    main()
