package dev.parley.bench.warm;

import dev.parley.bench.ClosedLoop;
import dev.parley.bench.Stats;
import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One mode of the restart benchmark: histories built through a worker process, SIGKILL, a new worker process with the
 * same flags, then every conversation's next turn in turn (so each time to first token is its own, not a queue's).
 */
final class RestartRunner {

    private static final Duration PERSIST_WAIT = Duration.ofMinutes(5);

    /** One mode's figures. */
    record Result(String mode, List<Reply> next, double persistSeconds, double fileMiBPerConversation,
                  double historyTokens) {

        double ttft(double percentile) {
            return Stats.percentile(next.stream().mapToDouble(r -> r.timings().firstTokenMs()).toArray(), percentile);
        }

        long fromDisk() {
            return next.stream().filter(r -> r.usage().diskTokens() > 0).count();
        }

        double diskTokenShare() {
            double prompt = next.stream().mapToDouble(r -> r.usage().promptTokens()).sum();
            return next.stream().mapToDouble(r -> r.usage().diskTokens()).sum() / prompt;
        }

        String line() {
            return String.format(Locale.ROOT, "%s: next-turn TTFT p50 %.0f ms, p95 %.0f ms; %d/%d from disk "
                            + "(%.0f%% of prompt tokens); %.1f MiB on disk per conversation", mode, ttft(50), ttft(95),
                    fromDisk(), next.size(), 100 * diskTokenShare(), fileMiBPerConversation);
        }
    }

    private final ParleyInfra infra;
    private final Path model;
    private final WarmWorkload workload;
    private final int slots;
    private final int contextPerSlot;
    private final String cacheType;
    private final Path out;
    private final PrintStream console;

    RestartRunner(ParleyInfra infra, Path model, WarmWorkload workload, int slots, int contextPerSlot,
                  String cacheType, Path out, PrintStream console) {
        this.infra = infra;
        this.model = model;
        this.workload = workload;
        this.slots = slots;
        this.contextPerSlot = contextPerSlot;
        this.cacheType = cacheType;
        this.out = out;
        this.console = console;
    }

    Result run(boolean disk) throws IOException, InterruptedException {
        String mode = disk ? "disk" : "cold";
        String prefix = "restart" + ProcessHandle.current().pid() + mode;
        Path kvDir = out.resolve("restart-kv-" + mode);
        deleteRecursively(kvDir);
        List<String> flags = new ArrayList<>(List.of("--bootstrap", infra.bootstrapServers(),
                "--redis", infra.redisUri(), "--model", model.toString(), "--slots", String.valueOf(slots),
                "--context-per-slot", String.valueOf(contextPerSlot), "--kv-cache-type", cacheType,
                "--prompts-topic", prefix + ".prompts", "--replies-topic", prefix + ".replies",
                "--dlq-topic", prefix + ".dlq", "--control-topic", prefix + ".control", "--group-id", prefix,
                "--group-instance-id", prefix + "-w", "--worker-id", "restart-" + mode,
                "--partitions", String.valueOf(Math.max(12, workload.conversations()))));
        if (disk) {
            flags.addAll(List.of("--kv-disk-dir", kvDir.toString(), "--kv-disk-bytes", "20GiB"));
        }
        SendOptions options = SendOptions.builder().system(WarmWorkload.SYSTEM).timeout(Duration.ofMinutes(60))
                .params(GenerationParams.DEFAULTS.withMaxTokens(workload.maxTokens()).withTemperature(0)).build();
        double persistSeconds = 0;
        List<Reply> history;
        List<Reply> next = new ArrayList<>();
        WorkerProcess before = WorkerProcess.start(flags, out.resolve("restart-" + mode + "-1.log"));
        try {
            before.awaitReady(Duration.ofMinutes(5)); // it creates the topics the client reads
            try (ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                    .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies")
                    .replyTimeout(Duration.ofMinutes(60)).build()) {
                history = ClosedLoop.run(client, options, workload.conversations(), workload.turns(),
                        c -> workload.conversationId(prefix, c), workload::question, (c, t, reply, sent) -> reply);
                if (disk) {
                    long waited = System.nanoTime();
                    awaitFiles(kvDir, workload.conversations());
                    persistSeconds = (System.nanoTime() - waited) / 1e9;
                }
                console.printf(Locale.ROOT, "    %s: %d turns answered; SIGKILL%n", mode, history.size());
                before.kill();
                try (WorkerProcess after = WorkerProcess.start(flags, out.resolve("restart-" + mode + "-2.log"))) {
                    after.awaitReady(Duration.ofMinutes(5));
                    for (int c = 0; c < workload.conversations(); c++) {
                        Reply reply = client.send(workload.conversationId(prefix, c),
                                workload.question(c, workload.turns()), options).join();
                        if (!reply.isOk()) {
                            throw new IllegalStateException("benchmark turn failed: " + reply.error());
                        }
                        next.add(reply);
                    }
                }
            }
        } finally {
            before.kill();
        }
        double historyTokens = history.stream().filter(r -> r.turn() == workload.turns())
                .mapToDouble(r -> r.usage().promptTokens() + r.usage().completionTokens()).average().orElse(0);
        double fileMiB = disk ? directoryBytes(kvDir) / 1048576.0 / workload.conversations() : 0;
        return new Result(mode, next, persistSeconds, fileMiB, historyTokens);
    }

    /** Waits until every conversation has its snapshot file (the engine writes idle sequences when it has time). */
    private static void awaitFiles(Path dir, int conversations) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + PERSIST_WAIT.toNanos();
        while (countFiles(dir) < conversations) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + conversations + " snapshot files in " + dir
                        + " after " + PERSIST_WAIT);
            }
            Thread.sleep(100); // polling another process's directory: nothing to wait on
        }
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".kv")).count();
        }
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".kv")).toList()) {
                total += Files.size(file);
            }
            return total;
        }
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
        StringBuilder md = new StringBuilder("### Warm restart (SIGKILL)\n\n").append(setting).append("\n\n")
                .append("| mode | history tokens | next-turn TTFT p50 ms | p95 ms | turns from disk | disk tokens / "
                        + "prompt tokens | MiB on disk per conversation | wait until all on disk s |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %d/%d | %.0f%% | %.1f | %.1f |%n",
                    r.mode(), r.historyTokens(), r.ttft(50), r.ttft(95), r.fromDisk(), r.next().size(),
                    100 * r.diskTokenShare(), r.fileMiBPerConversation(), r.persistSeconds()));
        }
        Result disk = results.stream().filter(r -> r.mode().equals("disk")).findFirst().orElse(null);
        Result cold = results.stream().filter(r -> r.mode().equals("cold")).findFirst().orElse(null);
        if (disk != null && cold != null) {
            md.append(String.format(Locale.ROOT, "%nDisk tier against cold re-prefill, same run: TTFT p50 %.3fx, "
                    + "p95 %.3fx.%n", disk.ttft(50) / cold.ttft(50), disk.ttft(95) / cold.ttft(95)));
        }
        return md.toString();
    }
}
