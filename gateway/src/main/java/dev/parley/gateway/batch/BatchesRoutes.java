package dev.parley.gateway.batch;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/batches}, {@code GET /v1/batches[/{id}]}, {@code POST /v1/batches/{id}/cancel}. */
public final class BatchesRoutes {

    private static final long WINDOW_SECONDS = 24 * 3600;

    private final BatchStore store;
    private final Ids ids;
    private final Clock clock;
    private final Runnable wake;
    private final StorageLimits limits;

    /** @param wake asks the runner to look for new work now rather than at its next scan */
    BatchesRoutes(BatchStore store, Ids ids, Clock clock, Runnable wake, StorageLimits limits) {
        this.store = store;
        this.ids = ids;
        this.clock = clock;
        this.wake = wake;
        this.limits = limits;
    }

    public void create(HttpExchange exchange) throws IOException {
        Tenant tenant = exchange.attachment();
        JsonNode body = Json.readObject(exchange.body());
        for (String name : body.propertyNames()) {
            if (!List.of("input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after").contains(name)) {
                throw OpenAiException.invalidParam(name, "Unrecognized request argument supplied: " + name);
            }
        }
        String endpoint = body.path("endpoint").asString("");
        if (!endpoint.equals("/v1/chat/completions")) {
            throw OpenAiException.invalidParam("endpoint", "only /v1/chat/completions batches are supported, got '"
                    + endpoint + "'");
        }
        String window = body.path("completion_window").asString("");
        if (!window.equals("24h")) {
            throw OpenAiException.invalidParam("completion_window", "completion_window must be '24h', got '" + window + "'");
        }
        String inputFileId = body.path("input_file_id").asString("");
        Map<String, String> file = store.file(tenant.name(), inputFileId);
        if (file.isEmpty()) {
            throw OpenAiException.notFound("input_file_id", "file_not_found", "No such File object: " + inputFileId);
        }
        if (!"batch".equals(file.get("purpose"))) {
            throw OpenAiException.invalidParam("input_file_id", "file " + inputFileId + " was not uploaded with purpose batch");
        }
        long now = clock.instant().getEpochSecond();
        String id = ids.next("batch_");
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("id", id);
        fields.put("endpoint", endpoint);
        fields.put("input_file_id", inputFileId);
        fields.put("completion_window", window);
        fields.put("status", "validating");
        fields.put("created_at", String.valueOf(now));
        fields.put("expires_at", String.valueOf(now + WINDOW_SECONDS));
        JsonNode metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull()) {
            fields.put("metadata", Json.write(metadata));
        }
        if (!store.createBatch(tenant.name(), id, fields, now, limits.batchTtl().toSeconds(), limits.maxBatches())) {
            throw FilesRoutes.quota("the tenant holds " + limits.maxBatches() + " batches, the most it may (they "
                    + "expire " + limits.batchTtl().toDays() + " days after creation)");
        }
        wake.run();
        exchange.json(200, render(tenant.name(), id));
    }

    public void get(HttpExchange exchange) throws IOException {
        Tenant tenant = exchange.attachment();
        exchange.json(200, render(tenant.name(), exchange.pathParam("id")));
    }

    public void list(HttpExchange exchange) throws IOException {
        Tenant tenant = exchange.attachment();
        int limit = 20;
        String limitParam = exchange.query("limit");
        if (limitParam != null) {
            try {
                limit = Integer.parseInt(limitParam);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) {
                throw OpenAiException.invalidParam("limit", "limit must be an integer in [1, 100], got " + limitParam);
            }
        }
        List<String> page = store.batchIds(tenant.name(), exchange.query("after"), limit + 1);
        List<Map<String, Object>> data = new ArrayList<>();
        for (String id : page.subList(0, Math.min(limit, page.size()))) {
            if (!store.batch(tenant.name(), id).isEmpty()) { // an expired batch may linger in the index a while
                data.add(render(tenant.name(), id));
            }
        }
        exchange.json(200, Json.object("object", "list", "data", data,
                "first_id", data.isEmpty() ? null : data.get(0).get("id"),
                "last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"),
                "has_more", page.size() > limit));
    }

    public void cancel(HttpExchange exchange) throws IOException {
        Tenant tenant = exchange.attachment();
        String id = exchange.pathParam("id");
        render(tenant.name(), id); // 404 first
        boolean moved = store.transition(tenant.name(), id, "cancelling", "cancelling_at",
                clock.instant().getEpochSecond(), "validating", "in_progress");
        Map<String, Object> batch = render(tenant.name(), id);
        if (!moved && !List.of("cancelling", "cancelled").contains(String.valueOf(batch.get("status")))) {
            throw new OpenAiException(409, "invalid_request_error", null, "batch_not_cancellable",
                    "batch " + id + " is " + batch.get("status") + " and can no longer be cancelled");
        }
        wake.run();
        exchange.json(200, batch);
    }

    Map<String, Object> render(String tenant, String id) {
        Map<String, String> fields = store.batch(tenant, id);
        if (fields.isEmpty()) {
            throw OpenAiException.notFound("batch_id", "batch_not_found", "No such Batch object: " + id);
        }
        return BatchObjects.batch(fields, store.resultCount(tenant, id, false), store.resultCount(tenant, id, true));
    }
}
