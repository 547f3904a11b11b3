package dev.parley.schemas;

import java.util.List;

/**
 * Sampling parameters of one prompt. Every field is optional: {@code null} means "the worker's default";
 * {@code responseFormat} {@code null} means free text.
 */
public record GenerationParams(
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        List<String> stop,
        ResponseFormat responseFormat) {

    /** No overrides: the worker's defaults apply. */
    public static final GenerationParams DEFAULTS = new GenerationParams(null, null, null, null, null, null, null);

    public GenerationParams {
        require(maxTokens == null || maxTokens >= 1, "max_tokens must be >= 1, got " + maxTokens);
        require(temperature == null || (temperature >= 0 && temperature <= 5), "temperature must be in [0, 5], got " + temperature);
        require(topP == null || (topP > 0 && topP <= 1), "top_p must be in (0, 1], got " + topP);
        require(topK == null || topK >= 0, "top_k must be >= 0, got " + topK);
        require(seed == null || seed >= 0, "seed must be >= 0, got " + seed);
        stop = stop == null ? null : List.copyOf(stop);
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
        return new GenerationParams(value, temperature, topP, topK, seed, stop, responseFormat);
    }

    public GenerationParams withTemperature(double value) {
        return new GenerationParams(maxTokens, value, topP, topK, seed, stop, responseFormat);
    }

    public GenerationParams withTopP(double value) {
        return new GenerationParams(maxTokens, temperature, value, topK, seed, stop, responseFormat);
    }

    public GenerationParams withTopK(int value) {
        return new GenerationParams(maxTokens, temperature, topP, value, seed, stop, responseFormat);
    }

    public GenerationParams withSeed(long value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, value, stop, responseFormat);
    }

    public GenerationParams withStop(List<String> value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, value, responseFormat);
    }

    public GenerationParams withResponseFormat(ResponseFormat value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, stop, value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
