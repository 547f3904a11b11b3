package dev.parley.schemas;

import java.util.List;

/**
 * Sampling parameters of one prompt. Every field is optional: {@code null} means "the worker's default".
 */
public record GenerationParams(
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        List<String> stop) {

    /** No overrides: the worker's defaults apply. */
    public static final GenerationParams DEFAULTS = new GenerationParams(null, null, null, null, null, null);

    public GenerationParams {
        require(maxTokens == null || maxTokens >= 1, "max_tokens must be >= 1, got " + maxTokens);
        require(temperature == null || (temperature >= 0 && temperature <= 5), "temperature must be in [0, 5], got " + temperature);
        require(topP == null || (topP > 0 && topP <= 1), "top_p must be in (0, 1], got " + topP);
        require(topK == null || topK >= 0, "top_k must be >= 0, got " + topK);
        require(seed == null || seed >= 0, "seed must be >= 0, got " + seed);
        stop = stop == null ? null : List.copyOf(stop);
    }

    public GenerationParams withMaxTokens(int value) {
        return new GenerationParams(value, temperature, topP, topK, seed, stop);
    }

    public GenerationParams withTemperature(double value) {
        return new GenerationParams(maxTokens, value, topP, topK, seed, stop);
    }

    public GenerationParams withTopP(double value) {
        return new GenerationParams(maxTokens, temperature, value, topK, seed, stop);
    }

    public GenerationParams withTopK(int value) {
        return new GenerationParams(maxTokens, temperature, topP, value, seed, stop);
    }

    public GenerationParams withSeed(long value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, value, stop);
    }

    public GenerationParams withStop(List<String> value) {
        return new GenerationParams(maxTokens, temperature, topP, topK, seed, value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
