package dev.parley.gateway.responses;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's {@code response} object and its parts from Parley's replies. The request's settings are echoed as OpenAI
 * echoes them (with its defaults where the request named none); Parley's own facts go under a {@code parley} key,
 * which OpenAI clients keep as an unknown field.
 */
public final class ResponseJson {

    private ResponseJson() {
    }

    /** The response id for a Parley request id. */
    public static String responseId(String requestId) {
        return "resp_" + requestId.replace("-", "");
    }

    /** The id of the response's (single) output message. */
    public static String messageId(String requestId) {
        return "msg_" + requestId.replace("-", "");
    }

    /** A response still being answered (the first events of a stream): no output, no usage. */
    public static Map<String, Object> inProgress(ResponseRequest request, String requestId, long createdAt) {
        return response(request, requestId, createdAt, "in_progress", List.of(), null, null);
    }

    /** A background response sent to the pool and not answered yet. */
    public static Map<String, Object> queued(ResponseRequest request, String requestId, long createdAt) {
        return response(request, requestId, createdAt, "queued", List.of(), null, null);
    }

    /** A background response that could not be answered: {@code error} says why. */
    public static Map<String, Object> failed(ResponseRequest request, String requestId, long createdAt,
                                             String code, String message) {
        Map<String, Object> response = response(request, requestId, createdAt, "failed", List.of(), null, null);
        response.put("error", Json.object("code", code, "message", message));
        return response;
    }

    /** The Parley request id a response id was made from ({@link #responseId}). */
    public static String requestId(String responseId) {
        String hex = responseId.substring(responseId.indexOf('_') + 1);
        if (!hex.matches("[0-9a-f]{32}")) {
            return null;
        }
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    /** The finished response: {@code completed}, or {@code incomplete} when cut off by {@code max_output_tokens}. */
    public static Map<String, Object> finished(ResponseRequest request, Reply reply, long createdAt) {
        String status = status(reply);
        Map<String, Object> incomplete = status.equals("incomplete") ? Json.object("reason", "max_output_tokens") : null;
        Map<String, Object> response = response(request, reply.requestId(), createdAt, status,
                output(reply, status.equals("completed") ? "completed" : "incomplete"), usage(reply.usage()),
                incomplete);
        response.put("parley", Json.object("request_id", reply.requestId(), "conversation_id", reply.conversationId(),
                "turn", reply.turn(), "worker", reply.worker(), "model", reply.model()));
        return response;
    }

    /** The answer's message (left out when the reply only calls functions), then a function_call per call. */
    static List<Object> output(Reply reply, String status) {
        String text = reply.content() == null ? "" : reply.content();
        List<Object> output = new ArrayList<>();
        if (reply.toolCalls() == null || !text.isEmpty()) {
            output.add(message(reply.requestId(), status, text));
        }
        List<ToolCall> calls = reply.toolCalls() == null ? List.of() : reply.toolCalls();
        for (int i = 0; i < calls.size(); i++) {
            output.add(FunctionCallJson.item(reply.requestId(), i, calls.get(i)));
        }
        return output;
    }

    static String status(Reply reply) {
        if (reply.status() == ReplyStatus.CANCELLED) {
            return "cancelled";
        }
        return reply.finishReason() == FinishReason.LENGTH ? "incomplete" : "completed";
    }

    private static Map<String, Object> response(ResponseRequest request, String requestId, long createdAt,
                                                String status, List<Object> output, Map<String, Object> usage,
                                                Map<String, Object> incomplete) {
        JsonNode body = request.body();
        return Json.object("id", responseId(requestId), "object", "response", "created_at", createdAt,
                "status", status, "background", request.background(), "error", null, "incomplete_details", incomplete,
                "instructions", request.instructions(), "max_output_tokens", echo(body, "max_output_tokens", null),
                "model", request.chat().model(), "output", output, "parallel_tool_calls",
                echo(body, "parallel_tool_calls", true), "previous_response_id", request.previousResponseId(),
                "prompt_cache_key", request.promptCacheKey(),
                "reasoning", echo(body, "reasoning", Json.object("effort", null, "summary", null)),
                "service_tier", "default", "store", request.store(), "temperature", echo(body, "temperature", 1.0),
                "text", echo(body, "text", Json.object("format", Json.object("type", "text"))),
                "tool_choice", echo(body, "tool_choice", "auto"), "tools", echo(body, "tools", List.of()),
                "top_p", echo(body, "top_p", 1.0), "truncation", echo(body, "truncation", "disabled"),
                "usage", usage, "user", echo(body, "user", null), "metadata", echo(body, "metadata", Map.of()));
    }

    /** The assistant's output message item. */
    public static Map<String, Object> message(String requestId, String status, String text) {
        List<Object> content = text == null ? List.of() : List.of(outputText(text));
        return Json.object("id", messageId(requestId), "type", "message", "status", status, "role", "assistant",
                "content", content);
    }

    public static Map<String, Object> outputText(String text) {
        return Json.object("type", "output_text", "text", text, "annotations", List.of(), "logprobs", List.of());
    }

    public static Map<String, Object> usage(Usage usage) {
        Usage u = usage == null ? Usage.NONE : usage;
        return Json.object("input_tokens", u.promptTokens(),
                "input_tokens_details", Json.object("cached_tokens", u.cachedTokens()),
                "output_tokens", u.completionTokens(),
                "output_tokens_details", Json.object("reasoning_tokens", 0),
                "total_tokens", u.promptTokens() + u.completionTokens());
    }

    /** An input item as {@code input_items} lists it. */
    public static Map<String, Object> inputItem(String responseId, int index, InputItem item) {
        if (!(item instanceof InputMessage message)) {
            return FunctionCallJson.inputItem(responseId, index, item);
        }
        String type = message.role().equals("assistant") ? "output_text" : "input_text";
        return Json.object("id", "msg_" + responseId.substring(responseId.indexOf('_') + 1) + "_" + index,
                "type", "message", "role", message.role(), "status", "completed",
                "content", List.of(Json.object("type", type, "text", message.text())));
    }

    private static Object echo(JsonNode body, String field, Object otherwise) {
        JsonNode value = body.get(field);
        return value == null || value.isNull() ? otherwise : value;
    }
}
