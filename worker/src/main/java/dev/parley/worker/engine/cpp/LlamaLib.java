package dev.parley.worker.engine.cpp;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * The parts of llama.cpp's C API (release v0.5.0, {@code include/llama.h}) the native engine uses, bound with JNA.
 * C {@code bool} is a byte; enums are ints; structs passed by value use the {@code ByValue} classes, whose layouts
 * {@code LlamaStructsTest} checks against the sizes measured on that release.
 */
public interface LlamaLib extends Library {

    /** {@code struct llama_model_params}: 80 bytes. */
    @Structure.FieldOrder({"devices", "tensor_buft_overrides", "n_gpu_layers", "split_mode", "load_mode", "lazy_mode",
            "main_gpu", "tensor_split", "progress_callback", "progress_callback_user_data", "kv_overrides",
            "vocab_only", "check_tensors", "use_extra_bufts", "no_host", "no_alloc", "load_mtp"})
    class ModelParams extends Structure implements Structure.ByValue {
        public Pointer devices;
        public Pointer tensor_buft_overrides;
        public int n_gpu_layers;
        public int split_mode;
        public int load_mode;
        public int lazy_mode;
        public int main_gpu;
        public Pointer tensor_split;
        public Pointer progress_callback;
        public Pointer progress_callback_user_data;
        public Pointer kv_overrides;
        public byte vocab_only;
        public byte check_tensors;
        public byte use_extra_bufts;
        public byte no_host;
        public byte no_alloc;
        public byte load_mtp;
    }

    /** {@code struct llama_context_params}: 160 bytes. */
    @Structure.FieldOrder({"n_ctx", "n_batch", "n_ubatch", "n_seq_max", "n_rs_seq", "n_outputs_max",
            "n_outputs_max_per_seq", "n_threads", "n_threads_batch", "ctx_type", "rope_scaling_type", "pooling_type",
            "attention_type", "flash_attn_type", "rope_freq_base", "rope_freq_scale", "yarn_ext_factor",
            "yarn_attn_factor", "yarn_beta_fast", "yarn_beta_slow", "yarn_orig_ctx", "defrag_thold", "cb_eval",
            "cb_eval_user_data", "type_k", "type_v", "abort_callback", "abort_callback_data", "embeddings",
            "offload_kqv", "no_perf", "op_offload", "swa_full", "kv_unified", "samplers", "n_samplers", "ctx_other"})
    class ContextParams extends Structure implements Structure.ByValue {
        public int n_ctx;
        public int n_batch;
        public int n_ubatch;
        public int n_seq_max;
        public int n_rs_seq;
        public int n_outputs_max;
        public int n_outputs_max_per_seq;
        public int n_threads;
        public int n_threads_batch;
        public int ctx_type;
        public int rope_scaling_type;
        public int pooling_type;
        public int attention_type;
        public int flash_attn_type;
        public float rope_freq_base;
        public float rope_freq_scale;
        public float yarn_ext_factor;
        public float yarn_attn_factor;
        public float yarn_beta_fast;
        public float yarn_beta_slow;
        public int yarn_orig_ctx;
        public float defrag_thold;
        public Pointer cb_eval;
        public Pointer cb_eval_user_data;
        public int type_k;
        public int type_v;
        public Pointer abort_callback;
        public Pointer abort_callback_data;
        public byte embeddings;
        public byte offload_kqv;
        public byte no_perf;
        public byte op_offload;
        public byte swa_full;
        public byte kv_unified;
        public Pointer samplers;
        public long n_samplers;
        public Pointer ctx_other;
    }

    /** {@code struct llama_batch}: 56 bytes. */
    @Structure.FieldOrder({"n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits"})
    class Batch extends Structure implements Structure.ByValue {
        public int n_tokens;
        public Pointer token;
        public Pointer embd;
        public Pointer pos;
        public Pointer n_seq_id;
        public Pointer seq_id;
        public Pointer logits;
    }

    /** {@code struct llama_chat_message}. */
    @Structure.FieldOrder({"role", "content"})
    class ChatMessage extends Structure {
        public Pointer role;
        public Pointer content;
    }

