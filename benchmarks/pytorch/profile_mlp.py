"""Where PyTorch's MLP training step spends its time, op by op.

The step is workloads.py's W1/W1b step (nn.Sequential of Linear and ReLU,
mean cross-entropy, backward, SGD with lr 2e-3, zero_grad(set_to_none=True))
on a random batch of 200; torch.profiler lists the aten ops by self CPU
time, to set beside tapegrad's profile of the same step
(go test -run '^$' -bench W1MLPTrain -cpuprofile cpu.out ./benchmarks, then
go tool pprof -top). The threads are set up as workloads.py does.

Run from the repository root, on a quiet machine, without the OpenBLAS
overrides the project's environment sets:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /usr/bin/python3 benchmarks/pytorch/profile_mlp.py --sizes 3072-100-10
    ... --sizes 3072-512-256-128-10      # W1b
    ... --sizes 784-100-10               # W1s, the Fashion-MNIST shape
"""

import argparse
import os
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="3072-100-10", help="layer sizes, inputs to classes")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=100, help="profiled steps")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = "10000"  # as workloads.py
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    import torch
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sizes = [int(s) for s in args.sizes.split("-")]
    layers = []
    for i in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=2e-3)
    x = torch.randn(200, sizes[0])
    y = torch.randint(0, sizes[-1], (200,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(30):
        step()
    t = time.perf_counter()
    for _ in range(args.steps):
        step()
    ms = (time.perf_counter() - t) / args.steps * 1e3
    print(f"sizes {args.sizes}, {torch.get_num_threads()} threads: {ms:.3f} ms a step unprofiled")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))


if __name__ == "__main__":
    main()
