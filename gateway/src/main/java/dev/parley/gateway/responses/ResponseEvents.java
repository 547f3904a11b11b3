package dev.parley.gateway.responses;

import dev.parley.gateway.http.SseWriter;
import dev.parley.gateway.resume.EventId;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server-sent events of one streamed response, in the Responses API's shape and order: {@code response.created},
 * {@code response.in_progress}, {@code response.output_item.added}, {@code response.content_part.added}, one
 * {@code response.output_text.delta} per piece, {@code response.output_text.done}, {@code response.content_part.done},
 * {@code response.output_item.done} and {@code response.completed} (or {@code .incomplete}); each numbered by
 * {@code sequence_number} from 0.
 */
final class ResponseEvents {

    private final SseWriter sse;
    private final String itemId;
    private final String responseId;
    private final long after;
    private int sequence;

    /**
     * Events with SSE ids {@code <response id>:<sequence_number>}, by which a client resumes the stream.
     *
     * @param after the {@code sequence_number} of the last event the client read ({@code -1}: none); only later ones
     *              are written, so a resumed stream continues its events exactly where its client left them
     */
    ResponseEvents(SseWriter sse, String requestId, long after) {
        this.sse = sse;
        this.itemId = ResponseJson.messageId(requestId);
        this.responseId = ResponseJson.responseId(requestId);
        this.after = after;
    }

    /** From {@code response.created} to the empty text part the deltas fill. */
    void start(Object inProgress, String requestId) throws IOException {
        send("response.created", "response", inProgress);
        send("response.in_progress", "response", inProgress);
        send("response.output_item.added", "output_index", 0, "item",
                ResponseJson.message(requestId, "in_progress", null));
        send("response.content_part.added", "item_id", itemId, "output_index", 0, "content_index", 0,
                "part", ResponseJson.outputText(""));
    }

    void delta(String text) throws IOException {
        send("response.output_text.delta", "item_id", itemId, "output_index", 0, "content_index", 0, "delta", text,
                "logprobs", List.of());
    }

    /** From {@code response.output_text.done} to the response's last event, which ends the stream. */
    @SuppressWarnings("unchecked")
    void finish(Map<String, Object> response) throws IOException {
        Map<String, Object> item = ((List<Map<String, Object>>) response.get("output")).get(0);
        String text = (String) ((List<Map<String, Object>>) item.get("content")).get(0).get("text");
        send("response.output_text.done", "item_id", itemId, "output_index", 0, "content_index", 0, "text", text,
                "logprobs", List.of());
        send("response.content_part.done", "item_id", itemId, "output_index", 0, "content_index", 0,
                "part", ResponseJson.outputText(text));
        send("response.output_item.done", "output_index", 0, "item", item);
        String status = (String) response.get("status");
        send(status.equals("completed") ? "response.completed" : "response.incomplete", "response", response);
        sse.end();
    }

    /** OpenAI's {@code error} event, which ends a stream that failed after it began. */
    void error(String code, String message) throws IOException {
        send("error", "code", code, "message", message, "param", null);
        sse.end();
    }

    void ping() throws IOException {
        sse.pingLine();
    }

    private void send(String type, Object... fields) throws IOException {
        int number = sequence++;
        if (number <= after) {
            return;
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", type);
        event.put("sequence_number", number);
        for (int i = 0; i < fields.length; i += 2) {
            event.put((String) fields[i], fields[i + 1]);
        }
        sse.event(EventId.of(responseId, number), type, event);
    }
}
