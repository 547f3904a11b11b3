package dev.parley.schemas.validation;

import dev.parley.schemas.Prompt;

/**
 * A consumer's own rule on a decoded, schema-valid prompt (a worker checks that the prompt's model is the one it
 * serves, say), applied by {@link PromptDecoder#checking(PromptCheck)} after the checks every consumer makes.
 */
@FunctionalInterface
public interface PromptCheck {

    /** The reason to refuse {@code prompt}, or {@code null} to accept it. */
    Rejection check(Prompt prompt);
}
