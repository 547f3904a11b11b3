package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.TestVectors;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.cpp.NativeEngine;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every invalid shared test vector ends in the dead-letter topic while valid prompts on the same partition flow, on the
 * default (native) engine. A vector larger than the dead letter's payload bound is matched by its size and SHA-256,
 * and its dead letter carries its leading bytes.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class DeadLetterTest {

    /** Above the largest vector (100 KB of content), below Kafka's default 1 MB record limit. */
    private static final int MAX_PROMPT_BYTES = 200_000;

    @Test
    void invalidVectorsAreDeadLetteredAndValidPromptsKeepBeingAnswered(ParleyInfra infra,
                                                                       NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker(harness.config("dlq-worker").maxPromptBytes(MAX_PROMPT_BYTES).build(), engine);
            ParleyClient client = harness.client();
            List<TestVectors.Invalid> vectors = new ArrayList<>();
            for (TestVectors.Invalid vector : TestVectors.locate().invalidPrompts()) {
                if (vector.maxBytes() > 0) {
                    // A size case: make the payload exceed this worker's limit instead.
                    byte[] big = ("{\"request_id\":\"r\",\"conversation_id\":\"conv-1\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"" + "x".repeat(MAX_PROMPT_BYTES) + "\"}]}").getBytes(StandardCharsets.UTF_8);
                    vector = new TestVectors.Invalid(vector.name(), big, vector.key(), vector.code(), null, null, 0);
                }
                vectors.add(vector);
            }

            List<CompletableFuture<Reply>> valid = new ArrayList<>();
            GenerationParams shortAnswer = GenerationParams.DEFAULTS.withMaxTokens(4);
            // Every prompt is sent at once, so the last waits for all before it: no per-request clock, only progress.
            SendOptions patient = SendOptions.builder().params(shortAnswer).timeout(Duration.ofHours(1)).build();
            for (TestVectors.Invalid vector : vectors) {
                harness.sendRaw(vector.key(), vector.bytes());
                valid.add(client.send(harness.prefix + "-conv-" + valid.size(), "still here?", patient));
            }

            assertThat(Progress.awaitAll(valid, Duration.ofSeconds(90), () -> "valid prompts between the vectors"))
                    .allMatch(Reply::isOk);
            List<DeadLetter> letters = harness.deadLetters(vectors.size(), Duration.ofSeconds(60));
            assertThat(letters).hasSize(vectors.size());
            for (TestVectors.Invalid vector : vectors) {
                DeadLetter letter = letters.stream()
                        .filter(l -> carries(l, vector.bytes()) && Objects.equals(l.source().key(), vector.key()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no dead letter for " + vector.name()));
                assertThat(letter.code()).as(vector.name() + ": " + letter.reason()).isEqualTo(vector.code());
                if (vector.field() != null) {
                    assertThat(letter.reason()).as(vector.name()).contains(vector.field());
                    assertThat(letter.field()).isEqualTo(vector.field());
                }
                assertThat(letter.source().topic()).isEqualTo(harness.promptsTopic());
                assertThat(letter.source().partition()).isZero();
                assertThat(letter.source().key()).isEqualTo(vector.key());
                assertThat(letter.worker()).isEqualTo("dlq-worker");
            }
            assertThat(letters).extracting(l -> l.source().offset()).doesNotHaveDuplicates();
        }
    }

    /** Whether the letter holds these bytes whole, or, when truncated, their prefix, their size and their SHA-256. */
    private static boolean carries(DeadLetter letter, byte[] original) {
        if (letter.payloadComplete()) {
            return Arrays.equals(letter.payload(), original);
        }
        byte[] prefix = letter.payload();
        return prefix.length < original.length
                && Arrays.equals(prefix, Arrays.copyOf(original, prefix.length))
                && letter.payloadBytes() == original.length
                && sha256(original).equals(letter.payloadSha256());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
