package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import dev.parley.models.LlamaLibraryStore;
import dev.parley.worker.EngineExtension;
import org.junit.jupiter.api.Test;

/**
 * The JNA structures match llama.cpp v0.5.0's {@code llama.h}: their sizes as measured with that release's headers,
 * and the library's own defaults read back through them (a field out of place would read as nonsense).
 */
class LlamaStructsTest {

    @Test
    void structSizesMatchTheRelease() {
        assertThat(new LlamaLib.ModelParams().size()).isEqualTo(80);
        assertThat(new LlamaLib.ContextParams().size()).isEqualTo(160);
        assertThat(new LlamaLib.Batch().size()).isEqualTo(56);
        assertThat(new LlamaLib.PerfContextData().size()).isEqualTo(48); // 4 doubles, 3 int32, padded to 8
    }

    @Test
    void theLibrarysDefaultsReadBackThroughTheStructs() {
        LlamaLib llama = Native.load(EngineExtension.libraries().resolve(LlamaLibraryStore.LIBLLAMA).toString(),
                LlamaLib.class);

        LlamaLib.ContextParams context = llama.llama_context_default_params();
        assertThat(context.n_ctx).isEqualTo(512);
        assertThat(context.n_batch).isEqualTo(2048);
        assertThat(context.n_ubatch).isEqualTo(512);
        assertThat(context.n_seq_max).isEqualTo(1);
        assertThat(context.n_threads).isEqualTo(4); // the default that is wrong on small machines
        assertThat(context.flash_attn_type).isEqualTo(-1);
        assertThat(context.type_k).isEqualTo(1); // GGML_TYPE_F16
        assertThat(context.type_v).isEqualTo(1);
        assertThat(context.offload_kqv).isEqualTo((byte) 1);
        assertThat(context.samplers).isNull();
        assertThat(context.n_samplers).isZero();
        assertThat(context.ctx_other).isNull();

        LlamaLib.ModelParams model = llama.llama_model_default_params();
        assertThat(model.devices).isNull();
        assertThat(model.vocab_only).isZero();
        assertThat(model.check_tensors).isZero();

        LlamaLib.Batch batch = llama.llama_batch_init(8, 0, 1);
        assertThat(batch.token).isNotNull();
        assertThat(batch.embd).isNull();
        assertThat(batch.seq_id.getPointerArray(0, 8)).doesNotContainNull();
        llama.llama_batch_free(batch);
    }
}
