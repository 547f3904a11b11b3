package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import dev.parley.schemas.ChatMessage;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.disk.DiskTierConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The native engine's KV tiers on the real model, with one sequence so that every other conversation evicts the
 * one before: in place, from a snapshot, recomputed; and the snapshot store's byte budget.
 */
@ExtendWith(ParleyInfraExtension.class)
class NativeEngineTest {

    private static final Sampling GREEDY = Sampling.greedy(24);
    private static final String SYSTEM = "You are a concise assistant.";

    private static NativeEngine oneSequence(TestModels models, long snapshotBytes) {
        return NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(1).withContextPerSlot(1024).withSnapshotBytes(snapshotBytes));
    }

    private static Generation turn(NativeEngine engine, String conversation, List<Exchange> history, String message) {
        Transcript transcript = new Transcript(SYSTEM, history, List.of(ChatMessage.user(message)));
        return engine.generate(new GenerationRequest(conversation, transcript, GREEDY, null), TokenListener.NONE);
    }

    private static Exchange exchange(String message, Generation answer) {
        return new Exchange(List.of(ChatMessage.user(message), ChatMessage.assistant(answer.text())));
    }

    @Test
    void aRestoredConversationContinuesExactlyAsAnUninterruptedOne(TestModels models) {
        try (NativeEngine engine = oneSequence(models, 256L << 20)) {
            String first = "Name three colours of the rainbow.";
            String second = "Which of them is the warmest?";

            Generation a1 = turn(engine, "uninterrupted", List.of(), first);
            Generation a2 = turn(engine, "uninterrupted", List.of(exchange(first, a1)), second);

            Generation b1 = turn(engine, "restored", List.of(), first);
            turn(engine, "someone-else", List.of(), "What is the capital of France?"); // takes the only sequence
            Generation b2 = turn(engine, "restored", List.of(exchange(first, b1)), second);

            assertThat(a2.tier()).isEqualTo(KvTier.IN_PLACE);
            assertThat(b1.text()).isEqualTo(a1.text());
            assertThat(b2.tier()).as("%s", b2).isEqualTo(KvTier.SNAPSHOT);
            assertThat(b2.restoredTokens()).isEqualTo(b2.cachedTokens()).isEqualTo(a2.cachedTokens()).isPositive();
            assertThat(b2.text()).isEqualTo(a2.text()).isNotEmpty();
            assertThat(b2.completionTokens()).isEqualTo(a2.completionTokens());
            assertThat(engine.kvCacheStats().snapshotsRestored()).isEqualTo(1);
        }
    }

    @Test
    void aSnapshotIsNeverRestoredIntoAnotherConversation(TestModels models) {
        try (NativeEngine engine = oneSequence(models, 256L << 20)) {
            String message = "Say hello.";
            Generation owner = turn(engine, "owner", List.of(), message);
            // Same system prompt, same message: the owner's snapshot would fit token for token.
            Generation stranger = turn(engine, "stranger", List.of(), message);
            Generation back = turn(engine, "owner", List.of(exchange(message, owner)), "Again.");

            assertThat(stranger.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(stranger.cachedTokens()).isZero();
            assertThat(stranger.restoredTokens()).isZero();
            assertThat(back.tier()).isEqualTo(KvTier.SNAPSHOT);
            assertThat(back.restoredTokens()).isGreaterThan(owner.promptTokens() - 1);
        }
    }

    /**
     * Two conversations take turns on one sequence, each turn retried as a redelivered prompt would be, so every
     * snapshot has the size of the one restored just before it: from the second eviction on, each goes into the
     * buffer the previous restore gave back, and a conversation restored from such a buffer answers as before.
     */
    @Test
    void aSnapshotGoesIntoTheBufferOfOneRestoredBeforeAndRestoresExactly(TestModels models) {
        try (NativeEngine engine = oneSequence(models, 256L << 20)) {
            String message = "Name three colours of the rainbow.";
            Generation a = turn(engine, "a", List.of(), message);
            Generation b = turn(engine, "b", List.of(), message);            // evicts a: a new buffer
            Generation aAgain = turn(engine, "a", List.of(), message);       // evicts b: a new buffer; a's comes back
            Generation bAgain = turn(engine, "b", List.of(), message);       // evicts a into a's old buffer
            Generation aThird = turn(engine, "a", List.of(), message);       // restored from that reused buffer

            assertThat(List.of(aAgain, bAgain, aThird)).allSatisfy(g -> assertThat(g.tier()).isEqualTo(KvTier.SNAPSHOT));
            assertThat(List.of(b, aAgain, bAgain, aThird)).extracting(Generation::text).containsOnly(a.text());
            KvCacheStats stats = engine.kvCacheStats();
            assertThat(stats.snapshotsSaved()).isEqualTo(4);
            assertThat(stats.buffersReused()).as("snapshots into a buffer given back").isEqualTo(2);
        }
    }

    /**
     * The GPU's snapshot path on the CPU: snapshots carved out of slabs of a ggml buffer type (the CPU's own standing
     * in for the GPU's page-locked one, as in {@link PinnedMemoryTest}), at offsets inside a slab, restore exactly.
     */
    @Test
    void snapshotsCarvedOutOfSlabsRestoreExactly(TestModels models) {
        List<SlabMemory> slabs = new ArrayList<>();
        SnapshotMemoryChoice inSlabs = (ggml, placement, budget) -> {
            Pointer cpu = ggml.ggml_backend_dev_buffer_type(ggml.ggml_backend_dev_by_type(GgmlLib.DEVICE_CPU));
            slabs.add(new SlabMemory(PinnedMemory.ofBufferType(ggml, cpu, "CPU"), 8L << 20, budget));
            return slabs.get(0);
        };
        NativeEngineConfig config = NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(1).withContextPerSlot(1024).withSnapshotBytes(256L << 20);
        try (NativeEngine engine = EngineLoader.load(config, PrefixSharing.DEFAULT, DiskTierConfig.OFF,
                NativeLanes.DEFAULT, Clock.systemUTC(), inSlabs)) {
            String message = "Name three colours of the rainbow.";
            Generation a = turn(engine, "a", List.of(), message);
            Generation b = turn(engine, "b", List.of(), "Say something else entirely.");  // evicts a into a slab
            Generation c = turn(engine, "c", List.of(), message);                         // evicts b beside it
            Generation aAgain = turn(engine, "a", List.of(), message);                    // a restored from the slab
            Generation bAgain = turn(engine, "b", List.of(), "Say something else entirely.");

            assertThat(List.of(aAgain, bAgain)).allSatisfy(g -> assertThat(g.tier()).isEqualTo(KvTier.SNAPSHOT));
            assertThat(aAgain.text()).isEqualTo(a.text()).isEqualTo(c.text());
            assertThat(bAgain.text()).isEqualTo(b.text());
            assertThat(slabs.get(0).slabsAllocated()).isEqualTo(1);
            assertThat(slabs.get(0).carved()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void snapshotsStayWithinTheirByteBudgetAndTheLeastRecentlyUsedGoesFirst(TestModels models) {
        long budget;
        try (NativeEngine probe = oneSequence(models, 256L << 20)) {
            turn(probe, "probe-1", List.of(), "Hello there, how are you today?");
            turn(probe, "probe-2", List.of(), "Hi.");
            budget = probe.kvCacheStats().snapshotBytes() * 3; // room for about three first turns
        }
        try (NativeEngine engine = oneSequence(models, budget)) {
            List<Generation> firstTurns = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                firstTurns.add(turn(engine, "c" + i, List.of(), "Hello there, how are you today?"));
                KvCacheStats stats = engine.kvCacheStats();
                assertThat(stats.snapshotBytes()).isLessThanOrEqualTo(budget);
                assertThat(stats.budgetBytes()).isEqualTo(budget);
            }
            KvCacheStats stats = engine.kvCacheStats();
            assertThat(stats.snapshots()).isBetween(2, 3);
            assertThat(stats.snapshotsDropped()).isEqualTo(7 - stats.snapshots());

            // c7 holds the sequence; c6 was snapshotted last, c0 first (and dropped first).
            Generation recent = turn(engine, "c6", List.of(exchange("Hello there, how are you today?", firstTurns.get(6))), "Good.");
            Generation oldest = turn(engine, "c0", List.of(exchange("Hello there, how are you today?", firstTurns.get(0))), "Good.");
            assertThat(recent.tier()).isEqualTo(KvTier.SNAPSHOT);
            assertThat(oldest.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(engine.kvCacheStats().snapshotBytes()).isLessThanOrEqualTo(budget);
        }
    }

    @Test
    void aReturningConversationReusesItsSequenceInPlace(TestModels models) {
        try (NativeEngine engine = oneSequence(models, 0)) {
            Generation first = turn(engine, "solo", List.of(), "Count to three.");
            Generation second = turn(engine, "solo", List.of(exchange("Count to three.", first)), "And to four?");

            assertThat(first.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(second.tier()).isEqualTo(KvTier.IN_PLACE);
            assertThat(second.cachedTokens()).isGreaterThanOrEqualTo(first.promptTokens());
            assertThat(second.restoredTokens()).isZero();
            assertThat(engine.kvCacheStats().snapshotsSaved()).isZero();
            assertThat(engine.kvCacheStats().evictions()).isZero();
        }
    }

    @Test
    void aWaitingTurnLeavesAnotherConversationsSequenceAloneAndItsWaitCountsAsQueued(TestModels models)
            throws Exception {
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(2).withContextPerSlot(1024).withSnapshotBytes(256L << 20))) {
            assertThat(engine.turnsInFlight()).isEqualTo(4);
            String question = "Name three colours of the rainbow.";
            Generation x1 = turn(engine, "x", List.of(), question); // x now holds an idle sequence

            // w generates on the other sequence; at its first text it holds the engine thread until z, then x's
            // next turn, are handed in, so both wait at the same admission with z first in line.
            ExecutorService callers = Executors.newFixedThreadPool(2);
            long[] zSeen = new long[1];
            AtomicReference<Future<Generation>> zTurn = new AtomicReference<>();
            AtomicReference<Future<Generation>> xTurn = new AtomicReference<>();
            TokenListener holdUntilBothWait = new TokenListener() {
                boolean held;

                @Override
                public void onText(String delta) {
                    if (held) {
                        return;
                    }
                    held = true;
                    zTurn.set(callers.submit(() -> turn(engine, "z", List.of(), "What is the capital of France?")));
                    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> engine.submittedJobs() == 1);
                    zSeen[0] = System.nanoTime();
                    xTurn.set(callers.submit(() -> turn(engine, "x", List.of(exchange(question, x1)), "Which is the warmest?")));
                    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> engine.submittedJobs() == 2);
                }
            };
            long wCalled = System.nanoTime();
            Generation w = engine.generate(new GenerationRequest("w", new Transcript(SYSTEM, List.of(),
                    List.of(ChatMessage.user("Tell me about the sea in two sentences."))), GREEDY, null), holdUntilBothWait);
            Generation z = zTurn.get().get(2, TimeUnit.MINUTES);
            Generation x2 = xTurn.get().get(2, TimeUnit.MINUTES);
            callers.shutdown();

            // x's own idle sequence was left to x: continued in place, never snapshotted and restored elsewhere
            assertThat(x2.tier()).as("%s", x2).isEqualTo(KvTier.IN_PLACE);
            assertThat(x2.cachedTokens()).isGreaterThanOrEqualTo(x1.promptTokens());
            assertThat(z.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(w.completionTokens()).isPositive();
            // z waited for w's sequence: from before it was seen handed in until at least w's end, reported as queued
            assertThat(z.queuedNanos()).isGreaterThanOrEqualTo(wCalled + w.totalNanos() - zSeen[0]).isPositive();
            assertThat(z.startedToFirstTokenNanos()).isEqualTo(z.firstTokenNanos() - z.queuedNanos());
        }
    }
}
