package dev.parley.gateway.resume;

/**
 * One streamed request's answer as a relay reads it, live from the SDK or replayed from the reply topic, so both are
 * written by the same code and number their events alike.
 */
public interface AnswerSource {

    /**
     * The next event: a {@link dev.parley.schemas.Chunk} of the newest attempt (each once, in order), the final
     * {@link dev.parley.schemas.Reply}, the {@link Throwable} the request failed with, or {@code null} when a ping
     * interval passed without any (time to send a ping).
     */
    Object next() throws InterruptedException;
}
