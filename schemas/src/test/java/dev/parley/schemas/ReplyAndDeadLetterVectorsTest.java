package dev.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.codec.JsonDeserializer;
import dev.parley.schemas.codec.JsonSerializer;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.Violation;
import dev.parley.schemas.validation.WireSchema;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ReplyAndDeadLetterVectorsTest {

    private static final WireSchema REPLY = WireSchema.load(WireSchema.REPLY_V1);
    private static final WireSchema DEAD_LETTER = WireSchema.load(WireSchema.DEAD_LETTER_V1);
    private static final WireSchema CHUNK = WireSchema.load(WireSchema.CHUNK_V1);
    private static final WireSchema CANCEL = WireSchema.load(WireSchema.CANCEL_V1);

    static List<TestVectors.Valid> validCancels() {
        return TestVectors.locate().validCancels();
    }

    static List<TestVectors.Invalid> invalidCancels() {
        return TestVectors.locate().invalidCancels();
    }

    @ParameterizedTest
    @MethodSource("validCancels")
    void validCancelValidatesAndRoundTrips(TestVectors.Valid vector) {
        assertThat(CANCEL.validate(WireJson.mapper().readTree(vector.bytes()))).isEmpty();
        Cancel cancel = WireJson.fromBytes(vector.bytes(), Cancel.class);
        assertThat(CANCEL.validate(WireJson.mapper().readTree(WireJson.toBytes(cancel)))).isEmpty();
        assertThat(WireJson.fromBytes(WireJson.toBytes(cancel), Cancel.class)).isEqualTo(cancel);
    }

    @ParameterizedTest
    @MethodSource("invalidCancels")
    void invalidCancelFailsNamingTheField(TestVectors.Invalid vector) {
        assertThat(CANCEL.validate(WireJson.mapper().readTree(vector.bytes())))
                .anySatisfy(v -> assertThat(v.message()).contains(vector.field()));
    }

    static List<TestVectors.Valid> validChunks() {
        return TestVectors.locate().validChunks();
    }

    static List<TestVectors.Invalid> invalidChunks() {
        return TestVectors.locate().invalidChunks();
    }

    @ParameterizedTest
    @MethodSource("validChunks")
    void validChunkValidatesAndRoundTrips(TestVectors.Valid vector) {
        assertThat(CHUNK.validate(WireJson.mapper().readTree(vector.bytes()))).isEmpty();
        Chunk chunk = WireJson.fromBytes(vector.bytes(), Chunk.class);
        assertThat(WireJson.fromBytes(WireJson.toBytes(chunk), Chunk.class)).isEqualTo(chunk);
        assertThat(CHUNK.validate(WireJson.mapper().readTree(WireJson.toBytes(chunk)))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("invalidChunks")
    void invalidChunkFailsNamingTheField(TestVectors.Invalid vector) {
        assertThat(CHUNK.validate(WireJson.mapper().readTree(vector.bytes())))
                .anySatisfy(v -> assertThat(v.message()).contains(vector.field()));
    }

    static List<TestVectors.Valid> validReplies() {
        return TestVectors.locate().validReplies();
    }

    static List<TestVectors.Invalid> invalidReplies() {
        return TestVectors.locate().invalidReplies();
    }

    static List<TestVectors.Valid> validDeadLetters() {
        return TestVectors.locate().validDeadLetters();
    }

    @ParameterizedTest
    @MethodSource("validReplies")
    void validReplyValidatesAndRoundTripsThroughTheKafkaSerdes(TestVectors.Valid vector) {
        assertThat(REPLY.validate(WireJson.mapper().readTree(vector.bytes()))).isEmpty();

        Reply reply = new JsonDeserializer<>(Reply.class).deserialize("t", vector.bytes());
        byte[] written = new JsonSerializer<Reply>().serialize("t", reply);

        assertThat(REPLY.validate(WireJson.mapper().readTree(written))).isEmpty();
        assertThat(new JsonDeserializer<>(Reply.class).deserialize("t", written)).isEqualTo(reply);
    }

    @org.junit.jupiter.api.Test
    void diskTokensAreReadAndAnOlderReplyWithoutThemHasNone() {
        List<TestVectors.Valid> replies = validReplies();
        Reply fromDisk = WireJson.fromBytes(replies.stream().filter(v -> v.name().equals("restored-from-disk.json"))
                .findFirst().orElseThrow().bytes(), Reply.class);
        Reply older = WireJson.fromBytes(replies.stream().filter(v -> v.name().equals("ok.json"))
                .findFirst().orElseThrow().bytes(), Reply.class);

        assertThat(fromDisk.usage().diskTokens()).isEqualTo(1180).isEqualTo(fromDisk.usage().cachedTokens());
        assertThat(fromDisk.usage().reusedInPlaceTokens()).isZero();
        assertThat(older.usage().diskTokens()).isZero();
        assertThat(new String(WireJson.toBytes(fromDisk), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"disk_tokens\":1180");
    }

    @ParameterizedTest
    @MethodSource("invalidReplies")
    void invalidReplyFailsNamingTheField(TestVectors.Invalid vector) {
        List<Violation> violations = REPLY.validate(WireJson.mapper().readTree(vector.bytes()));

        assertThat(violations).isNotEmpty();
        assertThat(violations).anySatisfy(v -> assertThat(v.message()).contains(vector.field()));
    }

    @ParameterizedTest
    @MethodSource("validDeadLetters")
    void validDeadLetterValidatesAndRoundTrips(TestVectors.Valid vector) {
        assertThat(DEAD_LETTER.validate(WireJson.mapper().readTree(vector.bytes()))).isEmpty();

        DeadLetter letter = WireJson.fromBytes(vector.bytes(), DeadLetter.class);

        assertThat(WireJson.fromBytes(WireJson.toBytes(letter), DeadLetter.class)).isEqualTo(letter);
        assertThat(DEAD_LETTER.validate(WireJson.mapper().readTree(WireJson.toBytes(letter)))).isEmpty();
    }
}
