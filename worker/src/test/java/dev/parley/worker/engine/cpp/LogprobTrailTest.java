package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.TokenLogprob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trail against the real {@link TextStream}, as the decode step drives them. */
class LogprobTrailTest {

    private final List<TokenLogprob> passed = new ArrayList<>();
    private final StringBuilder shown = new StringBuilder();

    private static TokenLogprob entry(String token) {
        return new TokenLogprob(token, -1, TokenLogprob.bytesOf(token.getBytes(StandardCharsets.UTF_8)), List.of());
    }

    private void push(TextStream text, LogprobTrail trail, String token) {
        int start = text.decoded();
        shown.append(text.push(token.getBytes(StandardCharsets.UTF_8)));
        trail.add(entry(token), start, text.decoded());
        passed.addAll(trail.release(text.shownLength()));
    }

    private void finish(TextStream text, LogprobTrail trail) {
        shown.append(text.finish());
        passed.addAll(trail.finish(text.shownLength(), text.stopped()));
    }

    private List<String> tokens() {
        return passed.stream().map(TokenLogprob::token).toList();
    }

    @Test
    void anEntryWaitsForTheTextItProducedToBeShown() {
        TextStream text = new TextStream(List.of("END"));
        LogprobTrail trail = new LogprobTrail();

        push(text, trail, "The");
        push(text, trail, " E");
        assertThat(tokens()).containsExactly("The");
        push(text, trail, "arth");
        assertThat(tokens()).containsExactly("The", " E", "arth");
        finish(text, trail);

        assertThat(String.join("", tokens())).isEqualTo(shown.toString()).isEqualTo("The Earth");
        assertThat(trail.all()).isEqualTo(passed);
    }

    @Test
    void tokensThatOnlySpelledTheStopStringAreLeftOut() {
        TextStream text = new TextStream(List.of("END"));
        LogprobTrail trail = new LogprobTrail();

        push(text, trail, "Go");
        push(text, trail, " E");
        push(text, trail, "N");
        push(text, trail, "D");
        push(text, trail, "more");
        finish(text, trail);

        assertThat(shown).hasToString("Go ");
        // " E" showed its space before the cut; "N", "D" and "more" showed nothing
        assertThat(tokens()).containsExactly("Go", " E");
    }

    @Test
    void aCharacterSplitAcrossTokensGoesOutWithBothItsTokens() {
        TextStream text = new TextStream(List.of());
        LogprobTrail trail = new LogprobTrail();
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);

        int start = text.decoded();
        text.push(new byte[] {euro[0]});
        trail.add(new TokenLogprob("\ufffd", -1, TokenLogprob.bytesOf(new byte[] {euro[0]}), List.of()), start,
                text.decoded());
        passed.addAll(trail.release(text.shownLength()));
        start = text.decoded();
        shown.append(text.push(new byte[] {euro[1], euro[2]}));
        trail.add(new TokenLogprob("\ufffd", -1, TokenLogprob.bytesOf(new byte[] {euro[1], euro[2]}), List.of()),
                start, text.decoded());
        passed.addAll(trail.release(text.shownLength()));

        assertThat(shown).hasToString("\u20ac");
        assertThat(passed).hasSize(2).flatExtracting(TokenLogprob::bytes)
                .containsExactly(euro[0] & 0xff, euro[1] & 0xff, euro[2] & 0xff);
    }
}
