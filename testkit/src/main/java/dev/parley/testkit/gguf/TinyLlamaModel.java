package dev.parley.testkit.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic llama-architecture GGUF of a few hundred KB with random weights: it loads in llama.cpp and generates
 * (nonsense) very fast, which is all the oracle and dispatch tests need from a model.
 *
 * <p>The vocabulary is SentencePiece-style: {@code <unk>}, {@code <s>}, {@code </s>}, {@code ▁} (the SentencePiece
 * space), one token per printable ASCII character, and the 256 byte-fallback tokens {@code <0x00>}..{@code <0xFF>}
 * that SentencePiece needs for every other character (without them llama.cpp aborts on a newline). Bytes from 0x80
 * up are typed as control tokens: they still encode any input, but render as nothing when sampled, so random
 * generation always detokenizes to valid UTF-8. It has no chat template, so llama.cpp falls back to ChatML.
 */
public final class TinyLlamaModel {

    public static final int EMBEDDING = 64;
    public static final int LAYERS = 2;
    // Head dimension 32: quantized KV caches (Q8_0, Q4_0) need it to be a multiple of their 32-value blocks.
    public static final int HEADS = 2;
    public static final int KV_HEADS = 1;
    public static final int FEED_FORWARD = 128;
    public static final int CONTEXT = 4096;

    private static final int TOKEN_TYPE_NORMAL = 1;
    private static final int TOKEN_TYPE_UNKNOWN = 2;
    private static final int TOKEN_TYPE_CONTROL = 3;
    private static final int TOKEN_TYPE_BYTE = 6;

    private TinyLlamaModel() {
    }

    /** Writes the model to {@code file} with weights drawn from {@code seed}. */
    public static Path write(Path file, long seed) {
        Vocabulary vocabulary = Vocabulary.sentencePiece();
        GgufWriter gguf = withMetadata(new GgufWriter(), vocabulary);
        // The draw order fixes which weights a seed gives: the same seed must keep giving the same model.
        SplittableRandom random = new SplittableRandom(seed);
        int vocab = vocabulary.size();
        gguf.tensor("token_embd.weight", new long[] {EMBEDDING, vocab}, gaussian(random, EMBEDDING * vocab, 0.5f));
        gguf.tensor("output_norm.weight", new long[] {EMBEDDING}, ones(EMBEDDING));
        gguf.tensor("output.weight", new long[] {EMBEDDING, vocab}, gaussian(random, EMBEDDING * vocab, 0.5f));
        for (int layer = 0; layer < LAYERS; layer++) {
            addLayer(gguf, random, layer);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            gguf.writeTo(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** The tokens with their scores and types, as the {@code tokenizer.ggml.*} arrays hold them. */
    private record Vocabulary(List<String> tokens, float[] scores, int[] types) {

        static Vocabulary sentencePiece() {
            List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "\u2581"));
            for (char c = '!'; c <= '~'; c++) {
                tokens.add(String.valueOf(c));
            }
            int firstByte = tokens.size();
            for (int b = 0; b < 256; b++) {
                tokens.add(String.format("<0x%02X>", b));
            }
            int vocab = tokens.size();
            float[] scores = new float[vocab];
            int[] types = new int[vocab];
            for (int i = 0; i < vocab; i++) {
                types[i] = i < firstByte ? TOKEN_TYPE_NORMAL : (i - firstByte < 0x80 ? TOKEN_TYPE_BYTE : TOKEN_TYPE_CONTROL);
                scores[i] = -i;
            }
            types[0] = TOKEN_TYPE_UNKNOWN;
            types[1] = TOKEN_TYPE_CONTROL;
            types[2] = TOKEN_TYPE_CONTROL;
            return new Vocabulary(tokens, scores, types);
        }

        int size() {
            return tokens.size();
        }
    }

    private static GgufWriter withMetadata(GgufWriter gguf, Vocabulary vocabulary) {
        return gguf
                .put("general.architecture", "llama")
                .put("general.name", "parley-tiny-llama")
                .putU32("general.alignment", GgufWriter.ALIGNMENT)
                .putU32("llama.context_length", CONTEXT)
                .putU32("llama.embedding_length", EMBEDDING)
                .putU32("llama.block_count", LAYERS)
                .putU32("llama.feed_forward_length", FEED_FORWARD)
                .putU32("llama.attention.head_count", HEADS)
                .putU32("llama.attention.head_count_kv", KV_HEADS)
                .putU32("llama.rope.dimension_count", EMBEDDING / HEADS)
                .put("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putU32("llama.vocab_size", vocabulary.size())
                .put("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", vocabulary.tokens())
                .putFloats("tokenizer.ggml.scores", vocabulary.scores())
                .putInts("tokenizer.ggml.token_type", vocabulary.types())
                .putU32("tokenizer.ggml.unknown_token_id", 0)
                .putU32("tokenizer.ggml.bos_token_id", 1)
                .putU32("tokenizer.ggml.eos_token_id", 2)
                .put("tokenizer.ggml.add_bos_token", true)
                .put("tokenizer.ggml.add_eos_token", false);
    }

    private static void addLayer(GgufWriter gguf, SplittableRandom random, int layer) {
        int kvDim = EMBEDDING / HEADS * KV_HEADS;
        String p = "blk." + layer + ".";
        gguf.tensor(p + "attn_norm.weight", new long[] {EMBEDDING}, ones(EMBEDDING));
        gguf.tensor(p + "attn_q.weight", new long[] {EMBEDDING, EMBEDDING}, gaussian(random, EMBEDDING * EMBEDDING, 0.1f));
        gguf.tensor(p + "attn_k.weight", new long[] {EMBEDDING, kvDim}, gaussian(random, EMBEDDING * kvDim, 0.1f));
        gguf.tensor(p + "attn_v.weight", new long[] {EMBEDDING, kvDim}, gaussian(random, EMBEDDING * kvDim, 0.1f));
        gguf.tensor(p + "attn_output.weight", new long[] {EMBEDDING, EMBEDDING}, gaussian(random, EMBEDDING * EMBEDDING, 0.1f));
        gguf.tensor(p + "ffn_norm.weight", new long[] {EMBEDDING}, ones(EMBEDDING));
        gguf.tensor(p + "ffn_gate.weight", new long[] {EMBEDDING, FEED_FORWARD}, gaussian(random, EMBEDDING * FEED_FORWARD, 0.1f));
        gguf.tensor(p + "ffn_up.weight", new long[] {EMBEDDING, FEED_FORWARD}, gaussian(random, EMBEDDING * FEED_FORWARD, 0.1f));
        gguf.tensor(p + "ffn_down.weight", new long[] {FEED_FORWARD, EMBEDDING}, gaussian(random, FEED_FORWARD * EMBEDDING, 0.1f));
    }

    /** Writes the model into a new temporary file. */
    public static Path writeTemp(long seed) {
        try {
            Path file = Files.createTempFile("parley-tiny-", ".gguf");
            file.toFile().deleteOnExit();
            return write(file, seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] gaussian(SplittableRandom random, int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller would be exact; the sum of uniforms is close enough for random weights.
            double sum = 0;
            for (int k = 0; k < 4; k++) {
                sum += random.nextDouble() - 0.5;
            }
            values[i] = (float) (sum * scale * Math.sqrt(3));
        }
        return values;
    }

    private static float[] ones(int n) {
        float[] values = new float[n];
        java.util.Arrays.fill(values, 1f);
        return values;
    }
}
