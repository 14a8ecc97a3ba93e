"""Regenerate mpmath_edges.json, the correctly rounded values that
internal/fmath/fmath_test.go pins Exp, Log and Pow to at the edges of the
float64 range (and, within 1 ulp, in the ordinary range).

Run it from the repository root:

    /usr/bin/python3 internal/fmath/testdata/gen_mpmath_edges.py

It needs mpmath (Debian's python3-mpmath, which python3-torch pulls in) and
writes mpmath_edges.json next to this script. Every value is computed with
400 bits and rounded once to float64, to nearest, ties to even (see f64:
mpmath's own float() rounds twice below 2^-1022, first to 53 bits, which is
1 ulp off for about one subnormal in four), so it is the correctly rounded
result; inputs are float64 values drawn from a fixed seed. Numbers are written with repr as strings
("5e-324", "-inf"), which Go's strconv.ParseFloat reads back exactly.
The Go tests never run Python; rerun this script only to change the cases.

Sets:
  exp_edge   x in [709.43, 709.7827128933841] (the top of the range, where
             amd64's math.Exp overflows early) and [-745.14, -708.39]
             (subnormal results): fmath.Exp must be correctly rounded there.
  exp_fast   x in [-708.39, 709.43]: within 1 ulp.
  log_edge   subnormal x, log-uniform: fmath.Log must be correctly rounded.
  log_fast   normal x, log-uniform over the whole range: within 1 ulp.
  pow_edge   subnormal x, non-integer y with a finite nonzero result:
             fmath.Pow must be correctly rounded.
  pow_fast   normal x, log-uniform, non-integer y in (-3, 3), with a
             finite nonzero result: within 1 ulp.
"""

import json
import os
import random

import mpmath

mpmath.mp.prec = 400
random.seed(20261202)

MIN_NORMAL = 2.0 ** -1022


def f64(v):
    """v rounded once to the nearest float64, ties to even, subnormals and
    overflow included."""
    v = mpmath.mpf(v)
    if abs(v) >= MIN_NORMAL:
        if abs(v) >= mpmath.mpf(2) ** 1024 * (1 - mpmath.mpf(2) ** -54):
            return float("inf") if v > 0 else float("-inf")
        return float(v)  # one rounding to 53 bits, exact exponent
    s = abs(v) * mpmath.mpf(2) ** 1074
    n = int(mpmath.floor(s))
    frac = s - n
    if frac > 0.5 or (frac == 0.5 and n % 2 == 1):
        n += 1
    return float(mpmath.sign(v)) * n * 2.0 ** -1074 if n else 0.0


def r(v):
    return repr(float(f64(v)))


def subnormal():
    """A random positive subnormal: a uniform exponent of its leading bit,
    then random lower bits."""
    bits = random.randint(1, 52)
    n = (1 << (bits - 1)) | random.getrandbits(bits - 1) if bits > 1 else 1
    return n * 2.0 ** -1074


def lognormal():
    """A random positive normal float64, its exponent uniform."""
    return 2.0 ** random.uniform(-1022, 1023.99)


def cases():
    out = {"exp_edge": [], "exp_fast": [], "log_edge": [], "log_fast": [], "pow_edge": [], "pow_fast": []}
    for _ in range(300):
        x = random.uniform(709.43, 709.7827128933841)
        out["exp_edge"].append([r(x), r(mpmath.exp(mpmath.mpf(x)))])
        x = random.uniform(-745.14, -708.39)
        out["exp_edge"].append([r(x), r(mpmath.exp(mpmath.mpf(x)))])
    for _ in range(300):
        x = random.uniform(-708.39, 709.43)
        out["exp_fast"].append([r(x), r(mpmath.exp(mpmath.mpf(x)))])
        x = random.uniform(-1, 1)
        out["exp_fast"].append([r(x), r(mpmath.exp(mpmath.mpf(x)))])
    for _ in range(600):
        x = subnormal()
        assert 0 < x < MIN_NORMAL
        out["log_edge"].append([r(x), r(mpmath.log(mpmath.mpf(x)))])
    for _ in range(600):
        x = lognormal()
        out["log_fast"].append([r(x), r(mpmath.log(mpmath.mpf(x)))])
    while len(out["pow_edge"]) < 600:
        x = subnormal()
        y = random.uniform(-1.5, 1.5)
        if y == int(y):
            continue
        v = mpmath.power(mpmath.mpf(x), mpmath.mpf(y))
        if f64(v) in (0.0, float("inf")):
            continue
        out["pow_edge"].append([r(x), r(y), r(v)])
    while len(out["pow_fast"]) < 600:
        x = lognormal()
        y = random.uniform(-3, 3)
        if y == int(y) or abs(y) == 0.5:
            continue
        v = mpmath.power(mpmath.mpf(x), mpmath.mpf(y))
        if f64(v) in (0.0, float("inf")):
            continue
        out["pow_fast"].append([r(x), r(y), r(v)])
    return out


def main():
    data = {"generator": "internal/fmath/testdata/gen_mpmath_edges.py",
            "mpmath_version": mpmath.__version__, "precision_bits": mpmath.mp.prec}
    data.update(cases())
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpmath_edges.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