    /** {@code struct llama_sampler_chain_params}. */
    @Structure.FieldOrder({"no_perf"})
    class SamplerChainParams extends Structure implements Structure.ByValue {
        public byte no_perf;
    }

    /** {@code struct llama_token_data_array}: candidates a sampler narrows and chooses from, in place. */
    @Structure.FieldOrder({"data", "size", "selected", "sorted"})
    class TokenDataArray extends Structure {
        /** {@code llama_token_data[size]}: int32 id, float logit, float p. */
        public Pointer data;
        public long size;
        public long selected;
        public byte sorted;
    }

    /** {@code struct llama_perf_context_data}: the context's own counters since it was made. */
    @Structure.FieldOrder({"t_start_ms", "t_load_ms", "t_p_eval_ms", "t_eval_ms", "n_p_eval", "n_eval", "n_reused"})
    class PerfContextData extends Structure implements Structure.ByValue {
        public double t_start_ms;
        public double t_load_ms;
        public double t_p_eval_ms;
        public double t_eval_ms;
        public int n_p_eval;
        public int n_eval;
        /** Graph runs that reused the previous run's graph instead of building one (and on CUDA, its CUDA graph). */
        public int n_reused;
    }

    /** {@code ggml_log_callback}. */
    interface LogCallback extends Callback {
        void invoke(int level, String text, Pointer userData);
    }

    int DEFAULT_SEED = 0xFFFFFFFF;

    void llama_backend_init();

    /** The release, e.g. {@code 0.5.0} or {@code 0.5.0-dev}; absent before v0.5.0's API. */
    String llama_version();

    void llama_log_set(LogCallback callback, Pointer userData);

    ModelParams llama_model_default_params();

    ContextParams llama_context_default_params();

    SamplerChainParams llama_sampler_chain_default_params();

    Pointer llama_model_load_from_file(String path, ModelParams params);

    void llama_model_free(Pointer model);

    Pointer llama_model_get_vocab(Pointer model);

    Pointer llama_model_chat_template(Pointer model, String name);

    Pointer llama_init_from_model(Pointer model, ContextParams params);

    void llama_free(Pointer ctx);

    /** Graph runs use these ggml thread pools ({@code threadpoolBatch} null: the same) instead of one per run. */
    void llama_attach_threadpool(Pointer ctx, Pointer threadpool, Pointer threadpoolBatch);

    void llama_detach_threadpool(Pointer ctx);

    int llama_n_ctx(Pointer ctx);

    Pointer llama_get_memory(Pointer ctx);

    byte llama_memory_seq_rm(Pointer memory, int seqId, int p0, int p1);

    /**
     * Copies positions [p0, p1) of sequence {@code src} to {@code dst} (-1: to the end). In one stream it shares the
     * cells; across streams (the per-sequence layout) only whole sequences are copied ({@code p0 = p1 = -1}): the
     * destination stream is reset and the buffers are copied at the next decode.
     */
    void llama_memory_seq_cp(Pointer memory, int src, int dst, int p0, int p1);

    int llama_memory_seq_pos_max(Pointer memory, int seqId);

    long llama_state_seq_get_size(Pointer ctx, int seqId);

    long llama_state_seq_get_data(Pointer ctx, Pointer dst, long size, int seqId);

    long llama_state_seq_set_data(Pointer ctx, Pointer src, long size, int destSeqId);

    Batch llama_batch_init(int nTokens, int embd, int nSeqMax);

    void llama_batch_free(Batch batch);

    int llama_decode(Pointer ctx, Batch batch);

    /**
     * Waits until the device has finished the work queued by the last {@code llama_decode}: on an asynchronous backend
     * (CUDA) {@code llama_decode} returns once the graph is submitted, and the first logits read would wait here.
     */
    void llama_synchronize(Pointer ctx);

    PerfContextData llama_perf_context(Pointer ctx);

    int llama_tokenize(Pointer vocab, byte[] text, int textLen, int[] tokens, int nTokensMax, byte addSpecial,
                       byte parseSpecial);

    int llama_token_to_piece(Pointer vocab, int token, byte[] buf, int length, int lstrip, byte special);

    byte llama_vocab_is_eog(Pointer vocab, int token);

