package dev.parley.gateway.openai;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolCallDelta;
import dev.parley.schemas.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's {@code chat.completion} and {@code chat.completion.chunk} objects from Parley's replies. Parley's own facts
 * (conversation, turn, worker) go under a {@code parley} key: OpenAI clients keep unknown fields.
 */
public final class CompletionJson {

    private CompletionJson() {
    }

    /** The completion id for a Parley request id. */
    public static String completionId(String requestId) {
        return "chatcmpl-" + requestId;
    }

    public static Map<String, Object> completion(Reply reply, String model, long created) {
        Map<String, Object> message = Json.object("role", "assistant", "content", content(reply), "refusal", null);
        // a reasoning model's thinking, where llama-server and vLLM put it; absent for other models
        putPresent(message, "reasoning_content", reply.reasoningContent());
        if (reply.toolCalls() != null) {
            message.put("tool_calls", reply.toolCalls().stream().map(CompletionJson::toolCall).toList());
        }
        Map<String, Object> choice = Json.object("index", 0, "message", message,
                "logprobs", LogprobsParam.choice(reply.logprobs()),
                "finish_reason", finishReason(reply.finishReason()));
        List<Map<String, Object>> choices = new ArrayList<>(List.of(choice));
        if (reply.choices() != null) { // n > 1: the first is the one above; the others carry text only
            reply.choices().stream().skip(1).forEach(other -> choices.add(Json.object("index", other.index(),
                    "message", Json.object("role", "assistant", "content", other.content(), "refusal", null),
                    "logprobs", LogprobsParam.choice(other.logprobs()),
                    "finish_reason", finishReason(other.finishReason()))));
        }
        return Json.object("id", completionId(reply.requestId()), "object", "chat.completion", "created", created,
                "model", model, "choices", choices, "usage", usage(reply.usage()),
                "system_fingerprint", null, "parley", parley(reply));
    }

    /** A chunk carrying {@code delta} (role on the first chunk, content later, finish reason on the last). */
    public static Map<String, Object> chunk(String requestId, String model, long created, Map<String, Object> delta,
                                            String finishReason) {
        return chunk(requestId, model, created, delta, finishReason, null);
    }

    /** A chunk carrying {@code delta} and the log probabilities of its tokens ({@code null}: none asked). */
    public static Map<String, Object> chunk(String requestId, String model, long created, Map<String, Object> delta,
                                            String finishReason, List<TokenLogprob> logprobs) {
        return chunk(requestId, model, created, 0, delta, finishReason, logprobs);
    }

    /** A chunk of answer {@code index} (n > 1) carrying {@code delta} and the log probabilities of its tokens. */
    public static Map<String, Object> chunk(String requestId, String model, long created, int index,
                                            Map<String, Object> delta, String finishReason,
                                            List<TokenLogprob> logprobs) {
        Map<String, Object> choice = Json.object("index", index, "delta", delta,
                "logprobs", LogprobsParam.choice(logprobs), "finish_reason", finishReason);
        return Json.object("id", completionId(requestId), "object", "chat.completion.chunk", "created", created,
                "model", model, "system_fingerprint", null, "choices", List.of(choice));
    }

    /** The last chunk of {@code stream_options.include_usage}: no choices, the usage. */
    public static Map<String, Object> usageChunk(Reply reply, String model, long created) {
        Map<String, Object> chunk = Json.object("id", completionId(reply.requestId()), "object", "chat.completion.chunk",
                "created", created, "model", model, "system_fingerprint", null, "choices", List.of(),
                "usage", usage(reply.usage()));
        chunk.put("parley", parley(reply));
        return chunk;
    }

    public static Map<String, Object> usage(Usage usage) {
        Usage u = usage == null ? Usage.NONE : usage;
        return Json.object("prompt_tokens", u.promptTokens(), "completion_tokens", u.completionTokens(),
                "total_tokens", u.promptTokens() + u.completionTokens(),
                "prompt_tokens_details", Json.object("cached_tokens", u.cachedTokens()),
                "completion_tokens_details", Json.object("reasoning_tokens", 0));
    }

    public static String finishReason(FinishReason reason) {
        return reason == FinishReason.LENGTH ? "length" : reason == FinishReason.TOOL_CALLS ? "tool_calls" : "stop";
    }

    /** OpenAI's content: the text, or {@code null} when the reply only calls tools. */
    private static String content(Reply reply) {
        if (reply.content() == null || reply.content().isEmpty()) {
            return reply.toolCalls() != null ? null : "";
        }
        return reply.content();
    }

    private static Map<String, Object> toolCall(ToolCall call) {
        return Json.object("id", call.id(), "type", call.type(), "function",
                Json.object("name", call.name(), "arguments", call.arguments()));
    }

    /** A stream delta with pieces of tool calls, in OpenAI's shape: what a piece does not carry is left out. */
    public static Map<String, Object> toolCallsDelta(List<ToolCallDelta> pieces) {
        return Json.object("tool_calls", pieces.stream().map(CompletionJson::toolCallPiece).toList());
    }

    private static Map<String, Object> toolCallPiece(ToolCallDelta piece) {
        Map<String, Object> json = Json.object("index", piece.index());
        putPresent(json, "id", piece.id());
        putPresent(json, "type", piece.type());
        if (piece.function() != null) {
            Map<String, Object> function = Json.object();
            putPresent(function, "name", piece.function().name());
            putPresent(function, "arguments", piece.function().arguments());
            json.put("function", function);
        }
        return json;
    }

    private static void putPresent(Map<String, Object> json, String key, Object value) {
        if (value != null) {
            json.put(key, value);
        }
    }

    private static Map<String, Object> parley(Reply reply) {
        return Json.object("request_id", reply.requestId(), "conversation_id", reply.conversationId(),
                "turn", reply.turn(), "worker", reply.worker(), "model", reply.model(),
                "status", reply.status().wireName());
    }
}
