package dev.parley.bench.warm;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The warm workload on an engine in this process (no Kafka, no Redis, no worker process), then on a fresh
 * llama-server with the same model, slots, context and KV type: for machines where the broker cannot run (a GPU host
 * lent without Java services) or to see the engine's share apart from Kafka's. Parley's side is then the engine only;
 * {@code parley bench engine --through-kafka} measures what Kafka adds.
 */
public final class InProcessWarm {

    /** The engine's name in the report: its tiers are known, as a worker's are (see {@link WarmResult}). */
    static final String ENGINE = "native (in-process)";

    private final Path model;
    private final WarmWorkload workload;
    private final int slots;
    private final int contextPerSlot;
    private final Path out;
    private final PrintStream console;

    /** @param model the GGUF file the engine loaded, which llama-server then loads */
    public InProcessWarm(Path model, int conversations, int turns, int maxTokens, int slots, int contextPerSlot,
                         Path out, PrintStream console) {
        this.model = model;
        this.workload = new WarmWorkload(conversations, turns, maxTokens);
        this.slots = slots;
        this.contextPerSlot = contextPerSlot;
        this.out = out;
        this.console = console;
    }

    /**
     * Runs the engine's side, then llama-server's when {@code llamaServer} is given, and writes warm-report.md.
     *
     * @param ignoreEos whether the engine generates max_tokens regardless of end of generation (random-weight
     *                  models): llama-server is then asked to do the same ({@code ignore_eos})
     */
    public void run(InferenceEngine engine, int threads, String kvType, long cacheRamMiB, boolean ignoreEos,
                    Path llamaServer, List<String> llamaServerArgs) throws IOException, InterruptedException {
        Files.createDirectories(out);
        List<WarmResult> results = new ArrayList<>();
        console.println("  in-process native engine...");
        results.add(engineRun(engine, threads));
        if (llamaServer != null) {
            console.println("  llama-server...");
            results.add(new LlamaServerRunner(llamaServer, model, workload, slots, contextPerSlot, kvType,
                    cacheRamMiB, llamaServerArgs, out, console).ignoreEos(ignoreEos).run(threads));
        }
        String setting = String.format(Locale.ROOT, "In-process engine against llama-server. %d cores. Model `%s`. "
                        + "%d conversations x %d turns (answers of %d tokens, greedy), %d slots of %d tokens, KV %s, "
                        + "snapshot budget (llama-server: --cache-ram) %d MiB.",
                Runtime.getRuntime().availableProcessors(), model.getFileName(), workload.conversations(),
                workload.turns(), workload.maxTokens(), slots, contextPerSlot, kvType, cacheRamMiB);
        new WarmReport(out, setting).write(results, slots, console);
    }

    private WarmResult engineRun(InferenceEngine engine, int threads) throws InterruptedException {
        SnapshotTimes times = new SnapshotTimes();
        engine.addKvCacheListener(times);
        KvCacheStats before = engine.kvCacheStats();
        long pid = ProcessHandle.current().pid();
        long loadedRss = ProcStats.rssBytes(pid);
        ExecutorService conversations = Executors.newFixedThreadPool(workload.conversations());
        String run = "in-process-" + System.currentTimeMillis(); // a later run in this process starts cold too
        long started = System.nanoTime();
        try {
            List<Future<List<WarmSample>>> chains = new ArrayList<>();
            for (int c = 0; c < workload.conversations(); c++) {
                int conversation = c;
                chains.add(conversations.submit(() -> conversation(engine, run, conversation)));
            }
            List<WarmSample> samples = new ArrayList<>();
            for (Future<List<WarmSample>> chain : chains) {
                samples.addAll(chain.get());
            }
            double wall = (System.nanoTime() - started) / 1e9;
            KvCacheStats after = engine.kvCacheStats();
            // the names of the worker's meters, which the report reads
            Map<String, Double> metrics = Map.of(
                    "parley_kv_evictions_total", (double) (after.evictions() - before.evictions()),
                    "parley_kv_snapshot_save_seconds_count", (double) times.saves.get(),
                    "parley_kv_snapshot_save_seconds_sum", times.saveNanos.get() / 1e9,
                    "parley_kv_snapshot_restore_seconds_count", (double) times.restores.get(),
                    "parley_kv_snapshot_restore_seconds_sum", times.restoreNanos.get() / 1e9,
                    "parley_kv_snapshots_dropped_total", (double) (after.snapshotsDropped() - before.snapshotsDropped()),
                    "parley_kv_snapshot_buffers_reused_total", (double) (after.buffersReused() - before.buffersReused()));
            return new WarmResult(ENGINE, threads, samples, wall, -1, loadedRss, ProcStats.rssBytes(pid), metrics);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a conversation failed: " + e.getCause(), e.getCause());
        } finally {
            conversations.shutdownNow();
        }
    }

    /** Snapshot save and restore times, as the worker's histograms would have them. */
    private static final class SnapshotTimes implements KvCacheListener {
        final AtomicLong saves = new AtomicLong();
        final AtomicLong saveNanos = new AtomicLong();
        final AtomicLong restores = new AtomicLong();
        final AtomicLong restoreNanos = new AtomicLong();

        @Override
        public void snapshotSaved(long nanos) {
            saves.incrementAndGet();
            saveNanos.addAndGet(nanos);
        }

        @Override
        public void snapshotRestored(long nanos) {
            restores.incrementAndGet();
            restoreNanos.addAndGet(nanos);
        }
    }

    private List<WarmSample> conversation(InferenceEngine engine, String run, int conversation) {
        String id = workload.conversationId(run, conversation);
        List<Exchange> history = new ArrayList<>();
        List<WarmSample> samples = new ArrayList<>();
        for (int turn = 0; turn < workload.turns(); turn++) {
            ChatMessage question = ChatMessage.user(workload.question(conversation, turn));
            long sent = System.nanoTime();
            Generation g = engine.generate(new GenerationRequest(id, new Transcript(WarmWorkload.SYSTEM, history,
                    List.of(question)), Sampling.greedy(workload.maxTokens()), null), TokenListener.NONE);
            samples.add(new WarmSample(conversation, turn, g.promptTokens(), g.cachedTokens(), g.restoredTokens(),
                    g.completionTokens(), g.queuedNanos() / 1_000_000, g.startedToFirstTokenNanos() / 1_000_000,
                    g.totalNanos() / 1_000_000, (System.nanoTime() - sent) / 1e6));
            history.add(new Exchange(List.of(question, ChatMessage.assistant(g.text()))));
        }
        return samples;
    }
}
