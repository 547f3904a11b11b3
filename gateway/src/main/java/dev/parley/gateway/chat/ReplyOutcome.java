package dev.parley.gateway.chat;

import dev.parley.client.ParleyTimeoutException;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
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
            case ERROR -> throw OpenAiException.internal("the worker failed request " + reply.requestId() + ": "
                    + (reply.error() == null ? "unknown error" : reply.error().code() + ": " + reply.error().message()));
        };
    }

    private static boolean cutOffJson(Reply reply) {
        return reply.status() == ReplyStatus.ERROR && reply.error() != null
                && "invalid_output".equals(reply.error().code()) && reply.finishReason() == FinishReason.LENGTH;
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
        if (cause instanceof ParleyTimeoutException timeout) {
            return OpenAiException.timeout(timeout.getMessage());
        }
        return OpenAiException.unavailable("the request could not be completed: " + cause.getMessage());
    }
}
