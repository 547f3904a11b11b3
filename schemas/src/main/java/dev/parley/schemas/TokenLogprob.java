package dev.parley.schemas;

import java.util.List;
import java.util.Objects;

/**
 * The log probability of one generated token, with the most likely tokens of its position (OpenAI's
 * {@code choices[].logprobs.content[]} shape), in {@link Reply#logprobs()} and {@link Chunk#logprobs()}.
 *
 * @param token       the token's text; a token holding part of a UTF-8 character shows it as U+FFFD
 * @param logprob     the natural log of the token's probability under the model, at most 0; a probability too small
 *                    for a float is {@value #FLOOR}, as OpenAI writes it
 * @param bytes       the token's UTF-8 bytes (0-255 each): pieces of one character add up across tokens
 * @param topLogprobs the most likely tokens of this position, most likely first, as many as
 *                    {@link GenerationParams#topLogprobs()} asked for (empty for 0)
 */
public record TokenLogprob(String token, double logprob, List<Integer> bytes, List<Alternative> topLogprobs) {

    /** What a log probability too small to write as a number is written as (OpenAI's). */
    public static final double FLOOR = -9999.0;

    public TokenLogprob {
        Objects.requireNonNull(token, "token");
        bytes = bytes == null ? List.of() : List.copyOf(bytes);
        topLogprobs = topLogprobs == null ? List.of() : List.copyOf(topLogprobs);
        logprob = floored(logprob);
    }

    /**
     * One of the most likely tokens of a position.
     *
     * @param token   the token's text
     * @param logprob the natural log of its probability, at most 0 ({@value TokenLogprob#FLOOR} for too small)
     * @param bytes   its UTF-8 bytes
     */
    public record Alternative(String token, double logprob, List<Integer> bytes) {
        public Alternative {
            Objects.requireNonNull(token, "token");
            bytes = bytes == null ? List.of() : List.copyOf(bytes);
            logprob = floored(logprob);
        }
    }

    /** A log probability as the wire takes it: never NaN or infinite, never above 0. */
    static double floored(double logprob) {
        if (Double.isNaN(logprob) || logprob < FLOOR) {
            return FLOOR;
        }
        return Math.min(0, logprob);
    }

    /** {@code piece} as the list of its bytes, each 0-255, as OpenAI writes them. */
    public static List<Integer> bytesOf(byte[] piece) {
        Integer[] values = new Integer[piece.length];
        for (int i = 0; i < piece.length; i++) {
            values[i] = piece[i] & 0xff;
        }
        return List.of(values);
    }
}
