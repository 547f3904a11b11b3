package dev.parley.worker.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisHistoryStore;
import dev.parley.worker.intake.TopicProvisioner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three worker processes; a hundred conversations of ten turns published at once; every few seconds a worker is
 * killed with SIGKILL in the middle of its work and started again. Oracles: every request answered once as the
 * client sees it, every conversation's history complete, in order and without repeats, and never two generations of
 * one conversation at the same time on any worker.
 */
@ExtendWith(ParleyInfraExtension.class)
class CrashDrillTest {

    private static final Logger log = LoggerFactory.getLogger(CrashDrillTest.class);
    private static final int WORKERS = 3;
    private static final int CONVERSATIONS = 100;
    private static final int TURNS = 10;
    private static final int KILLS = 5;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed drill leaves the workers' logs and event logs to read
    Path tmp;

    private final SplittableRandom random = new SplittableRandom(4711);
    private final Map<Path, Long> killedAtMicros = new HashMap<>();

    private final class Incarnation {
        final int worker;
        final Path events;
        final Process process;

        Incarnation(int worker, int generation, List<String> settings, Path model) throws IOException {
            this.worker = worker;
            this.events = tmp.resolve("events-w" + worker + "-" + generation + ".log");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    DrillWorkerMain.class.getName(), events.toString(), model.toString(), "worker-id=w" + worker,
                    "group-instance-id=w" + worker));
            command.addAll(settings);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("w" + worker + "-" + generation + ".out").toFile()).start();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            killedAtMicros.put(events, Long.parseLong(EventLog.now()));
        }
    }

    @Test
    void killedWorkersLoseNothingRepeatNothingAndNeverOverlapAConversation(ParleyInfra infra,
            ParleyInfraExtension.TestModels models) throws Exception {
        String prefix = "crash" + System.nanoTime();
        List<String> topics = List.of(prefix + ".prompts", prefix + ".replies", prefix + ".dlq", prefix + ".control");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, topics, 12, (short) -1);
        }
        List<String> settings = List.of("bootstrap=" + infra.bootstrapServers(), "redis=" + infra.redisUri(),
                "prompts-topic=" + topics.get(0), "replies-topic=" + topics.get(1), "dlq-topic=" + topics.get(2),
                "control-topic=" + topics.get(3), "group-id=" + prefix, "partitions=12", "commit-interval=200ms",
                "revoke-grace=2s", "kafka.session.timeout.ms=6000", "kafka.heartbeat.interval.ms=1000");
        List<Incarnation> live = new ArrayList<>();
        List<Incarnation> all = new ArrayList<>();
        int[] generations = new int[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            Incarnation incarnation = new Incarnation(w, generations[w]++, settings, models.tiny());
            live.add(incarnation);
            all.add(incarnation);
        }
        try (ParleyClient client = ParleyClient.builder().bootstrapServers(infra.bootstrapServers())
                .promptsTopic(topics.get(0)).repliesTopic(topics.get(1)).replyTimeout(Duration.ofMinutes(3)).build()) {
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            SendOptions options = SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(3)).build();
            for (int c = 0; c < CONVERSATIONS; c++) {
                for (int t = 0; t < TURNS; t++) {
                    replies.add(client.send(prefix + "-c" + c, "c" + c + "-t" + t,
                            options.newBuilder().requestId(prefix + "-c" + c + "-t" + t).build()));
                }
            }

            int kills = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (replies.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() < deadline) {
                Thread.sleep(2_500 + random.nextInt(2_500)); // chaos at random moments
                if (kills < KILLS && replies.stream().anyMatch(f -> !f.isDone())) {
                    Incarnation victim = live.remove(random.nextInt(live.size()));
                    victim.kill();
                    kills++;
                    log.info("Killed worker w{} (kill {} of {})", victim.worker, kills, KILLS);
                    Thread.sleep(500 + random.nextInt(1_500)); // stays dead a moment before it restarts
                    Incarnation restarted = new Incarnation(victim.worker, generations[victim.worker]++, settings,
                            models.tiny());
                    live.add(restarted);
                    all.add(restarted);
                }
            }

            if (replies.stream().anyMatch(f -> !f.isDone())) {
                describeGroup(infra, prefix, topics.get(0));
            }
            List<Reply> answered = replies.stream().map(CompletableFuture::join).toList();
            assertThat(answered).allMatch(Reply::isOk);
            for (int i = 0; i < answered.size(); i++) {
                int c = i / TURNS;
                int t = i % TURNS;
                assertThat(answered.get(i).requestId()).isEqualTo(prefix + "-c" + c + "-t" + t);
                assertThat(answered.get(i).turn()).isEqualTo(t + 1);
            }
            try (RedisHistoryStore history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
                for (int c = 0; c < CONVERSATIONS; c++) {
                    List<String> expected = new ArrayList<>();
                    for (int t = 0; t < TURNS; t++) {
                        expected.add(prefix + "-c" + c + "-t" + t);
                    }
                    assertThat(history.load(prefix + "-c" + c)).extracting(HistoryEntry::requestId)
                            .as("conversation %d: every turn once, in order", c).containsExactlyElementsOf(expected);
                }
            }
            Overlaps overlaps = Overlaps.read(all.stream().map(i -> i.events).toList(), killedAtMicros);
            log.info("Crash drill: {} requests sent, {} answered, {} kills, {} duplicate replies dropped by the client, "
                            + "{} generations ({} repeated after a kill), {} requests answered again from the history",
                    CONVERSATIONS * TURNS, answered.size(), kills, client.duplicateRepliesDropped(),
                    overlaps.generations(), overlaps.generations() - CONVERSATIONS * TURNS, overlaps.replays());
            assertThat(kills).isEqualTo(KILLS);
            assertThat(overlaps.violations()).as("two generations of one conversation at once").isEmpty();
        } finally {
            for (Incarnation incarnation : live) {
                incarnation.process.destroyForcibly();
            }
        }
    }

    /** On a stuck drill: who owns which partition, and how far each is committed, to tell where it stopped. */
    private static void describeGroup(ParleyInfra infra, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            log.error("Drill stuck; group state {}", description.groupState());
            description.members().forEach(m -> log.error("  member {} instance {} owns {}", m.consumerId(),
                    m.groupInstanceId().orElse("-"), m.assignment().topicPartitions()));
            var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
            for (var p : partitions) {
                var tp = new org.apache.kafka.common.TopicPartition(topic, p.partition());
                var end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get()
                        .get(tp).offset();
                log.error("  {} committed {} end {}", tp, committed.get(tp), end);
            }
        }
    }

    /** Generation intervals per conversation from every incarnation's event log. */
    private record Overlaps(long generations, long replays, List<String> violations) {

        static Overlaps read(List<Path> logs, Map<Path, Long> killedAt) throws IOException {
            Map<String, List<long[]>> intervals = new HashMap<>();
            long generations = 0;
            long replays = 0;
            for (Path log : logs) {
                if (!Files.exists(log)) {
                    continue;
                }
                Map<String, Long> open = new HashMap<>();
                long lastReplayCount = 0;
                for (String line : Files.readAllLines(log)) {
                    String[] f = line.split(" ");
                    switch (f[0]) {
                        case "S" -> {
                            open.put(f[1] + " " + f[2], Long.parseLong(f[3]));
                            generations++;
                        }
                        case "E" -> {
                            Long start = open.remove(f[1] + " " + f[2]);
                            if (start != null) {
                                intervals.computeIfAbsent(f[1], k -> new ArrayList<>())
                                        .add(new long[] {start, Long.parseLong(f[3])});
                            }
                        }
                        case "R" -> lastReplayCount = Long.parseLong(f[1]);
                        default -> { } // a line cut by the kill
                    }
                }
                replays += lastReplayCount;
                long end = killedAt.getOrDefault(log, Long.MAX_VALUE);
                open.forEach((key, start) -> intervals.computeIfAbsent(key.split(" ")[0], k -> new ArrayList<>())
                        .add(new long[] {start, end}));
            }
            List<String> violations = new ArrayList<>();
            intervals.forEach((conversation, list) -> {
                list.sort((a, b) -> Long.compare(a[0], b[0]));
                for (int i = 1; i < list.size(); i++) {
                    if (list.get(i)[0] < list.get(i - 1)[1]) {
                        violations.add(conversation + " at " + list.get(i)[0]);
                    }
                }
            });
            return new Overlaps(generations, replays, violations);
        }
    }
}
