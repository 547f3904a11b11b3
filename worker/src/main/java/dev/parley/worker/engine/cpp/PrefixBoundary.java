package dev.parley.worker.engine.cpp;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Transcript;
import java.util.List;
import java.util.function.Function;

/**
 * Where a prompt's shareable prefix ends: after the template's opening, the system prompt and the template text that
 * follows it, up to the first message's own text. Found as the tokens the prompt has in common with the rendering of
 * its system prompt followed by an empty user message, so it is the same for every conversation with that system
 * prompt whatever comes after it, and it never reaches into a message's text (which templates tokenize apart).
 * Conversations without a system prompt, or with one whose prefix is shorter than the minimum, share nothing.
 */
final class PrefixBoundary {

    private PrefixBoundary() {
    }

    /**
     * The length of {@code prompt}'s shareable prefix, or 0.
     *
     * @param transcript what {@code prompt} was rendered from
     * @param prompt     its tokens
     * @param tokenize   the model's rendering and tokenization of a transcript
     * @param minTokens  shorter prefixes are not shared
     */
    static int of(Transcript transcript, int[] prompt, Function<Transcript, int[]> tokenize, int minTokens) {
        String system = transcript.system();
        if (system == null || system.isBlank()) {
            return 0;
        }
        int[] head = tokenize.apply(new Transcript(system, List.of(), List.of(ChatMessage.user(""))));
        // The last prompt token is always computed: its logits give the first answer token.
        int length = Math.min(TokenList.commonPrefix(head, head.length, prompt), prompt.length - 1);
        return length >= minTokens ? length : 0;
    }
}
