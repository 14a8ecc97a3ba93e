"""Regenerate torch_optim.json, the PyTorch reference numbers that
optim/reference_test.go pins tapegrad's optimizers, schedules and gradient
clipping to.

Run it from the repository root:

    /usr/bin/python3 optim/testdata/gen_torch_optim.py

It needs PyTorch (written against 1.13; any 1.13 or 2.x gives the same numbers
up to rounding). /usr/bin/python3 has it; the python3 first on PATH may not.
It writes torch_optim.json next to this script. The Go tests never run Python;
rerun this script only to change the cases.

The problem is a fixed softmax regression in float64: X (8×5) and labels
(8 classes in 0..2) are data, W (3×5) and b (3) the parameters, and

    loss = F.cross_entropy(X @ W.T + b, labels)        (mean over the batch)

All of them are written into the JSON, rounded to four decimals so that they
read back into Go as exactly the same float64 values.

For each optimizer case, the "config" object is passed to the torch optimizer
as keyword arguments verbatim (the Go test maps the same keys onto its config
structs; a key left out means "the default" on both sides). The loop runs
STEPS steps of zero_grad / loss / backward / step (and, if the case has a
schedule, scheduler.step() after each optimizer step, so step t uses the
schedule's value at t). It records the loss before every step, the learning
rate used by every step, and W and b after steps 1, 2 and STEPS.

The "schedules" section holds learning-rate sequences of torch's schedulers
(get_last_lr() before each of N steps), and "clip" holds clip_grad_norm_
cases: the gradients of the problem at the initial parameters, the total norm
torch returns and the gradients after clipping.

Every number is written with repr, i.e. with full precision; the single-tensor
(foreach=False) code paths are used, the default on the CPU.
"""

import json
import os
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")  # schedulers warn about their own API
torch.manual_seed(20240611)
DTYPE = torch.float64
STEPS = 20
SNAPSHOTS = [1, 2, STEPS]


def rounded(*shape, scale=1.0):
    return torch.round(torch.randn(*shape, dtype=DTYPE) * scale * 1e4) / 1e4


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


X = rounded(8, 5, scale=1.5)
LABELS = [0, 2, 1, 1, 0, 2, 2, 1]
W0 = rounded(3, 5, scale=0.5)
B0 = rounded(3, scale=0.5)


def fresh_params():
    return (W0.clone().requires_grad_(True), B0.clone().requires_grad_(True))


def loss_of(w, b):
    return F.cross_entropy(X @ w.T + b, torch.tensor(LABELS))


OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}


def make_schedule(opt, spec):
    if spec is None:
        return None
    kind = spec["kind"]
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=spec["step_size"], gamma=spec["gamma"])
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["t_max"], eta_min=spec["eta_min"])
    if kind == "warmup_cosine":
        warm = torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=spec["start_factor"], end_factor=1.0, total_iters=spec["warmup"])
        cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["t_max"], eta_min=spec["eta_min"])
        return torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[spec["warmup"]])
    raise ValueError(kind)


def optimizer_case(name, optimizer, config, schedule=None):
    w, b = fresh_params()
    kwargs = dict(config)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = OPTIMIZERS[optimizer]([w, b], **kwargs)
    sched = make_schedule(opt, schedule)
    losses, lrs, snaps = [], [], []
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        loss = loss_of(w, b)
        loss.backward()
        losses.append(float(loss.item()))
        lrs.append(float(opt.param_groups[0]["lr"]))
        opt.step()
        if sched is not None:
            sched.step()
        if step in SNAPSHOTS:
            snaps.append({"step": step, "w": flat(w), "b": flat(b)})
    case = {"name": name, "optimizer": optimizer, "config": config}
    if schedule is not None:
        case["schedule"] = schedule
    case.update({"loss": losses, "lr": lrs, "snapshots": snaps})
    return case


