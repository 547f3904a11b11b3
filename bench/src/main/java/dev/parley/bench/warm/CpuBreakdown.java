package dev.parley.bench.warm;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU seconds each part of a run used between {@link #start} and {@link #stop}: the server under test by thread kind
 * (so the engine's threads stand apart from Kafka's, Redis's and the turn threads), its process in total, and the
 * other processes sharing the cores (the bench JVM with the broker and the client, redis-server).
 */
final class CpuBreakdown {

    private final long server;
    private final String serverLabel;
    private final Map<String, Long> others;
    private final Map<String, Double> start;
    private final double loadAtStart;

    private CpuBreakdown(long server, String serverLabel, Map<String, Long> others) {
        this.server = server;
        this.serverLabel = serverLabel;
        this.others = others;
        this.start = read();
        this.loadAtStart = ProcStats.loadAverage();
    }

    /** {@code others}: label to pid of the processes beside the server that the run keeps busy. */
    static CpuBreakdown start(long serverPid, String serverLabel, Map<String, Long> others) {
        return new CpuBreakdown(serverPid, serverLabel, others);
    }

    /** The bench JVM (Kafka broker, clients) and, when this JVM started one, redis-server. */
    static Map<String, Long> benchProcesses(boolean withRedis) {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("bench JVM (broker, client)", ProcessHandle.current().pid());
        if (withRedis) {
            ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().map(c -> c.endsWith("redis-server")).orElse(false))
                    .findFirst().ifPresent(redis -> pids.put("redis-server", redis.pid()));
        }
        return pids;
    }

    double loadAtStart() {
        return loadAtStart;
    }

    /** Seconds used since the start, by part, largest first among the server's threads. */
    Map<String, Double> stop() {
        Map<String, Double> end = read();
        Map<String, Double> delta = new LinkedHashMap<>();
        end.forEach((key, seconds) -> delta.put(key, Math.max(0, seconds - start.getOrDefault(key, 0.0))));
        // A thread that ended before the end is missing from the per-thread sums but not from its process's total:
        // llama.cpp without OpenMP starts and joins its worker threads for every graph it computes.
        String total = serverLabel + " (all threads)";
        double live = delta.entrySet().stream().filter(e -> e.getKey().startsWith(serverLabel + ": "))
                .mapToDouble(Map.Entry::getValue).sum();
        delta.put(serverLabel + ": threads that ended during the run", Math.max(0, delta.get(total) - live));
        Map<String, Double> used = new LinkedHashMap<>();
        delta.entrySet().stream()
                .filter(e -> e.getValue() >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> used.put(e.getKey(), e.getValue()));
        return used;
    }

    private Map<String, Double> read() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put(serverLabel + " (all threads)", ProcStats.cpuSeconds(server));
        ProcStats.threadCpuSeconds(server).forEach((kind, s) -> seconds.put(serverLabel + ": " + kind, s));
        others.forEach((label, pid) -> seconds.put(label, ProcStats.cpuSeconds(pid)));
        return seconds;
    }
}
