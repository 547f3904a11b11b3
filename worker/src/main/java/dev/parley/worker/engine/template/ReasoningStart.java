package dev.parley.worker.engine.template;

/**
 * How one turn's output splits into reasoning and answer: the model's markers, and whether its prompt left the model
 * inside its reasoning (a template that ends the generation prompt with the open marker).
 *
 * @param markers the model's reasoning markers
 * @param opened  the rendered prompt ends with the open marker ({@link ReasoningMarkers#opensIn})
 */
public record ReasoningStart(ReasoningMarkers markers, boolean opened) {

    /** A splitter for the turn's output as it streams. */
    public ReasoningSplitter splitter() {
        return new ReasoningSplitter(markers, opened);
    }

    /** The whole output split at once: the same parts as streaming it through {@link #splitter()}. */
    public ReasoningSplitter.Delta split(String text) {
        ReasoningSplitter splitter = splitter();
        ReasoningSplitter.Delta first = splitter.accept(text);
        ReasoningSplitter.Delta rest = splitter.finish();
        return new ReasoningSplitter.Delta(first.reasoning() + rest.reasoning(), first.content() + rest.content());
    }
}
