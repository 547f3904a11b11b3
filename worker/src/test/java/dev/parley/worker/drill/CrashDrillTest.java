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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three worker processes on the default (native) engine, with two sequences each and a snapshot budget small enough
 * that conversations keep moving between sequences and the host-RAM tier; 60 conversations of 6 turns published at
 * once, every third conversation streamed; a worker is killed with SIGKILL each time another sixth of the replies has
 * arrived (plus a random delay, so kills land mid-generation, mid-stream and mid-snapshot) and started again.
 * Oracles: every request answered once as the client sees it, each reply's turn number equal to its history position,
 * every conversation's history complete, in order and without repeats, and never two generations of one conversation
 * at the same time on any worker. Waits are on progress: the drill fails only when no reply arrived for a while, and
 * then its message carries the end of every worker's log (all logs stay under {@code target/drill-logs}).
 */
@ExtendWith(ParleyInfraExtension.class)
class CrashDrillTest {

    private static final Logger log = LoggerFactory.getLogger(CrashDrillTest.class);
    private static final int WORKERS = 3;
    // A soak raises these from the command line (docs/guarantees.md); CI runs the defaults.
    private static final int CONVERSATIONS = Integer.getInteger("parley.drill.conversations", 60);
    private static final int TURNS = Integer.getInteger("parley.drill.turns", 6);
    private static final int KILLS = Integer.getInteger("parley.drill.kills", 5);
    private static final Duration QUIET = Duration.ofSeconds(90);

    private final SplittableRandom random = new SplittableRandom(4711);
    private final Map<Path, Long> killedAtMicros = new HashMap<>();
    private Path logs;

    private final class Incarnation {
        final int worker;
        final Path events;
        final Path output;
        final Process process;

