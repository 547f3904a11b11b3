package dev.parley.worker.engine.template;

/** A chat template that cannot be parsed, or that refused (or failed) to render the messages it was given. */
public class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
