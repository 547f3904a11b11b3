package dev.parley.client;

/**
 * A prompt asked for something no worker of its model can do, so it was not sent: its workers would only refuse it
 * (an error reply and a dead letter {@code unsupported_feature}). Today that is tool calling
 * (tools, assistant tool calls or tool messages) for a model whose workers all announce that their engine calls no
 * tools ({@link ServedModel#callsTools()}).
 */
public class UnsupportedFeatureException extends ParleyException {

    private static final long serialVersionUID = 1L;

    private final String model;

    /**
     * @param model   the model the prompt named
     * @param message what it asked for that the model's workers cannot do
     */
    public UnsupportedFeatureException(String model, String message) {
        super(message);
        this.model = model;
    }

    /** The model the prompt named. */
    public String model() {
        return model;
    }
}
