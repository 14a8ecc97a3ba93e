#!/usr/bin/env python3
"""PyTorch's side of bncompare's W6 shapes: the median wall time of one
forward + backward step of layer, RMS and group norm, y.backward(g) (the
gradient of sum(y * g)) with gradients for x, γ and β, in float32, as
bncompare times tapegrad's fused ops.

    /usr/bin/python3 benchmarks/cmd/bncompare/torch_norms.py [--reps 21] [--threads 2]

Inputs are drawn as bncompare draws them: x, g ~ N(0, 1), γ ~ U(0.5, 1.5),
β ~ N(0, 1). Layer norm is F.layer_norm over the last axis; RMS norm is
PyTorch's composition x * rsqrt(mean(x², -1) + eps) * γ (1.13 has no
F.rms_norm); group norm is F.group_norm with 32 groups. eps is 1e-5.
It prints one line per row: layer, shape, the median and the fastest
repetition in milliseconds (on a shared machine the fastest is the better
estimate of the uncontended time; compare it with the fastest of tapegrad's).
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

ROWS = [
    ("layernorm", (200, 100)),
    ("layernorm", (128, 1024)),
    ("layernorm", (32, 128, 768)),
    ("layernorm", (32, 128, 256)),
    ("layernorm", (4096, 1024)),
    ("rmsnorm", (200, 100)),
    ("rmsnorm", (128, 1024)),
    ("rmsnorm", (32, 128, 768)),
    ("rmsnorm", (4096, 1024)),
    ("groupnorm", (16, 64, 16, 16)),
    ("groupnorm", (32, 256, 16, 16)),
    ("instancenorm", (16, 64, 16, 16)),
]


def step_fn(layer, shape):
    torch.manual_seed(0)
    x = torch.randn(shape, requires_grad=True)
    g = torch.randn(shape)
    c = shape[-1] if layer in ("layernorm", "rmsnorm") else shape[1]
    gamma = (torch.rand(c) + 0.5).requires_grad_()
    beta = torch.randn(c).requires_grad_()
    params = [x, gamma] if layer == "rmsnorm" else [x, gamma, beta]

    def step():
        for p in params:
            p.grad = None
        if layer == "layernorm":
            y = F.layer_norm(x, (c,), gamma, beta, 1e-5)
        elif layer == "rmsnorm":
            y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * gamma
        elif layer == "groupnorm":
            y = F.group_norm(x, 32, gamma, beta, 1e-5)
        else:
            y = F.group_norm(x, c, gamma, beta, 1e-5)
        y.backward(g)

    return step


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=21)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", default="", help="comma-separated layers")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    for layer, shape in ROWS:
        if args.only and layer not in args.only.split(","):
            continue
        step = step_fn(layer, shape)
        step()
        times = []
        for _ in range(args.reps):
            t = time.perf_counter()
            step()
            times.append(time.perf_counter() - t)
        print(f"{layer}\t{'x'.join(map(str, shape))}\tmedian {statistics.median(times) * 1e3:.4g} ms\tmin {min(times) * 1e3:.4g} ms", flush=True)


if __name__ == "__main__":
    main()
