package dev.parley.gateway.openai;

import dev.parley.schemas.GenerationParams;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Reads OpenAI's {@code logit_bias}: an object from token ids (as strings) to a bias in [-100, 100], at most
 * {@value GenerationParams#MAX_LOGIT_BIAS} of them. Whether each id is in the model's vocabulary only the worker
 * knows: it answers an id past it with {@code invalid_logit_bias}, which the gateway turns into a 400 naming
 * {@code logit_bias}.
 */
final class LogitBiasParam {

    /** The longest token id the wire schema takes: nine digits. */
    private static final int MAX_ID_DIGITS = 9;

    private LogitBiasParam() {
    }

    static Map<Integer, Double> parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw invalid("logit_bias must be an object from token ids to biases, got " + node.getNodeType());
        }
        if (node.size() > GenerationParams.MAX_LOGIT_BIAS) {
            throw invalid("logit_bias may hold at most " + GenerationParams.MAX_LOGIT_BIAS + " tokens, got "
                    + node.size());
        }
        Map<Integer, Double> bias = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String id = entry.getKey();
            if (!id.matches("0|[1-9][0-9]{0," + (MAX_ID_DIGITS - 1) + "}")) {
                throw invalid("logit_bias keys must be token ids (integers >= 0), got '" + shortened(id) + "'");
            }
            JsonNode value = entry.getValue();
            if (!value.isNumber() || Math.abs(value.doubleValue()) > 100) {
                throw invalid("logit_bias of token " + id + " must be a number in [-100, 100], got " + value);
            }
            bias.put(Integer.valueOf(id), value.doubleValue());
        }
        return bias;
    }

    private static String shortened(String id) {
        return id.length() > 20 ? id.substring(0, 20) + "..." : id;
    }

    private static OpenAiException invalid(String message) {
        return OpenAiException.invalidParam("logit_bias", message);
    }
}
