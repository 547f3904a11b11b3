package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Sampling;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine's own greedy argmax picks what llama.cpp's greedy sampler picks, token after token. */
@ExtendWith(ParleyInfraExtension.class)
class GreedyArgmaxTest {

    @Test
    void theArgmaxOverTheLogitsMatchesLlamaCppsGreedySampler(TestModels models) {
        LoadedLlama loaded = NativeLibrary.load(EngineExtension.libraries());
        LlamaLib llama = loaded.llama();
        try (NativeModel model = NativeModel.load(llama, models.real(), new GpuPlacement(0, -1, "CPU only"), false)) {
            LlamaLib.ContextParams params = llama.llama_context_default_params();
            params.n_ctx = 256;
            params.n_batch = 256;
            params.n_ubatch = 256;
            params.n_threads = 2;
            params.n_threads_batch = 2;
            params.no_perf = 1;
            Pointer context = llama.llama_init_from_model(model.pointer(), params);
            SamplerChain greedy = SamplerChain.create(llama, Sampling.greedy(1));
            BatchBuffer batch = new BatchBuffer(llama, 256);
            try {
                int[] prompt = model.tokenize("The capital of France is", true, false);
                int index = -1;
                for (int i = 0; i < prompt.length; i++) {
                    index = batch.add(prompt[i], i, 0, i == prompt.length - 1);
                }
                List<Integer> fromSampler = new ArrayList<>();
                List<Integer> fromArgmax = new ArrayList<>();
                for (int position = prompt.length; position < prompt.length + 16; position++) {
                    assertThat(batch.decode(context)).isZero();
                    int argmax = SamplerChain.argmax(llama.llama_get_logits_ith(context, index), model.vocabularySize());
                    int sampled = greedy.sample(context, index);
                    fromArgmax.add(argmax);
                    fromSampler.add(sampled);
                    batch.clear();
                    index = batch.add(sampled, position, 0, true);
                }
                assertThat(greedy.greedy()).isTrue();
                assertThat(fromArgmax).isEqualTo(fromSampler).hasSize(16);
                assertThat(fromSampler.stream().distinct().count()).as("some variety in %s", fromSampler).isGreaterThan(1);
            } finally {
                greedy.close();
                batch.close();
                llama.llama_free(context);
            }
        }
    }
}
