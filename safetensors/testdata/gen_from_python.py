"""Regenerates from_python.safetensors and its sidecar from_python.json.

The safetensors pip package is not needed: this script writes the format by
hand the way the reference implementation (huggingface/safetensors) does:

  * the header is compact JSON, "__metadata__" first, then the tensors in
    data order;
  * the data is ordered by dtype, largest alignment first in the reference
    Dtype enum order (... F32 < F64 < I64 < U64), then by name;
  * the header is padded with spaces to a multiple of 8 bytes.

The sidecar records the values the Go test expects, as JSON numbers that
round-trip exactly (float32 values are written as the float64 they widen to).

Run from this directory:  /usr/bin/python3 gen_from_python.py
"""

import json
import struct

import numpy as np
import torch

# Reference Dtype enum order, smallest to largest alignment.
DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2",
               "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32",
               "F32", "C64", "F64", "I64", "U64"]
TORCH_DTYPES = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"),
                torch.int64: ("I64", "<i8")}

tensors = {
    # A linear layer's weight, 2×3, with values that are not short decimals.
    "layer.weight": (torch.arange(6, dtype=torch.float32).reshape(2, 3) / 3 - 0.75),
    # A float64 vector with a tiny, a huge and a negative-zero element.
    "layer.running_var": torch.tensor([1.0 / 3, 1e-300, -0.0, 2.5e300, -7.125],
                                      dtype=torch.float64),
    # A scalar counter that a float64 could not hold exactly.
    "layer.num_batches_tracked": torch.tensor(-9007199254740993, dtype=torch.int64),
}
metadata = {"format": "pt"}

items = sorted(tensors.items(),
               key=lambda kv: (-DTYPE_ORDER.index(TORCH_DTYPES[kv[1].dtype][0]), kv[0]))
header = {"__metadata__": metadata}
data = b""
for name, t in items:
    dtype, np_dtype = TORCH_DTYPES[t.dtype]
    raw = t.numpy().astype(np_dtype).tobytes()
    header[name] = {"dtype": dtype, "shape": list(t.shape),
                    "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw

head = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
head += b" " * ((8 - len(head) % 8) % 8)
with open("from_python.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(head)))
    f.write(head)
    f.write(data)

expected = {
    "metadata": metadata,
    "order": [name for name, _ in items],
    "tensors": {
        name: {"dtype": TORCH_DTYPES[t.dtype][0], "shape": list(t.shape),
               "values": [float(v) if t.is_floating_point() else int(v)
                          for v in t.reshape(-1).tolist()]}
        for name, t in tensors.items()
    },
}
with open("from_python.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
