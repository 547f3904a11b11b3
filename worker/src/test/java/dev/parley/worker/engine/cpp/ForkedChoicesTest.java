package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.Sampling.Penalties;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Several answers to one prompt ({@link Sampling#n()}) on the real small model: the prompt is computed once in the
 * turn's sequence and its KV copied to a sequence per further answer ({@link Forks}). Seeded or greedy only, and no
 * figure of time: each assertion holds on every run.
 */
@ExtendWith(ParleyInfraExtension.class)
class ForkedChoicesTest {

    private static final int SLOTS = 3;
    private static final String SYSTEM = "You are a friendly assistant. Answer in one or two short sentences, and "
            + "always mention one colour and one animal in your answer.";

    private static NativeEngine engine;

    @BeforeAll
    static void load(TestModels models) {
        engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(SLOTS).withContextPerSlot(1024));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** Each answer's streamed text, by index. */
    private static final class Streams implements TokenListener {
        final Map<Integer, StringBuilder> text = new ConcurrentHashMap<>();

        @Override
        public void onText(String delta) {
            text.computeIfAbsent(0, i -> new StringBuilder()).append(delta);
        }

        @Override
        public TokenListener choice(int index) {
            return delta -> text.computeIfAbsent(index, i -> new StringBuilder()).append(delta);
        }

        String of(int index) {
            return text.getOrDefault(index, new StringBuilder()).toString();
        }
    }

    private static Generation answer(String question, Sampling sampling, TokenListener listener) {
        Transcript transcript = new Transcript(SYSTEM, List.of(), List.of(ChatMessage.user(question)));
        return engine.generate(new GenerationRequest("c-" + System.nanoTime(), transcript, sampling, null), listener);
    }

    private static List<String> texts(Generation generation) {
        List<String> texts = new ArrayList<>();
        texts.add(generation.text());
        generation.otherChoices().forEach(choice -> texts.add(choice.text()));
        return texts;
    }

    @Test
    void aSeedGivesEachAnswerItsOwnDrawAndTheSameAnswersAgain() {
        Sampling sampling = new Sampling(16, 1.2, null, null, 42L, List.of()).withN(3);
        Streams streams = new Streams();

        Generation first = answer("Tell me about your favourite place.", sampling, streams);
        Generation again = answer("Tell me about your favourite place.", sampling, TokenListener.NONE);

        assertThat(first.otherChoices()).hasSize(2);
        assertThat(texts(first)).allSatisfy(text -> assertThat(text).isNotEmpty());
        // seed + i for answer i: the draws differ (fixed by the seed, so this holds on every run)
        assertThat(texts(first).stream().distinct()).hasSizeGreaterThan(1);
        assertThat(texts(again)).isEqualTo(texts(first));
        for (int i = 0; i < 3; i++) {
            assertThat(streams.of(i)).as("streamed answer %d", i).isEqualTo(texts(first).get(i));
        }
        assertThat(first.allCompletionTokens()).isEqualTo(first.completionTokens()
                + first.otherChoices().stream().mapToInt(Generation.Choice::completionTokens).sum());
    }

    @Test
    void greedyAnswersAreTheSameAndThePromptIsComputedOnce() {
        Sampling greedy = new Sampling(8, 0.0, null, null, 0L, List.of()).withPenalties(Penalties.OFF).withN(2);
        long copiesBefore = engine.published.forkCopies;
        StepProfile.Totals before = engine.stepProfile();

        Generation generation = answer("Which animal do you like best, and why?", greedy, TokenListener.NONE);

        StepProfile.Totals decoded = engine.stepProfile().since(before);
        assertThat(generation.otherChoices()).singleElement().satisfies(choice -> {
            // the copy holds the prompt's KV exactly: the same logits, the same greedy answer
            assertThat(choice.text()).isEqualTo(generation.text());
            assertThat(choice.finishReason()).isEqualTo(generation.finishReason());
            assertThat(choice.completionTokens()).isEqualTo(generation.completionTokens());
        });
        assertThat(engine.published.forkCopies - copiesBefore).isEqualTo(1);
        // every token decoded: the prompt's once, then at most one per answer token; twice the prompt would not fit
        assertThat(generation.computedTokens()).isGreaterThan(generation.allCompletionTokens());
        assertThat(decoded.tokens()).isGreaterThanOrEqualTo(generation.computedTokens())
                .isLessThanOrEqualTo(generation.computedTokens() + generation.allCompletionTokens());
    }

    /**
     * One token per answer: the turn and its further answers all finish in the step that computed the prompt, before
     * any outcome is handed over. Each sampler is freed once (freeing a branched answer's again crashed the JVM in
     * the fuzz drill), and the engine answers the next turn.
     */
    @Test
    void answersThatAllEndInTheStepThatBranchedThemAreFreedOnce() {
        Sampling oneToken = new Sampling(1, 0.0, null, null, 0L, List.of()).withPenalties(Penalties.OFF).withN(3);

        Generation generation = answer("Say one word.", oneToken, TokenListener.NONE);

        assertThat(generation.otherChoices()).hasSize(2)
                .allSatisfy(choice -> assertThat(choice.completionTokens()).isLessThanOrEqualTo(1));
        Generation next = answer("Say another word.", Sampling.greedy(4), TokenListener.NONE);
        assertThat(next.completionTokens()).isPositive();
        assertThat(engine.busySlots()).isZero();
    }

    /** In the unified layout the copy shares the prompt's cells instead of copying a stream: the same answers. */
    @Test
    void theUnifiedLayoutForksThePromptToo(TestModels models) {
        Sampling greedy = new Sampling(8, 0.0, null, null, 0L, List.of()).withPenalties(Penalties.OFF).withN(2);
        Transcript transcript = new Transcript(SYSTEM, List.of(), List.of(ChatMessage.user("Name a big animal.")));
        try (NativeEngine unified = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(2).withContextPerSlot(1024).withKvLayout(KvLayout.UNIFIED))) {
            Generation generation = unified.generate(new GenerationRequest("c-unified", transcript, greedy, null),
                    TokenListener.NONE);
            Generation again = unified.generate(new GenerationRequest("c-unified-2", transcript, greedy, null),
                    TokenListener.NONE);

            assertThat(generation.otherChoices()).singleElement()
                    .satisfies(choice -> assertThat(choice.text()).isEqualTo(generation.text()));
            assertThat(again.text()).isEqualTo(generation.text());
            assertThat(unified.published.forkCopies).isEqualTo(2);
        }
    }

    @Test
    void theForksSequencesAreFreeWhenTheTurnEndsEvenCancelled() {
        Sampling all = new Sampling(6, 0.8, null, null, 7L, List.of()).withN(SLOTS);
        answer("Name a fruit.", all, TokenListener.NONE);
        Transcript transcript = new Transcript(SYSTEM, List.of(), List.of(ChatMessage.user("Name a tree.")));
        Generation cancelled = engine.generate(new GenerationRequest("c-cancelled", transcript, all, null,
                () -> true), TokenListener.NONE);
        assertThat(cancelled.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(cancelled.otherChoices()).hasSize(SLOTS - 1)
                .allSatisfy(choice -> assertThat(choice.finishReason()).isEqualTo(FinishReason.CANCELLED));
        long waitsBefore = engine.published.forkWaits;

        // a turn that needs every sequence starts at once: no fork kept one
        Generation next = answer("Name a river.", all, TokenListener.NONE);

        assertThat(next.otherChoices()).hasSize(SLOTS - 1);
        assertThat(engine.published.forkWaits).isEqualTo(waitsBefore);
        assertThat(engine.busySlots()).isZero();
    }

    @Test
    void moreAnswersThanSequencesAreRefusedWithTheReason() {
        Sampling tooMany = new Sampling(4, 0.0, null, null, 0L, List.of()).withN(SLOTS + 1);

        assertThatThrownBy(() -> answer("Name a bird.", tooMany, TokenListener.NONE))
                .isInstanceOf(UnsupportedRequestException.class)
                .hasMessageContaining("n=" + (SLOTS + 1)).hasMessageContaining("has " + SLOTS);
        assertThat(Stream.of(engine.busySlots())).containsExactly(0);
    }
}
