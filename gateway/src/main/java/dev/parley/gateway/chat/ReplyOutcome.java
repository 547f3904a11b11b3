package dev.parley.gateway.chat;

import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.ParleyTimeoutException;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns what the SDK gave back into an answer or an OpenAI error with its usual status. */
public final class ReplyOutcome {

    private ReplyOutcome() {
    }

    /**
     * The reply when it can be shown to the client (ok, cancelled with its text so far, or JSON cut off by the token
     * budget, which OpenAI also answers with its partial content and finish_reason length); else the error.
     */
    public static Reply check(Reply reply) {
        if (cutOffJson(reply)) {
            return reply;
        }
        return switch (reply.status()) {
            case OK, CANCELLED -> reply;
            case EXPIRED -> throw OpenAiException.unavailable("no worker started request " + reply.requestId()
                    + " before its deadline: the pool is busy or down");
            case RATE_LIMITED -> throw rateLimited(reply);
            case ERROR -> throw workerError(reply);
        };
    }

    /**
     * A worker's error reply: a 400 when the request itself cannot be served (too long for the context, a schema or
     * grammar outside what the engine takes), with the worker's message; a 404 for a model its worker does not serve;
     * else a 500 naming only the error code (its
     * message may carry the worker's internals).
     */
    private static OpenAiException workerError(Reply reply) {
        String code = reply.error() == null ? "unknown_error" : reply.error().code();
        String message = reply.error() == null ? "" : reply.error().message();
        return switch (code) {
            case "context_overflow" -> new OpenAiException(400, "invalid_request_error", "messages",
                    "context_length_exceeded", "the conversation and max_tokens do not fit the model's context: "
                    + message);
            case "unsupported_schema", "invalid_grammar" -> new OpenAiException(400, "invalid_request_error",
                    "response_format", code, message);
            case "invalid_logit_bias", "unsupported_logit_bias" -> new OpenAiException(400, "invalid_request_error",
                    "logit_bias", code, message);
            // the java engine takes no template variables; the model's template refused the messages
            case "unsupported_template_variables" -> new OpenAiException(400, "invalid_request_error",
                    "chat_template_kwargs", code, message);
            case "chat_template_refused" -> new OpenAiException(400, "invalid_request_error", "messages", code,
                    message);
            // what the worker's engine cannot do (the java engine's logprobs): asking again cannot help
            case "unsupported_feature" -> new OpenAiException(400, "invalid_request_error", null, code, message);
            // the prompt reached a worker of another model (a stale announcement, a shared topic): as OpenAI answers
            // a model it does not serve; the worker's message names topics, which stay inside
            case "unknown_model" -> OpenAiException.notFound("model", "model_not_found", "request "
                    + reply.requestId() + " reached a worker that serves another model (" + reply.model()
                    + "): the model is not served where its announcement says");
            default -> OpenAiException.internal("the worker failed request " + reply.requestId() + " (" + code + ")");
        };
    }

    private static boolean cutOffJson(Reply reply) {
        return reply.status() == ReplyStatus.ERROR && reply.error() != null
                && "invalid_output".equals(reply.error().code()) && reply.finishReason() == FinishReason.LENGTH;
    }

    /** Whether an SDK outcome (a reply or a failure) is a refusal for the tenant's token quota. */
    public static boolean rateLimited(Object outcome) {
        Throwable cause = outcome instanceof Throwable t ? t : null;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof ParleyRateLimitedException
                || outcome instanceof Reply reply && reply.status() == ReplyStatus.RATE_LIMITED;
    }

    private static OpenAiException rateLimited(Reply reply) {
        Long millis = reply.error() != null ? reply.error().retryAfterMs() : null;
        return OpenAiException.tokensRateLimited(reply.error() != null ? reply.error().message()
                : "the tenant is over its token quota", Duration.ofMillis(millis != null ? millis : 0));
    }

    /** The error for a failed reply future. */
    public static OpenAiException failure(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof OpenAiException openAi) {
            return openAi;
        }
        if (cause instanceof ParleyRateLimitedException limited) {
            return rateLimited(limited.reply());
        }
        if (cause instanceof ParleyTimeoutException timeout) {
            return OpenAiException.timeout(timeout.getMessage());
        }
        return OpenAiException.unavailable("the request could not be completed: " + cause.getMessage());
    }
}
