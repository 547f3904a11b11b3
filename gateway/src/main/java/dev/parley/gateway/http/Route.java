package dev.parley.gateway.http;

/** Answers one request; throw {@link dev.parley.gateway.openai.OpenAiException} for an error in OpenAI's shape. */
@FunctionalInterface
public interface Route {
    void handle(HttpExchange exchange) throws Exception;
}