        Incarnation(int worker, int generation, List<String> settings, Path model) throws IOException {
            this.worker = worker;
            this.events = logs.resolve("events-w" + worker + "-" + generation + ".log");
            this.output = logs.resolve("w" + worker + "-" + generation + ".out");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    DrillWorkerMain.class.getName(), events.toString(), model.toString(),
                    "worker-id=w" + worker, "group-instance-id=w" + worker));
            command.addAll(settings);
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        }

        /** Kills the process; returns how many generations it had running at that moment. */
        int kill() throws InterruptedException, IOException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            long at = Long.parseLong(EventLog.now());
            killedAtMicros.put(events, at);
            return Overlaps.openAt(events);
        }
    }

    @Test
    void killedWorkersLoseNothingRepeatNothingAndNeverOverlapAConversation(ParleyInfra infra,
            ParleyInfraExtension.TestModels models) throws Exception {
        String prefix = "crash" + System.nanoTime();
        logs = Files.createDirectories(Path.of("target", "drill-logs", prefix));
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
                .promptsTopic(topics.get(0)).repliesTopic(topics.get(1)).replyTimeout(Duration.ofMinutes(30)).build()) {
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            SendOptions options = SendOptions.builder().params(GenerationParams.DEFAULTS.withMaxTokens(48)).build();
            for (int c = 0; c < CONVERSATIONS; c++) {
                for (int t = 0; t < TURNS; t++) {
                    SendOptions turn = options.newBuilder().requestId(prefix + "-c" + c + "-t" + t).build();
                    String conversation = prefix + "-c" + c;
                    String text = "c" + c + "-t" + t;
                    replies.add(c % 3 == 0 ? client.stream(conversation, text, turn).reply()
                            : client.send(conversation, text, turn));
                }
            }

            int kills = 0;
            List<Integer> runningAtKill = new ArrayList<>();
            long lastDone = -1;
            long lastChange = System.nanoTime();
            while (true) {
                long done = replies.stream().filter(CompletableFuture::isDone).count();
                if (done == replies.size()) {
                    break;
                }
                if (done != lastDone) {
                    lastDone = done;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > QUIET.toNanos()) {
                    describeGroup(infra, prefix, topics.get(0));
                    throw new AssertionError(done + " of " + replies.size() + " answered and none more for "
                            + QUIET.toSeconds() + " s after " + kills + " kills\n" + tails(all));
                }
                // the next kill once another sixth of the replies is in, at a random moment within the next turns
                if (kills < KILLS && done >= (long) replies.size() * (kills + 1) / (KILLS + 1)) {
                    Thread.sleep(random.nextInt(400));
                    Incarnation victim = busyVictim(live);
                    live.remove(victim);
                    runningAtKill.add(victim.kill());
                    kills++;
                    log.info("Killed worker w{} with {} generation(s) running (kill {} of {}, {} of {} answered)",
                            victim.worker, runningAtKill.get(kills - 1), kills, KILLS, done, replies.size());
                    Thread.sleep(500 + random.nextInt(1_500)); // stays dead a moment before it restarts
                    Incarnation restarted = new Incarnation(victim.worker, generations[victim.worker]++, settings,
                            models.tiny());
                    live.add(restarted);
                    all.add(restarted);
                }
                Thread.sleep(50);
            }

            try {
                List<Reply> answered = replies.stream().map(CompletableFuture::join).toList();
                assertThat(answered).allMatch(Reply::isOk);
                for (int i = 0; i < answered.size(); i++) {
                    int c = i / TURNS;
                    int t = i % TURNS;
                    assertThat(answered.get(i).requestId()).isEqualTo(prefix + "-c" + c + "-t" + t);
                    assertThat(answered.get(i).turn()).as("turn number of %s", answered.get(i).requestId())
                            .isEqualTo(t + 1);
                }
                try (RedisHistoryStore history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
                    for (int c = 0; c < CONVERSATIONS; c++) {
                        List<String> expected = new ArrayList<>();
                        for (int t = 0; t < TURNS; t++) {
                            expected.add(prefix + "-c" + c + "-t" + t);
                        }
                        assertThat(history.load(prefix + "-c" + c)).extracting(HistoryEntry::requestId)
                                .as("conversation %d: every turn once, in order", c)
                                .containsExactlyElementsOf(expected);
                    }
                }
                Overlaps overlaps = Overlaps.read(all.stream().map(i -> i.events).toList(), killedAtMicros);
                log.info("Crash drill (native engine): {} requests sent, {} answered, {} kills with {} generations "
                                + "running at the kills, {} snapshots saved and {} restored, {} duplicate replies "
                                + "dropped by the client, {} generations ({} repeated after a kill), {} requests "
                                + "answered again from the history, lost 0",
                        CONVERSATIONS * TURNS, answered.size(), kills, runningAtKill, overlaps.snapshotsSaved(),
                        overlaps.snapshotsRestored(), client.duplicateRepliesDropped(), overlaps.generations(),
                        overlaps.generations() - CONVERSATIONS * TURNS, overlaps.replays());
                assertThat(kills).isEqualTo(KILLS);
                assertThat(overlaps.violations()).as("two generations of one conversation at once").isEmpty();
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + tails(all), e);
            }
        } finally {
            for (Incarnation incarnation : live) {
                incarnation.process.destroyForcibly();
            }
        }
    }

    /**
     * A worker that is generating right now, so the kill lands mid-generation (or mid-stream, mid-snapshot); any
     * started worker when none is busy within a few seconds.
     */
    private Incarnation busyVictim(List<Incarnation> live) throws IOException, InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
            List<Incarnation> busy = new ArrayList<>();
            for (Incarnation incarnation : live) {
                if (Overlaps.openAt(incarnation.events) > 0) {
                    busy.add(incarnation);
                }
            }
            if (!busy.isEmpty()) {
                return busy.get(random.nextInt(busy.size()));
            }
            Thread.sleep(20);
        }
        return live.get(random.nextInt(live.size()));
    }

    /** The end of every incarnation's output, for a failure message: the cause is never lost with the process. */
    private static String tails(List<Incarnation> incarnations) {
        StringBuilder out = new StringBuilder();
        for (Incarnation incarnation : incarnations) {
            try {
                List<String> lines = Files.readAllLines(incarnation.output);
                out.append("--- ").append(incarnation.output.toAbsolutePath()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())))
                        .append('\n');
            } catch (IOException e) {
                out.append("--- ").append(incarnation.output).append(" unreadable: ").append(e.getMessage());
            }
        }
        return out.toString();
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
    private record Overlaps(long generations, long replays, long snapshotsSaved, long snapshotsRestored,
                            List<String> violations) {

        /** Generations started and not ended in one log: those running when its process was killed. */
        static int openAt(Path log) throws IOException {
            Map<String, Boolean> open = new HashMap<>();
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    String[] f = line.split(" ");
                    if (f.length >= 3 && f[0].equals("S")) {
                        open.put(f[1] + " " + f[2], true);
                    } else if (f.length >= 3 && f[0].equals("E")) {
                        open.remove(f[1] + " " + f[2]);
                    }
                }
            }
            return open.size();
        }

        static Overlaps read(List<Path> logs, Map<Path, Long> killedAt) throws IOException {
            Map<String, List<long[]>> intervals = new HashMap<>();
            long generations = 0;
            long replays = 0;
            long saved = 0;
            long restored = 0;
            for (Path log : logs) {
                if (!Files.exists(log)) {
                    continue;
                }
                Map<String, Long> open = new HashMap<>();
                long lastReplayCount = 0;
                for (String line : Files.readAllLines(log)) {
                    String[] f = line.split(" ");
                    if ((f[0].equals("S") || f[0].equals("E")) && f.length < 4) {
                        continue; // a line cut by the kill
                    }
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
                        case "K" -> {
                            if (f.length > 1 && f[1].equals("saved")) {
                                saved++;
                            } else if (f.length > 1 && f[1].equals("restored")) {
                                restored++;
                            }
                        }
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
            return new Overlaps(generations, replays, saved, restored, violations);
        }
    }
}
