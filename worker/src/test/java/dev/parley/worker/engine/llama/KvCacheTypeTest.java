package dev.parley.worker.engine.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import dev.parley.testkit.gguf.TinyLlamaModel;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class KvCacheTypeTest {

    @ParameterizedTest
    @EnumSource(KvCacheType.class)
    void everyCacheTypeLoadsAndGenerates(KvCacheType type) {
        var model = TinyLlamaModel.writeTemp(3);
        LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(model).withSlots(2)
                .withContextPerSlot(256).withThreads(1).withCacheType(type));

        var generation = engine.generate(new GenerationRequest("c",
                new Transcript(null, List.of(), List.of(ChatMessage.user("hello"))), Sampling.greedy(8), null),
                TokenListener.NONE);

        assertThat(generation.completionTokens()).isBetween(1, 8);
    }

    @Test
    void parsingNamesTheBadValue() {
        assertThat(KvCacheType.parse("Q8_0")).isEqualTo(KvCacheType.Q8_0);
        assertThatThrownBy(() -> KvCacheType.parse("q5")).hasMessageContaining("'q5'");
    }
}
