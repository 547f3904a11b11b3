package dev.parley.bench;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The baselines: java-llama.cpp used directly, the way a service would without Parley. Public API only (no slot
 * pinning), the model's chat template, the history kept in memory, {@code threads} callers at once.
 */
final class RawLlamaRunner {

    private final Path model;
    private final int decodeThreads;
    private final int contextPerSlot;

    RawLlamaRunner(Path model, int decodeThreads, int contextPerSlot) {
        this.model = model;
        this.decodeThreads = decodeThreads;
        this.contextPerSlot = contextPerSlot;
    }

    ModeResult run(String mode, String description, Workload workload, int slots) throws Exception {
        LlamaModel llama = new LlamaModel(new ModelParameters().setModel(model.toString()).setParallel(slots)
                .setCtxSize(slots * contextPerSlot).setThreads(decodeThreads).setThreadsBatch(decodeThreads)
                .disableLog());
        ExecutorService callers = Executors.newFixedThreadPool(slots);
        List<Future<List<TurnSample>>> results = new ArrayList<>();
        long started = System.nanoTime();
        for (int caller = 0; caller < slots; caller++) {
            int first = caller;
            results.add(callers.submit(() -> {
                List<Integer> mine = new ArrayList<>();
                for (int c = first; c < workload.conversations(); c += slots) {
                    mine.add(c);
                }
                return converse(llama, mode, workload, mine);
            }));
        }
        List<TurnSample> samples = new ArrayList<>();
        for (Future<List<TurnSample>> result : results) {
            samples.addAll(result.get());
        }
        double wall = (System.nanoTime() - started) / 1e9;
        callers.shutdown();
        return new ModeResult(mode, description, samples, wall);
    }

    /** Each caller talks to its conversations one after another, every turn of one before the next. */
    private static List<TurnSample> converse(LlamaModel llama, String mode, Workload workload, List<Integer> conversations) {
        List<TurnSample> samples = new ArrayList<>();
        for (int conversation : conversations) {
            List<Pair<String, String>> history = new ArrayList<>();
            for (int turn = 0; turn < workload.turns(); turn++) {
                history.add(new Pair<>("user", workload.question(conversation, turn)));
                String prompt = llama.applyTemplate(new InferenceParameters("").setMessages(Workload.SYSTEM, history));
                int promptTokens = llama.encode(prompt).length;
                long start = System.nanoTime();
                double firstToken = -1;
                int tokens = 0;
                StringBuilder answer = new StringBuilder();
                LlamaIterator outputs = (LlamaIterator) llama.generate(new InferenceParameters(prompt)
                        .setNPredict(workload.maxTokens()).setTemperature(0f)).iterator();
                while (outputs.hasNext()) {
                    LlamaOutput output = outputs.next();
                    if (!outputs.hasNext()) {
                        break; // the final output carries no token
                    }
                    if (firstToken < 0) {
                        firstToken = (System.nanoTime() - start) / 1e6;
                    }
                    tokens++;
                    answer.append(output.text);
                }
                double total = (System.nanoTime() - start) / 1e6;
                history.add(new Pair<>("assistant", answer.toString()));
                samples.add(new TurnSample(mode, conversation, turn, promptTokens, -1, tokens, firstToken, total));
            }
        }
        return samples;
    }
}
