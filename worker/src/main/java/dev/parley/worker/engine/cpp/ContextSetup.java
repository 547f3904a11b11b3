package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.worker.engine.EngineException;

/** The llama.cpp context the engine configuration describes: one KV pool of {@code slots} sequences. */
final class ContextSetup {

    /** llama.cpp's flash attention setting: -1 lets it decide, 1 forces it on (needed for a quantized V cache). */
    static final int FLASH_ATTENTION_AUTO = -1;
    static final int FLASH_ATTENTION_ON = 1;

    private ContextSetup() {
    }

    static LlamaLib.ContextParams params(LlamaLib llama, NativeEngineConfig config) {
        LlamaLib.ContextParams params = llama.llama_context_default_params();
        params.n_ctx = config.slots() * config.contextPerSlot();
        params.n_seq_max = config.slots();
        params.n_batch = config.batchTokens();
        params.n_ubatch = config.microBatchTokens();
        params.n_threads = config.threads();
        params.n_threads_batch = config.threads();
        params.kv_unified = (byte) (config.kvLayout() == KvLayout.UNIFIED ? 1 : 0);
        params.type_k = config.cacheType().ggmlType();
        params.type_v = config.cacheType().ggmlType();
        params.flash_attn_type = config.cacheType().quantized() ? FLASH_ATTENTION_ON : FLASH_ATTENTION_AUTO;
        params.no_perf = 1;
        return params;
    }

    /** The context, or an {@link EngineException} (the model freed) when llama.cpp cannot create it. */
    static Pointer create(LlamaLib llama, NativeModel model, LlamaLib.ContextParams params, int slots) {
        Pointer context = llama.llama_init_from_model(model.pointer(), params);
        if (context == null) {
            model.close();
            throw new EngineException("llama.cpp could not create a context of " + params.n_ctx + " tokens for "
                    + slots + " sequences (see the log above for why)");
        }
        return context;
    }
}
