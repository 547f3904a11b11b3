package dev.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PromptVectorsTest {

    static List<TestVectors.Valid> validPrompts() {
        return TestVectors.locate().validPrompts();
    }

    static List<TestVectors.Invalid> invalidPrompts() {
        return TestVectors.locate().invalidPrompts();
    }

    @ParameterizedTest
    @MethodSource("validPrompts")
    void validPromptIsAcceptedAndRoundTrips(TestVectors.Valid vector) {
        var tree = WireJson.mapper().readTree(vector.bytes());
        String key = tree.get("conversation_id").asString();

        var result = new PromptDecoder().decode(key, vector.bytes());

        assertThat(result).isInstanceOf(PromptDecoder.Accepted.class);
        Prompt prompt = ((PromptDecoder.Accepted) result).prompt();
        byte[] reencoded = WireJson.toBytes(prompt);
        var again = new PromptDecoder().decode(key, reencoded);
        assertThat(again).isInstanceOf(PromptDecoder.Accepted.class);
        assertThat(((PromptDecoder.Accepted) again).prompt()).isEqualTo(prompt);
    }

    @ParameterizedTest
    @MethodSource("invalidPrompts")
    void invalidPromptIsRejectedWithReasonNamingTheField(TestVectors.Invalid vector) {
        PromptDecoder decoder = vector.maxBytes() > 0 ? new PromptDecoder(vector.maxBytes()) : new PromptDecoder();

        var result = decoder.decode(vector.key(), vector.bytes());

        assertThat(result).as(vector.name()).isInstanceOf(PromptDecoder.Rejected.class);
        var rejection = ((PromptDecoder.Rejected) result).rejection();
        assertThat(rejection.code().wireName()).as(rejection.toString()).isEqualTo(vector.code());
        if (vector.field() != null) {
            assertThat(rejection.reason()).as("reason names the field").contains(vector.field());
            assertThat(rejection.field()).isEqualTo(vector.field());
        }
        if (vector.reasonContains() != null) {
            assertThat(rejection.reason()).contains(vector.reasonContains());
        }
    }

    @Test
    void priorityIsReadFromTheWireAndDefaultsToInteractive() {
        TestVectors vectors = TestVectors.locate();
        Prompt batch = decodeValid(vectors, "batch-priority.json");
        Prompt interactive = decodeValid(vectors, "interactive-priority.json");
        Prompt minimal = decodeValid(vectors, "minimal.json");

        assertThat(batch.priorityOrDefault()).isEqualTo(Priority.BATCH);
        assertThat(interactive.priorityOrDefault()).isEqualTo(Priority.INTERACTIVE);
        assertThat(minimal.priority()).isNull();
        assertThat(minimal.priorityOrDefault()).isEqualTo(Priority.INTERACTIVE);
        assertThat(WireJson.toString(minimal)).doesNotContain("priority");
        assertThat(WireJson.toString(batch)).contains("\"priority\":\"batch\"");
    }

    private static Prompt decodeValid(TestVectors vectors, String name) {
        TestVectors.Valid vector = vectors.validPrompts().stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no valid prompt vector " + name));
        var result = new PromptDecoder().decode("conv-1", vector.bytes());
        assertThat(result).as(name).isInstanceOf(PromptDecoder.Accepted.class);
        return ((PromptDecoder.Accepted) result).prompt();
    }
}
