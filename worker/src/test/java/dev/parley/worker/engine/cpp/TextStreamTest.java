package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCharacterSplitAcrossTokensIsShownOnceComplete() {
        TextStream stream = new TextStream(List.of());
        byte[] euro = bytes("€"); // three bytes

        assertThat(stream.push(new byte[] {euro[0]})).isEmpty();
        assertThat(stream.push(new byte[] {euro[1]})).isEmpty();
        assertThat(stream.push(new byte[] {euro[2], 'x'})).isEqualTo("€x");
        assertThat(stream.shown()).isEqualTo("€x");
    }

    @Test
    void textThatMayStartAStopStringIsHeldUntilItCannot() {
        TextStream stream = new TextStream(List.of("END"));

        assertThat(stream.push(bytes("The E"))).isEqualTo("The ");
        assertThat(stream.push(bytes("N"))).isEmpty();
        assertThat(stream.push(bytes("D is near"))).isEmpty();
        assertThat(stream.stopped()).isTrue();
        assertThat(stream.shown()).isEqualTo("The ");
        assertThat(stream.push(bytes("more"))).isEmpty();
        assertThat(stream.finish()).isEmpty();
    }

    @Test
    void heldTextIsReleasedWhenTheStopStringDoesNotFollow() {
        TextStream stream = new TextStream(List.of("END"));

        assertThat(stream.push(bytes("The EN"))).isEqualTo("The ");
        assertThat(stream.push(bytes("TRY"))).isEqualTo("ENTRY");
        assertThat(stream.stopped()).isFalse();
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        TextStream stream = new TextStream(List.of("\n\n", "User:"));

        String shown = stream.push(bytes("Sure. User: hi\n\nmore"));

        assertThat(shown).isEqualTo("Sure. ");
        assertThat(stream.stopped()).isTrue();
        // the order of the list does not matter, only where each occurs
        assertThat(new TextStream(List.of("User:", "\n\n")).push(bytes("Sure. User: hi\n\nmore"))).isEqualTo("Sure. ");
        assertThat(new TextStream(List.of("User:", "\n\n")).push(bytes("Sure.\n\nUser: hi"))).isEqualTo("Sure.");
    }

    @Test
    void finishReleasesHeldTextAndMarksAnIncompleteCharacter() {
        TextStream stream = new TextStream(List.of("STOP"));
        stream.push(bytes("ok ST"));
        byte[] euro = bytes("€");

        stream.push(Arrays.copyOf(euro, 2));

        assertThat(stream.finish()).isEqualTo("ST\uFFFD");
        assertThat(stream.shown()).isEqualTo("ok ST\uFFFD");
    }

    @Test
    void aStopStringSplitAcrossManyTokensIsFound() {
        TextStream stream = new TextStream(List.of("<|end|>"));
        StringBuilder shown = new StringBuilder();
        for (String piece : List.of("a", "<", "|", "en", "d", "|", ">", "b")) {
            shown.append(stream.push(bytes(piece)));
        }
        assertThat(shown).hasToString("a");
        assertThat(stream.stopped()).isTrue();
    }
}
