package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Transcript;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Where the shareable prefix ends, with a stand-in tokenizer (one token per character, a ChatML-like template); the
 * real template is exercised by {@link SharedPrefixTest}.
 */
class PrefixBoundaryTest {

    /** "<s>" + "[system]" + text + "[/]" for each message, then "[assistant]", a character per token. */
    private static final Function<Transcript, int[]> TOKENIZE = transcript -> {
        StringBuilder text = new StringBuilder("<s>");
        for (ChatMessage message : transcript.messages()) {
            text.append('[').append(message.role().wireName()).append(']').append(message.content()).append("[/]");
        }
        text.append("[assistant]");
        return text.chars().toArray();
    };

    private static final String SYSTEM = "x".repeat(80);

    private static Transcript transcript(String system, String message) {
        return new Transcript(system, List.of(), List.of(ChatMessage.user(message)));
    }

    @Test
    void endsAfterTheSystemPromptAndTheNextMessagesHeader() {
        Transcript transcript = transcript(SYSTEM, "hello");
        int[] prompt = TOKENIZE.apply(transcript);

        int boundary = PrefixBoundary.of(transcript, prompt, TOKENIZE, 10);

        String expected = "<s>[system]" + SYSTEM + "[/][user]";
        assertThat(boundary).isEqualTo(expected.length());
        assertThat(PrefixBoundary.of(transcript(SYSTEM, "another question"), TOKENIZE.apply(transcript(SYSTEM,
                "another question")), TOKENIZE, 10)).as("the same for every message").isEqualTo(boundary);
    }

    @Test
    void nothingIsSharedWithoutASystemPromptOrBelowTheMinimum() {
        Transcript none = transcript(null, "hello");
        Transcript blank = transcript("  ", "hello");
        Transcript shortOne = transcript("brief", "hello");

        assertThat(PrefixBoundary.of(none, TOKENIZE.apply(none), TOKENIZE, 1)).isZero();
        assertThat(PrefixBoundary.of(blank, TOKENIZE.apply(blank), TOKENIZE, 1)).isZero();
        assertThat(PrefixBoundary.of(shortOne, TOKENIZE.apply(shortOne), TOKENIZE, 64)).isZero();
        assertThat(PrefixBoundary.of(shortOne, TOKENIZE.apply(shortOne), TOKENIZE, 20)).isPositive();
    }

    @Test
    void neverReachesTheLastPromptToken() {
        Transcript transcript = transcript(SYSTEM, "hello");
        // A prompt that is exactly the head: its last token must still be computed for the first answer token.
        int[] prompt = TOKENIZE.apply(new Transcript(SYSTEM, List.of(), List.of(ChatMessage.user(""))));

        assertThat(PrefixBoundary.of(transcript, prompt, TOKENIZE, 1)).isEqualTo(prompt.length - 1);
    }
}
