"""W2e layer by layer on PyTorch's side: the course's ConvNet (laid out as
nn.NewConvNet and workloads.py's convnet() lay it out) in evaluation mode
under torch.no_grad(), on a batch of 32 random 32×32×3 images, each layer
timed alone. It is the counterpart of

    go test -run '^$' -bench W2eConvNetLayers ./benchmarks/

Run it from the repository root on a quiet machine (the times of a loaded
one say nothing: torch's threads spin at every barrier):

    /usr/bin/python3 benchmarks/pytorch/w2e_layers.py [REPS [THREADS]]

REPS (default 30) passes of the whole net are timed layer by layer after
three untimed ones; it prints each layer's fastest time, their sum, and the
median time of the whole net run without the per-layer timers. THREADS
defaults to 2, as compare's PyTorch side on this project's machine.
"""

import sys
import time

import torch
import torch.nn as tnn

CONV_CHANNELS = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0]


def convnet():
    layers, inputs = [], 3
    for out in CONV_CHANNELS:
        if out == 0:
            layers.append(tnn.MaxPool2d(3, 2, 1))
            continue
        layers += [tnn.Conv2d(inputs, out, 3, padding=1), tnn.BatchNorm2d(out), tnn.ReLU()]
        inputs = out
    layers += [tnn.Flatten(), tnn.Linear(inputs, 10)]
    return tnn.Sequential(*layers)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    torch.manual_seed(0)
    model = convnet().eval()
    x = torch.randn(32, 3, 32, 32)
    best = [float("inf")] * len(model)
    whole = []
    with torch.no_grad():
        for rep in range(reps + 3):
            h = x
            for k, layer in enumerate(model):
                start = time.perf_counter()
                h = layer(h)
                if rep >= 3:
                    best[k] = min(best[k], time.perf_counter() - start)
        for _ in range(reps):
            start = time.perf_counter()
            model(x)
            whole.append(time.perf_counter() - start)
    shape = tuple(x.shape)
    with torch.no_grad():
        h = x
        for k, layer in enumerate(model):
            name = "x".join(str(d) for d in h.shape)
            print(f"{k:2d} {type(layer).__name__:12s} {name:16s} {best[k] * 1e3:9.3f} ms")
            h = layer(h)
    whole.sort()
    print(f"sum of the layers' fastest {sum(best) * 1e3:.2f} ms; whole net, median {whole[len(whole) // 2] * 1e3:.2f} ms"
          f" (input {shape}, {torch.get_num_threads()} threads, torch {torch.__version__})")


if __name__ == "__main__":
    main()
