package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void aTerminalRedrawErasesWhatALongerLineLeftAndTheLastEndsTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);

        bar.update(0, 10, 0, 0);
        bar.update(5, 10, 4, 1);
        bar.update(10, 10, 9, 1);

        String text = bytes.toString(StandardCharsets.UTF_8);
        String[] redraws = text.split("\r", -1);
        assertThat(redraws).hasSize(4); // nothing before the first \r
        assertThat(redraws[0]).isEmpty();
        for (int i = 1; i < redraws.length; i++) {
            assertThat(redraws[i]).endsWith(i < 3 ? "\u001b[K" : "\u001b[K\n");
        }
        assertThat(text).endsWith("\u001b[K\n").contains("10/10 100%").contains("ok 9  failed 1");
    }

    @Test
    void withoutATerminalEachUpdateIsALine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);

        bar.update(0, 2, 0, 0);
        bar.update(2, 2, 2, 0);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r").doesNotContain("\u001b");
        assertThat(text.lines()).hasSize(2);
    }
}
