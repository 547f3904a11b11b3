package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.history.HistoryEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hostile-input drill (issue 20): generated hostile prompt records ({@link HostilePrompts}) through Kafka into one
 * worker on the default (native) engine, interleaved with well-behaved multi-turn conversations. Afterwards every
 * hostile record was dead-lettered (at its source offset) or answered, every well-behaved turn was answered and
 * stored in the order sent, every partition's commit is at the end of the topic, and the worker runs and is healthy.
 * The size is {@code -Dparley.hostile.records} (default 1500); every wait is on progress. The worker runs in this
 * JVM, so its log is in this test's output in the surefire report.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class HostileInputDrillTest {

    private static final Logger log = LoggerFactory.getLogger(HostileInputDrillTest.class);
    private static final int RECORDS = Integer.getInteger("parley.hostile.records", 1500);
    private static final int CONVERSATIONS = 8;
    private static final int TURNS = 4;
    private static final int MAX_PROMPT_BYTES = 256 * 1024;
    private static final int PARTITIONS = 3;

    @Test
    void theAuditsReproducerIsDeadLetteredAndTheValidPromptsBehindItAreAnswered(ParleyInfra infra,
            @EngineExtension.Tiny NativeEngine engine) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.createTopics();
            harness.sendRaw("c1", HostilePrompts.C1_REPRODUCER.getBytes(StandardCharsets.UTF_8)); // offset 0
            ParleyClient client = harness.client();
            List<CompletableFuture<Reply>> behind = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                behind.add(client.send(Prompt.of("after-" + i, "c1", "hello " + i)));
            }
            Worker worker = harness.startWorker(harness.config("c1-worker").defaultMaxTokens(4).build(), engine);
            try (TopicOutcomes outcomes = new TopicOutcomes(infra.bootstrapServers(), harness.repliesTopic(),
                    harness.deadLetterTopic())) {
                outcomes.await(Set.of("after-0", "after-1", "after-2"), Set.of("0@0"), Duration.ofSeconds(60),
                        () -> worker.health().problems());
                // internal_error where the decoder throws (it did at d0e6f6b); a plain rejection once it does not
                assertThat(outcomes.deadLetters.get("0@0").get("code").asString()).isIn("internal_error",
                        "unsupported_schema", "invalid_value", "schema_violation");
            }
            assertThat(Progress.awaitAll(behind, Duration.ofSeconds(60), () -> worker.health().problems()))
                    .allSatisfy(reply -> assertThat(reply.isOk()).isTrue());
            TopicOutcomes.awaitCommittedToEnd(infra.bootstrapServers(), harness.prefix + "-workers",
                    harness.promptsTopic(), Duration.ofSeconds(30), () -> worker.health().problems());
            assertThat(harness.history("c1")).extracting(HistoryEntry::requestId)
                    .containsExactly("after-0", "after-1", "after-2");
        }
    }

    @Test
    void hostileRecordsAreDeadLetteredOrAnsweredAndConversationsGoOnInOrder(ParleyInfra infra,
            @EngineExtension.Tiny NativeEngine engine) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, PARTITIONS)) {
            Worker worker = harness.startWorker(harness.config("hostile-worker").maxPromptBytes(MAX_PROMPT_BYTES)
                    .defaultMaxTokens(4).maxBufferedRecords(500).build(), engine);
            ParleyClient client = harness.client();
            HostilePrompts hostile = new HostilePrompts(20L);
            PromptDecoder decoder = new PromptDecoder(MAX_PROMPT_BYTES);
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            Map<String, Integer> kinds = new HashMap<>();
            List<CompletableFuture<Reply>> turns = new ArrayList<>();
            long started = System.nanoTime();
            try (var producer = harness.rawProducer()) {
                for (int i = 0; i < RECORDS; i++) {
                    HostilePrompts.Hostile record = hostile.next(i);
                    kinds.merge(record.kind(), 1, Integer::sum);
                    expected.add(answerable(decoder, record, harness, worker, engine.callsTools()));
                    acks.add(producer.send(new ProducerRecord<>(harness.promptsTopic(), record.key(), record.value())));
                    if (i % (RECORDS / TURNS) == 0 && i / (RECORDS / TURNS) < TURNS) {
                        int turn = i / (RECORDS / TURNS);
                        for (int c = 0; c < CONVERSATIONS; c++) {
                            turns.add(client.send(Prompt.of("v-" + c + "-" + turn, "vc-" + c, "turn " + turn)));
                        }
                    }
                }
            }
            Set<String> wantedReplies = new HashSet<>();
            Set<String> wantedDeadLetters = new HashSet<>();
            for (int i = 0; i < RECORDS; i++) {
                RecordMetadata sent = acks.get(i).get();
                if (expected.get(i) != null) {
                    wantedReplies.add(expected.get(i));
                } else {
                    wantedDeadLetters.add(sent.partition() + "@" + sent.offset());
                }
            }
            try (TopicOutcomes outcomes = new TopicOutcomes(infra.bootstrapServers(), harness.repliesTopic(),
                    harness.deadLetterTopic())) {
                outcomes.await(wantedReplies, wantedDeadLetters, Duration.ofSeconds(60),
                        () -> "health: " + worker.health().problems() + "; kinds " + kinds);
                log.info("Hostile drill: {} records {} -> {} dead-lettered, {} answered {}; {} conversations x {} "
                                + "turns, in {} s", RECORDS, kinds, wantedDeadLetters.size(), wantedReplies.size(),
                        outcomes.statuses, CONVERSATIONS, TURNS,
                        String.format("%.1f", (System.nanoTime() - started) / 1e9));
                // An accepted prompt is generated for, whatever its text: none is refused by the transcript split
                // (lone surrogates and control characters once were, and failed their conversations for good).
                assertThat(outcomes.replies.values().stream().flatMap(List::stream)
                        .map(reply -> reply.path("error").path("message").asString(""))
                        .filter(message -> message.contains("rewrote a message"))).isEmpty();
            }
            assertThat(Progress.awaitAll(turns, Duration.ofSeconds(60), () -> worker.health().problems()))
                    .allSatisfy(reply -> assertThat(reply.isOk()).as(reply.toString()).isTrue());
            for (int c = 0; c < CONVERSATIONS; c++) {
                List<String> order = new ArrayList<>();
                for (int turn = 0; turn < TURNS; turn++) {
                    order.add("v-" + c + "-" + turn);
                }
                assertThat(harness.history("vc-" + c)).extracting(HistoryEntry::requestId).as("vc-" + c)
                        .containsExactlyElementsOf(order);
            }
            TopicOutcomes.awaitCommittedToEnd(infra.bootstrapServers(), harness.prefix + "-workers",
                    harness.promptsTopic(), Duration.ofSeconds(30), () -> worker.health().problems());
            assertThat(wantedDeadLetters).isNotEmpty();
            assertThat(worker.isRunning()).isTrue();
            assertThat(worker.health().healthy()).as(worker.health().problems()).isTrue();
        }
    }

    /**
     * The request id a record should be answered under, or {@code null} when it should be dead-lettered: decoded
     * here as the worker decodes it (a decoder that throws means a dead letter: the worker's guard makes one).
     */
    private static String answerable(PromptDecoder decoder, HostilePrompts.Hostile record, WorkerHarness harness,
                                     Worker worker, boolean callsTools) {
        try {
            if (decoder.decode(record.key(), record.value()) instanceof PromptDecoder.Accepted accepted
                    && (accepted.prompt().replyTo() == null || accepted.prompt().replyTo().equals(harness.repliesTopic()))
                    && (accepted.prompt().model() == null
                    || accepted.prompt().model().equals(worker.servedModel().name()))
                    // A prompt asking for tools is dead-lettered unsupported_feature by an engine that cannot call them.
                    && (!accepted.prompt().usesTools() || callsTools)) {
                return accepted.prompt().requestId();
            }
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
    }
}
