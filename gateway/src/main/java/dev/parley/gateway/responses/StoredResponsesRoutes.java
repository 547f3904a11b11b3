package dev.parley.gateway.responses;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/responses/{id}}, {@code DELETE /v1/responses/{id}} and {@code GET /v1/responses/{id}/input_items}:
 * a tenant's stored responses. Another tenant's id, a deleted or expired one are all the same 404.
 */
final class StoredResponsesRoutes {

    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;

    private final ResponseStore store;
    private final Clock clock;
    private final Duration lostAfter;

    /**
     * @param lostAfter how long after its creation a background response still queued is reported lost: its prompt's
     *                  deadline has passed, and no gateway of the pool read a reply for it
     */
    StoredResponsesRoutes(ResponseStore store, Clock clock, Duration lostAfter) {
        this.store = store;
        this.clock = clock;
        this.lostAfter = lostAfter;
    }

    void get(HttpExchange exchange) {
        Tenant tenant = exchange.attachment();
        JsonNode response = store.require(tenant.name(), exchange.pathParam("id"), "response_id").response();
        if ("queued".equals(response.path("status").asString())
                && response.path("created_at").asLong() + lostAfter.toSeconds() < clock.instant().getEpochSecond()) {
            ObjectNode lost = (ObjectNode) response.deepCopy();
            lost.put("status", "failed");
            lost.set("error", Json.mapper().valueToTree(Json.object("code", "background_lost", "message",
                    "no reply came for this background response by its deadline; create it again")));
            response = lost;
        }
        exchange.json(200, response);
    }

    void delete(HttpExchange exchange) {
        Tenant tenant = exchange.attachment();
        String id = exchange.pathParam("id");
        if (!store.delete(tenant.name(), id)) {
            throw OpenAiException.notFound("response_id", "response_not_found", "No response found with id '" + id + "'.");
        }
        exchange.json(200, Json.object("id", id, "object", "response", "deleted", true));
    }

    /** The input items of the response (its own input, not its chain's), newest first unless {@code order=asc}. */
    void inputItems(HttpExchange exchange) {
        Tenant tenant = exchange.attachment();
        StoredResponse response = store.require(tenant.name(), exchange.pathParam("id"), "response_id");
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < response.input().size(); i++) {
            items.add(ResponseJson.inputItem(response.id(), i, response.input().get(i)));
        }
        String order = exchange.query("order");
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw OpenAiException.invalidParam("order", "order must be asc or desc, got '" + order + "'");
        }
        if (!"asc".equals(order)) {
            Collections.reverse(items);
        }
        int from = 0;
        String after = exchange.query("after");
        if (after != null) {
            while (from < items.size() && !items.get(from).get("id").equals(after)) {
                from++;
            }
            from = Math.min(from + 1, items.size());
        }
        int limit = limit(exchange.query("limit"));
        List<Map<String, Object>> page = items.subList(from, Math.min(items.size(), from + limit));
        exchange.json(200, Json.object("object", "list", "data", page,
                "first_id", page.isEmpty() ? null : page.get(0).get("id"),
                "last_id", page.isEmpty() ? null : page.get(page.size() - 1).get("id"),
                "has_more", from + page.size() < items.size()));
    }

    private static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw OpenAiException.invalidParam("limit", "limit must be an integer in [1, " + MAX_LIMIT + "], got '"
                + value + "'");
    }
}
