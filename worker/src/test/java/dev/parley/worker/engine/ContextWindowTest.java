package dev.parley.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextWindowTest {

    /** Every message costs 10 tokens, the system prompt 5. */
    private static int[] render(Transcript transcript) {
        int tokens = (transcript.system() == null ? 0 : 5);
        for (Exchange e : transcript.history()) {
            tokens += 10 * e.messages().size();
        }
        tokens += 10 * transcript.pending().size();
        return new int[tokens];
    }

    private static Transcript transcript(int turns) {
        List<Exchange> history = new ArrayList<>();
        for (int i = 0; i < turns; i++) {
            history.add(new Exchange(List.of(ChatMessage.user("q" + i), ChatMessage.assistant("a" + i))));
        }
        return new Transcript("sys", history, List.of(ChatMessage.user("new")));
    }

    @Test
    void keepsEverythingWhenItFits() {
        var fitted = new ContextWindow(200, 0.25).fit("c", transcript(5), 50, ContextWindowTest::render);

        assertThat(fitted.droppedTurns()).isZero();
        assertThat(fitted.tokens()).hasSize(5 + 100 + 10);
    }

    @Test
    void dropsOldestTurnsLeavingHeadroomAndKeepsThatStartWhileItFits() {
        ContextWindow window = new ContextWindow(200, 0.25);

        // 10 turns = 215 tokens + 50 answer: over 200. Target 150: 5 + 20k + 10 + 50 <= 150 => k = 4 turns kept.
        var first = window.fit("c", transcript(10), 50, ContextWindowTest::render);
        assertThat(first.droppedTurns()).isEqualTo(6);
        assertThat(first.tokens().length + 50).isLessThanOrEqualTo(150);

        // The next turn starts from the same point (same first tokens, so the cache prefix survives).
        var second = window.fit("c", transcript(11), 50, ContextWindowTest::render);
        assertThat(second.droppedTurns()).isEqualTo(6);
        var other = window.fit("other", transcript(11), 50, ContextWindowTest::render);
        assertThat(other.droppedTurns()).isEqualTo(7);
    }

    /** The newest {@code kept} of {@code turns} turns, as a tail read from a bounded history gives them. */
    private static Transcript tail(int turns, int kept) {
        Transcript whole = transcript(turns);
        return whole.withoutOldest(turns - kept);
    }

    @Test
    void aTailRendersTheSamePromptAndCountsItsEarlierTurnsAsDropped() {
        ContextWindow whole = new ContextWindow(200, 0.25);
        ContextWindow fromTail = new ContextWindow(200, 0.25);

        var first = whole.fit("c", transcript(10), 50, ContextWindowTest::render);
        var firstFromTail = fromTail.fit("c", tail(10, 7), 50, ContextWindowTest::render);
        assertThat(firstFromTail.droppedTurns()).isEqualTo(first.droppedTurns()).isEqualTo(6);
        assertThat(firstFromTail.tokens()).isEqualTo(first.tokens());

        // The window's start is a turn of the conversation: it stays put while the tail slides on.
        var second = whole.fit("c", transcript(11), 50, ContextWindowTest::render);
        var secondFromTail = fromTail.fit("c", tail(11, 7), 50, ContextWindowTest::render);
        assertThat(secondFromTail.droppedTurns()).isEqualTo(second.droppedTurns()).isEqualTo(6);
    }

    @Test
    void turnsNoLongerStoredCountAsDroppedWhenTheRestFits() {
        var fitted = new ContextWindow(200, 0.25).fit("c", tail(40, 3), 50, ContextWindowTest::render);

        assertThat(fitted.droppedTurns()).isEqualTo(37);
        assertThat(fitted.tokens()).hasSize(5 + 60 + 10);
    }

    @Test
    void aTurnThatCanNeverFitIsRefusedWithTheNumbers() {
        assertThatThrownBy(() -> new ContextWindow(60, 0.25).fit("c", transcript(3), 50, ContextWindowTest::render))
                .isInstanceOf(ContextOverflowException.class)
                .hasMessageContaining("65 tokens").hasMessageContaining("60");
    }
}
