package dev.parley.schemas.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The decoder's promise: whatever the bytes, an answer and never an exception (audit finding C1). */
class PromptDecoderNeverThrowsTest {

    private static final String SCHEMA_PATH = "$.params.response_format.json_schema.schema";

    /** The audit's reproducer, byte for byte: 224 bytes that once threw Jackson's JsonNodeException out of decode. */
    private static final String AUDIT_REPRODUCER = "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":"
            + "[{\"role\":\"user\",\"content\":\"hi\"}],\"params\":{\"response_format\":{\"type\":\"json_schema\","
            + "\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"array\",\"minItems\":100000000000000000000}}}}}";

    @Test
    void theAuditReproducerIsRefusedAsAnUnsupportedSchema() {
        byte[] value = AUDIT_REPRODUCER.getBytes(StandardCharsets.UTF_8);
        assertThat(value).hasSize(224);

        PromptDecoder.Result result = new PromptDecoder().decode("c1", value);

        Rejection rejection = rejection(result);
        assertThat(rejection.code()).isEqualTo(RejectionCode.UNSUPPORTED_SCHEMA);
        assertThat(rejection.field()).isEqualTo(SCHEMA_PATH + ".minItems");
        assertThat(rejection.reason()).contains("100000000000000000000").contains("from 0 to");
    }

    record Bound(String keyword, String type, String value) {
        @Override
        public String toString() {
            return keyword + "=" + value;
        }
    }

    static List<Bound> bounds() {
        List<Bound> cases = new ArrayList<>();
        String[] values = {"100000000000000000000", "-100000000000000000000", "9223372036854775808",
            "18446744073709551616", "2147483648", "-2147483649", "4294967296", "-1", "2.5", "1e400", "-0.0", "\"5\"",
            "true", "null", "[]", "{}"};
        for (String value : values) {
            cases.add(new Bound("minItems", "array", value));
            cases.add(new Bound("maxItems", "array", value));
            cases.add(new Bound("minLength", "string", value));
            cases.add(new Bound("maxLength", "string", value));
        }
        return cases;
    }

    @ParameterizedTest
    @MethodSource("bounds")
    void aBoundThatIsNoSmallIntegerIsRefusedWithItsPath(Bound bound) {
        String schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"" + bound.type() + "\",\""
                + bound.keyword() + "\":" + bound.value() + "}}}";

        Rejection rejection = rejection(new PromptDecoder().decode("c1", prompt(schema)));

        assertThat(rejection.code()).as(rejection.toString()).isEqualTo(RejectionCode.UNSUPPORTED_SCHEMA);
        assertThat(rejection.field()).isEqualTo(SCHEMA_PATH + ".properties.a." + bound.keyword());
        assertThat(rejection.reason()).contains(rejection.field());
    }

    @Test
    void anUnexpectedFailureBecomesAnInternalErrorNamingTheException() {
        PromptDecoder decoder = new PromptDecoder().checking(prompt -> {
            throw new IllegalStateException("a bug in a check");
        });

        Rejection rejection = rejection(decoder.decode("c1", prompt("{\"type\":\"object\"}")));

        assertThat(rejection.code()).isEqualTo(RejectionCode.INTERNAL_ERROR);
        assertThat(rejection.code().wireName()).isEqualTo("internal_error");
        assertThat(rejection.reason()).contains("java.lang.IllegalStateException").contains("a bug in a check");
    }

    @Test
    void aHugeExceptionMessageIsCutShort() {
        PromptDecoder decoder = new PromptDecoder().checking(prompt -> {
            throw new IllegalArgumentException("x".repeat(100_000));
        });

        Rejection rejection = rejection(decoder.decode("c1", prompt("{\"type\":\"object\"}")));

        assertThat(rejection.code()).isEqualTo(RejectionCode.INTERNAL_ERROR);
        assertThat(rejection.reason().length()).isLessThan(1_000);
    }

    record Oversized(String name, String json, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Oversized> oversized() {
        String many = String.join(",", java.util.Collections.nCopies(200_000, "0"));
        String manyKeys = java.util.stream.IntStream.range(0, 20_000).mapToObj(i -> "\"k" + i + "\":0")
                .collect(java.util.stream.Collectors.joining(","));
        String head = "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",";
        String hi = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        return List.of(
                new Oversized("messages", head + "\"messages\":[" + many + "]}", "$.messages"),
                new Oversized("stop", head + hi + ",\"params\":{\"stop\":[" + many + "]}}", "$.params.stop"),
                new Oversized("metadata", head + hi + ",\"metadata\":{" + manyKeys + "}}", "$.metadata"),
                new Oversized("unknown fields", head + hi + "," + manyKeys + "}", "$"),
                new Oversized("params", head + hi + ",\"params\":{" + manyKeys + "}}", "$.params"),
                new Oversized("message fields", head + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\","
                        + manyKeys + "}]}", "$.messages[0]"),
                new Oversized("tools", head + hi + ",\"tools\":[" + many + "]}", "$.tools"),
                new Oversized("tool calls", head + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                        + "{\"role\":\"assistant\",\"tool_calls\":[" + many + "]}]}", "$.messages[1].tool_calls"));
    }

    /** The validator would build an error per member (seconds on the poll thread); the pre-check answers at once. */
    @ParameterizedTest
    @MethodSource("oversized")
    void aHugeCollectionIsRefusedBeforeTheValidatorBuildsAnErrorPerMember(Oversized input) {
        Rejection rejection = rejection(new PromptDecoder().decode("c1", input.json().getBytes(StandardCharsets.UTF_8)));

        assertThat(rejection.code()).isEqualTo(RejectionCode.SCHEMA_VIOLATION);
        assertThat(rejection.field()).isEqualTo(input.field());
        // One violation, not the validator's "...; $.messages[0]: ...; and 199999 more".
        assertThat(rejection.reason()).startsWith(input.field() + ": must have at most ").doesNotContain("; ");
    }

    private static byte[] prompt(String schema) {
        return ("{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"params\":{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":"
                + schema + "}}}}").getBytes(StandardCharsets.UTF_8);
    }

    private static Rejection rejection(PromptDecoder.Result result) {
        assertThat(result).isInstanceOf(PromptDecoder.Rejected.class);
        return ((PromptDecoder.Rejected) result).rejection();
    }
}
