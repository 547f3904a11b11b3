package dev.parley.schemas;

import java.util.List;
import java.util.Objects;

/**
 * One of the answers of a prompt that asked for several ({@link GenerationParams#n()}), in {@link Reply#choices()}.
 *
 * @param index            0-based; choice 0 is also the reply's own content and the only one in the history
 * @param content          the answer's text
 * @param finishReason     why this answer ended
 * @param completionTokens tokens this answer generated
 * @param logprobs         the log probability of each of its tokens, or {@code null}: not asked for
 */
public record Choice(int index, String content, FinishReason finishReason, Integer completionTokens,
                     List<TokenLogprob> logprobs) {

    public Choice {
        if (index < 0 || index >= GenerationParams.MAX_N) {
            throw new IllegalArgumentException("choice index must be in [0, " + GenerationParams.MAX_N + "), got "
                    + index);
        }
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(finishReason, "finish_reason");
        logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }
}
