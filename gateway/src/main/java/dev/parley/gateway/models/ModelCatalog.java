package dev.parley.gateway.models;

import dev.parley.client.ParleyException;
import dev.parley.client.ServedModel;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models the pool serves: those its workers announce on the models topic (each on its own prompts topic, sent
 * with the prompt's {@code model}), and the names configured for the gateway (served by whatever model the default
 * prompts topic has, sent without a {@code model}, as before several models were possible). Answers
 * {@code GET /v1/models}, {@code GET /v1/models/{id}}, and the check that a request names one of them.
 */
public final class ModelCatalog {

    private static final Logger log = LoggerFactory.getLogger(ModelCatalog.class);

    private final List<String> configured;
    private final Supplier<List<ServedModel>> announced;
    private final Function<String, Optional<ServedModel>> lookup;
    private final long created;

    /**
     * @param configured names served on the default prompts topic (may be empty)
     * @param announced  the models the workers announce now (the SDK's {@code servedModels})
     * @param lookup     one announced model by name, looking again for a name not seen yet (the SDK's
     *                   {@code servedModel})
     */
    public ModelCatalog(List<String> configured, Supplier<List<ServedModel>> announced,
                        Function<String, Optional<ServedModel>> lookup, long created) {
        this.configured = List.copyOf(configured);
        this.announced = announced;
        this.lookup = lookup;
        this.created = created;
    }

    /** A catalog of configured names only. */
    public ModelCatalog(List<String> configured, long created) {
        this(configured, List::of, name -> Optional.empty(), created);
    }

    /** Every name a request may use, configured ones first, then announced ones by name. */
    public List<String> ids() {
        TreeSet<String> names = new TreeSet<>(announcedNames());
        names.removeAll(configured);
        List<String> ids = new ArrayList<>(configured);
        ids.addAll(names);
        return ids;
    }

    /** 404 in OpenAI's words, listing the served models, for a model the pool does not serve. */
    public String require(String model, String param) {
        if (!configured.contains(model) && !isAnnounced(model)) {
            throw notFound(model, param, ids());
        }
        return model;
    }

    /** The 404 for {@code model}, listing {@code served}. */
    public static OpenAiException notFound(String model, String param, List<String> served) {
        return OpenAiException.notFound(param, "model_not_found", "The model `" + model
                + "` does not exist or you do not have access to it. Served models: "
                + (served.isEmpty() ? "none" : String.join(", ", served)) + ".");
    }

    /**
     * What the prompt's {@code model} is for a request naming {@code model}: the name when workers announce it (the SDK
     * then sends it to that model's topic), {@code null} for a configured name nobody announces (default topic).
     */
    public String promptModel(String model) {
        return isAnnounced(model) ? model : null;
    }

    private boolean isAnnounced(String model) {
        try {
            return lookup.apply(model).isPresent();
        } catch (ParleyException e) {
            log.warn("Cannot read the announced models; serving the configured ones only: {}", e.getMessage());
            return false;
        }
    }

    private List<String> announcedNames() {
        try {
            return announced.get().stream().map(ServedModel::name).toList();
        } catch (ParleyException e) {
            log.warn("Cannot read the announced models; serving the configured ones only: {}", e.getMessage());
            return List.of();
        }
    }

    public void list(HttpExchange exchange) throws IOException {
        List<Map<String, Object>> data = new ArrayList<>();
        for (String id : ids()) {
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
