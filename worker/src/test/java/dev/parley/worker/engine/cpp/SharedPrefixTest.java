package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.PrefixCacheStats;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.disk.DiskTierConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shared prompt prefixes on the real model: conversations with the same system prompt get its KV copied in, exactly
 * its tokens and nothing more; greedy answers are the same as without sharing; the prefixes stay within their budget.
 */
@ExtendWith(ParleyInfraExtension.class)
class SharedPrefixTest {

    private static final Sampling GREEDY = Sampling.greedy(24);
    /** Well above the default minimum of 64 tokens. */
    private static final String SYSTEM = "You are the support assistant of Parley, a worker pool that answers chat "
            + "prompts sent over Kafka. Answer in one or two short sentences, in plain English, without lists. If a "
            + "question is about billing, say that billing questions go to the accounts team. If a question is about "
            + "an outage, ask for the time it started and the conversation id. Never invent features; say you do not "
            + "know instead.";

    private static NativeEngine engine(TestModels models, PrefixSharing sharing) {
        return NativeEngine.load(NativeEngineConfig.forModel(models.real(), EngineExtension.libraries())
                .withSlots(2).withContextPerSlot(1024).withSnapshotBytes(256L << 20), sharing,
                DiskTierConfig.OFF, NativeLanes.DEFAULT);
    }

    private static Transcript transcript(String system, List<Exchange> history, String message) {
        return new Transcript(system, history, List.of(ChatMessage.user(message)));
    }

    private static Generation turn(NativeEngine engine, String conversation, String system, String message) {
        return engine.generate(new GenerationRequest(conversation, transcript(system, List.of(), message), GREEDY,
                null), TokenListener.NONE);
    }

    @Test
    void conversationsWithTheSameSystemPromptShareItsPrefixAndNothingMore(TestModels models) {
        try (NativeEngine engine = engine(models, PrefixSharing.DEFAULT)) {
            String message = "How do I see my bill?";
            Generation first = turn(engine, "first", SYSTEM, message);
            // Same system prompt and the same message: all but the last token would match, only the prefix is shared.
            Generation second = turn(engine, "second", SYSTEM, message);
            Generation other = turn(engine, "other", SYSTEM, "Is the service down?");

            // What conversations with this system prompt have in common: template, system prompt, the user's header.
            int[] a = engine.tokenizeTranscript(transcript(SYSTEM, List.of(), message));
            int[] b = engine.tokenizeTranscript(transcript(SYSTEM, List.of(), "Is the service down?"));
            int shared = TokenList.commonPrefix(a, a.length, b);
            assertThat(shared).isGreaterThan(engine.tokenize(SYSTEM).length).isLessThan(a.length - 1);

            assertThat(first.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(first.prefixTokens()).isZero();
            assertThat(first.cachedTokens()).isZero();
            for (Generation g : List.of(second, other)) {
                assertThat(g.tier()).as("%s", g).isEqualTo(KvTier.PREFIX);
                assertThat(g.prefixTokens()).isEqualTo(g.cachedTokens()).isEqualTo(shared);
                assertThat(g.restoredTokens()).isZero();
                assertThat(g.computedTokens()).isEqualTo(g.promptTokens() - shared);
            }
            PrefixCacheStats stats = engine.prefixCacheStats();
            assertThat(stats.hits()).isEqualTo(2);
            assertThat(stats.misses()).isEqualTo(1);
            assertThat(stats.prefixes()).isEqualTo(1);
            assertThat(stats.bytes()).isPositive().isLessThanOrEqualTo(stats.budgetBytes());
        }
    }

    @Test
    void conversationsStartingTogetherComputeTheirSharedPrefixOnce(TestModels models) throws Exception {
        try (NativeEngine engine = engine(models, PrefixSharing.DEFAULT)) {
            var together = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var first = together.submit(() -> turn(engine, "together-1", SYSTEM, "Hello."));
                var second = together.submit(() -> turn(engine, "together-2", SYSTEM, "Hi there."));
                List<Generation> both = List.of(first.get(), second.get());

                // Whichever started first computed and kept the prefix; the other waited for it and copied it.
                assertThat(both).extracting(Generation::tier).containsExactlyInAnyOrder(KvTier.PREFILL, KvTier.PREFIX);
                assertThat(engine.prefixCacheStats().misses()).isEqualTo(1);
                assertThat(engine.prefixCacheStats().hits()).isEqualTo(1);
            } finally {
                together.shutdownNow();
            }
        }
    }

