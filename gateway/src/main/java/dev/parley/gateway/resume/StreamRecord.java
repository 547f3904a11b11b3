package dev.parley.gateway.resume;

import dev.parley.gateway.openai.Json;
import tools.jackson.databind.JsonNode;

/**
 * What resuming a stream needs besides the reply topic: where its records are and what its first events said.
 *
 * @param streamId       the request id (chat) or response id (Responses) its event ids begin with
 * @param requestId      the Parley request id of its chunks and reply
 * @param conversationId its conversation, which is the key of its records (so it names their partition)
 * @param sentAtMillis   when the prompt was sent: its records are not older
 * @param deadlineMillis its prompt's deadline: a replay that finds no reply by then (and a margin) ends with a timeout
 * @param background     a background response: never cancelled for a hang-up
 * @param details        the route's own: the chat stream's model, created and include_usage, or the in-progress
 *                       response a Responses stream began with
 */
public record StreamRecord(String streamId, String requestId, String conversationId, long sentAtMillis,
                           long deadlineMillis, boolean background, JsonNode details) {

    String toJson() {
        return Json.write(Json.object("stream_id", streamId, "request_id", requestId, "conversation_id",
                conversationId, "sent_at", sentAtMillis, "deadline", deadlineMillis, "background", background,
                "details", details));
    }

    static StreamRecord fromJson(String json) {
        JsonNode node = Json.mapper().readTree(json);
        return new StreamRecord(node.path("stream_id").asString(), node.path("request_id").asString(),
                node.path("conversation_id").asString(), node.path("sent_at").asLong(), node.path("deadline").asLong(),
                node.path("background").asBoolean(false), node.get("details"));
    }
}
