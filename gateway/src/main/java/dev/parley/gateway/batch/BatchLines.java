package dev.parley.gateway.batch;

import dev.parley.gateway.openai.ChatRequest;
import dev.parley.gateway.openai.ChatRequestParser;
import dev.parley.gateway.openai.CompletionJson;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.models.ModelCatalog;
import dev.parley.schemas.Reply;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One line of a batch input file, and the output or error line written for it, in OpenAI's shapes:
 * {@code {"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}}.
 */
final class BatchLines {

    /** A line read: its custom id (or {@code null} when unreadable), its request or why it has none. */
    record Line(int index, String customId, ChatRequest request, OpenAiException problem, String errorCode) {
        /** The key results are stored under: the custom id, or the line number for a line without one. */
        String key() {
            return customId != null ? customId : "#line-" + (index + 1);
        }
    }

    private final ChatRequestParser parser = new ChatRequestParser();
    private final ModelCatalog models;

    BatchLines(ModelCatalog models) {
        this.models = models;
    }

    /** The line read, or an error line: never throws, so one line can only hurt itself. */
    Line parse(int index, String text) {
        try {
            return read(index, text);
        } catch (RuntimeException e) {
            return new Line(index, null, null, unreadable(index, e), "invalid_request");
        }
    }

    private static OpenAiException unreadable(int index, RuntimeException e) {
        return OpenAiException.badRequest("line " + (index + 1) + " could not be read: " + e.getClass().getSimpleName()
                + ": " + e.getMessage());
    }

    private Line read(int index, String text) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(text);
        } catch (RuntimeException e) {
            return new Line(index, null, null, OpenAiException.badRequest("line " + (index + 1)
                    + " is not valid JSON"), "invalid_json");
        }
        if (node == null || !node.isObject()) {
            return new Line(index, null, null, OpenAiException.badRequest("line " + (index + 1)
                    + " is not a JSON object"), "invalid_json");
        }
        String customId = node.path("custom_id").isString() ? node.get("custom_id").stringValue() : null;
        if (customId == null || customId.isEmpty()) {
            return new Line(index, null, null, OpenAiException.invalidParam("custom_id", "line " + (index + 1)
                    + " has no custom_id"), "missing_required_parameter");
        }
        String url = node.path("url").asString("/v1/chat/completions");
        if (!url.equals("/v1/chat/completions")) {
            return new Line(index, customId, null, OpenAiException.invalidParam("url", "only /v1/chat/completions is "
                    + "supported, got " + url), "invalid_url");
        }
        JsonNode body = node.get("body");
        if (body == null || !body.isObject()) {
            return new Line(index, customId, null, OpenAiException.invalidParam("body", "line " + (index + 1)
                    + " has no body object"), "missing_required_parameter");
        }
        try {
            ChatRequest request = parser.parse(body);
            if (request.stream()) {
                throw OpenAiException.invalidParam("stream", "stream is not allowed in a batch");
            }
            if (request.params() != null && request.params().choices() > 1) {
                // an output line carries one answer here; the others would be dropped without a word
                throw OpenAiException.unsupportedParam("n", "n > 1 is not supported in a batch line; send the line "
                        + "once per answer");
            }
            models.require(request.model(), "model");
            return new Line(index, customId, request, null, null);
        } catch (OpenAiException e) {
            return new Line(index, customId, null, e, null);
        } catch (RuntimeException e) {
            return new Line(index, customId, null, unreadable(index, e), "invalid_request");
        }
    }

    /** The prompt's {@code model} for a line naming {@code model} (see {@link ModelCatalog#promptModel}). */
    String promptModel(String model) {
        return models.promptModel(model);
    }

    /** The output line of an answered request. */
    static String output(Line line, Reply reply, String model, long created) {
        Map<String, Object> response = Json.object("status_code", 200, "request_id", reply.requestId(),
                "body", CompletionJson.completion(reply, model, created));
        return Json.write(Json.object("id", "batch_req_" + reply.requestId(), "custom_id", line.customId(),
                "response", response, "error", null));
    }

    /** The error line of a request that got an HTTP error. */
    static String failed(Line line, String requestId, OpenAiException e) {
        if (line.errorCode() != null) {
            // Unreadable lines never became requests: no response, an error object.
            return Json.write(Json.object("id", "batch_req_" + requestId, "custom_id", line.customId(),
                    "response", null, "error", Json.object("code", line.errorCode(), "message", e.getMessage())));
        }
        Map<String, Object> response = Json.object("status_code", e.status(), "request_id", requestId,
                "body", Json.error(e));
        return Json.write(Json.object("id", "batch_req_" + requestId, "custom_id", line.customId(),
                "response", response, "error", null));
    }
}