    /**
     * The work behind first turns that start together, counted where it happens: every token the engine gave
     * {@code llama_decode} ({@link StepProfile}) is the shared prefix once, each turn's own prompt tokens, and each
     * answer token fed back. Nothing is computed twice, however the four arrive: in the same admission pass, while
     * the first computes the prefix (they wait for it), or after it was kept (they copy it). Prompt chunks of 16
     * tokens make the prefix take several steps, as a system prompt of a thousand tokens does with the default chunk,
     * so the others come while it is being computed.
     */
    @Test
    void fourFirstTurnsStartingTogetherDecodeThePrefixOnceAndEachOnlyItsOwnTokens(TestModels models)
            throws Exception {
        List<String> messages = List.of("Hello.", "Is the service down?", "How do I see my bill?",
                "Can Parley translate text?");
        int answerTokens = 4;
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                        EngineExtension.libraries()).withSlots(messages.size()).withContextPerSlot(1024)
                        .withPrefillChunk(16).withIgnoreEndOfGeneration(true), PrefixSharing.DEFAULT, DiskTierConfig.OFF,
                NativeLanes.DEFAULT)) {
            StepProfile.Totals before = engine.stepProfile();
            var together = java.util.concurrent.Executors.newFixedThreadPool(messages.size());
            var go = new java.util.concurrent.CountDownLatch(1);
            List<Generation> turns;
            try {
                List<java.util.concurrent.Future<Generation>> futures = new java.util.ArrayList<>();
                for (int i = 0; i < messages.size(); i++) {
                    String message = messages.get(i);
                    String conversation = "together-" + i;
                    futures.add(together.submit(() -> {
                        go.await();
                        return engine.generate(new GenerationRequest(conversation, transcript(SYSTEM, List.of(),
                                message), Sampling.greedy(answerTokens), null), TokenListener.NONE);
                    }));
                }
                go.countDown();
                turns = new java.util.ArrayList<>();
                for (var future : futures) {
                    turns.add(future.get());
                }
            } finally {
                together.shutdownNow();
            }
            StepProfile.Totals work = engine.stepProfile().since(before);

            Transcript first = transcript(SYSTEM, List.of(), messages.get(0));
            int shared = PrefixBoundary.of(first, engine.tokenizeTranscript(first), engine::tokenizeTranscript,
                    PrefixSharing.DEFAULT_MIN_TOKENS);
            assertThat(shared).isGreaterThan(engine.tokenize(SYSTEM).length);
            int own = turns.stream().mapToInt(g -> g.promptTokens() - shared).sum();
            int fedBack = turns.stream().mapToInt(g -> g.completionTokens() - 1).sum();
            assertThat(turns).allSatisfy(g -> assertThat(g.completionTokens()).isEqualTo(answerTokens));
            assertThat(work.tokens()).as("tokens given to llama_decode").isEqualTo(shared + own + fedBack);
            assertThat(turns.stream().mapToInt(Generation::computedTokens).sum()).isEqualTo(shared + own);
            assertThat(turns).extracting(Generation::tier).containsOnlyOnce(KvTier.PREFILL);
            PrefixCacheStats stats = engine.prefixCacheStats();
            assertThat(stats.misses()).as("prefixes computed").isEqualTo(1);
            assertThat(stats.hits()).as("prefixes copied in").isEqualTo(messages.size() - 1);
            assertThat(stats.prefixes()).isEqualTo(1);
        }
    }

    @Test
    void aPromptThatDiffersFromTheSharedPrefixAnywhereGetsNone(TestModels models) {
        try (NativeEngine engine = engine(models, PrefixSharing.DEFAULT)) {
            turn(engine, "owner", SYSTEM, "Hello.");
            // Differs right after the template's first tokens (the system prompt's first word) ...
            Generation differentStart = turn(engine, "start", "Xou" + SYSTEM.substring(3), "Hello.");
            // ... or only in its last word: it shares all but the end of the owner's prefix, and still gets none.
            Generation differentEnd = turn(engine, "end", SYSTEM.replace("instead.", "then."), "Hello.");
            Generation noSystem = turn(engine, "none", null, "Hello.");

            for (Generation g : List.of(differentStart, differentEnd, noSystem)) {
                assertThat(g.prefixTokens()).as("%s", g).isZero();
                assertThat(g.cachedTokens()).isZero();
                assertThat(g.tier()).isEqualTo(KvTier.PREFILL);
            }
            assertThat(engine.prefixCacheStats().hits()).isZero();
            assertThat(engine.prefixCacheStats().prefixes()).as("each system prompt keeps its own").isEqualTo(3);
        }
    }

    @Test
    void greedyAnswersWithSharingAreTokenIdenticalToAnswersWithout(TestModels models) {
        List<String> messages = List.of("How do I see my bill?", "The service is down since noon.",
                "Can Parley translate text?");
        List<Generation> without;
        try (NativeEngine engine = engine(models, PrefixSharing.OFF)) {
            without = messages.stream().map(m -> turn(engine, "off-" + m.length(), SYSTEM, m)).toList();
            assertThat(engine.prefixCacheStats().misses()).isZero();
        }
        try (NativeEngine engine = engine(models, PrefixSharing.DEFAULT)) {
            List<Generation> with = messages.stream().map(m -> turn(engine, "on-" + m.length(), SYSTEM, m)).toList();
            assertThat(with.get(1).prefixTokens()).isPositive();
            assertThat(with.get(2).prefixTokens()).isPositive();
            for (int i = 0; i < messages.size(); i++) {
                assertThat(with.get(i).text()).as(messages.get(i)).isEqualTo(without.get(i).text()).isNotEmpty();
                assertThat(with.get(i).completionTokens()).isEqualTo(without.get(i).completionTokens());
            }
            // And the next turn of a conversation that started from the shared prefix goes on in place as usual.
            String message = messages.get(1);
            Exchange earlier = new Exchange(List.of(ChatMessage.user(message), ChatMessage.assistant(with.get(1).text())));
            Generation next = engine.generate(new GenerationRequest("on-" + message.length(),
                    transcript(SYSTEM, List.of(earlier), "When will it be back?"), GREEDY, null), TokenListener.NONE);
            assertThat(next.tier()).isEqualTo(KvTier.IN_PLACE);
            assertThat(next.prefixTokens()).isZero();
        }
    }

    @Test
    void prefixesStayWithinTheirBudgetAndTheLeastRecentlyUsedGoesFirst(TestModels models) {
        long size;
        try (NativeEngine probe = engine(models, PrefixSharing.DEFAULT)) {
            turn(probe, "probe", service(0), "Hello.");
            size = probe.prefixCacheStats().bytes();
        }
        assertThat(size).isPositive();
        long budget = size * 2 + size / 2; // room for two prefixes of this length
        try (NativeEngine engine = engine(models, new PrefixSharing(budget, PrefixSharing.DEFAULT_MIN_TOKENS))) {
            for (int i = 0; i < 4; i++) {
                turn(engine, "c" + i, service(i), "Hello.");
                PrefixCacheStats stats = engine.prefixCacheStats();
                assertThat(stats.bytes()).isLessThanOrEqualTo(budget);
                assertThat(stats.budgetBytes()).isEqualTo(budget);
            }
            PrefixCacheStats stats = engine.prefixCacheStats();
            assertThat(stats.prefixes()).isEqualTo(2);
            assertThat(stats.evictions()).isEqualTo(2);

            // Services 2 and 3 are held, 0 and 1 were dropped (0 first).
            assertThat(turn(engine, "d3", service(3), "Hi.").tier()).isEqualTo(KvTier.PREFIX);
            assertThat(turn(engine, "d0", service(0), "Hi.").tier()).isEqualTo(KvTier.PREFILL); // kept, drops 2
            assertThat(turn(engine, "d2", service(2), "Hi.").tier()).isEqualTo(KvTier.PREFILL);
            assertThat(engine.prefixCacheStats().bytes()).isLessThanOrEqualTo(budget);
            assertThat(engine.prefixCacheStats().evictions()).isEqualTo(4);
        }
        try (NativeEngine engine = engine(models, new PrefixSharing(size / 2, PrefixSharing.DEFAULT_MIN_TOKENS))) {
            turn(engine, "big-1", service(0), "Hello.");
            Generation second = turn(engine, "big-2", service(0), "Hello.");
            assertThat(second.prefixTokens()).as("a prefix larger than the budget is never kept").isZero();
            assertThat(engine.prefixCacheStats().bytes()).isZero();
            assertThat(engine.prefixCacheStats().evictions()).isEqualTo(2);
        }
    }

    /** System prompts of the same length that differ in one digit. */
    private static String service(int i) {
        return SYSTEM.replace("Parley,", "Parley " + i + ",");
    }
}
