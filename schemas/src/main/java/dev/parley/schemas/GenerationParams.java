package dev.parley.schemas;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sampling parameters of one prompt. Every field is optional: {@code null} means "the worker's default";
 * {@code responseFormat} {@code null} means free text. The bounds are the wire schema's (prompt.v1.json
 * {@code params}).
 *
 * @param minP             drop tokens less likely than this share of the most likely one, in [0, 1]
 * @param repeatPenalty    divides the logits of tokens among the last ones generated, in (0, 2]; 1 is off
 * @param presencePenalty  subtracted once from the logit of every token generated so far, in [-2, 2] (OpenAI's)
 * @param frequencyPenalty subtracted from a token's logit per time it was generated, in [-2, 2] (OpenAI's)
 * @param logitBias        token id to a bias added to its logit, in [-100, 100] (-100 bans it, OpenAI's); at most
 *                         {@value #MAX_LOGIT_BIAS} entries; ids past the model's vocabulary are refused by the worker
 * @param logprobs         whether the reply carries the log probability of each generated token (OpenAI's)
 * @param topLogprobs      how many of the most likely tokens each position lists besides the chosen one, 0 to
 *                         {@value #MAX_TOP_LOGPROBS}; more than 0 needs {@code logprobs} (OpenAI's)
 * @param n                how many answers (choices) to generate for the prompt, 1 to {@value #MAX_N} (OpenAI's);
 *                         {@code null}: 1. Only the first choice enters the conversation's history
 */
public record GenerationParams(
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        List<String> stop,
        ResponseFormat responseFormat,
        Double minP,
        Double repeatPenalty,
        Double presencePenalty,
        Double frequencyPenalty,
        Map<Integer, Double> logitBias,
        Boolean logprobs,
        Integer topLogprobs,
        Integer n) {

    /** The most choices {@link #n} may ask for: each is a sequence of the worker's engine for the whole turn. */
    public static final int MAX_N = 8;
    /** The most entries {@link #logitBias} may hold (OpenAI's limit). */
    public static final int MAX_LOGIT_BIAS = 300;
    /** The most alternatives {@link #topLogprobs} may ask for (OpenAI's limit). */
    public static final int MAX_TOP_LOGPROBS = 20;

    /** No overrides: the worker's defaults apply. */
    public static final GenerationParams DEFAULTS = new GenerationParams(null, null, null, null, null, null, null);

    public GenerationParams {
        require(maxTokens == null || maxTokens >= 1, "max_tokens must be >= 1, got " + maxTokens);
        require(temperature == null || (temperature >= 0 && temperature <= 5), "temperature must be in [0, 5], got " + temperature);
        require(topP == null || (topP > 0 && topP <= 1), "top_p must be in (0, 1], got " + topP);
        require(topK == null || topK >= 0, "top_k must be >= 0, got " + topK);
        require(seed == null || seed >= 0, "seed must be >= 0, got " + seed);
        require(minP == null || (minP >= 0 && minP <= 1), "min_p must be in [0, 1], got " + minP);
        require(repeatPenalty == null || (repeatPenalty > 0 && repeatPenalty <= 2),
                "repeat_penalty must be in (0, 2], got " + repeatPenalty);
        require(presencePenalty == null || Math.abs(presencePenalty) <= 2,
                "presence_penalty must be in [-2, 2], got " + presencePenalty);
        require(frequencyPenalty == null || Math.abs(frequencyPenalty) <= 2,
                "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        require(topLogprobs == null || (topLogprobs >= 0 && topLogprobs <= MAX_TOP_LOGPROBS),
                "top_logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
        require(topLogprobs == null || topLogprobs == 0 || Boolean.TRUE.equals(logprobs),
                "top_logprobs needs logprobs: true");
        require(n == null || (n >= 1 && n <= MAX_N), "n must be in [1, " + MAX_N + "], got " + n);
        stop = stop == null ? null : List.copyOf(stop);
        logitBias = logitBias == null ? null : checkedBias(logitBias);
    }

    /** Parameters for one choice. */
    public GenerationParams(Integer maxTokens, Double temperature, Double topP, Integer topK, Long seed,
                            List<String> stop, ResponseFormat responseFormat, Double minP, Double repeatPenalty,
                            Double presencePenalty, Double frequencyPenalty, Map<Integer, Double> logitBias,
                            Boolean logprobs, Integer topLogprobs) {
        this(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP, repeatPenalty, presencePenalty,
                frequencyPenalty, logitBias, logprobs, topLogprobs, null);
    }

    /** Parameters without log probabilities. */
    public GenerationParams(Integer maxTokens, Double temperature, Double topP, Integer topK, Long seed,
                            List<String> stop, ResponseFormat responseFormat, Double minP, Double repeatPenalty,
                            Double presencePenalty, Double frequencyPenalty, Map<Integer, Double> logitBias) {
        this(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP, repeatPenalty, presencePenalty,
                frequencyPenalty, logitBias, null, null);
    }

    /** Parameters without the penalties, minimum probability and biases (the worker's defaults apply). */
    public GenerationParams(Integer maxTokens, Double temperature, Double topP, Integer topK, Long seed,
                            List<String> stop, ResponseFormat responseFormat) {
        this(maxTokens, temperature, topP, topK, seed, stop, responseFormat, null, null, null, null, null);
    }

    /** Parameters without a response format (free text). */
    public GenerationParams(Integer maxTokens, Double temperature, Double topP, Integer topK, Long seed,
                            List<String> stop) {
        this(maxTokens, temperature, topP, topK, seed, stop, null);
    }

    /** The response format given, or {@link ResponseFormat#TEXT}. */
    public ResponseFormat responseFormatOrText() {
        return responseFormat == null ? ResponseFormat.TEXT : responseFormat;
    }

    public GenerationParams withMaxTokens(int value) {
        return new GenerationParams(value, temperature, topP, topK, seed, stop, responseFormat, minP, repeatPenalty,
                presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    public GenerationParams withTemperature(double value) {
        return new GenerationParams(maxTokens, value, topP, topK, seed, stop, responseFormat, minP, repeatPenalty,
                presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    public GenerationParams withTopP(double value) {
        return new GenerationParams(maxTokens, temperature, value, topK, seed, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    public GenerationParams withTopK(int value) {
        return new GenerationParams(maxTokens, temperature, topP, value, seed, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    public GenerationParams withSeed(long value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, value, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    public GenerationParams withStop(List<String> value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, value, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    public GenerationParams withResponseFormat(ResponseFormat value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, value, minP, repeatPenalty,
                presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    /** A copy with {@code min_p}: tokens less likely than {@code value} times the most likely one are dropped (0-1). */
    public GenerationParams withMinP(double value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, value,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    /**
     * A copy with {@code repeat_penalty}: the logits of tokens among the last 64 generated are divided by
     * {@code value} (0 exclusive to 2; 1 is off). The worker's default is 1.1, so small models do not loop.
     */
    public GenerationParams withRepeatPenalty(double value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP, value,
                presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    /** A copy with OpenAI's {@code presence_penalty} (-2 to 2): subtracted once from each token already generated. */
    public GenerationParams withPresencePenalty(double value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP,
                repeatPenalty, value, frequencyPenalty, logitBias, logprobs, topLogprobs, n);
    }

    /** A copy with OpenAI's {@code frequency_penalty} (-2 to 2): subtracted per time a token was generated. */
    public GenerationParams withFrequencyPenalty(double value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, value, logitBias, logprobs, topLogprobs, n);
    }

    /**
     * A copy with OpenAI's {@code logit_bias}: token id to a bias in [-100, 100] added to its logit (-100 bans the
     * token), at most {@value #MAX_LOGIT_BIAS} ids. A worker answers an id past its model's vocabulary with an error
     * reply ({@code invalid_logit_bias}).
     *
     * @throws IllegalArgumentException for more ids, a negative id or a bias out of range
     */
    public GenerationParams withLogitBias(Map<Integer, Double> value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, value, logprobs, topLogprobs, n);
    }

    /**
     * A copy whose reply carries the log probability of each generated token, with the {@code top} most likely
     * tokens of each position (0 to {@value #MAX_TOP_LOGPROBS}), in {@link Reply#logprobs()} and each streamed
     * {@link Chunk#logprobs()}. Served by the native engine; a worker on the java engine answers with an error
     * reply ({@code unsupported_feature}).
     *
     * @throws IllegalArgumentException for {@code top} out of range
     */
    public GenerationParams withLogprobs(int top) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, true, top, n);
    }

    /**
     * A copy asking for {@code value} answers (1 to {@value #MAX_N}): the reply's {@link Reply#choices()} holds them
     * all, its content the first, which alone enters the conversation's history; streamed chunks say which choice
     * they belong to ({@link Chunk#index()}). Served by the native engine, which computes the prompt once and copies
     * its KV cache to a sequence per further choice; with a {@code seed}, choice {@code i} samples with
     * {@code seed + i}. A worker on the java engine answers with an error reply ({@code unsupported_feature}).
     *
     * @throws IllegalArgumentException for {@code value} out of range
     */
    public GenerationParams withN(int value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, responseFormat, minP,
                repeatPenalty, presencePenalty, frequencyPenalty, logitBias, logprobs, topLogprobs, value);
    }

    /** How many choices to generate: {@link #n()}, or 1. */
    public int choices() {
        return n == null ? 1 : n;
    }

    /** Whether the reply is to carry log probabilities. */
    public boolean wantsLogprobs() {
        return Boolean.TRUE.equals(logprobs);
    }

    private static Map<Integer, Double> checkedBias(Map<Integer, Double> bias) {
        require(bias.size() <= MAX_LOGIT_BIAS,
                "logit_bias may hold at most " + MAX_LOGIT_BIAS + " tokens, got " + bias.size());
        Map<Integer, Double> sorted = new TreeMap<>();
        bias.forEach((token, value) -> {
            require(token != null && token >= 0, "logit_bias token ids must be >= 0, got " + token);
            require(value != null && Math.abs(value) <= 100,
                    "logit_bias of token " + token + " must be in [-100, 100], got " + value);
            sorted.put(token, value);
        });
        return java.util.Collections.unmodifiableMap(sorted);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
