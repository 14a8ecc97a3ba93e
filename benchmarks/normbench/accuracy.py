"""Compares the float32 accuracy of tapegrad's fused layer, group and batch
norm with PyTorch's on W6's shapes and W3's (but its largest).

    /usr/bin/python3 benchmarks/normbench/accuracy.py

runs normbench's TestDumpAccuracy (go test, NORMBENCH_DUMP set to a
temporary directory), which writes the float32 inputs of W6's layer norm
and group norm cases and of W3's batch norm shapes, in training mode, and
what tapegrad computes from them: y, dx, dweight
and dbias of L = sum(y * g). It computes the same in PyTorch (1.13, CPU)
in float32 and, as the ground truth, in float64 from the same float32
inputs, and prints, for each tensor, the largest absolute error of
tapegrad's and of PyTorch's float32 results against the ground truth,
scaled by the largest magnitude of the ground truth. It exits with status
1 if tapegrad's error exceeds PyTorch's anywhere.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

torch.set_num_threads(1)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def load(d, name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name + ".bin"), dtype="<f4").reshape(shape))


def run(meta, x, g, w, b, dtype):
    x = x.to(dtype).requires_grad_()
    w = w.to(dtype).requires_grad_()
    b = b.to(dtype).requires_grad_()
    if meta["layer"] == "layernorm":
        y = torch.nn.functional.layer_norm(x, meta["shape"][-1:], w, b, meta["eps"])
    elif meta["layer"] == "batchnorm":
        y = torch.nn.functional.batch_norm(x, None, None, w, b, training=True, eps=meta["eps"])
    else:
        y = torch.nn.functional.group_norm(x, meta["groups"], w, b, meta["eps"])
    y.backward(g.to(dtype))
    return {"y": y.detach(), "dx": x.grad, "dweight": w.grad, "dbias": b.grad}


def main():
    worse = False
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NORMBENCH_DUMP=tmp)
        subprocess.run(["go", "test", "-count=1", "-run", "TestDumpAccuracy", "./benchmarks/normbench"],
                       cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"{'case':40} {'tensor':8} {'tapegrad':>10} {'pytorch':>10}  (max |err| / max |truth|)")
        for case in sorted(os.listdir(tmp)):
            d = os.path.join(tmp, case)
            with open(os.path.join(d, "meta.json")) as f:
                meta = json.load(f)
            shape = meta["shape"]
            pshape = shape[-1:] if meta["layer"] == "layernorm" else shape[1:2]
            x, g = load(d, "x", shape), load(d, "g", shape)
            w, b = load(d, "weight", pshape), load(d, "bias", pshape)
            truth = run(meta, x, g, w, b, torch.float64)
            theirs = run(meta, x, g, w, b, torch.float32)
            for name in ("y", "dx", "dweight", "dbias"):
                t = truth[name]
                ours = load(d, name, t.shape).double()
                scale = t.abs().max().item()
                eo = (ours - t).abs().max().item() / scale
                et = (theirs[name].double() - t).abs().max().item() / scale
                flag = "" if eo <= et else "  WORSE"
                worse |= eo > et
                print(f"{case:40} {name:8} {eo:10.3g} {et:10.3g}{flag}")
    sys.exit(1 if worse else 0)


if __name__ == "__main__":
    main()
