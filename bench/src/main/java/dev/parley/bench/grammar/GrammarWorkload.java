package dev.parley.bench.grammar;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.schemas.format.UnsupportedSchemaException;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * N conversations on their own threads, each asking its requests one after another, each request a fresh
 * conversation (so every mode computes the same prompts); seeds depend on the request only, not on the mode.
 */
final class GrammarWorkload {

    private static final String[] SUBJECTS = {"a chef", "a pilot", "a gardener", "a painter", "a sailor", "a nurse",
            "a farmer", "a teacher"};

    private final InferenceEngine engine;
    private final int conversations;
    private final int requests;
    private final int maxTokens;
    private final double temperature;

    GrammarWorkload(InferenceEngine engine, int conversations, int requests, int maxTokens, double temperature) {
        this.engine = engine;
        this.conversations = conversations;
        this.requests = requests;
        this.maxTokens = maxTokens;
        this.temperature = temperature;
    }

    GrammarRun run(Mode mode, int round) throws Exception {
        String grammar;
        try {
            grammar = JsonSchemaGrammar.forFormat(mode.format, "$");
        } catch (UnsupportedSchemaException e) {
            throw new IllegalStateException(e);
        }
        OutputValidator validator = OutputValidator.of(mode.format);
        ExecutorService threads = Executors.newFixedThreadPool(conversations);
        try {
            long start = System.nanoTime();
            List<Future<List<Generation>>> results = new ArrayList<>();
            for (int c = 0; c < conversations; c++) {
                int conversation = c;
                results.add(threads.submit(() -> conversation(conversation, mode, round, grammar)));
            }
            List<Generation> generations = new ArrayList<>();
            for (Future<List<Generation>> result : results) {
                generations.addAll(result.get());
            }
            long wall = System.nanoTime() - start;
            int valid = (int) generations.stream().filter(g -> validator.problem(g.text()).isEmpty()).count();
            return new GrammarRun(mode, round, generations, valid, wall);
        } finally {
            threads.shutdownNow();
        }
    }

    private List<Generation> conversation(int conversation, Mode mode, int round, String grammar) {
        List<Generation> generations = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            int n = conversation * requests + r;
            String question = "Describe " + SUBJECTS[n % SUBJECTS.length] + " as JSON with a name, an age and "
                    + "hobbies.";
            Sampling sampling = new Sampling(maxTokens, temperature, null, null, (long) n, List.of(), grammar);
            String id = "grammar-" + mode.label() + "-" + round + "-" + n;
            generations.add(engine.generate(new GenerationRequest(id, new Transcript(null, List.of(),
                    List.of(ChatMessage.user(question))), sampling, null), TokenListener.NONE));
        }
        return generations;
    }
}
