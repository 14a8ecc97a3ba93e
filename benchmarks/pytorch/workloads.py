#!/usr/bin/env python3
"""The workloads of WORKLOADS.md in PyTorch, and in NumPy for W4, timed the
way benchmarks/cmd/compare times tapegrad's.

Workload ids are those of the compare command:

    W1                         MLP 3072-100-10 training step, batch 200, SGD lr 2e-3
    W1b                        MLP 3072-512-256-128-10 training step, same
    W2                         the course's ConvNet training step, batch 32, Adam lr 1e-4
    W2e                        the ConvNet's forward pass in eval mode, batch 32
    W3/{composed,fused}/NxC[xHxW]
                               batch norm forward + backward of sum(y * g), float32;
                               composed from primitives or F.batch_norm
    W4/{float32,float64}/MxKxN C = A @ B with NumPy (np.matmul into a preallocated C)
    W5                         1000 scalar float64 ops recorded and back-propagated
    W6/{composed,fused}/{layernorm,groupnorm,rmsnorm}/SHAPE
                               normalization layer forward + backward of sum(y * g),
                               float32, with PyTorch's own layer for both variants
                               (tapegrad's composed and fused ops are the variants):
                               F.layer_norm over the last axis, F.group_norm with 32
                               groups, and for RMSNorm (torch 1.13 has none)
                               x * rsqrt(mean(x^2, -1) + eps) * weight
    W6/convtranspose2d/NxCxHxW-OUTc-kKsSpP
                               F.conv_transpose2d with bias, forward + backward of
                               sum(y * g), float32
    W10                        Hessian-vector product of W1's loss: grad with
                               create_graph=True, then grad of <grad, v>
    W8                         LSTM classifier training step, 28 steps x 28 inputs,
                               hidden 128, batch 128, linear 128->10, Adam lr 1e-3

Everything but W4 runs in float32 (W5 in float64, as tapegrad's), with
torch.set_num_threads(--threads), which defaults to the number of CPUs; the
compare command also sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS for NumPy's
BLAS, and this script sets them to --threads when they are unset.

W1, W1b, W2, W2e and W10 take an optional model file and batch file: a
safetensors state_dict written by tapegrad's nn.Save, loaded with
load_state_dict(strict=True), and a safetensors file with "x" (F32) and
"labels" (I64). Given both, PyTorch runs on exactly tapegrad's weights and
batch, so the loss at step 1 must match tapegrad's. Without them the weights
are PyTorch's default initialization and the batch is drawn from N(0, 1).
W10 also takes v, a safetensors file with one F32 tensor per parameter
under its state_dict name (else v is drawn from N(0, 1)), and the path of a
file "hv" into which its check writes Hv under the same names, for the
compare command to measure the relative error against tapegrad's; its
check value is the loss.
W6 takes "inputs", a safetensors file with x, g, weight and (but for
RMSNorm) bias in F32, tapegrad's, so that both sides compute on the same
numbers; its setup runs one step and writes y and the gradients (y, dx,
dweight, dbias) to "out", for the compare command to compare with
tapegrad's. Without inputs it draws them from N(0, 1) (the weights of the
normalization layers from U(0.5, 1.5)).
The other workloads draw their inputs from N(0, 1) (γ in W3 from U(0.5, 1.5)):
their cost does not depend on the values.

Bytes kept: for W3 and W6 the setup also runs one step under
torch.autograd.graph.saved_tensors_hooks and sums the bytes of the storages
of the tensors autograd saves for the backward pass, each storage (by its
data_ptr) once, as tapegrad's Tape.SavedBytes counts each tensor's data
once. That step is untimed and comes before the peak-memory mark is reset.

Two ways to run it:

  One workload, standalone:

      /usr/bin/python3 benchmarks/pytorch/workloads.py --workload W1 --reps 11 --json \
          [--steps 10] [--model m.safetensors --batch b.safetensors]
          [--v v.safetensors --hv hv.safetensors]   (W10)
          [--inputs in.safetensors --out out.safetensors]   (W6)

  prints one JSON object: the workload, the mean step time in ns of each
  repetition (a block of --steps steps after an untimed lead-in step; all
  after one untimed warm-up step), their median, the peak memory, and the
  loss (or the eval-mode cross-entropy) at the first and last steps where
  there is one, and the bytes kept for backward (W3, W6). Without --json it
  prints the same as text.

  As a server (what the compare command does): --serve reads one JSON
  command per line on stdin and answers each with one JSON line on stdout:

      {"op": "info"}                                  versions, threads, BLAS
      {"op": "setup", "workload": ID, "files": {"model": P, "batch": P[, "v": P, "hv": P]}}
                                                      -> {"ok": true, "saved_bytes": B or null}
      {"op": "setup", "workload": W6 ID, "files": {"inputs": P, "out": P}}
      {"op": "steps", "lead": L, "n": N, "check": bool}
                                                      -> {"ns": T, "check": X or null}
      {"op": "finish"}                                -> {"peak_bytes": B or null}
      {"op": "quit"}

  "steps" runs one block: gc.collect(), L untimed lead-in steps, then N
  steps back to back, timed together (T is their total in ns), and the
  check value after the last one if asked for. A failed command answers
  {"error": "..."}. The process stays alive across workloads, so that the
  compare command can interleave its blocks with tapegrad's.

Timing: time.perf_counter_ns around the N steps of a block; gc.collect()
and the lead-in steps are outside the timer. A training step includes
zero_grad(set_to_none=True), as tapegrad's ZeroGrad sets gradients to nil,
and loss.item().

Spinning: this script sets GOMP_SPINCOUNT=10000 before torch loads, unless
the environment sets GOMP_SPINCOUNT or OMP_WAIT_POLICY. Debian's torch runs
its own threads on libgomp and its matrix products on OpenBLAS's pthreads;
with libgomp's default (300000 spins before an idle worker sleeps) the
OpenMP workers keep spinning while OpenBLAS's threads compute, the two pools
oversubscribe the cores, and on two cores the MLP steps run four to five
times slower. 10000 measured best across the workloads: the MLPs as fast as
with OMP_WAIT_POLICY=PASSIVE, the small batch norms and the ConvNet as fast
as with the default (see benchmarks/README.md).

OpenBLAS's idle threads spin (sched_yield) for a while after every product
before they sleep. In an interleaved comparison on two cores that spinning
takes the cores tapegrad's next block needs: W1 measured 1.4x slower for
tapegrad than alone. This script therefore sets OPENBLAS_THREAD_TIMEOUT=4
(OpenBLAS's shortest wait) unless the environment sets it, which costs
PyTorch about 4% on W1 (see benchmarks/README.md).

Peak memory: the growth of the process's resident set, measured by the
kernel. Before a workload is built, the previous one is dropped, the
collector runs and malloc_trim(0) hands free heap back; the resident set
then (VmRSS) is the baseline. After the workload is built, and its loading
temporaries freed, the peak-RSS mark is reset (writing 5 to
/proc/self/clear_refs); at finish the peak minus the baseline is the
workload's peak memory: its weights, data, optimizer state and the
activations of its steps. The peak is the larger of VmHWM and the resident
sets sampled at the end of every block of steps, as the compare command
does on its side (see its memory.go): the kernel updates VmHWM only when
pages are unmapped, so it can miss a resident set that grew and shrank in
between. It needs Linux; elsewhere it is null. Neither
resource.getrusage's ru_maxrss (it cannot be reset, so it would measure the
largest workload so far) nor tracemalloc (it does not see torch's C++
allocations) would measure this.

The safetensors package is not needed: the format is read by hand, as in
nn/testdata/torch_interop.py.
"""

