package dev.parley.gateway.openai;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads a chat completions request. Parameters OpenAI defines that Parley cannot honour yet are refused with a 400
 * naming them (rather than silently ignored, which would give the client answers it did not ask for), except those
 * that cannot change the answer; parameters OpenAI does not define (nor llama-server: {@code top_k}, {@code min_p},
 * {@code repeat_penalty}) are refused the way OpenAI refuses them.
 */
public final class ChatRequestParser {

    /** Accepted with any value that does not change the answer (or that Parley honours). */
    private static final Set<String> SUPPORTED = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "seed", "stop", "stream", "stream_options", "user", "metadata", "n", "logprobs",
            "top_logprobs", "frequency_penalty", "presence_penalty", "response_format", "store", "top_k", "min_p",
            "repeat_penalty", "logit_bias", "tools", "tool_choice", "parallel_tool_calls", "chat_template_kwargs",
            "reasoning_effort", "prompt_cache_key"); // prompt_cache_key names the conversation: ConversationKeys

    /**
     * Sent by real clients and harmless to drop, so accepted whatever their value, as llama-server does: a service
     * tier for OpenAI's own routing, an end-user id for its abuse checks.
     */
    private static final Set<String> IGNORED = Set.of("service_tier", "safety_identifier", "verbosity");

    /** OpenAI parameters Parley does not implement: any value but the neutral one is a 400. */
    private static final Set<String> UNSUPPORTED = Set.of("functions", "function_call", "audio", "modalities",
            "prediction", "web_search_options");

    private static final int MAX_STOP = 4;
    private static final int MAX_STOP_LENGTH = 64;
    /** The wire schema's ranges (prompt.v1.json {@code params}): a request outside them is a 400 naming the field. */
    private static final int MAX_TOKENS = 32768;
    private static final long MAX_TOP_K = 100_000;
    private static final long MAX_SEED = 4_294_967_295L;

    public ChatRequest parse(JsonNode body) {
        for (String name : body.propertyNames()) {
            if (UNSUPPORTED.contains(name) && !body.get(name).isNull()) {
                throw OpenAiException.unsupportedParam(name, "'" + name + "' is not supported by Parley yet");
            }
            if (!SUPPORTED.contains(name) && !UNSUPPORTED.contains(name) && !IGNORED.contains(name)) {
                throw OpenAiException.invalidParam(name, "Unrecognized request argument supplied: " + name);
            }
        }
        String model = requiredString(body, "model");
        List<ChatMessage> all = messages(body.get("messages"));
        StringBuilder system = null;
        int first = 0;
        while (first < all.size() && all.get(first).role() == Role.SYSTEM) {
            system = system == null ? new StringBuilder() : system.append("\n\n");
            system.append(all.get(first).content());
            first++;
        }
        List<ChatMessage> rest = all.subList(first, all.size());
        if (rest.isEmpty()) {
            throw OpenAiException.invalidParam("messages", "messages must contain a user message after the system prompt");
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw OpenAiException.invalidParam("stream_options", "stream_options must be an object");
            }
            // without stream there is nothing to apply it to: ignored, as llama-server does (OpenAI answers 400)
            includeUsage = stream && options.path("include_usage").asBoolean(false);
        }
        String user = Json.optionalString(body, "user");
        ChatRequest.Tools tools = ToolsParam.parse(body);
        return new ChatRequest(model, system == null ? null : system.toString(), rest, choices(body, params(body),
                tools), stream, includeUsage, user, metadata(body.get("metadata")), tools, TemplateParams.parse(body));
    }

    /**
     * OpenAI's {@code n}: several answers from one prompt (the first enters the conversation's history). Tool calls
     * are parsed from one answer only, so several answers with tools are refused.
     */
    private static GenerationParams choices(JsonNode body, GenerationParams params, ChatRequest.Tools tools) {
        Long n = integer(body, "n", 1, GenerationParams.MAX_N);
        if (n == null || n == 1) {
            return params;
        }
        if (!tools.definitions().isEmpty()) {
            throw OpenAiException.unsupportedParam("n", "n > 1 with tools is not supported (tool calls are read "
                    + "from one answer); send n=1, or the request once per answer");
        }
        return params.withN(n.intValue());
    }

    private static GenerationParams params(JsonNode body) {
        Long maxTokens = integer(body, "max_completion_tokens", 1, MAX_TOKENS);
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens", 1, MAX_TOKENS);
        }
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        if (topP != null && topP == 0) {
            throw OpenAiException.invalidParam("top_p", "top_p must be greater than 0 in Parley, got 0");
        }
        Long topK = integer(body, "top_k", 0, MAX_TOP_K);
        Long seed = integer(body, "seed", 0, MAX_SEED);
        Double repeatPenalty = number(body, "repeat_penalty", 0, 2);
        if (repeatPenalty != null && repeatPenalty == 0) {
            throw OpenAiException.invalidParam("repeat_penalty", "repeat_penalty must be greater than 0 (1 is off), got 0");
        }
        return LogprobsParam.apply(body, new GenerationParams(maxTokens == null ? null : maxTokens.intValue(),
                temperature, topP,
                topK == null ? null : topK.intValue(), seed, stop(body.get("stop")),
                ResponseFormatParam.parse(body.get("response_format")), number(body, "min_p", 0, 1), repeatPenalty,
                number(body, "presence_penalty", -2, 2), number(body, "frequency_penalty", -2, 2),
                LogitBiasParam.parse(body.get("logit_bias"))));
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        List<String> stop = new ArrayList<>();
        if (node.isString()) {
            stop.add(node.stringValue());
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isString()) {
                    throw OpenAiException.invalidParam("stop", "stop must be a string or an array of strings");
                }
                stop.add(item.stringValue());
            }
        } else {
            throw OpenAiException.invalidParam("stop", "stop must be a string or an array of strings");
        }
        if (stop.size() > MAX_STOP) {
            throw OpenAiException.invalidParam("stop", "stop takes at most " + MAX_STOP + " sequences, got " + stop.size());
        }
        if (stop.stream().anyMatch(text -> text.isEmpty() || text.length() > MAX_STOP_LENGTH)) {
            throw OpenAiException.invalidParam("stop", "stop sequences must be 1-" + MAX_STOP_LENGTH + " characters");
        }
        return stop.isEmpty() ? null : stop;
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw OpenAiException.invalidParam("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> messages = new ArrayList<>();
        int index = 0;
        for (JsonNode message : node) {
            String where = "messages[" + index + "]";
            if (!message.isObject()) {
                throw OpenAiException.invalidParam(where, where + " must be an object");
            }
            for (String field : message.propertyNames()) {
                if (field.equals("function_call") || field.equals("audio")) {
                    if (!message.get(field).isNull()) {
                        throw OpenAiException.unsupportedParam(where + "." + field, field + " is not supported by Parley yet");
                    }
                }
            }
            String roleName = message.path("role").asString("");
            Role role = switch (roleName) {
                case "system", "developer" -> Role.SYSTEM;
                case "user" -> Role.USER;
                case "assistant" -> Role.ASSISTANT;
                case "tool" -> Role.TOOL;
                case "function" -> throw OpenAiException.unsupportedParam(where + ".role",
                        "role 'function' is not supported by Parley (use tools and role 'tool')");
                default -> throw OpenAiException.invalidParam(where + ".role",
                        "Invalid value for " + where + ".role: '" + roleName + "'");
            };
            messages.add(message(role, message, where));
            index++;
        }
        return messages;
    }

    /**
     * The message of {@code role}: an assistant's may call tools (its content then optional, OpenAI sends null), a
     * tool's names the call it answers; no other role carries either.
     */
    private static ChatMessage message(Role role, JsonNode message, String where) {
        JsonNode calls = message.get("tool_calls");
        if (role != Role.ASSISTANT && calls != null && !calls.isNull()) {
            throw OpenAiException.invalidParam(where + ".tool_calls", "only an assistant message has tool_calls");
        }
        JsonNode callId = message.get("tool_call_id");
        if (role != Role.TOOL && callId != null && !callId.isNull()) {
            throw OpenAiException.invalidParam(where + ".tool_call_id", "only a tool message has a tool_call_id");
        }
        if (role == Role.TOOL) {
            return ChatMessage.tool(ToolsParam.callId(callId, where + ".tool_call_id"),
                    content(message.get("content"), where));
        }
        var toolCalls = role == Role.ASSISTANT ? ToolsParam.calls(calls, where + ".tool_calls") : null;
        JsonNode content = message.get("content");
        if (toolCalls != null && (content == null || content.isNull()
                || (content.isString() && content.stringValue().isEmpty()))) {
            return ChatMessage.assistant(null, toolCalls);
        }
        return new ChatMessage(role, content(content, where), toolCalls, null);
    }

    /** A string, or an array of text parts (joined); images and audio are refused. */
    private static String content(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            throw OpenAiException.invalidParam(where + ".content", where + ".content is required");
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (!node.isArray()) {
            throw OpenAiException.invalidParam(where + ".content", where + ".content must be a string or an array of parts");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : node) {
            String type = part.path("type").asString("");
            if (!type.equals("text")) {
                throw OpenAiException.unsupportedParam(where + ".content",
                        "content parts of type '" + type + "' are not supported by Parley yet (only text)");
            }
            text.append(part.path("text").asString(""));
        }
        return text.toString();
    }

    private static Map<String, String> metadata(JsonNode node) {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return metadata;
        }
        if (!node.isObject()) {
            throw OpenAiException.invalidParam("metadata", "metadata must be an object of strings");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw OpenAiException.invalidParam("metadata", "metadata." + entry.getKey() + " must be a string");
            }
            metadata.put(entry.getKey(), entry.getValue().stringValue());
        }
        return metadata;
    }

    private static String requiredString(JsonNode body, String name) {
        JsonNode node = body.get(name);
        if (node == null || !node.isString() || node.stringValue().isBlank()) {
            throw OpenAiException.invalidParam(name, "'" + name + "' is required and must be a string");
        }
        return node.stringValue();
    }

    private static boolean bool(JsonNode body, String name) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw OpenAiException.invalidParam(name, "'" + name + "' must be a boolean, got " + node);
        }
        return node.booleanValue();
    }

    /**
     * An integer in {@code [min, max]}, or {@code null} when absent. Checked before it is converted: Jackson throws on
     * an integer that does not fit a long (such as {@code 1e20}), which would otherwise be a 500 or, in a batch, a
     * line that can never be read.
     */
    private static Long integer(JsonNode body, String name, long min, long max) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw OpenAiException.invalidParam(name, "'" + name + "' must be an integer in [" + min + ", " + max
                    + "], got " + node);
        }
        return node.longValue();
    }

    private static Double number(JsonNode body, String name, double min, double max) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || node.doubleValue() < min || node.doubleValue() > max) {
            throw OpenAiException.invalidParam(name, "'" + name + "' must be a number in [" + min + ", " + max
                    + "], got " + node);
        }
        return node.doubleValue();
    }
}
