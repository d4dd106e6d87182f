"""Writes small random-weight checkpoints of each transformer family netlens reads, with the
real libraries, and records what those libraries say about them in expected.json.

Versions used: Python 3.11, torch 2.15.0, transformers 5.25.0, gguf 0.19.0 (llama.cpp's own
Python library, whose TensorNameMap is llama.cpp's tensor-name table).
Run from this folder: python3 make_checkpoints.py. Seeded: the same versions write the same
files.

Each family gets <family>/config.json + <family>/model.safetensors, written by
transformers' save_pretrained from a model built from a tiny config (hidden 32, two layers,
vocabulary 64, weights in float16). Families that llama.cpp converts also get
<family>.gguf: the same tensors under llama.cpp's names (gguf.get_tensor_name_map, the table
convert_hf_to_gguf.py uses), experts stacked into one 3-D tensor per projection as the
converter does, matrices in Q8_0 where rows allow it, the rest in F16/F32, and the
hyper-parameters under llama.cpp's keys.

expected.json holds, per family, what the library reports, for the tests to compare with
`netlens info --json`:
  params      sum of the element counts of the tensors save_pretrained wrote
  stacks      per list of layers (the outermost torch ModuleList of each tower, by its
              module path; transformers 5 may write other, older names): layers, heads,
              kv_heads, hidden, from the model's own config
  experts     routed experts per MoE layer (the config's count), where there are experts
  attention   modules whose class ends in "Attention" and holds a Linear directly, plus
              torch.nn.MultiheadAttention modules
  linear      torch.nn.Linear modules with a weight of their own (a tied head has not), plus
              MultiheadAttention input projections, plus routed experts' projections (one
              per expert: transformers 5 holds them as stacked parameters)
  gguf_params the element count written to <family>.gguf (BERT's pooler is left out, as
              llama.cpp's converter does)
"""
import json
import os
import shutil

import numpy as np
import torch
import transformers as T
from safetensors import safe_open
import gguf

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)

SMALL = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
             num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
VISION = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
              image_size=16, patch_size=8)
TEXT = dict(vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=16)

