package dev.parley.gateway.responses;

import dev.parley.gateway.openai.Json;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A response kept in Redis: the object {@code GET /v1/responses/{id}} answers, and what a later request needs to
 * continue or fork from it.
 *
 * @param id                 {@code resp_...}
 * @param conversationId     the Parley conversation it was answered in
 * @param turn               the turn of that conversation it is (the worker numbers them)
 * @param previousResponseId the response it continued, or {@code null}
 * @param system             the system prompt in force for it (instructions and system items), or {@code null}
 * @param input              its input's items
 * @param outputText         its answer
 * @param response           the response object as answered
 */
public record StoredResponse(String id, String conversationId, int turn, String previousResponseId, String system,
                             List<InputItem> input, String outputText, JsonNode response) {

    public StoredResponse {
        input = List.copyOf(input);
    }

    String toJson() {
        return Json.write(Json.object("id", id, "conversation_id", conversationId, "turn", turn,
                "previous_response_id", previousResponseId, "system", system, "input", StoredItems.toJson(input),
                "output_text", outputText, "response", response));
    }

    static StoredResponse fromJson(String json) {
        JsonNode node = Json.mapper().readTree(json);
        List<InputItem> input = StoredItems.fromJson(node.path("input"));
        return new StoredResponse(node.path("id").asString(), node.path("conversation_id").asString(),
                node.path("turn").asInt(), textOrNull(node.get("previous_response_id")), textOrNull(node.get("system")),
                input, node.path("output_text").asString(""), node.get("response"));
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asString();
    }
}
