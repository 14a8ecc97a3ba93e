"""examples/charlm in PyTorch: a character-level Transformer language model
trained on Debian's fortunes (the plain-text files of
/usr/share/games/fortunes, `apt-get install fortunes`) or --text FILE.

Same model as the Go command (internal/charmodel.CharLM, W9's): token
embedding N(0, 1) plus a learned position embedding N(0, 0.02^2), 2
pre-norm TransformerEncoder layers (d_model 128, 4 heads, feed-forward 512,
GELU, no dropout) under a causal mask, a final LayerNorm and a linear head
to 96 characters, context 128; the same state_dict keys, so it loads the
Go command's checkpoint.safetensors. Same data: the files in name order
minus the .dat/.u8 index files, concatenated; newline is 0 and ' '..'~'
are 1..95, a tab is a space, every other byte is '?'; the last 10% (len/10
characters) is the validation split. Same recipe: each step -batch random
windows of 129 characters from the training split, the mean cross-entropy
of every position, AdamW lr 3e-4 (PyTorch's other defaults); validation
loss over the validation split cut into windows of 128 back to back, in
bits per character. Initial weights, batches and the sample come from
torch's generator, not tapegrad's, so the numbers agree with the Go
command's in kind, not to the digit (seed 1: validation 3.8259 bpc here,
3.8304 in Go). It ends with the Go command's two lines:

    validation bpc: 2.xxxx
    training time: 123.4 s      (the training steps alone)

    /usr/bin/python3 examples/pytorch/charlm.py [--text FILE] [--steps 250] [--batch 32]
        [--lr 3e-4] [--seed 1] [--eval-every 50] [--temperature 0.8] [--sample-len 400]
"""

import argparse
import math
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

FORTUNES = "/usr/share/games/fortunes"
VOCAB, CONTEXT, D_MODEL, HEADS, LAYERS, FFN = 96, 128, 128, 4, 2, 512


class CharLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Parameter(torch.empty(CONTEXT, D_MODEL).normal_(0, 0.02))
        self.tok = nn.Embedding(VOCAB, D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FFN, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, norm=nn.LayerNorm(D_MODEL), enable_nested_tensor=False)
        self.head = nn.Linear(D_MODEL, VOCAB)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(CONTEXT), persistent=False)

    def forward(self, x):
        t = x.shape[1]
        h = self.tok(x) + self.pos[:t]
        h = self.encoder(h, mask=self.mask[:t, :t])
        return self.head(h).reshape(-1, VOCAB)


def load_text(path):
    if path:
        with open(path, "rb") as f:
            return f.read(), path
    if not os.path.isdir(FORTUNES):
        sys.exit(f"charlm.py: no {FORTUNES} (install them with apt-get install fortunes, or use --text FILE)")
    names = [n for n in sorted(os.listdir(FORTUNES))
             if not n.endswith((".dat", ".u8")) and not os.path.isdir(os.path.join(FORTUNES, n))]
    text = b""
    for n in names:
        with open(os.path.join(FORTUNES, n), "rb") as f:
            text += f.read()
    return text, f"the fortunes ({len(names)} files in {FORTUNES})"


def encode(text):
    table = torch.full((256,), ord("?") - ord(" ") + 1, dtype=torch.long)
    table[ord(" "):ord("~") + 1] = torch.arange(1, 96)
    table[ord("\n")] = 0
    table[ord("\t")] = 1
    return table[torch.frombuffer(bytearray(text), dtype=torch.uint8).long()]


def decode(ids):
    return "".join("\n" if i == 0 else chr(i - 1 + ord(" ")) for i in ids)


def evaluate(model, ids, batch):
    """Mean cross-entropy in nats over ids cut into windows of CONTEXT."""
    windows = (len(ids) - 1) // CONTEXT
    total = 0.0
    with torch.no_grad():
        for w0 in range(0, windows, batch):
            n = min(batch, windows - w0)
            s = w0 * CONTEXT
            x = ids[s:s + n * CONTEXT].view(n, CONTEXT)
            y = ids[s + 1:s + n * CONTEXT + 1]
            total += F.cross_entropy(model(x), y, reduction="sum").item()
    return total / (windows * CONTEXT)


def sample(model, n, temperature, gen):
    ids = [0]
    with torch.no_grad():
        for _ in range(n):
            x = torch.tensor(ids[-CONTEXT:]).view(1, -1)
            p = torch.softmax(model(x)[-1].double() / temperature, 0)
            ids.append(int(torch.multinomial(p, 1, generator=gen)))
    return decode(ids[1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--text", default="")
    ap.add_argument("--steps", type=int, default=250)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--sample-len", type=int, default=400)
    ap.add_argument("--out", default="", help="directory for checkpoint.pt (none if empty)")
    a = ap.parse_args()
    if a.steps < 1 or a.batch < 1 or a.eval_every < 1 or not (0 < a.lr < math.inf) \
            or not (0 < a.temperature < math.inf) or a.sample_len < 0:
        ap.error("want --steps, --batch, --eval-every at least 1, --lr and --temperature positive and finite, --sample-len 0 or more")

    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(a.seed)
    text, source = load_text(a.text)
    ids = encode(text)
    n_train = len(ids) - len(ids) // 10
    train_ids, val_ids = ids[:n_train], ids[n_train:]
    if len(train_ids) < CONTEXT + 1 or len(val_ids) < CONTEXT + 1:
        sys.exit(f"charlm.py: {source}: {len(text)} characters are too few: want at least {10 * (CONTEXT + 1)}")

    model = CharLM()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"charlm.py on {source}: {len(text)} characters, {len(train_ids)} for training and {len(val_ids)} "
          f"for validation; {n_params} parameters, AdamW lr {a.lr:g}, {a.steps} steps of {a.batch} windows of {CONTEXT + 1}",
          flush=True)

    gen = torch.Generator().manual_seed(a.seed)
    offsets = torch.arange(CONTEXT + 1)
    elapsed, total, count, val = 0.0, 0.0, 0, float("nan")
    for step in range(1, a.steps + 1):
        starts = torch.randint(0, len(train_ids) - CONTEXT, (a.batch,), generator=gen)
        w = train_ids[starts[:, None] + offsets]
        x, y = w[:, :-1], w[:, 1:].reshape(-1)
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        elapsed += time.perf_counter() - t0
        loss = loss.item()
        if not math.isfinite(loss):
            sys.exit(f"charlm.py: the training loss is {loss} at step {step}")
        total += loss
        count += 1
        if step % a.eval_every == 0 or step == a.steps:
            model.eval()
            val = evaluate(model, val_ids, a.batch) / math.log(2)
            model.train()
            print(f"step {step:5d}: train {total / count / math.log(2):.4f} bpc, validation {val:.4f} bpc "
                  f"({elapsed:.1f} s of training)", flush=True)
            total, count = 0.0, 0
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        torch.save(model.state_dict(), os.path.join(a.out, "checkpoint.pt"))
    if a.sample_len > 0:
        model.eval()
        print(f"\nsample (temperature {a.temperature:g}):\n{sample(model, a.sample_len, a.temperature, gen)}\n")
    print(f"validation bpc: {val:.4f}")
    print(f"training time: {elapsed:.1f} s")


if __name__ == "__main__":
    main()
