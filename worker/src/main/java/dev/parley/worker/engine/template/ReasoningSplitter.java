package dev.parley.worker.engine.template;

/**
 * Splits a reasoning model's output, as it streams, into {@code reasoning_content} and {@code content}: text between
 * the open and close markers (or from the start, when the prompt left the model inside its reasoning) is reasoning,
 * the rest is the answer. Reasoning is only recognised at the start of the output, as llama.cpp does; a marker later
 * in the answer is the answer's text. Text that may be the start of a marker is held back until the next piece tells.
 * Not thread-safe: one per generation, fed on the generating thread.
 */
public final class ReasoningSplitter {

    /** What a piece of output adds to each part; either may be empty. */
    public record Delta(String reasoning, String content) {
        static final Delta NONE = new Delta("", "");

        public boolean isEmpty() {
            return reasoning.isEmpty() && content.isEmpty();
        }
    }

    private enum State { START, REASONING, AFTER_REASONING, CONTENT }

    private final ReasoningMarkers markers;
    private final StringBuilder pending = new StringBuilder();
    private State state;

    /**
     * @param startsInReasoning the prompt ended with the open marker ({@link ReasoningMarkers#opensIn})
     */
    public ReasoningSplitter(ReasoningMarkers markers, boolean startsInReasoning) {
        this.markers = markers;
        this.state = startsInReasoning ? State.REASONING : State.START;
    }

    /** Feeds the next piece of output; returns what is certain now. */
    public Delta accept(String piece) {
        pending.append(piece);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = step(reasoning, content);
        }
        return reasoning.isEmpty() && content.isEmpty() ? Delta.NONE
                : new Delta(reasoning.toString(), content.toString());
    }

    /** The end of the output: whatever was held back goes to the part it was in. */
    public Delta finish() {
        String rest = pending.toString();
        pending.setLength(0);
        if (state == State.REASONING) {
            return new Delta(rest, "");
        }
        return new Delta("", state == State.AFTER_REASONING ? rest.stripLeading() : rest);
    }

    /** One step of the state machine; false when it must wait for more text. */
    private boolean step(StringBuilder reasoning, StringBuilder content) {
        switch (state) {
            case START -> {
                String text = pending.toString();
                String lead = text.stripLeading();
                if (lead.startsWith(markers.open())) {
                    pending.delete(0, text.length() - lead.length() + markers.open().length());
                    state = State.REASONING;
                    return true;
                }
                if (markers.open().startsWith(lead)) {
                    return false; // whitespace, or the start of the marker: wait
                }
                state = State.CONTENT;
                return true;
            }
            case REASONING -> {
                int at = pending.indexOf(markers.close());
                if (at >= 0) {
                    reasoning.append(pending, 0, at);
                    pending.delete(0, at + markers.close().length());
                    state = State.AFTER_REASONING;
                    return true;
                }
                int safe = pending.length() - heldBack(markers.close());
                reasoning.append(pending, 0, safe);
                pending.delete(0, safe);
                return false;
            }
            case AFTER_REASONING -> {
                // the answer starts after the blank lines that follow the close marker
                String lead = pending.toString().stripLeading();
                pending.setLength(0);
                pending.append(lead);
                if (lead.isEmpty()) {
                    return false;
                }
                state = State.CONTENT;
                return true;
            }
            default -> {
                content.append(pending);
                pending.setLength(0);
                return false;
            }
        }
    }

    /** How many characters at the end of {@link #pending} could be the start of {@code marker}. */
    private int heldBack(String marker) {
        for (int n = Math.min(marker.length() - 1, pending.length()); n > 0; n--) {
            if (marker.startsWith(pending.substring(pending.length() - n))) {
                return n;
            }
        }
        return 0;
    }
}
