"""Regenerate torch_distributed_sampler.json, the PyTorch reference that
data/loader_test.go's TestShardMatchesDistributedSampler pins data.Shard to:
the indices torch.utils.data.DistributedSampler gives every replica.

Run it from the repository root:

    /usr/bin/python3 data/testdata/gen_torch_distributed_sampler.py

It needs PyTorch (Debian's python3-torch will do; the python3 first on
PATH may lack torch, hence /usr/bin/python3) and writes
torch_distributed_sampler.json next to this script. The output is
deterministic: the samplers run with shuffle=False, since a shuffled
order is torch's random permutation, which tapegrad does not reproduce
(its loaders shuffle with ChaCha8); the cut to a multiple of the
replicas, the padding by repetition, drop_last and the interleaving are
what the cases pin. There are no floating-point numbers, hence no float32
and float64 runs. The Go tests never run Python; rerun this script only to
change the cases.
"""

import json
import os

import torch
from torch.utils.data import DistributedSampler

CASES = [
    # (examples, replicas, drop_last)
    (10, 2, False),
    (10, 3, False),
    (10, 3, True),
    (7, 4, False),
    (7, 4, True),
    (2, 5, False),  # padding longer than the data: repeated twice and more
    (12, 4, True),
    (1, 1, False),
]


class Range(torch.utils.data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def main():
    cases = []
    for n, replicas, drop_last in CASES:
        parts = []
        for rank in range(replicas):
            s = DistributedSampler(Range(n), num_replicas=replicas, rank=rank,
                                   shuffle=False, drop_last=drop_last)
            s.set_epoch(3)
            parts.append([int(i) for i in s])
        cases.append({"n": n, "replicas": replicas, "drop_last": drop_last, "parts": parts})
    out = {
        "generator": "data/testdata/gen_torch_distributed_sampler.py",
        "torch_version": torch.__version__,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_distributed_sampler.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
