package dev.parley.gateway.chat;

import dev.parley.client.ParleyClient;
import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.http.HttpExchange;
import dev.parley.gateway.openai.CompletionJson;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.gateway.ops.GatewayMetrics;
import dev.parley.gateway.resume.AnswerSource;
import dev.parley.gateway.resume.EventId;
import dev.parley.gateway.resume.KafkaReplay;
import dev.parley.gateway.resume.StreamRecord;
import dev.parley.gateway.resume.StreamResumer;
import dev.parley.schemas.Choice;
import dev.parley.schemas.Chunk;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Relays one streamed request as server-sent {@code chat.completion.chunk} events: a first chunk with the role, one
 * per Parley chunk record, one with the finish reason, the usage chunk when asked for, then {@code data: [DONE]}.
 *
 * <p>Chunks are read on the request's own thread ({@link StreamedAnswer}), so a slow client never holds up other
 * requests' replies. A write that fails means the client went away: the request is cancelled so the worker stops
 * generating for nobody, at once without a {@link StreamResumer} (no Redis), else after its grace unless the client
 * resumed ({@code Last-Event-ID}), on this gateway or another, which replays the same events from the reply topic.
 */
final class StreamRelay {

    private final ParleyClient client;
    private final GatewayMetrics metrics;
    private final Duration pingInterval;
    private final StreamResumer resumer;

    /** @param resumer makes streams resumable, or {@code null}: they are not (no Redis) */
    StreamRelay(ParleyClient client, GatewayMetrics metrics, Duration pingInterval, StreamResumer resumer) {
        this.client = client;
        this.metrics = metrics;
        this.pingInterval = pingInterval;
        this.resumer = resumer;
    }

    boolean resumable() {
        return resumer != null;
    }

    /** Streams the answer; returns the final reply, or {@code null} when the client left or the request failed. */
    Reply relay(HttpExchange exchange, Prompt prompt, String model, boolean includeUsage, Duration timeout)
            throws InterruptedException {
        Tenant tenant = exchange.attachment();
        long created = System.currentTimeMillis() / 1000;
        if (resumer != null) {
            resumer.record(tenant.name(), prompt.requestId(), prompt, false, Json.mapper().valueToTree(
                    Json.object("model", model, "created", created, "include_usage", includeUsage)));
        }
        StreamedAnswer answer = StreamedAnswer.send(client, prompt, timeout, pingInterval);
        metrics.streamOpened();
        try {
            return relayAnswer(new ChatEvents(exchange.sse(), prompt.requestId(), model, created, resumer != null, -1),
                    answer, includeUsage);
        } catch (IOException clientGone) {
            metrics.streamAbandoned();
            if (resumer == null) {
                client.cancel(prompt.conversationId(), prompt.requestId());
            } else {
                resumer.abandoned(tenant.name(), prompt.requestId(), prompt, false);
            }
            return null;
        } finally {
            metrics.streamClosed();
        }
    }

    /**
     * {@code Last-Event-ID: <request id>:<n>}: the stream's events after the n-th, replayed from the reply topic
     * until its end (it may still be generating); as the stream was, on any gateway.
     */
    void resume(HttpExchange exchange, String lastEventId) throws InterruptedException {
        Tenant tenant = exchange.attachment();
        EventId after = EventId.parse(lastEventId, null, "Last-Event-ID");
        StreamRecord stream = resumer.find(tenant.name(), after.streamId(), "Last-Event-ID");
        if (!stream.details().has("include_usage")) {
            throw OpenAiException.invalidParam("Last-Event-ID", "'" + after.streamId() + "' is not a chat stream");
        }
        exchange.header(ConversationResolver.HEADER, stream.conversationId());
        exchange.header(ChatCompletionsRoute.REQUEST_ID_HEADER, stream.requestId());
        try (KafkaReplay replay = resumer.replay(stream)) {
            metrics.streamOpened();
            try {
                relayAnswer(new ChatEvents(exchange.sse(), stream.requestId(), stream.details().path("model").asString(),
                        stream.details().path("created").asLong(), true, after.number()), replay,
                        stream.details().path("include_usage").asBoolean());
            } catch (IOException clientGone) {
                metrics.streamAbandoned(); // a resumed stream can be resumed again; its request goes on
            } finally {
                metrics.streamClosed();
            }
        }
    }

    private static Reply relayAnswer(ChatEvents events, AnswerSource answer, boolean includeUsage)
            throws IOException, InterruptedException {
        Set<Integer> opened = new HashSet<>(); // answers whose role chunk went out (several when n > 1)
        open(events, opened, 0);
        while (true) {
            Object event = answer.next();
            if (event == null) {
                events.ping();
            } else if (event instanceof Chunk chunk) {
                open(events, opened, chunk.choice());
                List<Map<String, Object>> deltas = deltas(chunk);
                for (int i = 0; i < deltas.size(); i++) {
                    events.chunk(chunk.choice(), deltas.get(i), null,
                            i == deltas.size() - 1 ? chunk.logprobs() : null);
                }
            } else if (event instanceof Reply done) {
                return finish(events, done, includeUsage, opened);
            } else {
                events.event(Json.error(ReplyOutcome.failure((Throwable) event)));
                events.done();
                return null;
            }
        }
    }

    /**
     * The events' deltas of one chunk: a reasoning model's thinking (as llama-server and vLLM stream it), the text,
     * the tool-call pieces; the last carries the chunk's log probabilities, which get an empty content delta of
     * their own when the chunk has nothing else.
     */
    private static List<Map<String, Object>> deltas(Chunk chunk) {
        List<Map<String, Object>> deltas = new ArrayList<>(1);
        if (chunk.reasoningContent() != null) {
            deltas.add(Json.object("reasoning_content", chunk.reasoningContent()));
        }
        if (!chunk.delta().isEmpty() || (deltas.isEmpty() && chunk.toolCalls() == null && chunk.logprobs() != null)) {
            deltas.add(Json.object("content", chunk.delta()));
        }
        if (chunk.toolCalls() != null) {
            deltas.add(CompletionJson.toolCallsDelta(chunk.toolCalls()));
        }
        return deltas;
    }

    /** The first chunk of an answer, with its role, unless it went out already. */
    private static void open(ChatEvents events, Set<Integer> opened, int index) throws IOException {
        if (opened.add(index)) {
            events.chunk(index, Json.object("role", "assistant", "content", ""), null, null);
        }
    }

    private static Reply finish(ChatEvents events, Reply done, boolean includeUsage, Set<Integer> opened)
            throws IOException {
        Reply checked;
        try {
            checked = ReplyOutcome.check(done);
        } catch (OpenAiException e) {
            events.event(Json.error(e));
            events.done();
            return null;
        }
        events.chunk(Map.of(), CompletionJson.finishReason(done.finishReason()));
        if (done.choices() != null) { // n > 1: each further answer ends with its own finish reason
            for (Choice choice : done.choices().subList(1, done.choices().size())) {
                open(events, opened, choice.index());
                events.chunk(choice.index(), Map.of(), CompletionJson.finishReason(choice.finishReason()), null);
            }
        }
        if (includeUsage) {
            events.event(CompletionJson.usageChunk(done, events.model(), events.created()));
        }
        events.done();
        return checked;
    }
}
