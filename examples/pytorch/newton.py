"""examples/newton in PyTorch: Newton-CG on the L2-regularized logistic
regression between two Fashion-MNIST classes, with Hessian-vector products
from torch.autograd.grad (create_graph=True), then gradient descent with
step 1/l. Same data selection (the first -n images of the two classes in
file order, pixels/255), same loss, same algorithm and stopping rules, in
float64, so that the minimum's loss agrees with tapegrad's to about 1e-13:
the problem is strictly convex, its minimum unique.

    /usr/bin/python3 examples/pytorch/newton.py [--dataset-dir /usr/share/datasets/fashion-mnist]
        [--classes 0,6] [--n 2000] [--lambda 1e-2] [--tol 1e-8] [--gd-steps 500]
"""

import argparse
import gzip
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    magic, = struct.unpack(">I", buf[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(d, prefix, classes, n):
    def find(base):
        for p in (os.path.join(d, base), os.path.join(d, base + ".gz")):
            if os.path.exists(p):
                return p
        raise FileNotFoundError(os.path.join(d, base))
    x = read_idx(find(prefix + "-images-idx3-ubyte")).reshape(-1, 784)
    y = read_idx(find(prefix + "-labels-idx1-ubyte"))
    keep = np.nonzero((y == classes[0]) | (y == classes[1]))[0]
    if n:
        keep = keep[:n]
    xs = torch.tensor(x[keep], dtype=torch.float64) / 255
    ys = torch.tensor((y[keep] == classes[1]).astype(np.int64))
    return xs, ys


class Problem:
    def __init__(self, x, y, lam):
        self.x, self.y, self.lam = x, y, lam
        self.d = x.shape[1]

    def loss(self, theta):
        w, b = theta[:self.d], theta[self.d:]
        z = self.x @ w + b  # n
        logits = torch.stack([torch.zeros_like(z), z], dim=1)
        return F.cross_entropy(logits, self.y) + self.lam / 2 * (w * w).sum()

    def grad(self, theta):
        t = theta.detach().requires_grad_()
        loss = self.loss(t)
        g, = torch.autograd.grad(loss, t)
        return loss.item(), g

    def curvature(self, theta):
        """The loss and its gradient with the graph kept, and the product H v."""
        t = theta.detach().requires_grad_()
        loss = self.loss(t)
        g, = torch.autograd.grad(loss, t, create_graph=True)
        count = [0]

        def hv(v):
            count[0] += 1
            h, = torch.autograd.grad((g * v).sum(), t, retain_graph=True)
            return h
        return loss.item(), g.detach(), hv, count

    def accuracy(self, theta):
        z = self.x @ theta[:self.d] + theta[self.d:]
        return ((z > 0).long() == self.y).double().mean().item()


def cg(mul, b, rtol, max_iter):
    x = torch.zeros_like(b)
    r, d = b.clone(), b.clone()
    rr = r.dot(r)
    stop = rtol * rtol * rr
    for i in range(1, max_iter + 1):
        ad = mul(d)
        curv = d.dot(ad)
        if curv <= 0:
            return (b.clone() if i == 1 else x), i
        alpha = rr / curv
        x = x + alpha * d
        r = r - alpha * ad
        nxt = r.dot(r)
        if nxt <= stop:
            return x, i
        d = r + (nxt / rr) * d
        rr = nxt
    return x, max_iter


def newton(p, tol, max_iter, max_cg):
    theta = torch.zeros(p.d + 1, dtype=torch.float64)
    hvps = 0
    print("  iter  loss                ‖gradient‖  CG iters  step")
    for k in range(max_iter + 1):
        loss, g, hv, count = p.curvature(theta)
        gn = g.norm().item()
        if gn < tol or k == max_iter:
            print(f"  {k:4d}  {loss:.15f}  {gn:9.3e}  {0:8d}  —")
            return theta, loss, gn, k, hvps
        direction, iters = cg(hv, -g, min(0.5, math.sqrt(gn)), max_cg)
        hvps += count[0]
        slope = g.dot(direction).item()
        t = 1.0
        for _ in range(50):
            with torch.no_grad():
                if p.loss(theta + t * direction).item() <= loss + 1e-4 * t * slope:
                    break
            t /= 2
        else:
            t = 0.0
        print(f"  {k:4d}  {loss:.15f}  {gn:9.3e}  {iters:8d}  {t:.4g}")
        theta = theta + t * direction


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--classes", default="0,6")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--lambda", dest="lam", type=float, default=1e-2)
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--newton-iters", type=int, default=20)
    ap.add_argument("--cg-iters", type=int, default=200)
    ap.add_argument("--gd-steps", type=int, default=500)
    a = ap.parse_args()
    classes = [int(c) for c in a.classes.split(",")]
    x, y = load(a.dataset_dir, "train", classes, a.n)
    p = Problem(x, y, a.lam)
    print(f"logistic regression, class {classes[0]} against class {classes[1]}: {len(y)} training images, "
          f"{p.d} features, λ = {a.lam:g}\n\nNewton-CG:")
    theta, loss, gn, iters, hvps = newton(p, a.tol, a.newton_iters, a.cg_iters)
    xt, yt = load(a.dataset_dir, "t10k", classes, 0)
    print(f"  {iters} iterations, {hvps} Hessian–vector products: loss {loss:.15f}, ‖gradient‖ {gn:.3e}")
    print(f"  accuracy: training {p.accuracy(theta):.4f}, test {Problem(xt, yt, a.lam).accuracy(theta):.4f} ({len(yt)} test images)")
    if a.gd_steps > 0:
        _, _, hv, _ = p.curvature(torch.zeros(p.d + 1, dtype=torch.float64))
        v = torch.full((p.d + 1,), 1 / math.sqrt(p.d + 1), dtype=torch.float64)
        for _ in range(50):
            h = hv(v)
            ell = v.dot(h).item()
            v = h / h.norm()
        print(f"\ngradient descent, step 1/ℓ = {1 / ell:.4g} (ℓ = {ell:.4g}):")
        t = torch.zeros(p.d + 1, dtype=torch.float64)
        lgd, g = p.grad(t)
        for s in range(1, a.gd_steps + 1):
            t = t - g / ell
            lgd, g = p.grad(t)
        print(f"  after {a.gd_steps} steps: loss {lgd:.15f}, ‖gradient‖ {g.norm().item():.3e}, {lgd - loss:.3e} above Newton's")


if __name__ == "__main__":
    torch.set_num_threads(os.cpu_count())
    main()
