#!/usr/bin/env python3
"""Writes a llama-architecture GGUF of a real model's shape with random weights, already quantized (Q8_0 or Q4_0).

Decode cost depends on the shape and the weight type, not on the values, so these stand in for the real models in
benchmarks where the real files cannot travel. Needs numpy and llama.cpp's gguf-py (pass its folder, or put it on
PYTHONPATH). Every quantized block gets the same small scale, so activations stay finite.

  make-gguf.py --gguf-py llama.cpp/gguf-py --shape llama-3.2-1b --type q8_0 out.gguf
"""
import argparse
import sys

SHAPES = {
    # embedding, layers, heads, kv heads, feed-forward, vocabulary, rope base, tied output
    "smollm2-135m": (576, 30, 9, 3, 1536, 49152, 100000.0, True),
    "llama-3.2-1b": (2048, 16, 32, 8, 8192, 128256, 500000.0, True),
    "llama-3.1-8b": (4096, 32, 32, 8, 14336, 128256, 500000.0, False),
    "tiny": (64, 2, 2, 1, 128, 512, 10000.0, True),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf-py", help="llama.cpp's gguf-py folder")
    parser.add_argument("--shape", choices=sorted(SHAPES), required=True)
    parser.add_argument("--type", choices=["q8_0", "q4_0"], default="q8_0")
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("out")
    args = parser.parse_args()
    if args.gguf_py:
        sys.path.insert(0, args.gguf_py)
    import numpy as np
    import gguf

    embd, layers, heads, kv_heads, ff, vocab, rope_base, tied = SHAPES[args.shape]
    qtype = gguf.GGMLQuantizationType.Q8_0 if args.type == "q8_0" else gguf.GGMLQuantizationType.Q4_0
    block_values, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    head_dim = embd // heads

    # one pool of valid blocks, viewed by every tensor: values do not matter, memory and time do
    largest = max(vocab * embd, ff * embd)
    blocks = largest // block_values
    rng = np.random.default_rng(0)
    pool = rng.integers(0, 256, size=(blocks, block_bytes), dtype=np.uint8)
    scale = np.array([0.002 if args.type == "q8_0" else 0.004], dtype=np.float16).view(np.uint8)
    pool[:, 0:2] = scale
    flat = pool.reshape(-1)

    def quantized(rows, cols):
        row_bytes = cols // block_values * block_bytes
        return flat[: rows * row_bytes].reshape(rows, row_bytes)

    writer = gguf.GGUFWriter(args.out, "llama")
    writer.add_name("parley-random-" + args.shape)
    writer.add_context_length(args.context)
    writer.add_embedding_length(embd)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(rope_base)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if args.type == "q8_0" else gguf.LlamaFileType.MOSTLY_Q4_0)

    # SentencePiece-style vocabulary: specials, byte fallback, printable ASCII, then filler pieces
    tokens = ["<unk>", "<s>", "</s>", "\u2581"]
    types = [2, 3, 3, 1]
    tokens += ["<0x%02X>" % b for b in range(256)]
    types += [6] * 256
    for c in range(33, 127):
        tokens.append(chr(c))
        types.append(1)
    i = 0
    while len(tokens) < vocab:
        tokens.append("\u2581w%d" % i)
        types.append(1)
        i += 1
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([-float(n) for n in range(vocab)])
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)

    ones = np.ones(embd, dtype=np.float32)
    writer.add_tensor("token_embd.weight", quantized(vocab, embd), raw_dtype=qtype)
    writer.add_tensor("output_norm.weight", ones)
    if not tied:
        writer.add_tensor("output.weight", quantized(vocab, embd), raw_dtype=qtype)
    kv_dim = head_dim * kv_heads
    for layer in range(layers):
        p = "blk.%d." % layer
        writer.add_tensor(p + "attn_norm.weight", ones)
        writer.add_tensor(p + "attn_q.weight", quantized(embd, embd), raw_dtype=qtype)
        writer.add_tensor(p + "attn_k.weight", quantized(kv_dim, embd), raw_dtype=qtype)
        writer.add_tensor(p + "attn_v.weight", quantized(kv_dim, embd), raw_dtype=qtype)
        writer.add_tensor(p + "attn_output.weight", quantized(embd, embd), raw_dtype=qtype)
        writer.add_tensor(p + "ffn_norm.weight", ones)
        writer.add_tensor(p + "ffn_gate.weight", quantized(ff, embd), raw_dtype=qtype)
        writer.add_tensor(p + "ffn_up.weight", quantized(ff, embd), raw_dtype=qtype)
        writer.add_tensor(p + "ffn_down.weight", quantized(embd, ff), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
