package dev.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.hostile.Draw;
import dev.parley.schemas.hostile.HostilePrompts;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.Rejection;
import dev.parley.schemas.validation.RejectionCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Properties of {@link PromptDecoder} over generated hostile prompts (QuickTheories): it always answers, never throws,
 * never reports a bug ({@code internal_error}), and its reasons name their field and stay small. Seeds are fixed so a
 * run is repeatable; {@code -DQT_SEED=...} replays another. A falsifying record is written whole to
 * {@code target/property-failures/}, ready to become a vector in {@code test-vectors/prompt/invalid/}.
 */
class PromptDecoderPropertiesTest {

    private static final long SEED = 20261207L;
    /** Longest reason a rejection may carry: it travels in a dead letter and a reply. */
    private static final int MAX_REASON_CHARS = 8_192;

    private final PromptDecoder decoder = new PromptDecoder();

    @Test
    void everyGeneratedPromptIsAnsweredWithoutThrowing() {
        qt().withFixedSeed(SEED).withExamples(500).withShrinkCycles(200)
                .forAll(records(HostilePrompts::prompt))
                .checkAssert(this::answersSoundly);
    }

    @Test
    void deepNestingAndHugeArraysInEveryPlaceAreAnswered() {
        qt().withFixedSeed(SEED + 1).withExamples(16).withShrinkCycles(50)
                .forAll(records(draw -> HostilePrompts.oversized(draw, draw.between(30, 3_000),
                        draw.between(1_000, 20_000))))
                .checkAssert(this::answersSoundly);
    }

    private void answersSoundly(HostilePrompts.Record record) {
        PromptDecoder.Result result;
        try {
            result = decoder.decode(record.key(), record.value());
            assertThat(result).isNotNull();
            if (result instanceof PromptDecoder.Rejected rejected) {
                checkRejection(rejected.rejection());
            } else {
                // What is accepted survives its own encoding.
                Prompt prompt = ((PromptDecoder.Accepted) result).prompt();
                assertThat(decoder.decode(record.key(), WireJson.toBytes(prompt)))
                        .isInstanceOf(PromptDecoder.Accepted.class);
            }
        } catch (RuntimeException | AssertionError e) {
            keep(record);
            throw e;
        }
    }

    private static void checkRejection(Rejection rejection) {
        assertThat(rejection.code()).as(rejection.toString()).isNotEqualTo(RejectionCode.INTERNAL_ERROR);
        assertThat(rejection.reason()).isNotBlank().hasSizeLessThan(MAX_REASON_CHARS);
        if (rejection.field() != null) {
            assertThat(rejection.reason()).as(rejection.toString()).contains(rejection.field());
        }
    }

    /** Records from a generator over QuickTheories' randomness, so failures shrink and replay by seed. */
    static Gen<HostilePrompts.Record> records(Function<Draw, HostilePrompts.Record> generator) {
        Gen<HostilePrompts.Record> gen = in -> generator.apply((lo, hi) -> Generate.range(lo, hi).generate(in));
        return gen.describedAs(HostilePrompts.Record::toString);
    }

    private static void keep(HostilePrompts.Record record) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "property-failures"));
            Files.write(dir.resolve("falsified-" + Integer.toHexString(java.util.Arrays.hashCode(record.value()))
                    + ".bin"), record.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