    int llama_vocab_bos(Pointer vocab);

    int llama_vocab_eos(Pointer vocab);

    /** Whether tokenizing with {@code addSpecial} puts the BOS token first. */
    byte llama_vocab_get_add_bos(Pointer vocab);

    /** The token's text as the vocabulary holds it (control tokens included). */
    String llama_vocab_get_text(Pointer vocab, int token);

    int llama_chat_apply_template(String template, ChatMessage[] chat, long nMsg, byte addAssistant, byte[] buf,
                                  int length);

    Pointer llama_sampler_chain_init(SamplerChainParams params);

    void llama_sampler_chain_add(Pointer chain, Pointer sampler);

    Pointer llama_sampler_init_greedy();

    Pointer llama_sampler_init_dist(int seed);

    Pointer llama_sampler_init_top_k(int k);

    Pointer llama_sampler_init_top_p(float p, long minKeep);

    Pointer llama_sampler_init_min_p(float p, long minKeep);

    Pointer llama_sampler_init_temp(float t);

    /** Repeat, frequency and presence penalties over the last {@code lastN} accepted tokens. */
    Pointer llama_sampler_init_penalties(int nVocab, int lastN, float repeat, float frequency, float presence);

    /** Adds {@code biases} ({@code count} {@code llama_logit_bias}: int32 token, float bias) to the logits. */
    Pointer llama_sampler_init_logit_bias(int nVocab, int count, Pointer biases);

    /** A grammar sampler, or {@code null} when llama.cpp cannot parse {@code grammar} (it logs why). */
    Pointer llama_sampler_init_grammar(Pointer vocab, String grammar, String root);

    /**
     * A grammar sampler that lets every token through until the text generated so far matches one of
     * {@code patterns} (ECMAScript regular expressions, searched anywhere unless anchored with {@code ^...$}) or one
     * of {@code tokens} is accepted; from then on it holds the rest to {@code grammar}, which is first fed the text
     * from the match's first non-empty group. {@code null} when llama.cpp cannot parse the grammar; a pattern
     * {@code std::regex} cannot compile throws across the C ABI, so only fixed, tested patterns may be passed.
     */
    Pointer llama_sampler_init_grammar_lazy_patterns(Pointer vocab, String grammar, String root, String[] patterns,
                                                     long patternCount, int[] tokens, long tokenCount);

    int llama_sampler_sample(Pointer sampler, Pointer ctx, int idx);

    void llama_sampler_apply(Pointer sampler, TokenDataArray candidates);

    void llama_sampler_accept(Pointer sampler, int token);

    /**
     * The logits of batch output {@code idx}; for a sequence with a backend sampler, what that sampler left of them
     * (after a top-k of 1, one value), not the whole row.
     */
    Pointer llama_get_logits_ith(Pointer ctx, int idx);

    /** llama.cpp's {@code LLAMA_TOKEN_NULL}: no token. */
    int TOKEN_NULL = -1;

    /**
     * Attaches a sampler chain to a sequence so each decode samples that sequence's outputs on the device (backend
     * sampling, experimental in v0.5.0), or detaches it ({@code sampler} null). The context keeps the pointer: the
     * chain must outlive the attachment. A chain can be attached once ({@code backend_init} twice aborts).
     */
    byte llama_set_sampler(Pointer ctx, int seqId, Pointer sampler);

    /** The token a backend sampler sampled for batch output {@code idx}, or {@link #TOKEN_NULL}. */
    int llama_get_sampled_token_ith(Pointer ctx, int idx);

    int llama_sampler_chain_n(Pointer chain);

    /** The chain's {@code i}-th sampler (still owned by the chain). */
    Pointer llama_sampler_chain_get(Pointer chain, int i);

    /** The sampler's name; once a chain was attached, {@code +name} runs on the device and {@code -name} cannot. */
    String llama_sampler_name(Pointer sampler);

    /** Copies {@code src}'s state (penalty history, random generator) into {@code dst} of the same kind. */
    void llama_sampler_copy(Pointer src, Pointer dst);

    int llama_vocab_n_tokens(Pointer vocab);

    void llama_sampler_free(Pointer sampler);
}
