package dev.parley.worker.models;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.validation.PromptCheck;
import dev.parley.schemas.validation.Rejection;
import dev.parley.schemas.validation.RejectionCode;

/**
 * Refuses a prompt that names a model this worker does not serve: it reached the wrong topic (a sender that routed
 * without reading the announcements, or a topic shared by mistake). It is dead-lettered with {@code unknown_model}
 * and its sender gets an error reply of that code (the turn answers a refused prompt), instead of being answered by
 * the wrong model; a prompt naming no model is answered by whatever model the topic has.
 */
public final class ModelGate implements PromptCheck {

    private final ServedModel served;

    public ModelGate(ServedModel served) {
        this.served = served;
    }

    @Override
    public Rejection check(Prompt prompt) {
        String asked = prompt.model();
        if (asked == null || asked.equals(served.name())) {
            return null;
        }
        return new Rejection(RejectionCode.UNKNOWN_MODEL, "$.model", "$.model: the prompt asks for model '"
                + asked + "', but this worker serves '" + served.name() + "' on topic "
                + served.promptsTopic() + "; send it to the topic that model's workers announce on "
                + served.modelsTopic());
    }
}
