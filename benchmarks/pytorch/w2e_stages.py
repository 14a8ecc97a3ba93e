"""W2e stage by stage on PyTorch's side: the course's ConvNet in evaluation
mode under torch.no_grad(), on a batch of 32 random 32×32×3 images, each
convolution timed together with its batch norm and ReLU and every other
layer alone. It is the counterpart of

    go test -run '^$' -bench W2eConvNetStages ./benchmarks/

whose rows are the stages nn.Sequential fuses under no-grad. Run it from the
repository root:

    /usr/bin/python3 benchmarks/pytorch/w2e_stages.py [REPS [THREADS]]

REPS (default 30) passes are timed stage by stage after three untimed ones;
it prints each stage's fastest time (ms) and their sum. THREADS defaults to
2, as compare's PyTorch side on this project's machine.
"""

import sys
import time

import torch
import torch.nn as tnn

from w2e_layers import convnet


def stages(model):
    layers = list(model)
    out, i = [], 0
    while i < len(layers):
        n = 3 if isinstance(layers[i], tnn.Conv2d) else 1
        out.append((i, tnn.Sequential(*layers[i:i + n])))
        i += n
    return out


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    torch.manual_seed(0)
    model = convnet().eval()
    x = torch.randn(32, 3, 32, 32)
    st = stages(model)
    best = [float("inf")] * len(st)
    with torch.no_grad():
        for rep in range(reps + 3):
            h = x
            for k, (_, stage) in enumerate(st):
                start = time.perf_counter()
                h = stage(h)
                if rep >= 3:
                    best[k] = min(best[k], time.perf_counter() - start)
        h = x
        for k, (i, stage) in enumerate(st):
            name = "x".join(str(d) for d in h.shape)
            print(f"{i:2d} {type(stage[0]).__name__:12s} {name:16s} {best[k] * 1e3:9.3f} ms")
            h = stage(h)
    print(f"sum of the stages' fastest {sum(best) * 1e3:.2f} ms ({torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
