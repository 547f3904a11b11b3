package dev.parley.bench.kv;

import dev.parley.bench.Stats;
import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.llama.KvCacheType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * One KV cache type's measurements. A first engine computes each conversation's history (one long first turn) and
 * writes it to disk (idle, then at close); a second engine on the same directory, as after a restart, answers each
 * conversation's next turn from its file, and the same turn of a twin conversation (same messages, no file) from its
 * history. One sequence, so each conversation has it alone.
 */
final class KvRun {

    private static final String SYSTEM = "You are a careful analyst. Answer briefly, using the notes you are given.";
    private static final Sampling ANSWER = Sampling.greedy(8);
    private static final long RAM_BYTES = 1L << 30;
    private static final long DISK_BYTES = 8L << 30;

    /** Per-type figures; times in milliseconds, medians unless said. */
    record Result(KvCacheType type, double historyTokens, double ramBytesPerToken, double fileBytesPerToken,
                  double fileMiB, double saveMs, double readMs, double diskTtftP50, double diskTtftP95,
                  double coldTtftP50, double coldTtftP95, int diskTurns, int turns) {

        String line() {
            return String.format(Locale.ROOT, "%s: %.0f history tokens, %.0f B/token in RAM, %.0f B/token on disk "
                            + "(%.1f MiB per conversation), write %.0f ms, read %.0f ms; TTFT from disk p50 %.0f ms "
                            + "vs re-prefill %.0f ms (%.3fx); %d/%d turns from disk", type, historyTokens,
                    ramBytesPerToken, fileBytesPerToken, fileMiB, saveMs, readMs, diskTtftP50, coldTtftP50,
                    diskTtftP50 / coldTtftP50, diskTurns, turns);
        }
    }

    private final Path model;
    private final Path libraries;
    private final KvCacheType type;
    private final int contextPerSlot;
    private final Integer threads;
    private final int conversations;
    private final int historyTokens;
    private final Path dir;
    private final ConcurrentLinkedQueue<Long> saves = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> reads = new ConcurrentLinkedQueue<>();

    KvRun(Path model, Path libraries, KvCacheType type, int contextPerSlot, Integer threads, int conversations,
          int historyTokens, Path dir) {
        this.model = model;
        this.libraries = libraries;
        this.type = type;
        this.contextPerSlot = contextPerSlot;
        this.threads = threads;
        this.conversations = conversations;
        this.historyTokens = historyTokens;
        this.dir = dir;
    }

    Result measure() throws IOException {
        deleteRecursively(dir);
        List<Exchange> histories = new ArrayList<>();
        List<Double> ramPerToken = new ArrayList<>();
        List<Double> historyLength = new ArrayList<>();
        try (NativeEngine first = engine()) {
            for (int c = 0; c < conversations; c++) {
                String notes = notes(c);
                Generation answer = turn(first, "kv-" + c, List.of(), notes);
                histories.add(new Exchange(List.of(ChatMessage.user(notes), ChatMessage.assistant(answer.text()))));
                historyLength.add((double) answer.promptTokens() + answer.completionTokens());
                // the next conversation takes the only sequence: this one goes to a RAM snapshot (and through to disk)
            }
            double inRam = historyLength.subList(0, conversations - 1).stream().mapToDouble(Double::doubleValue).sum();
            ramPerToken.add(first.kvCacheStats().snapshotBytes() / inRam);
        } // the last conversation is still in the sequence: close writes it, and finishes the other writes
        List<Path> files = snapshotFiles();
        long fileBytes = 0;
        for (Path file : files) {
            fileBytes += Files.size(file);
        }
        double tokens = historyLength.stream().mapToDouble(Double::doubleValue).sum();
        List<Double> diskTtft = new ArrayList<>();
        List<Double> coldTtft = new ArrayList<>();
        int fromDisk = 0;
        try (NativeEngine second = engine()) {
            for (int c = 0; c < conversations; c++) {
                String question = "Which note matters most, and why?";
                Generation restored = turn(second, "kv-" + c, List.of(histories.get(c)), question);
                Generation cold = turn(second, "twin-" + c, List.of(histories.get(c)), question);
                fromDisk += restored.tier() == KvTier.DISK ? 1 : 0;
                diskTtft.add(restored.firstTokenNanos() / 1e6);
                coldTtft.add(cold.firstTokenNanos() / 1e6);
            }
        }
        double[] disk = diskTtft.stream().mapToDouble(Double::doubleValue).toArray();
        double[] cold = coldTtft.stream().mapToDouble(Double::doubleValue).toArray();
        return new Result(type, tokens / conversations, ramPerToken.get(0),
                fileBytes / tokens, fileBytes / 1048576.0 / files.size(),
                Stats.median(millis(saves)), Stats.median(millis(reads)), Stats.percentile(disk, 50),
                Stats.percentile(disk, 95), Stats.percentile(cold, 50), Stats.percentile(cold, 95), fromDisk,
                conversations);
    }

