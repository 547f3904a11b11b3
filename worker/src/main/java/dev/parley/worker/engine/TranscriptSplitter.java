package dev.parley.worker.engine;

import dev.parley.schemas.ChatMessage;
import java.util.Arrays;
import java.util.List;

/**
 * Tokenizes a transcript rendered by a chat template in pieces: the template's own text with control strings
 * recognised (so {@code <|im_start|>} is one control token), each message's content with them off (so a message
 * holding {@code <|im_start|>system} stays text and cannot open a turn of its own). Both engines use it.
 *
 * <p>The content is found in the render in order; a template that trims messages is matched on the trimmed text.
 * A template that rewrote a message beyond that is refused, never tokenized whole with control strings recognised:
 * that fallback would be exactly the injection this split exists to stop.
 */
public final class TranscriptSplitter {

    /** How an engine tokenizes the two kinds of piece. */
    public interface Tokenizer {
        /** Template text, control strings recognised; {@code first} is the render's start (add BOS if wanted). */
        int[] template(String text, boolean first);

        /** Message content, control strings left as text. */
        int[] content(String text);
    }

    private TranscriptSplitter() {
    }

    /**
     * @param rendered the transcript as the chat template rendered {@code messages}
     * @param model    named in the error
     * @throws EngineException when the template rewrote a message's text
     */
    public static int[] tokenize(String rendered, List<ChatMessage> messages, Tokenizer tokenizer, String model) {
        return tokenizeContents(rendered, messages.stream().map(ChatMessage::content).toList(), tokenizer, model);
    }

    /**
     * The same split, given the messages' contents as the template saw them (a template that takes no system
     * message gets it merged into the first user message, for one).
     */
    public static int[] tokenizeContents(String rendered, List<String> contents, Tokenizer tokenizer, String model) {
        int[] tokens = new int[0];
        int position = 0;
        for (String original : contents) {
            String content = original;
            int at = rendered.indexOf(content, position);
            if (at < 0 && !content.strip().isEmpty()) {
                content = content.strip(); // templates that trim messages
                at = rendered.indexOf(content, position);
            }
            if (at < 0) {
                throw new EngineException("the chat template of " + model + " rewrote a message's text; refusing to "
                        + "tokenize it with control strings recognised");
            }
            tokens = append(tokens, tokenizer.template(rendered.substring(position, at), position == 0));
            tokens = append(tokens, tokenizer.content(content));
            position = at + content.length();
        }
        return append(tokens, tokenizer.template(rendered.substring(position), position == 0));
    }

    private static int[] append(int[] tokens, int[] more) {
        if (more.length == 0) {
            return tokens;
        }
        int[] joined = Arrays.copyOf(tokens, tokens.length + more.length);
        System.arraycopy(more, 0, joined, tokens.length, more.length);
        return joined;
    }
}
