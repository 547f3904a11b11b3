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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sampling controls OpenAI clients send, on the real small model through the native engine. Every answer here is
 * greedy or seeded, so each assertion holds on every run, not on a lucky draw.
 */
@ExtendWith(ParleyInfraExtension.class)
class SamplingControlsTest {

    /** The README demo's system prompt; on it, greedy SmolLM2-135M loops without a repeat penalty. */
    private static final String SYSTEM = "You are a friendly assistant. Answer in one or two short sentences.";
    private static final String QUESTION = "What is the capital of France?";
    /** Token ids 0-49151; the last test shows it is the boundary: its last id is taken and the next refused. */
    private static final int SMOLLM2_VOCABULARY = 49_152;

    private static NativeEngine engine;

    @BeforeAll
    static void load(TestModels models) {
        engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(1).withContextPerSlot(1024));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static Generation answer(Sampling sampling) {
        Transcript transcript = new Transcript(SYSTEM, List.of(), List.of(ChatMessage.user(QUESTION)));
        return engine.generate(new GenerationRequest("c-" + System.nanoTime(), transcript, sampling, null),
                TokenListener.NONE);
    }

    private static Sampling greedy(Penalties penalties) {
        return new Sampling(48, 0.0, null, null, 0L, List.of()).withPenalties(penalties);
    }

    /** The most times any run of four words occurs in the text: 1 for text that never repeats itself. */
    static int mostRepeatedFourWords(String text) {
        String[] words = text.split("\\s+");
        Map<String, Integer> counts = new HashMap<>();
        int most = 0;
        for (int i = 0; i + 4 <= words.length; i++) {
            most = Math.max(most, counts.merge(String.join(" ", Arrays.copyOfRange(words, i, i + 4)), 1, Integer::sum));
        }
        return most;
    }

    @Test
    void theDefaultRepeatPenaltyEndsTheLoopGreedyDecodingFallsInto() {
        Generation plain = answer(greedy(Penalties.OFF));
        Generation penalised = answer(greedy(Penalties.DEFAULT));

        // the failure the default is for: without a penalty the answer repeats itself until max_tokens
        assertThat(mostRepeatedFourWords(plain.text())).as(plain.text()).isGreaterThanOrEqualTo(3);
        assertThat(plain.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(mostRepeatedFourWords(penalised.text())).as(penalised.text()).isLessThanOrEqualTo(1);
        assertThat(penalised.finishReason()).as(penalised.text()).isEqualTo(FinishReason.STOP);
        assertThat(penalised.text()).contains("Paris");
    }

    @Test
    void presenceAndFrequencyPenaltiesChangeTheAnswer() {
        Generation off = answer(greedy(Penalties.OFF));
        Generation presence = answer(greedy(new Penalties(1.0, 2.0, 0.0)));
        Generation frequency = answer(greedy(new Penalties(1.0, 0.0, 2.0)));

        assertThat(presence.text()).isNotEqualTo(off.text());
        assertThat(frequency.text()).isNotEqualTo(off.text());
        assertThat(mostRepeatedFourWords(presence.text())).as(presence.text()).isLessThan(mostRepeatedFourWords(off.text()));
    }

    @Test
    void theSameSeedGivesTheSameAnswerAndAnotherSeedAnother() {
        Sampling hot = new Sampling(32, 1.2, 1.0, 0, 42L, List.of());

        Generation first = answer(hot);
        Generation again = answer(hot);
        Generation otherSeed = answer(new Sampling(32, 1.2, 1.0, 0, 43L, List.of()));

        assertThat(again.text()).isEqualTo(first.text()).isNotEmpty();
        assertThat(otherSeed.text()).isNotEqualTo(first.text());
    }

    @Test
    void aBannedTokenIsNeverGenerated() {
        assertThat(answer(greedy(Penalties.DEFAULT)).text()).contains("Paris");
        Map<Integer, Double> ban = new HashMap<>();
        for (String spelling : List.of("Paris", " Paris")) {
            int[] tokens = engine.tokenize(spelling);
            ban.put(tokens[0], -100.0); // its first piece: the word can no longer start
        }

        Generation banned = answer(greedy(Penalties.DEFAULT).withLogitBias(ban));

        assertThat(banned.text()).doesNotContain("Paris").isNotEmpty();
    }

    @Test
    void aBiasOnATokenOutsideTheVocabularyIsRefusedBeforeAnythingRuns() {
        int vocabulary = SMOLLM2_VOCABULARY;
        Sampling outside = greedy(Penalties.DEFAULT).withLogitBias(Map.of(5, 1.0, vocabulary, -100.0));

        assertThatThrownBy(() -> answer(outside)).isInstanceOfSatisfying(UnsupportedRequestException.class, e -> {
            assertThat(e.code()).isEqualTo("invalid_logit_bias");
            assertThat(e.getMessage()).contains("token " + vocabulary).contains("0-" + (vocabulary - 1));
        });
        assertThat(answer(greedy(Penalties.DEFAULT).withLogitBias(Map.of(vocabulary - 1, -100.0))).text())
                .as("the last id of the vocabulary is a token").isNotEmpty();
    }
}
