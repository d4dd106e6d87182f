"""Writes the GGUF fixtures with gguf-py (pip install gguf==0.19.0), then reads them back
with its GGUFReader and prints the reference values the tests expect.

Weights are zeros: the tests check structure (metadata, tensor infos, byte sizes of the
quantisation types), which the reference library defines."""
import numpy as np
from gguf import GGUFReader, GGUFWriter, GGML_QUANT_SIZES, GGMLQuantizationType as T


def add(writer, name, shape, qtype):
    if qtype in (T.F32, T.F16):
        writer.add_tensor(name, np.zeros(shape, dtype=np.float32 if qtype == T.F32 else np.float16))
        return
    block, size = GGML_QUANT_SIZES[qtype]
    rows, inner = int(np.prod(shape[:-1])), shape[-1]
    data = np.zeros((rows, inner // block * size), dtype=np.uint8)
    writer.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)


def llama(path):
    w = GGUFWriter(path, "llama")
    w.add_name("tiny-llama")
    w.add_block_count(2)
    w.add_context_length(128)
    w.add_embedding_length(256)
    w.add_feed_forward_length(512)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_token_list([f"t{i}".encode() for i in range(32)])
    add(w, "token_embd.weight", [32, 256], T.Q8_0)
    for i in range(2):
        add(w, f"blk.{i}.attn_norm.weight", [256], T.F32)
        add(w, f"blk.{i}.attn_q.weight", [256, 256], T.Q4_K)
        add(w, f"blk.{i}.attn_k.weight", [128, 256], T.Q6_K)
        add(w, f"blk.{i}.attn_v.weight", [128, 256], T.Q8_0)
        add(w, f"blk.{i}.attn_output.weight", [256, 256], T.Q5_K)
        add(w, f"blk.{i}.ffn_norm.weight", [256], T.F32)
        add(w, f"blk.{i}.ffn_gate.weight", [512, 256], T.IQ4_XS)
        add(w, f"blk.{i}.ffn_up.weight", [512, 256], T.Q2_K)
        add(w, f"blk.{i}.ffn_down.weight", [256, 512], T.Q3_K)
    add(w, "output_norm.weight", [256], T.F32)
    add(w, "output.weight", [32, 256], T.F16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def gpt2(path):
    w = GGUFWriter(path, "gpt2")
    w.add_block_count(1)
    w.add_embedding_length(64)
    w.add_head_count(2)
    add(w, "token_embd.weight", [16, 64], T.F16)
    add(w, "position_embd.weight", [8, 64], T.F32)
    add(w, "blk.0.attn_norm.weight", [64], T.F32)
    add(w, "blk.0.attn_qkv.weight", [192, 64], T.Q8_0)
    add(w, "blk.0.attn_output.weight", [64, 64], T.Q4_0)
    add(w, "blk.0.ffn_norm.weight", [64], T.F32)
    add(w, "blk.0.ffn_up.weight", [256, 64], T.Q5_1)
    add(w, "blk.0.ffn_down.weight", [64, 256], T.Q4_1)
    add(w, "output_norm.weight", [64], T.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


for name, make in [("tiny-llama.gguf", llama), ("tiny-gpt2.gguf", gpt2)]:
    make(name)
    r = GGUFReader(name)
    elements = sum(int(t.n_elements) for t in r.tensors)
    nbytes = sum(int(t.n_bytes) for t in r.tensors)
    types = {}
    for t in r.tensors:
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
    print(name, "tensors", len(r.tensors), "kv", len(r.fields), "elements", elements, "bytes", nbytes, dict(sorted(types.items())))
    print("  shapes", [(t.name, list(map(int, t.shape))) for t in r.tensors[:3]])


# Every block type the neuron level decodes, two rows of 256 values each, and gguf-py's
# dequantisation of them as the reference. Types gguf-py can quantise come from normal
# random weights; for the K-quants (which it only dequantises) the blocks are random
# bytes with their f16 scales set to small values.
from gguf.quants import dequantize, quantize

rng = np.random.default_rng(11)
weights = rng.normal(size=(2, 256)).astype(np.float32)
scale_offsets = {T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}
types = [T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K, T.F16, T.BF16]
w = GGUFWriter("quants.gguf", "none")
reference = []
for qtype in types:
    if qtype in scale_offsets:
        block, size = GGML_QUANT_SIZES[qtype]
        raw = rng.integers(0, 256, size=(2, size), dtype=np.uint8)
        for row in raw:
            for offset in scale_offsets[qtype]:
                row[offset:offset + 2] = np.frombuffer(np.float16(rng.uniform(-0.05, 0.05)).tobytes(), np.uint8)
    else:
        raw = quantize(weights, qtype)
    values = dequantize(raw, qtype).astype(np.float32)
    assert np.isfinite(values).all()
    w.add_tensor(qtype.name, raw, raw_shape=raw.shape, raw_dtype=qtype)
    reference.append(values.reshape(-1))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
np.save("quants-reference.npy", np.stack(reference))
print("quants.gguf", [t.name for t in types], "reference", np.stack(reference).shape)
