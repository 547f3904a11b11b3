package dev.parley.worker.engine.template;

import java.util.List;
import java.util.Optional;

/**
 * How a reasoning model marks its thinking, read off its chat template: {@code <think>...</think>} (Qwen 3, QwQ,
 * DeepSeek R1, SmolLM3), {@code [THINK]...[/THINK]} (Magistral, Ministral reasoning), {@code <seed:think>} (Seed-OSS),
 * {@code <|START_THINKING|>} (Command A reasoning).
 *
 * @param open  the text that opens the reasoning
 * @param close the text that closes it; what follows is the answer
 */
public record ReasoningMarkers(String open, String close) {

    private static final List<ReasoningMarkers> KNOWN = List.of(
            new ReasoningMarkers("<seed:think>", "</seed:think>"),
            new ReasoningMarkers("<think>", "</think>"),
            new ReasoningMarkers("[THINK]", "[/THINK]"),
            new ReasoningMarkers("<|START_THINKING|>", "<|END_THINKING|>"));

    public ReasoningMarkers {
        if (open == null || open.isEmpty() || close == null || close.isEmpty()) {
            throw new IllegalArgumentException("reasoning markers must not be empty");
        }
    }

    /** The markers the template writes or reads, or empty for a model that does not reason aloud. */
    public static Optional<ReasoningMarkers> of(String templateSource) {
        if (templateSource == null) {
            return Optional.empty();
        }
        return KNOWN.stream().filter(m -> templateSource.contains(m.close())).findFirst();
    }

    /**
     * Whether a rendered prompt leaves the model inside its reasoning: templates such as DeepSeek R1's end the
     * generation prompt with the open marker, so the output starts with thinking and never writes the marker.
     */
    public boolean opensIn(String renderedPrompt) {
        return renderedPrompt.stripTrailing().endsWith(open);
    }

    /** The answer without its reasoning: the text after the last close marker (blank lines after it dropped). */
    public String answerOf(String text) {
        int at = text.lastIndexOf(close);
        return at < 0 ? text : text.substring(at + close.length()).replaceFirst("^\\s+", "");
    }
}