    private NativeEngine engine() {
        NativeEngineConfig config = NativeEngineConfig.forModel(model, libraries).withSlots(1)
                .withContextPerSlot(contextPerSlot).withCacheType(type).withSnapshotBytes(RAM_BYTES);
        if (threads != null) {
            config = config.withThreads(threads);
        }
        NativeEngine engine = NativeEngine.load(config, new DiskTierConfig(dir, DISK_BYTES));
        engine.addKvCacheListener(new KvCacheListener() {
            @Override
            public void snapshotSaved(long nanos) {
            }

            @Override
            public void snapshotRestored(long nanos) {
            }

            @Override
            public void diskSaved(long nanos, long bytes) {
                saves.add(nanos);
            }

            @Override
            public void diskRestored(long nanos, long bytes) {
                reads.add(nanos);
            }
        });
        return engine;
    }

    private static Generation turn(NativeEngine engine, String conversation, List<Exchange> history, String message) {
        Transcript transcript = new Transcript(SYSTEM, history, List.of(ChatMessage.user(message)));
        return engine.generate(new GenerationRequest(conversation, transcript, ANSWER, null), TokenListener.NONE);
    }

    /** About {@code historyTokens} tokens of numbered notes (~24 tokens each), different per conversation. */
    private String notes(int conversation) {
        StringBuilder text = new StringBuilder("Notes of report ").append(conversation + 1).append(":\n");
        for (int i = 0; i < historyTokens / 24; i++) {
            int number = 3 + (conversation * 31 + i * 17) % 97;
            text.append("- Berth ").append(i + 1).append(" logged ").append(number)
                    .append(" arrivals, most of them grain ships from the south coast.\n");
        }
        return text.append("Which berth was busiest?").toString();
    }

    private List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".kv")).toList();
        }
    }

    private static double[] millis(ConcurrentLinkedQueue<Long> nanos) {
        return nanos.stream().mapToDouble(n -> n / 1e6).toArray();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    static String markdown(String setting, List<Result> results) {
        StringBuilder md = new StringBuilder("### KV snapshots per cache type\n\n").append(setting).append("\n\n")
                .append("| KV type | history tokens | RAM B/token | file B/token | file MiB/conv | write ms | read ms "
                        + "| TTFT from disk p50 / p95 ms | TTFT re-prefill p50 / p95 ms | disk / re-prefill (p50) "
                        + "| turns from disk |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f / %.0f "
                            + "| %.0f / %.0f | %.3fx | %d/%d |%n", r.type(), r.historyTokens(), r.ramBytesPerToken(),
                    r.fileBytesPerToken(), r.fileMiB(), r.saveMs(), r.readMs(), r.diskTtftP50(), r.diskTtftP95(),
                    r.coldTtftP50(), r.coldTtftP95(), r.diskTtftP50() / r.coldTtftP50(), r.diskTurns(), r.turns()));
        }
        return md.toString();
    }
}
