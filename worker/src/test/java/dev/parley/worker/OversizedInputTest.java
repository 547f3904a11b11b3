package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.metrics.ParleyMeter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Records at, just below and above max-prompt-bytes, compressed and not, a 900 KB schema violation and a 2.6 MB
 * record that gzip made small: each is answered or dead-lettered with a letter that fits, and a valid prompt sent
 * right after it on the same partition is answered. On the default (native) engine.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class OversizedInputTest {

    private static final int LIMIT = 1_048_576; // the default max-prompt-bytes
    private static final GenerationParams SHORT = GenerationParams.DEFAULTS.withMaxTokens(4);

    /** A schema-valid prompt of exactly {@code size} bytes, its text spread over messages of at most 100 000 chars. */
    static byte[] promptOfSize(String requestId, String conversation, int size) {
        String head = "{\"request_id\":\"" + requestId + "\",\"conversation_id\":\"" + conversation + "\",\"messages\":[";
        String tail = "]}";
        StringBuilder json = new StringBuilder(head);
        int room = size - head.length() - tail.length();
        String open = "{\"role\":\"user\",\"content\":\"";
        String close = "\"}";
        while (room > 0) {
            int overhead = open.length() + close.length() + (json.length() > head.length() ? 1 : 0);
            int text = Math.min(100_000, room - overhead);
            if (json.length() > head.length()) {
                json.append(',');
            }
            json.append(open).append("word ".repeat(text / 5)).append("w".repeat(text % 5)).append(close);
            room -= overhead + text;
        }
        byte[] bytes = json.append(tail).toString().getBytes(StandardCharsets.US_ASCII);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static KafkaProducer<String, byte[]> producer(ParleyInfra infra, boolean gzip) {
        return new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers(),
                "compression.type", gzip ? "gzip" : "none", "max.request.size", String.valueOf(8 << 20),
                "linger.ms", "0"), new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void anyRecordSizeIsAnsweredOrDeadLetteredAndThePartitionKeepsMoving(ParleyInfra infra, NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.createTopics();
            Worker worker = harness.startWorker("big-worker", engine);
            ParleyClient client = harness.client();
            byte[] atLimit = promptOfSize("r-at", "big", LIMIT);
            byte[] below = promptOfSize("r-below", "big", LIMIT - 1);
            byte[] above = promptOfSize("r-above", "big", LIMIT + 1);
            byte[] invalid900k = ("{\"request_id\":\"r-900k\",\"conversation_id\":\"big\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"" + "x".repeat(900_000) + "\"}]}").getBytes(StandardCharsets.US_ASCII);
            byte[] huge = promptOfSize("r-huge", "big", 2_600_000);

            record Case(String name, byte[] value, boolean gzip) {
            }
            List<Case> cases = List.of(new Case("at the limit, gzip", atLimit, true),
                    new Case("one below, gzip", below, true), new Case("one above, gzip", above, true),
                    new Case("900 KB schema violation, plain", invalid900k, false),
                    new Case("2.6 MB, gzip", huge, true));
            List<CompletableFuture<Reply>> followUps = new java.util.ArrayList<>();
            try (var plain = producer(infra, false); var gzip = producer(infra, true)) {
                for (Case c : cases) {
                    (c.gzip() ? gzip : plain).send(new ProducerRecord<>(harness.promptsTopic(), "big", c.value())).get();
                    followUps.add(client.send("big", "still answering after " + c.name() + "?",
                            SendOptions.builder().params(SHORT).build()));
                }
            }
            assertThat(Progress.awaitAll(followUps, Duration.ofMinutes(2), () -> "follow-ups of oversized records"))
                    .as("every valid prompt after a big record is answered").allMatch(Reply::isOk);

            List<DeadLetter> letters = harness.deadLetters(3, Duration.ofSeconds(60));
            assertThat(letters).extracting(l -> l.source().offset()).doesNotHaveDuplicates();
            assertThat(letters).hasSize(3);
            for (byte[] original : List.of(above, invalid900k, huge)) {
                DeadLetter letter = letters.stream().filter(l -> l.payloadBytes() == original.length).findFirst()
                        .orElseThrow(() -> new AssertionError("no dead letter of " + original.length + " bytes"));
                assertThat(letter.payloadTruncated()).isTrue();
                assertThat(letter.payloadSha256()).isEqualTo(sha256(original));
                assertThat(letter.payload()).isEqualTo(Arrays.copyOf(original, 65_536));
                assertThat(letter.code()).isEqualTo(original == invalid900k ? "schema_violation" : "too_large");
            }
            // The two that fit are answered (their text cannot fit a 2048-token context: an error reply says so).
            List<Reply> replies = harness.readAll(harness.repliesTopic(), 2 + cases.size(), Duration.ofSeconds(30))
                    .stream().map(r -> dev.parley.schemas.codec.WireJson.fromBytes(r.value(), Reply.class)).toList();
            assertThat(replies).filteredOn(r -> r.requestId().equals("r-at") || r.requestId().equals("r-below"))
                    .hasSize(2).allSatisfy(r -> assertThat(r.error().code()).isEqualTo("context_overflow"));
            assertThat(harness.registry.find(ParleyMeter.RETRIES.meterName()).counters())
                    .as("every dead letter fit at the first attempt").isEmpty();
            assertThat(worker.health().healthy()).as(worker.health().problems()).isTrue();
        }
    }

    @Test
    void aDeadLetterTheBrokerRefusesIsShrunkAndStillArrives(ParleyInfra infra, NativeEngine engine) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.createTopics();
            // A producer limit far below the dead letter's 64 KiB payload: the first send fails for good.
            harness.startWorker(harness.config("small-producer").kafka("max.request.size", "20000").build(), engine);
            ParleyClient client = harness.client();
            byte[] above = promptOfSize("r-above", "shrink", LIMIT + 1);
            try (var gzip = producer(infra, true)) {
                gzip.send(new ProducerRecord<>(harness.promptsTopic(), "shrink", above)).get();
            }
            Reply after = client.send("shrink", "and now?", SendOptions.builder().params(SHORT).build()).join();
            assertThat(after.isOk()).isTrue();
            DeadLetter letter = harness.deadLetters(1, Duration.ofSeconds(60)).get(0);
            assertThat(letter.payload()).hasSize(1024).isEqualTo(Arrays.copyOf(above, 1024));
            assertThat(letter.payloadBytes()).isEqualTo(above.length);
            assertThat(letter.payloadSha256()).isEqualTo(sha256(above));
            assertThat(harness.registry.get(ParleyMeter.RETRIES.meterName()).tag("loop", "dead_letter").counter()
                    .count()).isEqualTo(1.0);
        }
    }
}
