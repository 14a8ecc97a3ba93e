"""W9 for workloads.py: the training step of a small character-level
language model (issue 20), PyTorch's twin of tapegrad's
benchmarks/transformerbench.CharLM with the same state_dict keys: a token
embedding plus a learned position embedding ("pos"), a TransformerEncoder
of 2 pre-norm GELU layers (d_model 128, 4 heads, feed-forward 512, no
dropout, batch first) with a final LayerNorm under a causal mask, and a
linear head to the 96 characters; the mean cross-entropy over every
position, AdamW with lr 3e-4 and PyTorch's other defaults.

workloads.py imports it to build W9 (make); the weights and the batch come
from the files the compare command writes (the batch's x holds the
characters as float32, as tapegrad's Embedding input does).
"""

VOCAB, CONTEXT, D_MODEL, HEADS, LAYERS, FFN, BATCH, LR = 96, 128, 128, 4, 2, 512, 32, 3e-4


def char_lm(torch):
    tnn = torch.nn

    class CharLM(tnn.Module):
        def __init__(self):
            super().__init__()
            self.pos = tnn.Parameter(torch.zeros(CONTEXT, D_MODEL))
            self.tok = tnn.Embedding(VOCAB, D_MODEL)
            layer = tnn.TransformerEncoderLayer(D_MODEL, HEADS, FFN, dropout=0.0, activation="gelu",
                                                batch_first=True, norm_first=True)
            self.encoder = tnn.TransformerEncoder(layer, LAYERS, norm=tnn.LayerNorm(D_MODEL),
                                                  enable_nested_tensor=False)
            self.head = tnn.Linear(D_MODEL, VOCAB)
            self.register_buffer("mask", tnn.Transformer.generate_square_subsequent_mask(CONTEXT), persistent=False)

        def forward(self, x):
            t = x.shape[1]
            h = self.tok(x) + self.pos[:t]
            h = self.encoder(h, mask=self.mask[:t, :t])
            return self.head(h).reshape(-1, VOCAB)

    return CharLM()


def make(torch, files, train_cls, load_model, load_batch):
    """W9 as a workloads.py Train whose setup also measures the bytes
    autograd saves in the forward pass and the loss (saves), without
    changing the model."""
    F = torch.nn.functional

    class W9Train(train_cls):
        saves = True

        def __init__(self, *args):
            super().__init__(*args)
            self.measuring = True

        def step(self):
            if self.measuring:  # Runner.setup's saved_bytes: forward and loss only
                self.measuring = False
                F.cross_entropy(self.model(self.x), self.y)
                return
            super().step()

    model = char_lm(torch)
    load_model(model, files)
    x, y = load_batch(files, BATCH, [CONTEXT])
    if not (files and files.get("batch")):
        x = torch.randint(0, VOCAB, (BATCH, CONTEXT)).float()
        y = torch.randint(0, VOCAB, (BATCH * CONTEXT,))
    return W9Train(model, torch.optim.AdamW(model.parameters(), lr=LR), x.long(), y)
