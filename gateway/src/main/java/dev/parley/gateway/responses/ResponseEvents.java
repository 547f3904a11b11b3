package dev.parley.gateway.responses;

import dev.parley.gateway.http.SseWriter;
import dev.parley.gateway.resume.EventId;
import dev.parley.schemas.ToolCallDelta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The server-sent events of one streamed response, in the Responses API's shape and order: {@code response.created},
 * {@code response.in_progress}; for the answer's text {@code response.output_item.added},
 * {@code response.content_part.added}, one {@code response.output_text.delta} per piece,
 * {@code response.output_text.done}, {@code response.content_part.done} and {@code response.output_item.done}; for
 * each function call {@code response.output_item.added}, {@code response.function_call_arguments.delta} per piece,
 * {@code response.function_call_arguments.done} and {@code response.output_item.done}; then {@code response.completed}
 * (or {@code .incomplete}). Each is numbered by {@code sequence_number} from 0. An item is opened when its first piece
 * comes (so a reply that only calls functions has no message item), and numbered by {@code output_index} in that
 * order, which the final response's {@code output} follows.
 */
final class ResponseEvents {

    private final SseWriter sse;
    private final String requestId;
    private final String messageId;
    private final String responseId;
    private final long after;
    /** Output index of each item opened so far, by item id. */
    private final Map<String, Integer> opened = new LinkedHashMap<>();
    /** Arguments streamed so far, by the call's item id. */
    private final Map<String, StringBuilder> arguments = new HashMap<>();
    private int sequence;

    /**
     * Events with SSE ids {@code <response id>:<sequence_number>}, by which a client resumes the stream.
     *
     * @param after the {@code sequence_number} of the last event the client read ({@code -1}: none); only later ones
     *              are written, so a resumed stream continues its events exactly where its client left them
     */
    ResponseEvents(SseWriter sse, String requestId, long after) {
        this.sse = sse;
        this.requestId = requestId;
        this.messageId = ResponseJson.messageId(requestId);
        this.responseId = ResponseJson.responseId(requestId);
        this.after = after;
    }

    /** {@code response.created} and {@code response.in_progress}. */
    void start(Object inProgress) throws IOException {
        send("response.created", "response", inProgress);
        send("response.in_progress", "response", inProgress);
    }

    void delta(String text) throws IOException {
        if (!opened.containsKey(messageId)) {
            open(ResponseJson.message(requestId, "in_progress", null));
        }
        send("response.output_text.delta", "item_id", messageId, "output_index", opened.get(messageId),
                "content_index", 0, "delta", text, "logprobs", List.of());
    }

    /** Pieces of function calls: the first of a call opens its item, each piece adds to its arguments. */
    void toolCalls(List<ToolCallDelta> pieces) throws IOException {
        for (ToolCallDelta piece : pieces) {
            String itemId = FunctionCallJson.itemId(requestId, piece.index());
            if (!opened.containsKey(itemId)) {
                String name = piece.function() == null ? null : piece.function().name();
                open(FunctionCallJson.item(requestId, piece.index(), piece.id(), name, "", "in_progress"));
            }
            String text = piece.function() == null ? null : piece.function().arguments();
            if (text != null && !text.isEmpty()) {
                argumentsDelta(itemId, text);
            }
        }
    }

    /** The items' closing events (opening those no piece opened), then the response's last event, ending the stream. */
    @SuppressWarnings("unchecked")
    void finish(Map<String, Object> response) throws IOException {
        List<Map<String, Object>> output = inStreamOrder((List<Map<String, Object>>) response.get("output"),
                (String) response.get("status"));
        response.put("output", output);
        for (Map<String, Object> item : output) {
            if (!opened.containsKey((String) item.get("id"))) {
                open(item.get("type").equals("message") ? ResponseJson.message(requestId, "in_progress", null)
                        : inProgressCall(item));
            }
            if (item.get("type").equals("message")) {
                finishMessage(item);
            } else {
                finishCall(item);
            }
        }
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

    private void open(Map<String, Object> item) throws IOException {
        String id = (String) item.get("id");
        int index = opened.size();
        opened.put(id, index);
        send("response.output_item.added", "output_index", index, "item", item);
        if (item.get("type").equals("message")) {
            send("response.content_part.added", "item_id", id, "output_index", index, "content_index", 0,
                    "part", ResponseJson.outputText(""));
        } else {
            arguments.put(id, new StringBuilder());
        }
    }

    private void argumentsDelta(String itemId, String text) throws IOException {
        arguments.get(itemId).append(text);
        send("response.function_call_arguments.delta", "item_id", itemId, "output_index", opened.get(itemId),
                "delta", text);
    }

    @SuppressWarnings("unchecked")
    private void finishMessage(Map<String, Object> item) throws IOException {
        int index = opened.get(messageId);
        String text = (String) ((List<Map<String, Object>>) item.get("content")).get(0).get("text");
        send("response.output_text.done", "item_id", messageId, "output_index", index, "content_index", 0,
                "text", text, "logprobs", List.of());
        send("response.content_part.done", "item_id", messageId, "output_index", index, "content_index", 0,
                "part", ResponseJson.outputText(text));
        send("response.output_item.done", "output_index", index, "item", item);
    }

    private void finishCall(Map<String, Object> item) throws IOException {
        String id = (String) item.get("id");
        String text = (String) item.get("arguments");
        if (arguments.get(id).isEmpty() && !text.isEmpty()) {
            argumentsDelta(id, text); // the deltas always add up to the call
        }
        send("response.function_call_arguments.done", "item_id", id, "output_index", opened.get(id),
                "name", item.get("name"), "arguments", text);
        send("response.output_item.done", "output_index", opened.get(id), "item", item);
    }

    /**
     * The final output in the order its items were opened, those never opened after them; a message the stream
     * opened stays in it even when the reply's text ended empty, so every opened item is closed.
     */
    private List<Map<String, Object>> inStreamOrder(List<Map<String, Object>> output, String status) {
        List<Map<String, Object>> streamed = new ArrayList<>(Collections.nCopies(opened.size(), null));
        List<Map<String, Object>> rest = new ArrayList<>();
        for (Map<String, Object> item : output) {
            Integer index = opened.get((String) item.get("id"));
            if (index == null) {
                rest.add(item);
            } else {
                streamed.set(index, item);
            }
        }
        if (opened.containsKey(messageId) && streamed.get(opened.get(messageId)) == null) {
            streamed.set(opened.get(messageId), ResponseJson.message(requestId,
                    status.equals("completed") ? "completed" : "incomplete", ""));
        }
        List<Map<String, Object>> ordered = new ArrayList<>(streamed);
        ordered.removeIf(Objects::isNull); // a call streamed but not in the reply: the worker's parse is final
        ordered.addAll(rest);
        return ordered;
    }

    private static Map<String, Object> inProgressCall(Map<String, Object> item) {
        Map<String, Object> call = new LinkedHashMap<>(item);
        call.put("status", "in_progress");
        call.put("arguments", "");
        return call;
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
