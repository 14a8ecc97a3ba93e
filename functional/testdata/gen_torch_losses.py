"""Regenerate torch_losses.json, the PyTorch reference numbers that
functional/loss_test.go pins the loss functions of functional/loss.go to:
MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss,
NLLLoss, KLDivLoss, CrossEntropy (class targets) and CrossEntropyProbs
(probability targets), with every option tapegrad takes.

Run it from the repository root:

    /usr/bin/python3 functional/testdata/gen_torch_losses.py

It needs PyTorch (written against Debian's 1.13; the python3 first on PATH
may lack torch, hence /usr/bin/python3) and writes torch_losses.json next to
this script. The output is deterministic: every input, target, weight and
upstream gradient comes from a fixed seed and is rounded to four decimals,
so it reads back into Go as exactly the same float64 (and, cast, the same
float32 as torch's). Each case is computed twice, in float64 and in
float32 (inputs cast from the float64 values), and records the loss, the
gradient of the input and, where the target is differentiable, the
gradient of the target, for
the upstream gradient given (never all ones).

Edge cases: all targets ignored (NaN mean), weights of zero, label
smoothing 0 and 1, logits of ±100 and ±1e4, BCE at p = 0 and 1, KLDivLoss
with zero targets (0·log 0 = 0; the target's gradient there is NaN).
The Go tests never run Python; rerun this script only to change the cases.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

SEED = 20261202
torch.manual_seed(SEED)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(tuple(shape), dtype=torch.float64))


def rand(*shape, lo=0.0, hi=1.0):
    return r4(lo + (hi - lo) * torch.rand(*shape, dtype=torch.float64))


def enc(v, dt):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "-0.0" if math.copysign(1, v) < 0 else 0.0
    return float("%.9g" % v) if dt == "f32" else float("%.17g" % v)


def flat(t, dt):
    return [enc(v, dt) for v in t.detach().clone().reshape(-1).tolist()]


def probs(*shape):
    """Rows of probabilities along axis 1, rounded (they sum to 1 only
    approximately, which the loss does not need)."""
    return r4(torch.softmax(torch.randn(*shape, dtype=torch.float64), 1))


def call(loss, x, t, labels, opts, dt):
    o = dict(opts)
    for k in ("weight", "pos_weight"):
        if k in o:
            o[k] = torch.tensor(o[k], dtype=dt)
    if loss == "mse":
        return F.mse_loss(x, t, **o)
    if loss == "l1":
        return F.l1_loss(x, t, **o)
    if loss == "smooth_l1":
        return F.smooth_l1_loss(x, t, **o)
    if loss == "huber":
        return F.huber_loss(x, t, **o)
    if loss == "bce":
        return F.binary_cross_entropy(x, t, **o)
    if loss == "bce_logits":
        return F.binary_cross_entropy_with_logits(x, t, **o)
    if loss == "nll":
        return F.nll_loss(x, labels, **o)
    if loss == "cross_entropy":
        return F.cross_entropy(x, labels, **o)
    if loss == "cross_entropy_probs":
        return F.cross_entropy(x, t, **o)
    if loss == "kl_div":
        return F.kl_div(x, t, **o)
    raise ValueError(loss)


cases = []
names = set()


# The edge cases, whose second-order gradients are not pinned: PyTorch's
# double backward at p = 0 or 1, at saturated logits and through NaN means
# is not what its first-order gradient's derivative would be.
NO_SECOND = {"bce/p=0,1,none", "bce/p=0,1,mean", "bce_logits/extreme,none", "bce_logits/extreme,pos_weight,none",
             "nll/all-ignored", "nll/all-ignored,sum", "nll/zero-weights", "ce/zero-weights", "ce/all-ignored",
             "ce/all-ignored,smoothing0.2", "ce/extreme", "ce/extreme,smoothing0.1,none",
             "kl_div/zero-targets,none", "kl_div/zero-targets,batchmean"}


def case(name, loss, x, t=None, labels=None, target_grad=None, **opts):
    """Record one case: x and t are float64 tensors (t None for class
    targets), labels a list of ints. With second, it also records the
    second-order gradients: with F = ∂⟨g, y⟩/∂(x, t) recorded
    (create_graph) and random directions v, H = ∂⟨v, F⟩/∂(x, t)."""
    assert name not in names, name
    names.add(name)
    if target_grad is None:
        target_grad = t is not None
    c = {"name": name, "loss": loss, "shape": list(x.shape), "input": flat(x, "f64"),
         "target_shape": list(t.shape) if t is not None else None,
         "target": flat(t, "f64") if t is not None else None,
         "labels": labels, "target_grad": target_grad, "options": opts}
    second = name not in NO_SECOND
    upstream = None
    dirs = None
    if second:
        dirs = [randn(*x.shape)] + ([randn(*t.shape)] if target_grad else [])
        c["directions"] = [flat(d, "f64") for d in dirs]
    for dt, key in ((torch.float64, "f64"), (torch.float32, "f32")):
        xi = x.detach().clone().to(dt).requires_grad_()
        ti = t.detach().clone().to(dt).requires_grad_(target_grad) if t is not None else None
        li = torch.tensor(labels, dtype=torch.long).reshape([x.shape[0]] + list(x.shape[2:])) if labels is not None else None
        y = call(loss, xi, ti, li, opts, dt)
        if upstream is None:
            upstream = randn(*y.shape)
            while torch.any(upstream == 0) or torch.all(upstream == 1):
                upstream = randn(*y.shape)
            c["output_shape"] = list(y.shape)
            c["upstream"] = flat(upstream, "f64")
        wrt = [xi] + ([ti] if target_grad else [])
        first = torch.autograd.grad(y, wrt, upstream.to(dt), create_graph=second)
        res = {"output": flat(y, key), "grad_input": flat(first[0], key)}
        if target_grad:
            res["grad_target"] = flat(first[1], key)
        if second:
            psi = sum((d.to(dt) * f).sum() for d, f in zip(dirs, first) if f.requires_grad)
            if torch.is_tensor(psi) and psi.requires_grad:
                h = torch.autograd.grad(psi, wrt, allow_unused=True)
            else:
                h = [None] * len(wrt)
            res["second"] = [flat(torch.zeros_like(w) if hi is None else hi, key) for w, hi in zip(wrt, h)]
        c[key] = res
    cases.append(c)


def gen():
    # Regression losses.
    x, t = randn(3, 4), randn(3, 4)
    for red in ("mean", "sum", "none"):
        case("mse/" + red, "mse", x, t, reduction=red)
        case("l1/" + red, "l1", x, t, reduction=red)
    te = x.clone()
    te[0, 1] = t[0, 1]
    te[2, 3] = t[2, 3]
    case("l1/equal-elements", "l1", x, te)  # d = 0: gradient 0
    case("mse/1-d", "mse", randn(5), randn(5))
    xs, ts = randn(4, 5) * 2, randn(4, 5) * 2
    case("smooth_l1/default", "smooth_l1", xs, ts)
    case("smooth_l1/beta0.5,sum", "smooth_l1", xs, ts, beta=0.5, reduction="sum")
    case("smooth_l1/beta0", "smooth_l1", xs, ts, beta=0.0)
    case("smooth_l1/beta2,none", "smooth_l1", xs, ts, beta=2.0, reduction="none")
    case("huber/default", "huber", xs, ts)
    case("huber/delta2.5,none", "huber", xs, ts, delta=2.5, reduction="none")
    case("huber/delta0.3,sum", "huber", xs, ts, delta=0.3, reduction="sum")

    # Binary cross-entropy on probabilities.
    p, tb = rand(3, 4, lo=0.05, hi=0.95), rand(3, 4)
    case("bce/default", "bce", p, tb)
    case("bce/weight,sum", "bce", p, tb, weight=rand(4, lo=0.1, hi=2).tolist(), reduction="sum")
    case("bce/weight-rows,none", "bce", p, tb, weight=rand(3, 1, lo=0.1, hi=2).tolist(), reduction="none")
    pe = torch.tensor([0.0, 0.0, 1.0, 1.0, 0.0, 1.0], dtype=torch.float64)
    te = torch.tensor([0.0, 0.5, 1.0, 0.5, 1.0, 0.0], dtype=torch.float64)
    case("bce/p=0,1,none", "bce", pe, te, reduction="none")
    case("bce/p=0,1,mean", "bce", pe, te)

    # Binary cross-entropy on logits.
    xl, tl = randn(3, 4) * 2, rand(3, 4)
    case("bce_logits/default", "bce_logits", xl, tl)
    case("bce_logits/weight,none", "bce_logits", xl, tl, weight=rand(4, lo=0.1, hi=2).tolist(), reduction="none")
    case("bce_logits/pos_weight", "bce_logits", xl, tl, pos_weight=rand(4, lo=0.2, hi=3).tolist())
    case("bce_logits/weight,pos_weight,sum", "bce_logits", xl, tl, weight=rand(3, 1, lo=0.1, hi=2).tolist(),
         pos_weight=rand(4, lo=0.2, hi=3).tolist(), reduction="sum")
    xb = torch.tensor([100.0, -100.0, 1e4, -1e4, 100.0, -1e4, 0.0, 30.0], dtype=torch.float64)
    tbig = torch.tensor([1.0, 0.0, 0.3, 1.0, 0.0, 0.7, 0.5, 1.0], dtype=torch.float64)
    case("bce_logits/extreme,none", "bce_logits", xb, tbig, reduction="none")
    case("bce_logits/extreme,pos_weight,none", "bce_logits", xb, tbig, pos_weight=[2.5], reduction="none")

    # Negative log-likelihood (on log-probabilities).
    lp = torch.log_softmax(randn(5, 4), 1)
    lp = r4(lp)
    lab = [1, 3, 0, 2, 3]
    case("nll/default", "nll", lp, labels=lab)
    case("nll/weight", "nll", lp, labels=lab, weight=[0.5, 2.0, 1.0, 0.25])
    case("nll/weight,ignore", "nll", lp, labels=[1, -100, 0, 2, -100], weight=[0.5, 2.0, 1.0, 0.25])
    case("nll/ignore_index=3,sum", "nll", lp, labels=lab, ignore_index=3, reduction="sum")
    case("nll/weight,none", "nll", lp, labels=lab, weight=[0.5, 2.0, 1.0, 0.25], reduction="none")
    case("nll/all-ignored", "nll", lp, labels=[-100] * 5)
    case("nll/all-ignored,sum", "nll", lp, labels=[-100] * 5, reduction="sum")
    case("nll/zero-weights", "nll", lp, labels=[0, 0, 3, 3, 0], weight=[0.0, 1.0, 1.0, 0.0])
    case("nll/some-zero-weights", "nll", lp, labels=lab, weight=[0.0, 1.0, 2.0, 0.0])
    lp4 = r4(torch.log_softmax(randn(2, 3, 2, 2), 1))
    lab4 = [0, 1, 2, 1, -100, 0, 2, 2]
    case("nll/NxCxd1xd2,weight,ignore", "nll", lp4, labels=lab4, weight=[0.3, 1.0, 2.0])
    case("nll/NxCxd1xd2,none", "nll", lp4, labels=[0, 1, 2, 1, 1, 0, 2, 2], reduction="none")

    # Cross-entropy with class targets.
    z = randn(6, 5) * 2
    labz = [4, 0, 2, 2, 1, 3]
    w5 = [0.5, 1.5, 1.0, 2.0, 0.25]
    case("ce/default", "cross_entropy", z, labels=labz)
    case("ce/weight", "cross_entropy", z, labels=labz, weight=w5)
    case("ce/ignore", "cross_entropy", z, labels=[4, -100, 2, -100, 1, 3])
    case("ce/ignore_index=2,sum", "cross_entropy", z, labels=labz, ignore_index=2, reduction="sum")
    case("ce/none", "cross_entropy", z, labels=labz, reduction="none")
    case("ce/smoothing0.2", "cross_entropy", z, labels=labz, label_smoothing=0.2)
    case("ce/smoothing0.2,ignore", "cross_entropy", z, labels=[4, -100, 2, -100, 1, 3], label_smoothing=0.2)
    case("ce/smoothing0.3,weight,ignore", "cross_entropy", z, labels=[4, -100, 2, 2, 1, 3], weight=w5, label_smoothing=0.3)
    case("ce/smoothing0.3,weight,sum", "cross_entropy", z, labels=labz, weight=w5, label_smoothing=0.3, reduction="sum")
    case("ce/smoothing0.1,weight,ignore,none", "cross_entropy", z, labels=[4, -100, 2, 2, 1, 3], weight=w5,
         label_smoothing=0.1, reduction="none")
    case("ce/smoothing0", "cross_entropy", z, labels=labz, label_smoothing=0.0)
    case("ce/smoothing1", "cross_entropy", z, labels=labz, label_smoothing=1.0)
    case("ce/smoothing1,weight", "cross_entropy", z, labels=labz, weight=w5, label_smoothing=1.0)
    case("ce/zero-weights", "cross_entropy", z, labels=[0, 0, 4, 0, 4, 4], weight=[0.0, 1.5, 1.0, 2.0, 0.0])
    case("ce/all-ignored", "cross_entropy", z, labels=[-100] * 6)
    case("ce/all-ignored,smoothing0.2", "cross_entropy", z, labels=[-100] * 6, label_smoothing=0.2)
    zb = torch.tensor([[100.0, -100.0, 0.0], [1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.5, 100.0, -100.0]], dtype=torch.float64)
    case("ce/extreme", "cross_entropy", zb, labels=[1, 0, 2, 2])
    case("ce/extreme,smoothing0.1,none", "cross_entropy", zb, labels=[1, 0, 2, 2], label_smoothing=0.1, reduction="none")
    z4 = randn(2, 3, 2, 2)
    case("ce/NxCxd1xd2", "cross_entropy", z4, labels=[0, 1, 2, 1, 1, 0, 2, 2])
    case("ce/NxCxd1xd2,weight,ignore,smoothing0.25", "cross_entropy", z4, labels=[0, 1, -100, 1, 1, 0, 2, 2],
         weight=[0.3, 1.0, 2.0], label_smoothing=0.25)

    # Cross-entropy with probability targets.
    pt = probs(6, 5)
    case("ce_probs/default", "cross_entropy_probs", z, pt)
    case("ce_probs/weight", "cross_entropy_probs", z, pt, weight=w5)
    case("ce_probs/smoothing0.2,sum", "cross_entropy_probs", z, pt, label_smoothing=0.2, reduction="sum")
    case("ce_probs/weight,smoothing0.4,none", "cross_entropy_probs", z, pt, weight=w5, label_smoothing=0.4, reduction="none")
    case("ce_probs/smoothing1", "cross_entropy_probs", z, pt, label_smoothing=1.0)
    case("ce_probs/NxCxd1xd2,weight", "cross_entropy_probs", z4, probs(2, 3, 2, 2), weight=[0.3, 1.0, 2.0])

    # KL divergence.
    lq = r4(torch.log_softmax(randn(4, 3), 1))
    tp = probs(4, 3)
    for red in ("mean", "batchmean", "sum", "none"):
        case("kl_div/" + red, "kl_div", lq, tp, reduction=red)
    lt = r4(torch.log_softmax(randn(4, 3), 1))
    case("kl_div/log_target,batchmean", "kl_div", lq, lt, log_target=True, reduction="batchmean")
    case("kl_div/log_target,none", "kl_div", lq, lt, log_target=True, reduction="none")
    tz = tp.clone()
    tz[0, 1] = 0.0
    tz[2, 0] = 0.0
    tz[3, 2] = 0.0
    case("kl_div/zero-targets,none", "kl_div", lq, tz, reduction="none")
    case("kl_div/zero-targets,batchmean", "kl_div", lq, tz, reduction="batchmean")
    case("kl_div/zero-targets,constant", "kl_div", lq, tz, target_grad=False)


def main():
    gen()
    out = {"generator": "functional/testdata/gen_torch_losses.py", "torch_version": torch.__version__,
           "seed": SEED, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_losses.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print("wrote %s: %d cases" % (path, len(cases)))


if __name__ == "__main__":
    main()
