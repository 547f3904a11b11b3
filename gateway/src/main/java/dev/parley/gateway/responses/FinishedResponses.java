package dev.parley.gateway.responses;

import dev.parley.gateway.chat.ReplyOutcome;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A response finished from what it was before its reply (the in-progress object its stream began with, or the queued
 * one a background response was stored as), for a gateway that did not take its request: one replaying its stream,
 * or completing a background response another gateway sent. The result is the object
 * {@link ResponseJson#finished} makes from the request, field for field.
 */
final class FinishedResponses {

    private FinishedResponses() {
    }

    /** The response answered by {@code reply}: completed, incomplete or cancelled, or failed when the reply says so. */
    static Map<String, Object> from(JsonNode before, Reply reply) {
        Reply checked;
        try {
            checked = ReplyOutcome.check(reply);
        } catch (OpenAiException e) {
            return failed(before, e);
        }
        ObjectNode response = (ObjectNode) before.deepCopy();
        String status = ResponseJson.status(checked);
        response.put("status", status);
        response.set("incomplete_details", status.equals("incomplete")
                ? Json.mapper().valueToTree(Json.object("reason", "max_output_tokens")) : null);
        response.set("output", Json.mapper().valueToTree(ResponseJson.output(checked,
                status.equals("completed") ? "completed" : "incomplete")));
        response.set("usage", Json.mapper().valueToTree(ResponseJson.usage(checked.usage())));
        response.remove("parley");
        response.set("parley", Json.mapper().valueToTree(Json.object("request_id", checked.requestId(),
                "conversation_id", checked.conversationId(), "turn", checked.turn(), "worker", checked.worker(),
                "model", checked.model())));
        return asMap(response);
    }

    /** The response failed with {@code error} (its code, else its type, and its message). */
    static Map<String, Object> failed(JsonNode before, OpenAiException error) {
        ObjectNode response = (ObjectNode) before.deepCopy();
        response.put("status", "failed");
        response.set("error", Json.mapper().valueToTree(Json.object("code",
                error.code() == null ? error.type() : error.code(), "message", error.getMessage())));
        return asMap(response);
    }

    static String text(Reply reply) {
        return reply.content() == null ? "" : reply.content();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(JsonNode node) {
        return Json.mapper().convertValue(node, LinkedHashMap.class);
    }
}
