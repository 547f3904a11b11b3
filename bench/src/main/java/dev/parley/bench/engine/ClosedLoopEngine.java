package dev.parley.bench.engine;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * N conversations on their own threads, each sending its next turn once the previous answer is complete, as the
 * worker's turn threads would; every answer is exactly {@code tokens} long.
 */
final class ClosedLoopEngine {

    private final InferenceEngine engine;
    private final int conversations;
    private final int turns;
    private final int tokens;
    private final int promptChars;
    private final String label;
    /** 0 for greedy; else sampled at this temperature with {@link #topP}, seeded per conversation and turn. */
    private double temperature;
    private double topP = 1.0;
    private Sampling.Penalties penalties = Sampling.Penalties.OFF;
    private Map<Integer, Double> logitBias = Map.of();
    /** Alternatives of the log probabilities asked for every token, or {@code null}: none. */
    private Integer logprobs;

    ClosedLoopEngine(InferenceEngine engine, int conversations, int turns, int tokens, int promptChars, String label) {
        this.engine = engine;
        this.conversations = conversations;
        this.turns = turns;
        this.tokens = tokens;
        this.promptChars = promptChars;
        this.label = label;
    }

    /** Samples at {@code temperature} and top-p {@code topP} instead of greedy (temperature 0 keeps greedy). */
    ClosedLoopEngine sampled(double temperature, double topP) {
        this.temperature = temperature;
        this.topP = topP;
        return this;
    }

    /** Applies {@code penalties} and {@code logitBias} to every answer (the default: none). */
    ClosedLoopEngine shaped(Sampling.Penalties penalties, Map<Integer, Double> logitBias) {
        this.penalties = penalties;
        this.logitBias = logitBias;
        return this;
    }

    /** Asks for log probabilities with {@code top} alternatives of every token ({@code null}: none, the default). */
    ClosedLoopEngine withLogprobs(Integer top) {
        this.logprobs = top;
        return this;
    }

    EngineRun run() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(conversations);
        try {
            long start = System.nanoTime();
            long evictionsBefore = engine.kvCacheStats().evictions();
            List<Future<List<Generation>>> results = new ArrayList<>();
            for (int c = 0; c < conversations; c++) {
                int conversation = c;
                results.add(threads.submit(() -> conversation(conversation)));
            }
            List<Generation> generations = new ArrayList<>();
            for (Future<List<Generation>> result : results) {
                generations.addAll(result.get());
            }
            return new EngineRun(conversations, generations, System.nanoTime() - start,
                    engine.kvCacheStats().evictions() - evictionsBefore);
        } finally {
            threads.shutdownNow();
        }
    }

    private List<Generation> conversation(int conversation) {
        List<Exchange> history = new ArrayList<>();
        List<Generation> generations = new ArrayList<>();
        String id = label + "-" + conversation;
        for (int t = 0; t < turns; t++) {
            ChatMessage question = ChatMessage.user(question(conversation, t, promptChars));
            Generation generation = engine.generate(new GenerationRequest(id,
                    new Transcript(null, history, List.of(question)), sampling(conversation, t), null),
                    TokenListener.NONE);
            generations.add(generation);
            history.add(new Exchange(List.of(question, ChatMessage.assistant(generation.text()))));
        }
        return generations;
    }

    private Sampling sampling(int conversation, int turn) {
        Sampling sampling = temperature <= 0 ? Sampling.greedy(tokens)
                : new Sampling(tokens, temperature, topP, null, conversation * 1000L + turn, List.of());
        return sampling.withPenalties(penalties).withLogitBias(logitBias).withLogprobs(logprobs);
    }

    /** Distinct text per conversation and turn, so no two prompts share more than the template. */
    static String question(int conversation, int turn, int promptChars) {
        StringBuilder text = new StringBuilder(promptChars);
        long x = 0x9E3779B97F4A7C15L * (conversation * 1000L + turn + 1);
        while (text.length() < promptChars) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            text.append((char) ('a' + Math.floorMod(x, 26)));
            if (Math.floorMod(x >>> 8, 6) == 0) {
                text.append(' ');
            }
        }
        return text.substring(0, promptChars);
    }
}
