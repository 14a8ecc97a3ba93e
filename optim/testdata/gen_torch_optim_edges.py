"""Regenerate torch_optim_edges.json, the PyTorch reference numbers that
optim/reference_edges_test.go pins the edges of tapegrad's optimizers to:
hyperparameters at zero (betas (0, 0), eps 0, lr 0, momentum 0 with
dampening, AdamW's weight_decay 0), maximize, amsgrad, dampening with and
without momentum; torch's defaults; and which hyperparameters torch accepts.

Run it from the repository root:

    /usr/bin/python3 optim/testdata/gen_torch_optim_edges.py

It needs PyTorch (written against 1.13, Debian's python3-torch;
/usr/bin/python3 has it, the python3 first on PATH may not) and writes
torch_optim_edges.json next to this script. The output is deterministic: the
problem's data and initial parameters come from a fixed torch seed and are
rounded to four decimals, so they read back into Go as exactly the same
float64. The Go tests never run Python; rerun this script only to change the
cases. (optim/testdata/gen_torch_optim.py writes the main trajectories.)

The problem is a softmax regression, as in gen_torch_optim.py: X (8x5) and
labels are data, W (3x5) and b (3) the parameters, and

    loss = F.cross_entropy(X @ W.T + b, labels)        (mean over the batch)

Every case runs twice, once in float64 and once in float32 (the rounded
float64 data converted with .to(torch.float32), as the Go test converts
them): STEPS steps of zero_grad / loss / backward / step with
torch.optim.<optimizer>(params, **config), the default single-tensor
(foreach=False) code path. It records the loss before every step, W and b
after the steps in SNAPSHOTS, and the optimizer's state after the last step,
named "<parameter index>.<key>" as tapegrad names it (SGD without momentum
keeps momentum_buffer = None, which is left out).

"defaults" holds the default of every hyperparameter tapegrad maps, read
from each optimizer's signature (SGD's lr is null where torch requires it,
as 1.13 does). "validation" holds hyperparameter settings and whether torch's
constructor accepts them, with its message when it does not.

Every number is written with repr, i.e. with full precision.
"""

import inspect
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261202)
STEPS = 12
SNAPSHOTS = [1, 2, STEPS]
DTYPES = {"float64": torch.float64, "float32": torch.float32}

