package dev.parley.worker.engine;

import java.util.Map;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.function.Function;

/**
 * Fits a transcript into a slot's context by leaving out its oldest turns (the system prompt always stays), and says
 * how many it left out. Nothing is ever truncated silently.
 *
 * <p>Once a conversation overflows, the window does not slide by one turn per turn: that would change the prompt's
 * first tokens every time and throw the cached prefix away. Instead it drops enough turns to leave
 * {@link #headroomFraction} of the context free, and keeps that starting point while the conversation fits, so the
 * following turns reuse the cache.
 */
public final class ContextWindow {

    /** A rendered prompt and how many of the conversation's earlier turns it left out. */
    public record Fitted(int[] tokens, int droppedTurns) {
    }

    private final int contextTokens;
    private final double headroomFraction;
    private static final int REMEMBERED_CONVERSATIONS = 100_000;

    // Bounded: a forgotten start is recomputed (with the same headroom) at the next overflow.
    private final Map<String, Integer> firstKeptTurn = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                    return size() > REMEMBERED_CONVERSATIONS;
                }
            });

    public ContextWindow(int contextTokens, double headroomFraction) {
        if (contextTokens < 1) {
            throw new IllegalArgumentException("contextTokens must be >= 1, got " + contextTokens);
        }
        if (headroomFraction < 0 || headroomFraction >= 1) {
            throw new IllegalArgumentException("headroomFraction must be in [0, 1), got " + headroomFraction);
        }
        this.contextTokens = contextTokens;
        this.headroomFraction = headroomFraction;
    }

    public int contextTokens() {
        return contextTokens;
    }

    /**
     * Renders the transcript, leaving out as few of its oldest turns as needed for prompt + {@code maxTokens} to fit.
     * The window's start is remembered as a turn of the conversation, not as a position in the transcript, so it
     * stays put when the transcript holds only the newest turns ({@link Transcript#earlierTurns()}); the dropped
     * turns reported count those earlier turns too.
     *
     * @param render turns a transcript into prompt tokens
     * @throws ContextOverflowException when even the transcript without history does not fit
     */
    public Fitted fit(String conversationId, Transcript transcript, int maxTokens, Function<Transcript, int[]> render) {
        int turns = transcript.history().size();
        int earlier = transcript.earlierTurns();
        int start = Math.max(0, Math.min(firstKeptTurn.getOrDefault(conversationId, 0) - earlier, turns));
        int[] tokens = render.apply(transcript.withoutOldest(start));
        if (tokens.length + maxTokens <= contextTokens) {
            return new Fitted(tokens, earlier + start);
        }
        int target = (int) (contextTokens * (1 - headroomFraction));
        while (start < turns) {
            start++;
            tokens = render.apply(transcript.withoutOldest(start));
            if (tokens.length + maxTokens <= target) {
                break;
            }
        }
        if (tokens.length + maxTokens > contextTokens) {
            throw new ContextOverflowException(tokens.length + maxTokens, contextTokens);
        }
        firstKeptTurn.put(conversationId, earlier + start);
        return new Fitted(tokens, earlier + start);
    }

    /** Forgets a conversation's window start (its history is reloaded from scratch elsewhere). */
    public void forget(String conversationId) {
        firstKeptTurn.remove(conversationId);
    }
}
