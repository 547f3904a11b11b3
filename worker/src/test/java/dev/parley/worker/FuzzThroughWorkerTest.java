package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.PromptMutator;
import dev.parley.schemas.TestVectors;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.kafka.ProducerAcks;
import dev.parley.worker.engine.cpp.NativeEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ten thousand mutants of valid prompts through Kafka into one worker: each ends in the dead-letter topic (with its
 * source offset) or in a reply to its request id, on the default (native) engine; the worker stays up and every
 * partition's commit reaches the end.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class FuzzThroughWorkerTest {

    private static final Logger log = LoggerFactory.getLogger(FuzzThroughWorkerTest.class);
    private static final int MUTANTS = 10_000;
    private static final int MAX_PROMPT_BYTES = 4096;

    private record Sent(int partition, long offset, String requestId) {
    }

    @Test
    void everyMutantEndsInTheDeadLetterTopicOrAReply(ParleyInfra infra, @EngineExtension.Tiny NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 4)) {
            Worker worker = harness.startWorker(harness.config("fuzz-worker").maxPromptBytes(MAX_PROMPT_BYTES)
                    .maxBufferedRecords(500).build(), engine);
            PromptMutator mutator = new PromptMutator(7L, TestVectors.locate().validPrompts());
            PromptDecoder decoder = new PromptDecoder(MAX_PROMPT_BYTES);
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<String> expectedRequest = new ArrayList<>();
            long started = System.nanoTime();
            List<RecordMetadata> metadata;
            try (var producer = harness.rawProducer()) {
                for (int i = 0; i < MUTANTS; i++) {
                    // Many conversations, so histories stay short: the drill is about intake, not prefill speed.
                    PromptMutator.Mutant mutant = mutator.next(i, 5000, 1);
                    var outcome = decoder.decode(mutant.key(), mutant.value());
                    // Accepted prompts are answered, unless their reply_to topic does not exist: dead-lettered too.
                    // So are prompts naming another model than the worker serves (unknown_model), and prompts with
                    // tools on an engine that cannot call them (unsupported_feature).
                    boolean answerable = outcome instanceof PromptDecoder.Accepted a
                            && (a.prompt().replyTo() == null || a.prompt().replyTo().equals(harness.repliesTopic()))
                            && (a.prompt().model() == null || a.prompt().model().equals(worker.servedModel().name()))
                            && (!a.prompt().usesTools() || engine.callsTools());
                    expectedRequest.add(answerable ? ((PromptDecoder.Accepted) outcome).prompt().requestId() : null);
                    // A record without a key is spread over partitions; the worker must dead-letter it wherever.
                    acks.add(producer.send(new ProducerRecord<>(harness.promptsTopic(), mutant.key(), mutant.value())));
                }
                // Progress, not a total: the sends fail the drill when none was acknowledged for a minute.
                metadata = ProducerAcks.await(producer, acks, Duration.ofMinutes(1),
                        () -> "worker health: " + worker.health().problems());
            }
            List<Sent> sent = new ArrayList<>();
            for (int i = 0; i < MUTANTS; i++) {
                sent.add(new Sent(metadata.get(i).partition(), metadata.get(i).offset(), expectedRequest.get(i)));
            }
            Set<String> wantedReplies = sent.stream().map(Sent::requestId).filter(r -> r != null).collect(Collectors.toSet());
            Set<String> wantedDeadLetters = sent.stream().filter(s -> s.requestId() == null)
                    .map(s -> s.partition() + "@" + s.offset()).collect(Collectors.toSet());

            try (TopicOutcomes outcomes = new TopicOutcomes(infra.bootstrapServers(), harness.repliesTopic(),
                    harness.deadLetterTopic())) {
                // Progress, not a total: give up only when nothing arrived for a minute.
                outcomes.await(wantedReplies, wantedDeadLetters, Duration.ofMinutes(1), () -> worker.health().problems());
                double seconds = (System.nanoTime() - started) / 1e9;
                log.info("Fuzz through the worker: {} mutants, {} accepted and answered {}, {} dead-lettered, in {} s",
                        MUTANTS, wantedReplies.size(), outcomes.statuses, wantedDeadLetters.size(),
                        String.format("%.1f", seconds));
            }
            assertThat(wantedDeadLetters).isNotEmpty();
            assertThat(wantedReplies).isNotEmpty();
            assertThat(worker.isRunning()).isTrue();
            // No partition stopped moving: the group's commits reach the end of every partition.
            TopicOutcomes.awaitCommittedToEnd(infra.bootstrapServers(), harness.prefix + "-workers",
                    harness.promptsTopic(), Duration.ofSeconds(30), () -> worker.health().problems());
        }
    }
}
