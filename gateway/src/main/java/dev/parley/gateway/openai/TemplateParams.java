package dev.parley.gateway.openai;

import dev.parley.schemas.Prompt;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads what a request passes to the model's chat template, as llama-server and vLLM take it:
 * {@code chat_template_kwargs} (an object of at most {@value Prompt#MAX_TEMPLATE_KWARGS} variables, names of letters,
 * digits and {@code _}, values booleans, numbers or strings, e.g. {@code {"enable_thinking": false}}) and
 * {@code reasoning_effort}. Each is held to the wire's bounds (prompt.v1.json), a 400 naming the parameter otherwise.
 */
final class TemplateParams {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final int MAX_STRING = 1000;
    /** OpenAI's values for {@code reasoning_effort}. */
    static final Set<String> EFFORTS = Set.of("none", "minimal", "low", "medium", "high", "xhigh");

    private TemplateParams() {
    }

    static ChatRequest.Template parse(JsonNode body) {
        return new ChatRequest.Template(kwargs(body.get("chat_template_kwargs")), effort(body.get("reasoning_effort")));
    }

    private static Map<String, Object> kwargs(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw invalid("chat_template_kwargs must be an object, got " + node.getNodeType());
        }
        if (node.size() > Prompt.MAX_TEMPLATE_KWARGS) {
            throw invalid("chat_template_kwargs may hold at most " + Prompt.MAX_TEMPLATE_KWARGS + " variables, got "
                    + node.size());
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String name = entry.getKey();
            if (!NAME.matcher(name).matches()) {
                throw invalid("chat_template_kwargs names must be 1-64 letters, digits or _ (not starting with a "
                        + "digit), got '" + (name.length() > 20 ? name.substring(0, 20) + "..." : name) + "'");
            }
            variables.put(name, value(name, entry.getValue()));
        }
        return variables.isEmpty() ? null : variables;
    }

    private static Object value(String name, JsonNode value) {
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isString() && value.stringValue().length() <= MAX_STRING) {
            return value.stringValue();
        }
        throw invalid("chat_template_kwargs." + name + " must be a boolean, a number or a string of at most "
                + MAX_STRING + " characters, got " + value.getNodeType());
    }

    private static String effort(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString() || !EFFORTS.contains(node.stringValue())) {
            throw OpenAiException.invalidParam("reasoning_effort", "reasoning_effort must be one of none, minimal, "
                    + "low, medium, high, xhigh");
        }
        return node.stringValue();
    }

    private static OpenAiException invalid(String message) {
        return OpenAiException.invalidParam("chat_template_kwargs", message);
    }
}
