package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A step's text and outcomes reach the turns during the next step, while the device computes it ({@link HandOver}).
 * On the real model: every turn's text arrives once, in order, all of it before its outcome, with and without stop
 * strings; a listener that throws fails its own turn only, and its conversation goes on afterwards.
 */
@ExtendWith(ParleyInfraExtension.class)
class HandOverTest {

    private static final int TOKENS = 24;

    private static NativeEngine engine(TestModels models, int slots) {
        return NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(slots).withContextPerSlot(512).withIgnoreEndOfGeneration(true));
    }

    private static GenerationRequest request(String conversation, String message, List<String> stops) {
        Sampling sampling = new Sampling(TOKENS, 0.0, null, null, 0L, stops, null, null, Sampling.Penalties.OFF,
                Map.of());
        return new GenerationRequest(conversation, new Transcript(null, List.of(),
                List.of(ChatMessage.user(message))), sampling, null);
    }

    /** Records the text streamed to a turn, and whether any came after the turn's outcome. */
    private static final class Recording implements TokenListener {
        final StringBuilder text = new StringBuilder();
        final AtomicBoolean answered = new AtomicBoolean();
        final AtomicBoolean afterOutcome = new AtomicBoolean();

        @Override
        public synchronized void onText(String delta) {
            assertThat(delta).as("no empty delta is handed over").isNotEmpty();
            if (answered.get()) {
                afterOutcome.set(true);
            }
            text.append(delta);
        }
    }

    @Test
    void everyTurnsTextArrivesOnceInOrderAndBeforeItsOutcome(TestModels models) throws Exception {
        int conversations = 4;
        ExecutorService threads = Executors.newFixedThreadPool(conversations);
        try (NativeEngine engine = engine(models, conversations)) {
            List<Recording> recordings = new ArrayList<>();
            List<Future<Generation>> answers = new ArrayList<>();
            for (int c = 0; c < conversations; c++) {
                Recording recording = new Recording();
                recordings.add(recording);
                // half of the turns stop at the first "e": their text is taken apart on the step, not in the hand-over
                List<String> stops = c % 2 == 0 ? List.of() : List.of("e");
                GenerationRequest request = request("handover-" + c, "Tell me a story about the number " + c, stops);
                answers.add(threads.submit(() -> {
                    Generation answer = engine.generate(request, recording);
                    recording.answered.set(true);
                    return answer;
                }));
            }
            for (int c = 0; c < conversations; c++) {
                Generation answer = answers.get(c).get();
                Recording recording = recordings.get(c);
                synchronized (recording) {
                    assertThat(recording.text.toString()).as("conversation %d", c).isEqualTo(answer.text());
                }
                assertThat(recording.afterOutcome).as("text after the outcome, conversation %d", c).isFalse();
                if (c % 2 == 1) {
                    assertThat(answer.text()).doesNotContain("e");
                    assertThat(answer.finishReason()).isEqualTo(FinishReason.STOP);
                } else {
                    assertThat(answer.completionTokens()).isPositive();
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aListenerThatThrowsFailsItsOwnTurnAndItsConversationGoesOn(TestModels models) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (NativeEngine engine = engine(models, 2)) {
            AtomicInteger deltas = new AtomicInteger();
            TokenListener failing = delta -> {
                if (deltas.incrementAndGet() == 3) {
                    throw new IllegalStateException("the client went away");
                }
            };
            Future<Generation> other = threads.submit(() -> engine.generate(
                    request("bystander", "Count to twenty.", List.of()), TokenListener.NONE));
            assertThatThrownBy(() -> engine.generate(request("thrower", "Count to twenty.", List.of()), failing))
                    .isInstanceOf(EngineException.class).hasMessageContaining("the client went away");
            assertThat(deltas).as("nothing reaches a listener after it threw").hasValue(3);
            assertThat(other.get().completionTokens()).isEqualTo(TOKENS);
            Generation next = engine.generate(request("thrower", "Count to ten.", List.of()), TokenListener.NONE);
            assertThat(next.completionTokens()).isPositive();
            assertThat(engine.busySlots()).isZero();
        } finally {
            threads.shutdownNow();
        }
    }
}
