package dev.parley.bench.prefix;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.cpp.StepProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * New conversations that all begin with the same system prompt, each sending one first turn with its own question:
 * {@code callers} threads take the next conversation as soon as their previous one is answered, as a worker's turn
 * threads would with that many slots.
 */
final class SharedPrefixWorkload {

    private final String system;
    private final int conversations;
    private final int callers;
    private final int tokens;
    private final int questionChars;

    SharedPrefixWorkload(String system, int conversations, int callers, int tokens, int questionChars) {
        this.system = system;
        this.conversations = conversations;
        this.callers = callers;
        this.tokens = tokens;
        this.questionChars = questionChars;
    }

    /** Every conversation's first-turn generation, in conversation order. */
    List<Generation> run(InferenceEngine engine, String label) throws Exception {
        StepProfile.Totals none = StepProfile.Totals.NONE;
        return run(engine, () -> none, label).stream().map(FirstTurn::generation).toList();
    }

    /**
     * Every conversation's first turn, in conversation order, with the engine's work from its request to its first
     * text: {@code profile} is read when the request is made and when its first text arrives (the engine hands a
     * step's text over while it computes the next, so that reading counts the step that made it, not the next).
     */
    List<FirstTurn> run(InferenceEngine engine, Supplier<StepProfile.Totals> profile, String label) throws Exception {
        FirstTurn[] results = new FirstTurn[conversations];
        AtomicInteger next = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                done.add(threads.submit(() -> {
                    for (int i = next.getAndIncrement(); i < conversations; i = next.getAndIncrement()) {
                        Transcript transcript = new Transcript(system, List.of(),
                                List.of(ChatMessage.user(question(i))));
                        StepProfile.Totals before = profile.get();
                        StepProfile.Totals[] atFirstText = new StepProfile.Totals[1];
                        TokenListener firstText = delta -> {
                            if (atFirstText[0] == null && !delta.isEmpty()) {
                                atFirstText[0] = profile.get();
                            }
                        };
                        Generation generation = engine.generate(new GenerationRequest(label + "-" + i, transcript,
                                Sampling.greedy(tokens), null), firstText);
                        StepProfile.Totals until = atFirstText[0] != null ? atFirstText[0] : profile.get();
                        results[i] = new FirstTurn(generation, until.since(before));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }
        return List.of(results);
    }

    /**
     * One first turn and the engine's steps from its request to its first text: how many {@code llama_decode} calls
     * it waited through and how many tokens (its own and other turns') they computed.
     */
    record FirstTurn(Generation generation, StepProfile.Totals untilFirstText) {
    }

    /** Distinct text per conversation, so that conversations share the system prompt and nothing after it. */
    private String question(int conversation) {
        StringBuilder text = new StringBuilder("Question " + conversation + ": ");
        long x = 0x9E3779B97F4A7C15L * (conversation + 1);
        while (text.length() < questionChars) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            text.append((char) ('a' + Math.floorMod(x, 26)));
            if (Math.floorMod(x >>> 8, 6) == 0) {
                text.append(' ');
            }
        }
        return text.toString();
    }

    /**
     * A system prompt of about {@code tokens} tokens: service instructions, numbered so no sentence repeats (a
     * repeated sentence would not change what is measured, but reads as a real prompt would).
     */
    static String systemPrompt(int tokens, java.util.function.ToIntFunction<String> count) {
        String[] sentences = {
            "You are the assistant of an online bookshop and answer customers' questions about their orders.",
            "Be brief and friendly, and never promise a delivery date that the order system does not show.",
            "Refunds are possible within thirty days of delivery for books in their original condition.",
            "Gift cards cannot be exchanged for cash and expire three years after they were bought.",
            "If a customer asks about a missing parcel, ask for the order number and the delivery address.",
            "Do not discuss other customers' orders, and never reveal payment details of any kind.",
        };
        StringBuilder text = new StringBuilder();
        for (int i = 0; count.applyAsInt(text.toString()) < tokens; i++) {
            text.append("Rule ").append(i + 1).append(": ").append(sentences[i % sentences.length]).append(' ');
        }
        return text.toString().strip();
    }
}
