"""Writes the PyTorch exported programs in this folder with torch.export.

Versions used: Python 3.11, torch 2.15.0 (the CPU kernels; archive format pt2, schema 8.20).
Run from this folder: python3 make_pt2.py. Seeded: the same versions write the same weights.

digits_cnn.pt2      a small convolutional classifier for 8x8 digits: conv > relu > pool >
                    flatten > a Sequential of linear + relu > linear head (1 x 1 x 8 x 8 in)
tiny_encoder.pt2    two transformer encoder layers (d_model 32, 4 heads, feed-forward 64)
                    over a 6-token sequence, with an embedding and a classifier head:
                    nested modules (layers.0.self_attn, ...) become nested groups
digits_cnn_step.pt2 digits_cnn after one SGD step (lr 0.1) on a seeded random batch
params.json         the parameter count and the operators torch reports for each, which
                    the tests compare with `netlens info --json`; for the step, each
                    tensor's RMS before and the RMS of its change, for `netlens diff`
not_exported.pt     a torch.save checkpoint (a zip too, but no exported program)
"""
import json
import os
from collections import Counter

import torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


class DigitsCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(8 * 4 * 4, 32), torch.nn.ReLU())
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x))).flatten(1)
        return self.head(self.mlp(x))


class TinyEncoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(100, 32)
        layer = torch.nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = torch.nn.Linear(32, 3)

    def forward(self, tokens):
        return self.head(self.encoder(self.embed(tokens)).mean(1))


report = {}
cnn = DigitsCnn()
for name, model, example in [
    ("digits_cnn", cnn, torch.randn(1, 1, 8, 8)),
    ("tiny_encoder", TinyEncoder(), torch.randint(0, 100, (1, 6))),
]:
    program = torch.export.export(model.eval(), (example,))
    torch.export.save(program, os.path.join(here, f"{name}.pt2"))
    ops = Counter(
        str(node.target).split(".")[1] if str(node.target).startswith("aten.") else str(node.target)
        for node in program.graph.nodes
        if node.op == "call_function"
    )
    report[name] = {"params": sum(p.numel() for p in model.parameters()), "ops": dict(sorted(ops.items()))}
# One training step of the CNN, exported again: every weight moves a little.
before = {k: v.detach().clone() for k, v in cnn.named_parameters()}
optimizer = torch.optim.SGD(cnn.parameters(), lr=0.1)
loss = torch.nn.functional.cross_entropy(cnn(torch.randn(16, 1, 8, 8)), torch.randint(0, 10, (16,)))
loss.backward()
optimizer.step()
torch.export.save(torch.export.export(cnn.eval(), (torch.randn(1, 1, 8, 8),)), os.path.join(here, "digits_cnn_step.pt2"))
rms = lambda t: t.double().pow(2).mean().sqrt().item()
report["digits_cnn_step"] = {
    name: {"rms_a": rms(before[name]), "rms_delta": rms(p.detach() - before[name])}
    for name, p in cnn.named_parameters()
}
with open(os.path.join(here, "params.json"), "w") as f:
    json.dump(report, f, indent=1, sort_keys=True)
torch.save(DigitsCnn().state_dict(), os.path.join(here, "not_exported.pt"))