# The keyword arguments the Go test maps onto options, per optimizer.
KEYS = {
    "sgd": ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"],
    "adam": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
    "adamw": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


X = r4(torch.randn(8, 5, dtype=torch.float64) * 1.5)
LABELS = [2, 0, 1, 2, 1, 0, 0, 1]
W0 = r4(torch.randn(3, 5, dtype=torch.float64) * 0.5)
B0 = r4(torch.randn(3, dtype=torch.float64) * 0.5)


def kwargs_of(config):
    kw = dict(config)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    return kw


def run(optimizer, config, dtype):
    x = X.to(dtype)
    w = W0.to(dtype).clone().requires_grad_(True)
    b = B0.to(dtype).clone().requires_grad_(True)
    opt = OPTIMIZERS[optimizer]([w, b], **kwargs_of(config))
    losses, snaps = [], []
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        loss = F.cross_entropy(x @ w.T + b, torch.tensor(LABELS))
        loss.backward()
        losses.append(float(loss.item()))
        opt.step()
        if step in SNAPSHOTS:
            snaps.append({"step": step, "w": flat(w), "b": flat(b)})
    state = {}
    for idx, st in opt.state_dict()["state"].items():
        for key, val in st.items():
            if val is not None:
                state[f"{idx}.{key}"] = flat(val)
    return {"loss": losses, "snapshots": snaps, "state": state}


def case(name, optimizer, config):
    out = {"name": name, "optimizer": optimizer, "config": config}
    for dname, dtype in DTYPES.items():
        out[dname] = run(optimizer, config, dtype)
    return out


def defaults(optimizer):
    params = inspect.signature(OPTIMIZERS[optimizer].__init__).parameters
    out = {}
    for key in KEYS[optimizer]:
        d = params[key].default
        if isinstance(d, tuple):
            d = list(d)
        elif not isinstance(d, (bool, int, float)):
            d = None  # torch.optim.optimizer.required
        elif not isinstance(d, bool):
            d = float(d)
        out[key] = d
    return out


def validation(optimizer, config):
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    try:
        OPTIMIZERS[optimizer]([p], **kwargs_of(config))
        return {"optimizer": optimizer, "config": config, "accepted": True}
    except ValueError as e:
        return {"optimizer": optimizer, "config": config, "accepted": False, "error": str(e)}


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
        case("sgd_lr_zero_momentum", "sgd", {"lr": 0.0, "momentum": 0.9}),
        case("sgd_momentum_zero_dampening", "sgd", {"lr": 0.1, "momentum": 0.0, "dampening": 0.5}),
        case("sgd_momentum_dampening_weight_decay", "sgd",
             {"lr": 0.05, "momentum": 0.5, "dampening": 0.9, "weight_decay": 0.02}),
        case("sgd_negative_dampening", "sgd", {"lr": 0.05, "momentum": 0.6, "dampening": -0.5}),
        case("sgd_maximize", "sgd", {"lr": 0.1, "maximize": True}),
        case("sgd_maximize_weight_decay", "sgd", {"lr": 0.1, "weight_decay": 0.05, "maximize": True}),
        case("sgd_maximize_nesterov", "sgd",
             {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
        case("adam_betas_zero", "adam", {"lr": 0.01, "betas": [0.0, 0.0]}),
        case("adam_beta2_zero", "adam", {"lr": 0.01, "betas": [0.9, 0.0]}),
        case("adam_eps_zero", "adam", {"lr": 0.01, "eps": 0.0}),
        case("adam_lr_zero", "adam", {"lr": 0.0}),
        case("adam_amsgrad_weight_decay", "adam",
             {"lr": 0.02, "betas": [0.8, 0.9], "weight_decay": 0.1, "amsgrad": True}),
        case("adam_maximize", "adam", {"lr": 0.01, "maximize": True}),
        case("adam_maximize_amsgrad_eps_zero", "adam",
             {"lr": 0.01, "betas": [0.9, 0.5], "eps": 0.0, "weight_decay": 0.05, "amsgrad": True, "maximize": True}),
        case("adamw_defaults", "adamw", {}),
        case("adamw_weight_decay_zero", "adamw", {"lr": 0.02, "weight_decay": 0.0}),
        case("adamw_betas_zero_eps_zero", "adamw", {"lr": 0.01, "betas": [0.0, 0.0], "eps": 0.0}),
        case("adamw_amsgrad", "adamw", {"lr": 0.02, "betas": [0.5, 0.8], "amsgrad": True}),
        case("adamw_maximize", "adamw", {"lr": 0.02, "weight_decay": 0.1, "maximize": True}),
    ]
    checks = [
        validation("sgd", {"lr": 0.0}),
        validation("sgd", {"lr": -0.1}),
        validation("sgd", {"lr": 0.1, "momentum": -0.5}),
        validation("sgd", {"lr": 0.1, "weight_decay": -1.0}),
        validation("sgd", {"lr": 0.1, "dampening": -0.5}),
        validation("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 2.0}),
        validation("sgd", {"lr": 0.1, "momentum": 0.0, "dampening": 0.5}),
        validation("sgd", {"lr": 0.1, "nesterov": True}),
        validation("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
        validation("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}),
        validation("adam", {"lr": 0.0, "betas": [0.0, 0.0], "eps": 0.0, "weight_decay": 0.0}),
        validation("adam", {"lr": -1e-3}),
        validation("adam", {"eps": -1e-8}),
        validation("adam", {"betas": [1.0, 0.999]}),
        validation("adam", {"betas": [0.9, 1.0]}),
        validation("adam", {"betas": [-0.1, 0.999]}),
        validation("adam", {"betas": [0.9, -0.5]}),
        validation("adam", {"weight_decay": -0.01}),
        validation("adamw", {"lr": 0.0, "betas": [0.0, 0.0], "eps": 0.0, "weight_decay": 0.0}),
        validation("adamw", {"weight_decay": -0.01}),
        validation("adamw", {"betas": [0.999999, 0.0]}),
        validation("adamw", {"eps": -1.0, "amsgrad": True}),
    ]
    out = {
        "generator": "optim/testdata/gen_torch_optim_edges.py",
        "torch_version": torch.__version__,
        "problem": {
            "x_shape": list(X.shape), "x": flat(X), "labels": LABELS,
            "w_shape": list(W0.shape), "w": flat(W0), "b": flat(B0),
        },
        "steps": STEPS,
        "defaults": {name: defaults(name) for name in OPTIMIZERS},
        "validation": checks,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_optim_edges.json")
    with open(path, "w") as f:
        f.write(dumps(out) + "\n")
    print(f"wrote {path}: {len(cases)} cases in float64 and float32, {len(checks)} validation checks")


if __name__ == "__main__":
    main()
