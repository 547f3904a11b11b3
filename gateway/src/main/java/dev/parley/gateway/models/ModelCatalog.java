package dev.parley.gateway.models;

import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The models the pool serves, from configuration (the gateway needs no model of its own, so it cannot ask one):
 * {@code GET /v1/models}, {@code GET /v1/models/{id}}, and the check that a request names one of them.
 */
public final class ModelCatalog {

    private final List<String> ids;
    private final long created;

    public ModelCatalog(List<String> ids, long created) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("the gateway needs at least one model name");
        }
        this.ids = List.copyOf(ids);
        this.created = created;
    }

    public List<String> ids() {
        return ids;
    }

    /** 404 in OpenAI's words for a model the pool does not serve. */
    public String require(String model, String param) {
        if (!ids.contains(model)) {
            throw OpenAiException.notFound(param, "model_not_found", "The model `" + model
                    + "` does not exist or you do not have access to it.");
        }
        return model;
    }

    public void list(HttpExchange exchange) throws IOException {
        List<Map<String, Object>> data = new ArrayList<>();
        for (String id : ids) {
            data.add(model(id));
        }
        exchange.json(200, Json.object("object", "list", "data", data));
    }

    public void get(HttpExchange exchange) throws IOException {
        exchange.json(200, model(require(exchange.pathParam("id"), "model")));
    }

    private Map<String, Object> model(String id) {
        return Json.object("id", id, "object", "model", "created", created, "owned_by", "parley");
    }
}
