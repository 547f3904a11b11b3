package dev.parley.gateway.openai;

import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.TokenLogprob;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's {@code logprobs} and {@code top_logprobs} (0 to {@value GenerationParams#MAX_TOP_LOGPROBS}; more than 0
 * needs {@code logprobs: true}, as OpenAI requires), and the {@code logprobs} object of a choice they ask for.
 */
final class LogprobsParam {

    private LogprobsParam() {
    }

    /** {@code params} asking for log probabilities when the request does. */
    static GenerationParams apply(JsonNode body, GenerationParams params) {
        JsonNode logprobs = body.get("logprobs");
        if (logprobs != null && !logprobs.isNull() && !logprobs.isBoolean()) {
            throw OpenAiException.invalidParam("logprobs", "'logprobs' must be a boolean, got " + logprobs);
        }
        JsonNode top = body.get("top_logprobs");
        int count = 0;
        if (top != null && !top.isNull()) {
            if (!top.isIntegralNumber() || !top.canConvertToInt() || top.intValue() < 0
                    || top.intValue() > GenerationParams.MAX_TOP_LOGPROBS) {
                throw OpenAiException.invalidParam("top_logprobs", "'top_logprobs' must be an integer in [0, "
                        + GenerationParams.MAX_TOP_LOGPROBS + "], got " + top);
            }
            count = top.intValue();
        }
        boolean wanted = logprobs != null && logprobs.isBoolean() && logprobs.booleanValue();
        if (count > 0 && !wanted) {
            throw OpenAiException.invalidParam("top_logprobs", "'top_logprobs' needs 'logprobs' set to true");
        }
        return wanted ? params.withLogprobs(count) : params;
    }

    /** A choice's {@code logprobs}: {@code {"content": [...], "refusal": null}}, or {@code null} when not asked. */
    static Map<String, Object> choice(List<TokenLogprob> entries) {
        return entries == null ? null : Json.object("content", entries.stream().map(LogprobsParam::entry).toList(),
                "refusal", null);
    }

    private static Map<String, Object> entry(TokenLogprob entry) {
        return Json.object("token", entry.token(), "logprob", entry.logprob(), "bytes", entry.bytes(),
                "top_logprobs", entry.topLogprobs().stream().map(alternative -> Json.object("token",
                        alternative.token(), "logprob", alternative.logprob(), "bytes", alternative.bytes())).toList());
    }
}
