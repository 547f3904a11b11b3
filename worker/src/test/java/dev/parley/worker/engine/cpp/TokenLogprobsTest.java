package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.parley.schemas.TokenLogprob;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenLogprobsTest {

    private static final String[] PIECES = {"a", "b", "c", "d", "\u00e9"};

    private static byte[] piece(int token) {
        return PIECES[token].getBytes(StandardCharsets.UTF_8);
    }

    private static TokenLogprob entry(int top, int chosen, float... logits) {
        return new TokenLogprobs(top).entry(FloatBuffer.wrap(logits), logits.length, chosen, TokenLogprobsTest::piece);
    }

    @Test
    void theLogprobIsTheLogSoftmaxOfTheRawLogits() {
        float[] logits = {2f, 1f, 0f, -1f, 0.5f};
        double partition = 0;
        for (float logit : logits) {
            partition += Math.exp(logit);
        }

        TokenLogprob entry = entry(0, 1, logits);

        assertThat(entry.token()).isEqualTo("b");
        assertThat(entry.logprob()).isCloseTo(1 - Math.log(partition), within(1e-6));
        assertThat(entry.bytes()).containsExactly((int) 'b');
        assertThat(entry.topLogprobs()).isEmpty();
    }

    @Test
    void theTopAlternativesAreTheMostLikelyInOrderWhateverWasChosen() {
        TokenLogprob entry = entry(3, 3, 0.5f, 3f, -2f, 0.1f, 2f);

        assertThat(entry.topLogprobs()).extracting(TokenLogprob.Alternative::token).containsExactly("b", "\u00e9", "a");
        assertThat(entry.topLogprobs().get(1).bytes()).containsExactly(0xc3, 0xa9);
        assertThat(entry.topLogprobs()).extracting(TokenLogprob.Alternative::logprob).isSortedAccordingTo(
                (x, y) -> Double.compare(y, x));
        double total = entry.topLogprobs().stream().mapToDouble(a -> Math.exp(a.logprob())).sum()
                + Math.exp(entry.logprob());
        assertThat(total).isLessThanOrEqualTo(1.0 + 1e-9);
    }

    @Test
    void asManyAlternativesAsTheVocabularyHasAndTiesKeepTheLowerId() {
        TokenLogprob entry = entry(20, 0, 1f, 1f, 1f);

        assertThat(entry.topLogprobs()).extracting(TokenLogprob.Alternative::token).containsExactly("a", "b", "c");
        assertThat(entry.topLogprobs()).allSatisfy(a -> assertThat(a.logprob()).isCloseTo(-Math.log(3), within(1e-6)));
    }

    @Test
    void aTokenTooUnlikelyForAFloatIsWrittenAsOpenAisFloor() {
        TokenLogprob entry = entry(1, 1, 0f, Float.NEGATIVE_INFINITY);

        assertThat(entry.logprob()).isEqualTo(TokenLogprob.FLOOR);
        assertThat(entry.topLogprobs()).singleElement().satisfies(a -> assertThat(a.logprob()).isEqualTo(0.0));
    }

    @Test
    void aPieceOfACharacterShowsAsTheReplacementCharacterWithItsBytes() {
        TokenLogprob entry = new TokenLogprobs(0).entry(FloatBuffer.wrap(new float[] {0f}), 1, 0,
                token -> new byte[] {(byte) 0xe2});

        assertThat(entry.token()).isEqualTo("\ufffd");
        assertThat(entry.bytes()).isEqualTo(List.of(0xe2));
    }
}
