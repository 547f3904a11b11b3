package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.TokenLogprob;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.Sampling.Penalties;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Log probabilities on the real small model through the native engine. Greedy and top-k 1 answers only, so each
 * assertion holds on every run.
 */
@ExtendWith(ParleyInfraExtension.class)
class LogprobsTest {

    private static final String SYSTEM = "You are a friendly assistant. Answer in one or two short sentences.";
    private static final String QUESTION = "What is the capital of France?";

    private static NativeEngine engine;

    @BeforeAll
    static void load(TestModels models) {
        engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(2).withContextPerSlot(1024));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static Generation answer(Sampling sampling, TokenListener listener) {
        Transcript transcript = new Transcript(SYSTEM, List.of(), List.of(ChatMessage.user(QUESTION)));
        return engine.generate(new GenerationRequest("c-" + System.nanoTime(), transcript, sampling, null), listener);
    }

    /** Greedy over the raw logits: each token chosen is the most likely one. */
    private static Sampling greedy(int top) {
        return new Sampling(24, 0.0, null, null, 0L, List.of()).withPenalties(Penalties.OFF).withLogprobs(top);
    }

    private static String joined(List<TokenLogprob> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        entries.forEach(e -> e.bytes().forEach(bytes::write));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachGeneratedTokenHasItsLogprobAndTheMostLikelyTokensOfItsPosition() {
        List<TokenLogprob> streamed = new CopyOnWriteArrayList<>();
        StringBuilder text = new StringBuilder();
        Generation generation = answer(greedy(3), new TokenListener() {
            @Override
            public void onText(String delta) {
                text.append(delta);
            }

            @Override
            public void onLogprobs(List<TokenLogprob> entries) {
                streamed.addAll(entries);
            }
        });

        List<TokenLogprob> entries = generation.logprobs();
        assertThat(entries).hasSize(generation.completionTokens()).isEqualTo(streamed);
        assertThat(joined(entries)).isEqualTo(generation.text()).isEqualTo(text.toString()).contains("Paris");
        assertThat(entries).allSatisfy(entry -> {
            assertThat(entry.topLogprobs()).hasSize(3);
            // greedy on the raw logits picks the most likely token, whose figure is the position's best
            assertThat(entry.topLogprobs().get(0).token()).isEqualTo(entry.token());
            assertThat(entry.topLogprobs().get(0).logprob()).isEqualTo(entry.logprob());
            assertThat(entry.topLogprobs()).extracting(TokenLogprob.Alternative::logprob)
                    .isSortedAccordingTo((x, y) -> Double.compare(y, x)).allSatisfy(l -> assertThat(l).isLessThan(0));
            assertThat(entry.topLogprobs().stream().mapToDouble(a -> Math.exp(a.logprob())).sum()).isLessThan(1.0);
        });
    }

    @Test
    void theFiguresAreTheModelsBeforeTemperatureAndPenalties() {
        Generation greedy = answer(greedy(2), TokenListener.NONE);
        // top-k 1 leaves the same token to draw at any temperature, and a penalty of 1 changes nothing
        Generation hot = answer(new Sampling(24, 1.8, null, 1, 5L, List.of()).withPenalties(
                new Penalties(1.0, 0.0, 0.0)).withLogprobs(2), TokenListener.NONE);

        assertThat(hot.text()).isEqualTo(greedy.text());
        assertThat(hot.logprobs()).isEqualTo(greedy.logprobs());
        assertThat(greedy(0).logprobs()).isEqualTo(0);
        assertThat(answer(greedy(0), TokenListener.NONE).logprobs()).allSatisfy(e ->
                assertThat(e.topLogprobs()).isEmpty());
        assertThat(answer(greedy(0).withLogprobs(null), TokenListener.NONE).logprobs()).isNull();
    }

    @Test
    void theTokensOfACutStopStringAreLeftOut() {
        Generation whole = answer(greedy(0), TokenListener.NONE);
        assertThat(whole.text()).contains("Paris");
        List<TokenLogprob> streamed = new ArrayList<>();

        Generation stopped = answer(new Sampling(24, 0.0, null, null, 0L, List.of("Paris"))
                .withPenalties(Penalties.OFF).withLogprobs(0), new TokenListener() {
                    @Override
                    public void onText(String delta) {
                    }

                    @Override
                    public void onLogprobs(List<TokenLogprob> entries) {
                        streamed.addAll(entries);
                    }
                });

        assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(stopped.text()).isEqualTo(whole.text().substring(0, whole.text().indexOf("Paris")));
        List<TokenLogprob> entries = stopped.logprobs();
        assertThat(entries).isEqualTo(streamed).isEqualTo(whole.logprobs().subList(0, entries.size()));
        // every entry showed some of the text: the last may run into the stop string, none lies wholly in it
        assertThat(joined(entries)).startsWith(stopped.text());
        assertThat(joined(entries.subList(0, entries.size() - 1)).length()).isLessThan(stopped.text().length());
    }
}
