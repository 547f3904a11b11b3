package dev.parley.gateway.batch;

import dev.parley.gateway.openai.Json;
import java.util.List;
import java.util.Map;

/** OpenAI's {@code file} and {@code batch} objects from the fields stored for them. */
final class BatchObjects {

    static final List<String> TIMESTAMPS = List.of("in_progress_at", "expires_at", "finalizing_at", "completed_at",
            "failed_at", "expired_at", "cancelling_at", "cancelled_at");

    private BatchObjects() {
    }

    static Map<String, Object> file(Map<String, String> fields) {
        return Json.object("id", fields.get("id"), "object", "file", "bytes", Long.parseLong(fields.get("bytes")),
                "created_at", Long.parseLong(fields.get("created_at")), "filename", fields.get("filename"),
                "purpose", fields.get("purpose"), "status", "processed", "status_details", null,
                "expires_at", number(fields.get("expires_at")));
    }

    static Map<String, Object> batch(Map<String, String> fields, long completed, long failed) {
        Map<String, Object> batch = Json.object("id", fields.get("id"), "object", "batch",
                "endpoint", fields.get("endpoint"), "errors", errors(fields.get("errors")),
                "input_file_id", fields.get("input_file_id"), "completion_window", fields.get("completion_window"),
                "status", fields.get("status"), "output_file_id", fields.get("output_file_id"),
                "error_file_id", fields.get("error_file_id"), "created_at", number(fields.get("created_at")));
        for (String stamp : TIMESTAMPS) {
            batch.put(stamp, number(fields.get(stamp)));
        }
        long total = fields.containsKey("total") ? Long.parseLong(fields.get("total")) : 0;
        batch.put("request_counts", Json.object("total", total, "completed", completed, "failed", failed));
        batch.put("metadata", fields.get("metadata") == null ? null : Json.mapper().readTree(fields.get("metadata")));
        return batch;
    }

    private static Object errors(String json) {
        return json == null ? null : Json.mapper().readTree(json);
    }

    private static Long number(String value) {
        return value == null ? null : Long.parseLong(value);
    }
}