# family: (model class, config, gguf arch or None)
FAMILIES = {
    "gemma2": (T.Gemma2ForCausalLM, T.Gemma2Config(**SMALL, head_dim=8), "GEMMA2"),
    "gemma3": (T.Gemma3ForCausalLM, T.Gemma3TextConfig(**SMALL, head_dim=16), "GEMMA3"),
    "phi3": (T.Phi3ForCausalLM, T.Phi3Config(**SMALL, pad_token_id=0), "PHI3"),
    "qwen2": (T.Qwen2ForCausalLM, T.Qwen2Config(**SMALL), "QWEN2"),
    "qwen3": (T.Qwen3ForCausalLM, T.Qwen3Config(**SMALL, head_dim=8), "QWEN3"),
    "qwen2_moe": (T.Qwen2MoeForCausalLM, T.Qwen2MoeConfig(
        **SMALL, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16,
        shared_expert_intermediate_size=24), "QWEN2MOE"),
    "qwen3_moe": (T.Qwen3MoeForCausalLM, T.Qwen3MoeConfig(
        **SMALL, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16, head_dim=8), "QWEN3MOE"),
    "mixtral": (T.MixtralForCausalLM, T.MixtralConfig(**SMALL, num_local_experts=4, num_experts_per_tok=2), "LLAMA"),
    "deepseek_v2": (T.DeepseekV2ForCausalLM, T.DeepseekV2Config(
        **SMALL, n_routed_experts=4, n_shared_experts=1, moe_intermediate_size=16, first_k_dense_replace=1,
        q_lora_rank=None, kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=8, v_head_dim=8,
        n_group=1, topk_group=1, num_experts_per_tok=2), "DEEPSEEK2"),
    "deepseek_v3": (T.DeepseekV3ForCausalLM, T.DeepseekV3Config(
        **SMALL, n_routed_experts=4, n_shared_experts=1, moe_intermediate_size=16, first_k_dense_replace=1,
        q_lora_rank=16, kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=8, v_head_dim=8,
        n_group=1, topk_group=1, num_experts_per_tok=2), "DEEPSEEK2"),
    "olmo": (T.OlmoForCausalLM, T.OlmoConfig(**SMALL), "OLMO"),
    "olmo2": (T.Olmo2ForCausalLM, T.Olmo2Config(**SMALL), "OLMO2"),
    "starcoder2": (T.Starcoder2ForCausalLM, T.Starcoder2Config(**SMALL), "STARCODER2"),
    "falcon": (T.FalconForCausalLM, T.FalconConfig(
        vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4), "FALCON"),
    "mamba": (T.MambaForCausalLM, T.MambaConfig(
        vocab_size=64, hidden_size=32, state_size=4, num_hidden_layers=2, expand=2, conv_kernel=4), "MAMBA"),
    "t5": (T.T5ForConditionalGeneration, T.T5Config(
        vocab_size=64, d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=2, num_heads=4,
        relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", tie_word_embeddings=False), "T5"),
    "bert": (T.BertModel, T.BertConfig(**TEXT, type_vocab_size=2), "BERT"),
    "whisper": (T.WhisperForConditionalGeneration, T.WhisperConfig(
        vocab_size=64, num_mel_bins=8, d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=48, decoder_ffn_dim=48,
        max_source_positions=8, max_target_positions=16, pad_token_id=0, bos_token_id=1, eos_token_id=2,
        decoder_start_token_id=1), None),
    "clip": (T.CLIPModel, T.CLIPConfig(text_config=TEXT, vision_config=VISION, projection_dim=16), None),
    "siglip": (T.SiglipModel, T.SiglipConfig(text_config=TEXT, vision_config=VISION), None),
    "vit": (T.ViTForImageClassification, T.ViTConfig(**VISION, num_labels=3), None),
    "llava": (T.LlavaForConditionalGeneration, T.LlavaConfig(
        vision_config=T.CLIPVisionConfig(**VISION), text_config=T.LlamaConfig(**SMALL),
        image_token_index=63, projector_hidden_act="gelu"), None),
}


def outermost_lists(model):
    """Module paths of the ModuleLists not nested in another list: the layer stacks."""
    lists = [n for n, m in model.named_modules() if isinstance(m, torch.nn.ModuleList) and len(m) > 0]
    return [n for n in lists if not any(n != o and n.startswith(o + ".") for o in lists)]


def stack_config(model, path):
    """The config of the nearest module above the stack that has one."""
    parts = path.split(".")
    for k in range(len(parts), -1, -1):
        module = model.get_submodule(".".join(parts[:k]))
        config = getattr(module, "config", None)
        if config is not None:
            return config
    return model.config


def record(name, model, saved):
    params = 0
    with safe_open(saved, "pt") as f:
        keys = set(f.keys())
        for k in keys:
            params += int(np.prod(f.get_slice(k).get_shape()))
    stacks = []
    for path in outermost_lists(model):
        c = stack_config(model, path)
        side = "decoder" if "decoder" in path else "encoder"
        heads = getattr(c, f"{side}_attention_heads", None) or getattr(c, "num_attention_heads", None)
        kv = getattr(c, "num_key_value_heads", None)
        if name == "falcon":
            kv = c.num_kv_heads if c.new_decoder_architecture else (1 if c.multi_query else heads)
        if name == "mamba":
            heads = None
        stacks.append({"stack": path, "layers": len(model.get_submodule(path)), "heads": heads,
                       "kv_heads": (kv or heads), "hidden": c.hidden_size})
    attention = linear = 0
    # Each parameter once, under its first name: a tied head shares the embedding's.
    first_name = {id(p): n for n, p in reversed(list(model.named_parameters()))}
    for mname, m in model.named_modules():
        direct_linear = any(isinstance(ch, torch.nn.Linear) for ch in m.children())
        if isinstance(m, torch.nn.MultiheadAttention):
            attention += 1
            linear += m.in_proj_weight is not None
        elif type(m).__name__.endswith("Attention") and direct_linear:
            attention += 1
        if isinstance(m, torch.nn.Linear) and first_name.get(id(m.weight)) == f"{mname}.weight":
            linear += 1
    # transformers 5 keeps routed experts as stacked parameters, not Linear modules, and
    # writes them back one projection per expert.
    linear += sum(1 for k in keys if ".experts." in k and k.split(".experts.")[1].split(".")[0].isdigit()
                  and k.endswith(".weight"))
    c = model.config
    experts = getattr(c, "num_local_experts", None) or getattr(c, "n_routed_experts", None) or getattr(c, "num_experts", None)
    out = {"model_type": c.model_type, "params": params, "stacks": stacks, "attention": attention, "linear": linear}
    if experts:
        out["experts"] = experts
    return out


def quantisable(array):
    return array.ndim >= 2 and array.shape[-1] % 32 == 0


def to_gguf(name, arch_name, model, folder):
    arch = getattr(gguf.MODEL_ARCH, arch_name)
    c = model.config
    layers = c.num_layers if name == "t5" else c.num_hidden_layers
    names = gguf.get_tensor_name_map(arch, layers)
    tensors = {}
    with safe_open(os.path.join(folder, "model.safetensors"), "np") as f:
        for k in f.keys():
            tensors[k] = f.get_tensor(k).astype(np.float32)
    # The converter stacks each layer's experts into one [experts, rows, cols] tensor.
    stacked = {}
    for k in sorted(tensors):
        parts = k.split(".")
        if "experts" in parts and parts[parts.index("experts") + 1].isdigit():
            i = parts.index("experts")
            merged = ".".join(parts[: i + 1] + parts[i + 2:])
            stacked.setdefault(merged, []).append((int(parts[i + 1]), tensors.pop(k)))
    for merged, items in stacked.items():
        tensors[merged] = np.stack([a for _, a in sorted(items, key=lambda t: t[0])])
    writer = gguf.GGUFWriter(os.path.join(here, f"{name}.gguf"), gguf.MODEL_ARCH_NAMES[arch])
    writer.add_name(f"tiny-{name}")
    writer.add_block_count(layers)
    writer.add_context_length(64)
    writer.add_embedding_length(c.hidden_size)
    if name != "mamba":
        heads = c.num_attention_heads
        writer.add_head_count(heads)
        kv = getattr(c, "num_key_value_heads", None) or heads
        if name == "falcon":
            kv = 1 if c.multi_query else heads
        writer.add_head_count_kv(kv)
        head_dim = getattr(c, "head_dim", None) or (c.d_kv if name == "t5" else c.hidden_size // heads)
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
        writer.add_feed_forward_length(getattr(c, "intermediate_size", None) or getattr(c, "d_ff", 4 * c.hidden_size))
    else:
        writer.add_ssm_conv_kernel(c.conv_kernel)
        writer.add_ssm_inner_size(c.intermediate_size)
        writer.add_ssm_state_size(c.state_size)
        writer.add_ssm_time_step_rank(c.time_step_rank)
    experts = getattr(c, "num_local_experts", None) or getattr(c, "n_routed_experts", None) or getattr(c, "num_experts", None)
    if experts:
        writer.add_expert_count(experts)
        writer.add_expert_used_count(c.num_experts_per_tok)
    unmapped = []
    written = 0
    for k in sorted(tensors):
        array = tensors[k]
        base, suffix = (k.rsplit(".", 1) + [""])[:2] if k.endswith((".weight", ".bias")) else (k, "")
        if k.endswith(".e_score_correction_bias"):
            base, suffix = k[: -len(".e_score_correction_bias")] + ".e_score_correction", "bias"
        target = names.get_name(base)
        if target is None and name == "qwen2_moe" and base.endswith("shared_expert_gate"):
            target = base.replace("model.layers.", "blk.").replace("mlp.shared_expert_gate", "ffn_gate_inp_shexp")
        if target is None and name == "bert" and base.startswith("pooler."):
            continue  # convert_hf_to_gguf.py leaves BERT's pooler out
        if target is None:
            unmapped.append(k)
            continue
        if name == "mamba" and base.endswith("A_log"):
            array, suffix = -np.exp(array), ""
        if name == "mamba" and base.endswith("mixer.D"):
            suffix = ""
        if name == "mamba" and base.endswith("conv1d") and suffix == "weight":
            array = array.squeeze(1)
        full = f"{target}.{suffix}" if suffix else target
        written += array.size
        if quantisable(array):
            data = gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(full, data, raw_shape=data.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        elif array.ndim >= 2:
            writer.add_tensor(full, array.astype(np.float16))
        else:
            writer.add_tensor(full, array.astype(np.float32))
    if unmapped:
        raise SystemExit(f"{name}: llama.cpp's table has no name for {unmapped}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return written


expected = {}
for name, (cls, config, arch) in FAMILIES.items():
    torch.manual_seed(0)
    model = cls(config).eval().half()
    folder = os.path.join(here, name)
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder)
    for extra in os.listdir(folder):
        if extra not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(folder, extra))
    expected[name] = record(name, model, os.path.join(folder, "model.safetensors"))
    if arch:
        expected[name]["gguf_params"] = to_gguf(name, arch, model, folder)
    print(name, expected[name])
with open(os.path.join(here, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