import argparse
import ctypes
import gc
import glob
import json
import os
import platform
import re
import statistics
import struct
import sys
import time

# Filled by setup_modules().
torch = None
np = None
F = None
tnn = None
TORCH_ERROR = None
NUMPY_ERROR = None

MLP_INPUTS, MLP_CLASSES, MLP_BATCH, MLP_LR = 3072, 10, 200, 2e-3
MLP_HIDDEN = {"W1": [100], "W1b": [512, 256, 128]}
CONV_CHANNELS = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0]  # 0 is a max pool
CONV_BATCH, CONV_LR = 32, 1e-4
BN_EPS = 1e-5
NORM_EPS = 1e-5  # W6's layer norm and group norm, PyTorch's default
RMS_EPS = 2.0 ** -23  # W6's RMSNorm: float32's machine epsilon, as tapegrad's normbench.RMSEps
GN_GROUPS = 32  # W6's group norm, as tapegrad's normbench.Cases
TAPE_NODES = 1000
GOMP_SPINCOUNT = "10000"  # see "Spinning" above


def setup_modules(threads):
    """Imports torch and NumPy, each if it can, with threads threads."""
    global torch, np, F, tnn, TORCH_ERROR, NUMPY_ERROR
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = GOMP_SPINCOUNT  # libgomp reads it when torch loads
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # see "Spinning" above; read when OpenBLAS loads
    try:
        import numpy
        np = numpy
    except Exception as e:  # ImportError, or a broken installation
        NUMPY_ERROR = f"{type(e).__name__}: {e}"
    try:
        import torch as t
        import torch.nn.functional as functional
        from torch import nn
        torch, F, tnn = t, functional, nn
        torch.set_num_threads(threads)
    except Exception as e:
        TORCH_ERROR = f"{type(e).__name__}: {e}"


