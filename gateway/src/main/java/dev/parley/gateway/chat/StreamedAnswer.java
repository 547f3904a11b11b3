package dev.parley.gateway.chat;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.resume.AnswerSource;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One streamed request's answer as the request's own thread reads it, for every streaming route. Chunks arrive on
 * the SDK's reply thread, which every request shares; they are queued here and read from the request's thread, so a
 * slow client never holds up other requests' replies. A retried generation restarts its text, and what was already
 * sent cannot be taken back, so only the newest attempt's chunks come out.
 */
public final class StreamedAnswer implements AnswerSource {

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Duration pingInterval;
    /** What came within the first ping interval ({@code null}: nothing), handed out by the first {@link #next()}. */
    private Object first;
    private boolean firstTaken;
    private int attempt = 1;

    private StreamedAnswer(Duration pingInterval) {
        this.pingInterval = pingInterval;
    }

    /**
     * Sends the prompt and waits for its first event or one ping interval, whichever comes first: a request refused
     * for its tenant's quota by then is thrown as a real 429 with its Retry-After, not an event in a 200 stream.
     */
    public static StreamedAnswer send(ParleyClient client, Prompt prompt, Duration timeout, Duration pingInterval)
            throws InterruptedException {
        StreamedAnswer answer = new StreamedAnswer(pingInterval);
        client.sendStreamed(prompt, timeout, answer.events::add)
                .whenComplete((done, error) -> answer.events.add(done != null ? done : error));
        answer.first = answer.events.poll(pingInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (ReplyOutcome.rateLimited(answer.first)) {
            throw ReplyOutcome.failure((Throwable) answer.first);
        }
        return answer;
    }

    @Override
    public Object next() throws InterruptedException {
        while (true) {
            Object event;
            if (firstTaken) {
                event = events.poll(pingInterval.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                event = first;
                firstTaken = true;
                first = null;
            }
            if (!(event instanceof Chunk chunk)) {
                return event;
            }
            if (chunk.attempt() >= attempt) {
                attempt = chunk.attempt();
                return chunk;
            }
        }
    }
}