def schedule_case(name, base_lr, spec, n):
    p = torch.zeros(1, dtype=DTYPE, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_schedule(opt, spec)
    lrs = []
    for _ in range(n):
        lrs.append(float(sched.get_last_lr()[0]))
        opt.step()
        sched.step()
    return {"name": name, "base_lr": base_lr, "schedule": spec, "lr": lrs}


def clip_case(name, max_norm, grad_scale):
    w, b = fresh_params()
    (loss_of(w, b) * grad_scale).backward()
    before = {"w": flat(w.grad), "b": flat(b.grad)}
    total = torch.nn.utils.clip_grad_norm_([w, b], max_norm)
    return {
        "name": name, "max_norm": max_norm, "grad_scale": grad_scale,
        "grads_before": before, "total_norm": float(total.item()),
        "grads_after": {"w": flat(w.grad), "b": flat(b.grad)},
    }


def dumps(v, indent=""):
    """JSON with one key per line but every list of numbers on one line."""
    inner = indent + " "
    if isinstance(v, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(x, inner)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
        return "[\n" + ",\n".join(inner + dumps(x, inner) for x in v) + "\n" + indent + "]"
    return json.dumps(v)  # floats via repr: full precision


def main():
    cases = [
        optimizer_case("sgd_plain", "sgd", {"lr": 0.1}),
        optimizer_case("sgd_momentum", "sgd", {"lr": 0.1, "momentum": 0.9}),
        optimizer_case("sgd_dampening", "sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
        optimizer_case("sgd_nesterov", "sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        optimizer_case("sgd_weight_decay", "sgd", {"lr": 0.1, "weight_decay": 0.05}),
        optimizer_case("sgd_nesterov_weight_decay", "sgd",
                       {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01, "nesterov": True}),
        optimizer_case("sgd_momentum_steplr", "sgd", {"lr": 0.2, "momentum": 0.9},
                       schedule={"kind": "step", "step_size": 5, "gamma": 0.5}),
        optimizer_case("adam_defaults", "adam", {}),
        optimizer_case("adam", "adam", {"lr": 0.05}),
        optimizer_case("adam_weight_decay", "adam",
                       {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}),
        optimizer_case("adam_beta1_zero", "adam", {"lr": 0.02, "betas": [0.0, 0.999]}),
        optimizer_case("adam_amsgrad", "adam", {"lr": 0.05, "amsgrad": True}),
        optimizer_case("adamw_defaults", "adamw", {"lr": 0.05}),
        optimizer_case("adamw_weight_decay", "adamw",
                       {"lr": 0.05, "betas": [0.85, 0.995], "weight_decay": 0.3}),
        optimizer_case("adamw_no_decay", "adamw", {"lr": 0.05, "weight_decay": 0.0}),
        optimizer_case("adamw_amsgrad_cosine", "adamw", {"lr": 0.05, "amsgrad": True},
                       schedule={"kind": "cosine", "t_max": 20, "eta_min": 0.001}),
    ]
    schedules = [
        schedule_case("steplr", 0.1, {"kind": "step", "step_size": 3, "gamma": 0.1}, 12),
        schedule_case("cosine", 0.1, {"kind": "cosine", "t_max": 10, "eta_min": 0.001}, 25),
        schedule_case("cosine_eta0", 0.5, {"kind": "cosine", "t_max": 7, "eta_min": 0.0}, 10),
        schedule_case("warmup_cosine", 0.1,
                      {"kind": "warmup_cosine", "warmup": 3, "start_factor": 0.1, "t_max": 10, "eta_min": 0.001}, 16),
    ]
    clips = [
        clip_case("clipped", 0.05, 1.0),
        clip_case("not_clipped", 100.0, 1.0),
        clip_case("scaled_up", 1.0, 30.0),
    ]
    out = {
        "generator": "optim/testdata/gen_torch_optim.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "problem": {
            "x_shape": list(X.shape), "x": flat(X), "labels": LABELS,
            "w_shape": list(W0.shape), "w": flat(W0), "b": flat(B0),
        },
        "steps": STEPS,
        "optimizers": cases,
        "schedules": schedules,
        "clip": clips,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_optim.json")
    with open(path, "w") as f:
        f.write(dumps(out) + "\n")
    print(f"wrote {path}: {len(cases)} optimizer cases, {len(schedules)} schedules, {len(clips)} clip cases")


if __name__ == "__main__":
    main()
