package dev.parley.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The poll loop's bookkeeping on Kafka's MockConsumer: backpressure, commit points, revocation. */
class PromptIntakeTest {

    private static final String TOPIC = "prompts";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final Deque<Runnable> jobs = new ConcurrentLinkedDeque<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final WorkerMetrics metrics = new WorkerMetrics(registry);
    /** Where finished turns report, as the worker's turn processor does. */
    private final CompletionChannel completions = new CompletionChannel();
    private PromptIntake intake;
    private Dispatcher dispatcher;
    /** Where the dispatcher starts turns; a test may swap in one that throws. */
    private java.util.concurrent.Executor turnStarter = jobs::addLast;
    private long nextOffset0;
    private long nextOffset1;

    @BeforeEach
    void setUp() {
        dispatcher = new Dispatcher(8, job -> turnStarter.execute(job), this::finishTurn);
        // A check that throws for one conversation stands for any bug one record can trigger while it is handled.
        PromptDecoder decoder = new PromptDecoder().checking(prompt -> {
            if (prompt.conversationId().equals("boom")) {
                throw new IllegalStateException("a bug this record triggers");
            }
            if (prompt.conversationId().equals("deep")) {
                throw new StackOverflowError();
            }
            return null;
        });
        intake = new PromptIntake(consumer, decoder, new DeadLetterPublisher(producer, "dlq", "w", Clock.systemUTC()),
                dispatcher, metrics, new IntakeSettings(TOPIC, 4, Duration.ofMillis(1), Duration.ZERO,
                        Duration.ofMillis(50), Duration.ofMillis(50)), completions, new PromptForwarder(producer),
                Runnable::run, null);
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        intake.subscribe();
        consumer.rebalance(List.of(P0, P1));
    }

    private void finishTurn(PendingTurn turn) {
        completions.report(turn);
    }

    private void addPrompt(TopicPartition partition, String conversation) {
        long offset = partition.equals(P0) ? nextOffset0++ : nextOffset1++;
        byte[] value = WireJson.toBytes(Prompt.of("r-" + partition.partition() + "-" + offset, conversation, "hi"));
        consumer.addRecord(new ConsumerRecord<>(TOPIC, partition.partition(), offset, conversation, value));
    }

    private void runJobs(int n) {
        for (int i = 0; i < n; i++) {
            jobs.pollFirst().run();
        }
    }

    private long committed(TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? -1 : offset.offset();
    }

    @Test
    void pausesWhenTheBufferIsFullAndResumesWhenItDrains() {
        for (int i = 0; i < 6; i++) {
            addPrompt(P0, "c" + i);
        }
        intake.pollOnce();
        assertThat(intake.buffered()).isEqualTo(6);
        assertThat(intake.isPaused()).isTrue();
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);

        runJobs(3);
        intake.pollOnce();
        assertThat(intake.isPaused()).as("3 left, above the resume mark of 2").isTrue();

        runJobs(1);
        intake.pollOnce();
        assertThat(intake.buffered()).isEqualTo(2);
        assertThat(intake.isPaused()).isFalse();
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void aSlowConversationHoldsOnlyItsPartitionsCommitPoint() {
        addPrompt(P0, "slow");    // offset 0
        addPrompt(P0, "fast");    // offset 1
        addPrompt(P1, "other");   // offset 0
        intake.pollOnce();

        // Run "fast" (second job) and "other", leave "slow" running.
        Runnable slow = jobs.pollFirst();
        runJobs(2);
        intake.pollOnce();

        assertThat(committed(P0)).isZero();
        assertThat(committed(P1)).isEqualTo(1);
        assertThat(consumer.committed(Set.of(P0)).get(P0).metadata()).isEqualTo("parley-done:v1:1");

        slow.run();
        intake.pollOnce();
        assertThat(committed(P0)).isEqualTo(2);
    }

