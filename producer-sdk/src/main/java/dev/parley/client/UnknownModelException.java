package dev.parley.client;

import java.util.List;

/**
 * A prompt named a model that no worker of the pool announces, so it was not sent (it would wait on no topic, or be
 * dead-lettered and answered with an error reply {@code unknown_model}). {@link #servedModels()} lists the names that
 * would have been accepted.
 */
public class UnknownModelException extends ParleyException {

    private static final long serialVersionUID = 1L;

    private final String model;
    private final List<String> servedModels;

    /**
     * @param model        the name asked for
     * @param servedModels the names served now, sorted
     * @param modelsTopic  the topic the announcements were read from
     */
    public UnknownModelException(String model, List<String> servedModels, String modelsTopic) {
        super("unknown model '" + model + "': the pool serves " + (servedModels.isEmpty()
                ? "no model by name (no worker announces one on " + modelsTopic + ")"
                : String.join(", ", servedModels)));
        this.model = model;
        this.servedModels = List.copyOf(servedModels);
    }

    /** The model asked for. */
    public String model() {
        return model;
    }

    /** The models the pool serves now, sorted by name. */
    public List<String> servedModels() {
        return servedModels;
    }
}
