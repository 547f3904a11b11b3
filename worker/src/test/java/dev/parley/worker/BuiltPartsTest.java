package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker's parts close last built first, all of them even when one fails, and never one handed over. */
class BuiltPartsTest {

    private final List<String> closed = new ArrayList<>();
    private final BuiltParts parts = new BuiltParts();

    /** A part that records its close, and fails it when told to. */
    private final class RecordingPart implements AutoCloseable {
        private final String name;
        private final boolean fails;

        RecordingPart(String name, boolean fails) {
            this.name = name;
            this.fails = fails;
        }

        @Override
        public void close() {
            closed.add(name);
            if (fails) {
                throw new IllegalStateException(name + " refuses to close");
            }
        }
    }

    @Test
    void partsCloseLastBuiltFirst() {
        parts.add("producer", new RecordingPart("producer", false));
        parts.add("consumer", new RecordingPart("consumer", false), part -> part.close());
        parts.add("health", new RecordingPart("health", false));

        parts.close();

        assertThat(closed).containsExactly("health", "consumer", "producer");
    }

    @Test
    void aPartThatFailsToCloseDoesNotKeepTheOthersOpen() {
        parts.add("producer", new RecordingPart("producer", false));
        parts.add("admin", new RecordingPart("admin", true));
        parts.add("chunks", new RecordingPart("chunks", false));

        parts.closeAfter(new IllegalStateException("the consumer could not be made"));

        assertThat(closed).containsExactly("chunks", "admin", "producer");
    }

    @Test
    void aPartHandedOverIsLeftToItsNewOwner() {
        parts.add("producer", new RecordingPart("producer", false));
        RecordingPart consumer = parts.add("consumer", new RecordingPart("consumer", false));

        parts.handOver(consumer);
        parts.close();

        assertThat(closed).containsExactly("producer");
    }

    @Test
    void closingTwiceClosesEachPartOnce() {
        parts.add("producer", new RecordingPart("producer", false));

        parts.close();
        parts.close();

        assertThat(closed).containsExactly("producer");
    }

    @Test
    void anInterruptedCloseStillClosesTheRestAndKeepsTheInterrupt() {
        parts.add("producer", new RecordingPart("producer", false));
        parts.add("intake", "intake", part -> {
            throw new InterruptedException("stopped waiting");
        });

        parts.close();

        assertThat(Thread.interrupted()).as("the interrupt is restored").isTrue();
        assertThat(closed).containsExactly("producer");
    }
}