    @Test
    void badRecordsAreDeadLetteredAndCountAsDone() {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "k", "not json".getBytes(StandardCharsets.UTF_8)));
        nextOffset0 = 1;
        addPrompt(P0, "k");
        intake.pollOnce();
        runJobs(1);
        intake.pollOnce();

        assertThat(producer.history()).hasSize(1);
        assertThat(producer.history().get(0).topic()).isEqualTo("dlq");
        assertThat(committed(P0)).isEqualTo(2);
    }

    /** The audit's C1 reproducer: 224 bytes, schema-valid, and its minItems does not fit a long. */
    static final String HUGE_MIN_ITEMS = "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"hi\"}],\"params\":{\"response_format\":{\"type\":\"json_schema\","
            + "\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"array\",\"minItems\":100000000000000000000}}}}}";

    @Test
    void aRecordTheDecoderFailsOnIsDeadLetteredAndTheRestOfTheBatchGoesOn() throws Exception {
        addPrompt(P0, "a");                                            // 0
        addPrompt(P0, "boom");                                         // 1: the check throws
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, nextOffset0++, "c1",
                HUGE_MIN_ITEMS.getBytes(StandardCharsets.UTF_8)));      // 2: the audit's reproducer
        addPrompt(P0, "deep");                                         // 3: a StackOverflowError
        addPrompt(P0, "b");                                            // 4
        addPrompt(P1, "c");                                            // P1@0
        intake.pollOnce();

        assertThat(jobs).as("a, b and c dispatched").hasSize(3);
        List<dev.parley.schemas.DeadLetter> letters = letters();
        assertThat(letters).extracting(l -> l.source().offset()).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(letters).filteredOn(l -> l.source().offset() == 1).singleElement().satisfies(l -> {
            assertThat(l.code()).isEqualTo("internal_error");
            assertThat(l.reason()).contains("java.lang.IllegalStateException: a bug this record");
        });
        assertThat(letters).filteredOn(l -> l.source().offset() == 2).singleElement()
                .satisfies(l -> assertThat(l.code()).isEqualTo("unsupported_schema"));
        assertThat(letters).filteredOn(l -> l.source().offset() == 3).singleElement().satisfies(l -> {
            assertThat(l.code()).isEqualTo("internal_error");
            assertThat(l.reason()).contains("java.lang.StackOverflowError");
        });

        runJobs(3);
        intake.pollOnce();
        assertThat(committed(P0)).as("the commit passes the dead-lettered records").isEqualTo(5);
        assertThat(committed(P1)).isEqualTo(1);
    }

    @Test
    void aRecordWhoseHandlingThrowsAfterDecodingIsDeadLetteredByTheGuard() throws Exception {
        // The decoder never throws; what runs after it (routing, dispatching) may still have a bug one record triggers.
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        turnStarter = job -> {
            if (started.incrementAndGet() == 2) {
                throw new IllegalStateException("a bug this record triggers");
            }
            jobs.addLast(job);
        };
        addPrompt(P0, "a");                                            // 0
        addPrompt(P0, "boom-later");                                   // 1: starting its turn throws
        addPrompt(P0, "b");                                            // 2
        addPrompt(P1, "c");                                            // P1@0
        intake.pollOnce();

        assertThat(jobs).as("a, b and c dispatched").hasSize(3);
        assertThat(letters()).singleElement().satisfies(l -> {
            assertThat(l.source().offset()).isEqualTo(1L);
            assertThat(l.code()).isEqualTo("internal_error");
            assertThat(l.reason()).contains("prompts-0@1").contains("java.lang.IllegalStateException: a bug this record");
        });
        assertThat(registry.get("parley.prompts.rejected").tag("reason", "internal_error").counter().count())
                .isEqualTo(1);
        runJobs(3);
        intake.pollOnce();
        assertThat(committed(P0)).as("the commit passes the dead-lettered record").isEqualTo(3);
    }

    private List<dev.parley.schemas.DeadLetter> letters() {
        return producer.history().stream()
                .map(r -> WireJson.fromBytes(r.value(), dev.parley.schemas.DeadLetter.class)).toList();
    }

    @Test
    void aFatalErrorStillEndsTheLoop() {
        assertThat(FatalErrors.isFatal(new OutOfMemoryError())).isFalse();
        assertThat(FatalErrors.isFatal(new StackOverflowError())).isFalse();
        assertThat(FatalErrors.isFatal(new AssertionError())).isFalse();
        assertThat(FatalErrors.isFatal(new InternalError())).isTrue();
        assertThat(FatalErrors.isFatal(new NoClassDefFoundError())).isTrue();
        assertThat(FatalErrors.isFatal(new IllegalStateException())).isFalse();
    }

    @Test
    void aRecordForwardedTooOftenIsDeadLettered() {
        consumer.updatePartitions(TOPIC, List.of(
                new org.apache.kafka.common.PartitionInfo(TOPIC, 0, null, null, null),
                new org.apache.kafka.common.PartitionInfo(TOPIC, 1, null, null, null)));
        consumer.rebalance(List.of());
        consumer.rebalance(List.of(P0, P1)); // placement learns the partition count on assignment
        String key = keyOfPartition(0);
        byte[] value = WireJson.toBytes(Prompt.of("r-hops", key, "hi"));
        var twice = new ConsumerRecord<>(TOPIC, 1, 0, key, value);
        twice.headers().add(PromptForwarder.FORWARD_HOPS, "2".getBytes(StandardCharsets.US_ASCII));
        var thrice = new ConsumerRecord<>(TOPIC, 1, 1, key, value);
        thrice.headers().add(PromptForwarder.FORWARD_HOPS, "3".getBytes(StandardCharsets.US_ASCII));
        consumer.addRecord(twice);
        consumer.addRecord(thrice);
        intake.pollOnce();

        assertThat(producer.history()).hasSize(2);
        var forwarded = producer.history().get(0);
        assertThat(forwarded.topic()).isEqualTo(TOPIC);
        assertThat(forwarded.partition()).isZero();
        assertThat(new String(forwarded.headers().lastHeader(PromptForwarder.FORWARD_HOPS).value(),
                StandardCharsets.US_ASCII)).isEqualTo("3");
        var letter = WireJson.fromBytes(producer.history().get(1).value(), dev.parley.schemas.DeadLetter.class);
        assertThat(letter.code()).isEqualTo("internal_error");
        assertThat(letter.source().offset()).isEqualTo(1);
        assertThat(letter.reason()).contains("forwarded 3 times").contains("max-forward-hops 3");
        intake.pollOnce();
        assertThat(committed(P1)).isEqualTo(2);
    }

    private static String keyOfPartition(int partition) {
        for (int i = 0; ; i++) {
            String key = "conv-" + i;
            int home = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                    key.getBytes(StandardCharsets.UTF_8))) % 2;
            if (home == partition) {
                return key;
            }
        }
    }

    @Test
    void revocationDropsQueuedTurnsAndCommitsWhatIsDone() {
        addPrompt(P0, "a");
        addPrompt(P0, "a");   // queued behind the first
        intake.pollOnce();
        runJobs(1);           // first done, second starts (queued as a job, not run)

        consumer.rebalance(List.of(P1));   // P0 revoked: the second turn is still "running" until its grace ends

        assertThat(intake.assignment()).containsExactly(P1);
        consumer.rebalance(List.of(P0, P1)); // MockConsumer reports commits of assigned partitions only
        assertThat(committed(P0)).isEqualTo(1);
    }

    @Test
    void aRevocationThatGivesUpOnARunningTurnNamesIt() {
        Logger ledgerLog = (Logger) LoggerFactory.getLogger(PartitionLedger.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ledgerLog.addAppender(logs);
        try {
            addPrompt(P0, "slow-conversation");
            intake.pollOnce();   // its turn starts (queued as a job, never run): it runs past the revoke grace

            consumer.rebalance(List.of(P1));

            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).contains("1 turn(s) still running")
                            .contains("slow-conversation/r-0-0@prompts-0:0"));
        } finally {
            ledgerLog.detachAppender(logs);
        }
    }

    @Test
    void recordsListedAsDoneInCommitMetadataAreSkipped() {
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, "parley-done:v1:1")));
        consumer.rebalance(List.of(P1));
        consumer.rebalance(List.of(P0, P1));
        addPrompt(P0, "a");
        addPrompt(P0, "b");   // offset 1: done before the restart
        intake.pollOnce();

        assertThat(jobs).hasSize(1);
        runJobs(1);
        intake.pollOnce();
        assertThat(committed(P0)).isEqualTo(2);
    }

    @Test
    void aFailedPollRoundIsCountedAndTheLoopGoesOn() throws Exception {
        consumer.setPollException(new KafkaException("broker gone for a moment"));
        Thread loop = new Thread(intake, "intake-under-test");
        loop.start();
        try {
            long since = System.nanoTime();
            while (registry.find("parley.retries").tag("loop", "poll").counter() == null) {
                assertThat(System.nanoTime() - since).as("the failed round counted").isLessThan(30_000_000_000L);
                Thread.sleep(10);
            }
            consumer.schedulePollTask(() -> addPrompt(P0, "after-the-failure"));
            since = System.nanoTime();
            while (jobs.isEmpty()) {
                assertThat(System.nanoTime() - since).as("the next prompt handed out").isLessThan(30_000_000_000L);
                Thread.sleep(10);
            }
            assertThat(intake.isAlive()).isTrue();
            assertThat(registry.find("parley.retries").tag("loop", "poll").counter().count()).isEqualTo(1);
        } finally {
            intake.stop();
            assertThat(intake.awaitStopped(Duration.ofSeconds(30))).isTrue();
        }
    }
}