def prime():
    """Runs each library once on small inputs, so that lazy initialization
    (thread pools, kernels) is paid before any workload is measured."""
    if np is not None:
        a = np.ones((64, 64), dtype=np.float32)
        a @ a
        a.astype(np.float64) @ a.astype(np.float64)
    if torch is not None:
        net = tnn.Sequential(tnn.Conv2d(3, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(),
                             tnn.MaxPool2d(3, 2, 1), tnn.Flatten(), tnn.Linear(4 * 4 * 4, 10))
        loss = F.cross_entropy(net(torch.randn(2, 3, 8, 8)), torch.tensor([1, 2]))
        loss.backward()
        torch.optim.Adam(net.parameters()).step()


# --- safetensors, read by hand -------------------------------------------

def load_safetensors(path):
    """Returns the tensors of a safetensors file by name, as torch tensors."""
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    header.pop("__metadata__", None)
    data = memoryview(buf)[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if info["dtype"] not in dtypes:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, want F32, F64 or I64")
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


# --- memory ----------------------------------------------------------------

def proc_status(key):
    """Returns a size field of /proc/self/status in bytes, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k == key:
                    return int(v.split()[0]) * 1024
    except OSError:
        pass
    return None


def trim():
    """Collects garbage and returns free heap to the system, as far as it can."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMeter:
    """The growth of the resident set over a workload; see the module doc."""

    def __init__(self):
        trim()
        self.base = proc_status("VmRSS")
        self.high = None  # the largest resident set sampled

    def reset(self):
        """Resets the peak mark, after the workload is built."""
        trim()
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            self.base = None

    def sample(self):
        """Reads the resident set, once a block of steps has run."""
        rss = proc_status("VmRSS")
        if rss is not None and (self.high is None or rss > self.high):
            self.high = rss

    def peak(self):
        hwm = proc_status("VmHWM")
        if self.base is None or hwm is None:
            return None
        return max(hwm, self.high or 0) - self.base


# --- BLAS -------------------------------------------------------------------

def blas_info():
    """Says which BLAS the process has loaded (NumPy's and torch's, on
    Debian both the libblas.so.3 alternative): the kind, the library files,
    and for OpenBLAS its version string and thread count."""
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 6:
                    continue
                path = parts[5]
                base = os.path.basename(path).lower()
                if any(s in base for s in ("blas", "blis", "mkl_", "libmkl", "atlas")) and path not in libs:
                    libs.append(path)
    except OSError:
        pass
    alternative = None
    for link in sorted(glob.glob("/etc/alternatives/libblas.so.3*")):
        alternative = f"{link} -> {os.path.realpath(link)}"
        break
    lowered = " ".join(libs).lower()
    if "openblas" in lowered:
        kind = "OpenBLAS"
    elif "mkl" in lowered:
        kind = "MKL"
    elif "blis" in lowered:
        kind = "BLIS"
    elif "atlas" in lowered:
        kind = "ATLAS"
    elif any(os.path.basename(p).startswith("libblas.so") for p in libs):
        kind = "reference"  # Netlib's BLAS, e.g. /usr/lib/x86_64-linux-gnu/blas/libblas.so.3
    else:
        kind = "unknown"
    info = {"kind": kind, "libraries": libs, "alternative": alternative}
    if kind == "OpenBLAS":
        for path in libs:
            if "openblas" not in os.path.basename(path).lower():
                continue
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                info["config"] = lib.openblas_get_config().decode()
                info["threads"] = lib.openblas_get_num_threads()
            except (OSError, AttributeError):
                continue
            break
    return info


def info():
    out = {
        "python": sys.executable,
        "python_version": platform.python_version(),
        "torch": torch.__version__ if torch is not None else None,
        "torch_error": TORCH_ERROR,
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "numpy": np.__version__ if np is not None else None,
        "numpy_error": NUMPY_ERROR,
        "blas": blas_info(),
        "memory_measure": "max(VmHWM, VmRSS after each block) - VmRSS baseline (clear_refs)",
        "env": {k: os.environ.get(k, "") for k in
                ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT")},
    }
    return out


# --- workloads -----------------------------------------------------------------

def need_torch(workload):
    if torch is None:
        raise RuntimeError(f"{workload} needs PyTorch: {TORCH_ERROR}")


def save_safetensors(path, tensors):
    """Writes float32 tensors by name to a safetensors file."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_batch(files, n, shape):
    """The batch from files["batch"], or a random one of n images."""
    if files and files.get("batch"):
        b = load_safetensors(files["batch"])
        return b["x"], b["labels"].long()
    return torch.randn(n, *shape), torch.randint(0, 10, (n,))


def load_model(model, files):
    if files and files.get("model"):
        model.load_state_dict(load_safetensors(files["model"]), strict=True)


def mlp(hidden):
    layers, inputs = [], MLP_INPUTS
    for h in hidden:
        layers += [tnn.Linear(inputs, h), tnn.ReLU()]
        inputs = h
    layers.append(tnn.Linear(inputs, MLP_CLASSES))
    return tnn.Sequential(*layers)


def convnet():
    """The course's ConvNet, laid out as nn.NewConvNet lays it out, so that
    the state_dict keys are the same."""
    layers, inputs = [], 3
    for out in CONV_CHANNELS:
        if out == 0:
            layers.append(tnn.MaxPool2d(3, 2, 1))
            continue
        layers += [tnn.Conv2d(inputs, out, 3, padding=1), tnn.BatchNorm2d(out), tnn.ReLU()]
        inputs = out
    layers += [tnn.Flatten(), tnn.Linear(inputs, 10)]
    return tnn.Sequential(*layers)


class Train:
    """A training step: forward, mean cross-entropy, backward, update."""

    def __init__(self, model, opt, x, y):
        self.model, self.opt, self.x, self.y = model, opt, x, y
        self.loss = None

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        self.loss = loss.item()

    def check(self):
        return self.loss


class Infer:
    """The forward pass in eval mode; its check is the cross-entropy of the
    logits, computed outside the timer."""

    def __init__(self, model, x, y):
        self.model, self.x, self.y = model, x, y
        self.model.eval()
        self.out = None

    def step(self):
        with torch.no_grad():
            self.out = self.model(self.x)

    def check(self):
        return F.cross_entropy(self.out, self.y).item()


class HVP:
    """W10: the Hessian-vector product of the mean cross-entropy: the
    gradient with its graph (create_graph=True), then the gradient of
    <gradient, v>. Its check is the loss; it writes Hv to out, if given."""

    def __init__(self, model, x, y, v, out):
        self.model, self.x, self.y, self.out = model, x, y, out
        named = list(model.named_parameters())
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.v = [v[n] for n in self.names] if v is not None else [torch.randn_like(p) for p in self.params]
        self.loss, self.hv = None, None

    def step(self):
        loss = F.cross_entropy(self.model(self.x), self.y)
        g = torch.autograd.grad(loss, self.params, create_graph=True)
        dot = sum((gi * vi).sum() for gi, vi in zip(g, self.v))
        self.hv = torch.autograd.grad(dot, self.params)
        self.loss = loss.item()

    def check(self):
        if self.out:
            save_safetensors(self.out, dict(zip(self.names, self.hv)))
        return self.loss


class BatchNorm:
    saves = True  # Runner.setup measures its bytes kept

    def __init__(self, variant, shape):
        c = shape[1]
        self.x = torch.randn(*shape, requires_grad=True)
        self.g = torch.randn(*shape)
        self.gamma = torch.empty(c).uniform_(0.5, 1.5).requires_grad_()
        self.beta = torch.randn(c, requires_grad=True)
        self.axes = [0] + list(range(2, len(shape)))
        self.pshape = [1, c] + [1] * (len(shape) - 2)
        self.composed = variant == "composed"

    def step(self):
        self.x.grad = self.gamma.grad = self.beta.grad = None
        x = self.x
        if self.composed:  # the primitives of tapegrad's BatchNormComposed, in its order
            mu = x.mean(self.axes, keepdim=True)
            xc = x - mu
            var = (xc * xc).mean(self.axes, keepdim=True)
            xhat = xc / torch.sqrt(var + BN_EPS)
            y = xhat * self.gamma.reshape(self.pshape) + self.beta.reshape(self.pshape)
        else:
            y = F.batch_norm(x, None, None, self.gamma, self.beta, training=True, eps=BN_EPS)
        y.backward(self.g)

    def check(self):
        return None


class Norm:
    """W6: a normalization layer, or a transposed convolution, forward and
    backward of sum(y * g), with gradients for x, weight and bias. PyTorch's
    own layer runs for both of tapegrad's variants. Its outputs are written
    to files["out"] by Runner.setup after one step."""

    saves = True

    def __init__(self, layer, shape, conv, files):
        self.layer, self.conv = layer, conv
        c, last = shape[1], shape[-1]
        if files and files.get("inputs"):
            t = load_safetensors(files["inputs"])
            x, g, w, b = t["x"], t["g"], t["weight"], t.get("bias")
        elif layer == "convtranspose2d":
            out, k, stride, pad = conv
            x = torch.randn(*shape)
            g = torch.randn(shape[0], out, (shape[2] - 1) * stride - 2 * pad + k, (shape[3] - 1) * stride - 2 * pad + k)
            bound = 1 / (out * k * k) ** 0.5
            w = torch.empty(c, out, k, k).uniform_(-bound, bound)
            b = torch.empty(out).uniform_(-bound, bound)
        else:
            n = c if layer == "groupnorm" else last
            x, g = torch.randn(*shape), torch.randn(*shape)
            w = torch.empty(n).uniform_(0.5, 1.5)
            b = None if layer == "rmsnorm" else torch.randn(n)
        if list(x.shape) != shape:
            raise ValueError(f"{layer}: inputs x of shape {list(x.shape)}, want {shape}")
        self.x, self.g = x.requires_grad_(), g
        self.w = w.requires_grad_()
        self.b = b.requires_grad_() if b is not None else None
        self.y = None

    def forward(self):
        x, w, b = self.x, self.w, self.b
        if self.layer == "layernorm":
            return F.layer_norm(x, (x.shape[-1],), w, b, eps=NORM_EPS)
        if self.layer == "groupnorm":
            return F.group_norm(x, GN_GROUPS, w, b, eps=NORM_EPS)
        if self.layer == "rmsnorm":
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * w
        _, _, stride, pad = self.conv
        return F.conv_transpose2d(x, w, b, stride=stride, padding=pad)

    def step(self):
        self.x.grad = self.w.grad = None
        if self.b is not None:
            self.b.grad = None
        y = self.forward()
        y.backward(self.g)
        self.y = y

    def outputs(self):
        out = {"y": self.y, "dx": self.x.grad, "dweight": self.w.grad}
        if self.b is not None:
            out["dbias"] = self.b.grad
        return out

    def check(self):
        return None


def saved_bytes(step):
    """Runs step once under saved_tensors_hooks and returns the bytes of the
    storages of the tensors autograd saved, each storage once."""
    storages = {}

    def pack(t):
        s = t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()
        if s.nbytes() > 0:
            storages[s.data_ptr()] = max(storages.get(s.data_ptr(), 0), s.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    return sum(storages.values())


def parse_norm(workload, parts):
    """The layer, shape and, for the transposed convolution, (out channels,
    kernel, stride, padding) of a W6 id."""
    if len(parts) == 4 and parts[1] in ("composed", "fused") and parts[2] in ("layernorm", "groupnorm", "rmsnorm"):
        return parts[2], parse_sizes(parts[3], 4 if parts[2] == "groupnorm" else 0, workload), None
    if len(parts) == 3 and parts[1] == "convtranspose2d":
        m = re.fullmatch(r"([0-9x]+)-([0-9]+)c-k([0-9]+)s([0-9]+)p([0-9]+)", parts[2])
        if m:
            return "convtranspose2d", parse_sizes(m.group(1), 4, workload), tuple(int(v) for v in m.groups()[1:])
    raise ValueError(f"unknown workload {workload!r}")


class Gemm:
    def __init__(self, dtype, m, k, n):
        rng = np.random.default_rng(1)
        dt = {"float32": np.float32, "float64": np.float64}[dtype]
        self.a = rng.standard_normal((m, k), dtype=dt)
        self.b = rng.standard_normal((k, n), dtype=dt)
        self.c = np.empty((m, n), dtype=dt)

    def step(self):
        np.matmul(self.a, self.b, out=self.c)

    def check(self):
        return None


class TapeOverhead:
    """W5: the chain tapegrad's BenchmarkW5TapeOverhead records."""

    def __init__(self):
        d = torch.float64
        self.w = torch.tensor([0.5], dtype=d, requires_grad=True)
        self.c = torch.tensor([1.0001], dtype=d)
        self.x = torch.tensor([1.0], dtype=d)

    def step(self):
        y = self.x * self.w
        for i in range(1, TAPE_NODES - 1):
            y = y * self.c if i % 2 == 0 else y + self.w
        y.sum().backward()
        self.w.grad = None

    def check(self):
        return None


def parse_sizes(s, n, workload):
    try:
        sizes = [int(d) for d in s.split("x")]
    except ValueError:
        sizes = []
    if (n and len(sizes) != n) or len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"{workload}: bad shape {s!r}")
    return sizes


def make(workload, files=None):
    """Builds the workload with the given id."""
    parts = workload.split("/")
    head = parts[0]
    if head in MLP_HIDDEN and len(parts) == 1:
        need_torch(workload)
        model = mlp(MLP_HIDDEN[head])
        load_model(model, files)
        x, y = load_batch(files, MLP_BATCH, [MLP_INPUTS])
        return Train(model, torch.optim.SGD(model.parameters(), lr=MLP_LR), x, y)
    if head in ("W2", "W2e") and len(parts) == 1:
        need_torch(workload)
        model = convnet()
        load_model(model, files)
        x, y = load_batch(files, CONV_BATCH, [3, 32, 32])
        if head == "W2":
            return Train(model, torch.optim.Adam(model.parameters(), lr=CONV_LR), x, y)
        return Infer(model, x, y)
    if head == "W3" and len(parts) == 3 and parts[1] in ("composed", "fused"):
        need_torch(workload)
        return BatchNorm(parts[1], parse_sizes(parts[2], 0, workload))
    if head == "W4" and len(parts) == 3 and parts[1] in ("float32", "float64"):
        if np is None:
            raise RuntimeError(f"{workload} needs NumPy: {NUMPY_ERROR}")
        return Gemm(parts[1], *parse_sizes(parts[2], 3, workload))
    if head == "W6":
        need_torch(workload)
        layer, shape, conv = parse_norm(workload, parts)
        return Norm(layer, shape, conv, files)
    if workload == "W5":
        need_torch(workload)
        return TapeOverhead()
    if workload == "W10":
        need_torch(workload)
        model = mlp(MLP_HIDDEN["W1"])
        load_model(model, files)
        x, y = load_batch(files, MLP_BATCH, [MLP_INPUTS])
        v = load_safetensors(files["v"]) if files and files.get("v") else None
        return HVP(model, x, y, v, files.get("hv") if files else None)
    if head == "W7" and len(parts) == 2 and parts[1] in ("composed", "fused"):  # attention (issue 20)
        need_torch(workload)
        return Attention(files)
    if workload == "W8":  # issue 20: the LSTM training step
        need_torch(workload)
        model = LSTMClassifier()
        load_model(model, files)
        x, y = load_batch(files, W8_BATCH, [W8_STEPS, W8_INPUTS])
        return Train(model, torch.optim.Adam(model.parameters(), lr=W8_LR), x, y)
    if workload == "W9":  # issue 20 (helper mha): the transformer training step, in w9_transformer.py
        need_torch(workload)
        import w9_transformer
        return w9_transformer.make(torch, files, Train, load_model, load_batch)
    raise ValueError(f"unknown workload {workload!r}")


# W8 (issue 20): sequential Fashion-MNIST, each 28x28 image read as 28 steps
# of 28 pixels by an LSTM with 128 hidden units, batch first, the last
# step's hidden state mapped to 10 classes; Adam lr 1e-3, batch 128. The
# attributes lstm and fc give the state_dict keys of benchmarks/rnnbench's
# Model.
W8_BATCH, W8_STEPS, W8_INPUTS, W8_HIDDEN, W8_LR = 128, 28, 28, 128, 1e-3


def LSTMClassifier():
    """W8's model; a class made here because torch is imported lazily."""
    class LSTMClassifier(tnn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = tnn.LSTM(W8_INPUTS, W8_HIDDEN, batch_first=True)
            self.fc = tnn.Linear(W8_HIDDEN, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])
    return LSTMClassifier()



# W7, attention (issue 20).
ATTN_SHAPE = [32, 4, 128, 32]  # batch, heads, tokens, head dim: tapegrad's attnbench.W7


class Attention:
    """W7/{composed,fused}: causal scaled dot-product attention on
    q, k, v of shape 32x4x128x32, forward + backward of sum(y * g), float32,
    with gradients for q, k and v. torch 1.13's
    F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True) runs for
    both of tapegrad's variants: on the CPU it is the composition
    matmul(q/sqrt(E), k^T) + causal mask, softmax, matmul with v, and
    autograd's backward. With files["inputs"] (q, k, v, g in F32,
    tapegrad's) both sides compute on the same numbers, and Runner.setup
    writes y, dq, dk, dv to files["out"]; without, they are drawn from
    N(0, 1)."""

    saves = True

    def __init__(self, files):
        if files and files.get("inputs"):
            t = load_safetensors(files["inputs"])
            q, k, v, g = t["q"], t["k"], t["v"], t["g"]
        else:
            q, k, v, g = (torch.randn(*ATTN_SHAPE) for _ in range(4))
        for name, x in (("q", q), ("k", k), ("v", v), ("g", g)):
            if list(x.shape) != ATTN_SHAPE:
                raise ValueError(f"W7: input {name} of shape {list(x.shape)}, want {ATTN_SHAPE}")
        self.q, self.k, self.v = q.requires_grad_(), k.requires_grad_(), v.requires_grad_()
        self.g = g
        self.y = None

    def step(self):
        self.q.grad = self.k.grad = self.v.grad = None
        y = F._scaled_dot_product_attention(self.q, self.k, self.v, None, 0.0, False, True)[0]
        y.backward(self.g)
        self.y = y

    def outputs(self):
        return {"y": self.y, "dq": self.q.grad, "dk": self.k.grad, "dv": self.v.grad}

    def check(self):
        return None


class Runner:
    """One workload at a time, with its peak meter."""

    def __init__(self):
        self.work = None
        self.meter = None

    def setup(self, workload, files):
        """Builds the workload; returns the bytes it keeps for backward
        (W3, W6; else None). W6 also writes its outputs to files["out"]."""
        self.work = None
        self.meter = PeakMeter()
        self.work = make(workload, files)
        saved = None
        if getattr(self.work, "saves", False):
            saved = saved_bytes(self.work.step)
            if files and files.get("out") and hasattr(self.work, "outputs"):
                save_safetensors(files["out"], self.work.outputs())
        self.meter.reset()
        return saved

    def steps(self, lead, n, check):
        """One block: returns the total ns of n timed steps after lead
        untimed ones, and the check value after the last if asked for."""
        gc.collect()
        for _ in range(lead):
            self.work.step()
        start = time.perf_counter_ns()
        for _ in range(n):
            self.work.step()
        ns = time.perf_counter_ns() - start
        if self.meter:
            self.meter.sample()
        return ns, (self.work.check() if check else None)

    def finish(self):
        peak = self.meter.peak() if self.meter else None
        self.work, self.meter = None, None
        return peak


def serve(stdin, stdout):
    prime()
    runner = Runner()
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "info":
                reply = info()
            elif op == "setup":
                saved = runner.setup(cmd["workload"], cmd.get("files") or {})
                reply = {"ok": True, "saved_bytes": saved}
            elif op == "steps":
                if runner.work is None:
                    raise RuntimeError("steps before setup")
                n, lead = int(cmd.get("n", 1)), int(cmd.get("lead", 0))
                if n < 1 or lead < 0:
                    raise ValueError(f"steps: n = {n}, lead = {lead}")
                ns, check = runner.steps(lead, n, bool(cmd.get("check")))
                reply = {"ns": ns, "check": check}
            elif op == "finish":
                reply = {"peak_bytes": runner.finish()}
            elif op == "quit":
                return
            else:
                raise ValueError(f"unknown op {op!r}")
        except Exception as e:  # report it to the driver and keep serving
            reply = {"error": f"{type(e).__name__}: {e}"}
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()


def standalone(args):
    prime()
    runner = Runner()
    files = {"model": args.model, "batch": args.batch, "v": args.v, "hv": args.hv, "inputs": args.inputs, "out": args.out}
    saved = runner.setup(args.workload, files)
    _, first = runner.steps(0, 1, True)  # warm-up, untimed
    times, last = [], None
    for i in range(args.reps):
        ns, check = runner.steps(1, args.steps, i == args.reps - 1)
        times.append(ns // args.steps)
        last = check if check is not None else last
    result = {
        "workload": args.workload,
        "reps": args.reps,
        "steps_per_rep": args.steps,
        "times_ns": times,
        "median_ns": int(statistics.median(times)) if times else None,
        "peak_bytes": runner.finish(),
        "saved_bytes": saved,
        "memory_measure": "max(VmHWM, VmRSS after each block) - VmRSS baseline (clear_refs)",
        "check_first": first,
        "check_last": last,
        "info": info(),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.workload}: median {result['median_ns'] / 1e6:.4g} ms per step over {args.reps} reps "
          f"of {args.steps} steps after a warm-up; peak memory {result['peak_bytes']} bytes")
    if first is not None:
        print(f"loss at the first step {first!r}, at the last {last!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--serve", action="store_true", help="read JSON commands on stdin (see the module doc)")
    p.add_argument("--info", action="store_true", help="print versions, threads and BLAS as JSON")
    p.add_argument("--workload", help="a workload id, such as W1 or W4/float32/1024x1024x1024")
    p.add_argument("--reps", type=int, default=11, help="timed repetitions (blocks) after one warm-up step")
    p.add_argument("--steps", type=int, default=10, help="timed steps per repetition, after one lead-in step")
    p.add_argument("--model", help="safetensors state_dict to load (W1, W1b, W2, W2e)")
    p.add_argument("--batch", help="safetensors batch with x and labels (W1, W1b, W2, W2e)")
    p.add_argument("--v", help="safetensors v, one tensor per parameter (W10)")
    p.add_argument("--hv", help="where W10's check writes Hv, as safetensors")
    p.add_argument("--inputs", help="safetensors x, g, weight and bias (W6)")
    p.add_argument("--out", help="where W6's setup writes y and the gradients, as safetensors")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch and BLAS threads")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = p.parse_args()
    if args.reps < 1 or args.steps < 1:
        p.error("--reps and --steps must be at least 1")
    setup_modules(args.threads)
    if args.serve:
        serve(sys.stdin, sys.stdout)
    elif args.info:
        prime()
        print(json.dumps(info()))
    elif args.workload:
        standalone(args)
    else:
        p.error("give --serve, --info or --workload")


if __name__ == "__main__":
    main()
