package dev.parley.gateway.chat;

import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.ParleyTimeoutException;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns what the SDK gave back into an answer or an OpenAI error with its usual status. */
public final class ReplyOutcome {

    private ReplyOutcome() {
    }

    /** The reply when it can be shown to the client (ok, or cancelled with its text so far); else the error. */
    public static Reply check(Reply reply) {
        return switch (reply.status()) {
            case OK, CANCELLED -> reply;
            case EXPIRED -> throw OpenAiException.unavailable("no worker started request " + reply.requestId()
                    + " before its deadline: the pool is busy or down");
            case RATE_LIMITED -> throw rateLimited(reply);
            case ERROR -> throw OpenAiException.internal("the worker failed request " + reply.requestId() + ": "
                    + (reply.error() == null ? "unknown error" : reply.error().code() + ": " + reply.error().message()));
        };
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
