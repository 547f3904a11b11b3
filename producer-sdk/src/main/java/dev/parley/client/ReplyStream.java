package dev.parley.client;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A streamed request: its text as it is generated, then its final reply.
 *
 * <pre>{@code
 * ReplyStream stream = client.stream("user-42", "Tell me a story.", SendOptions.NONE);
 * stream.chunks().subscribe(new Flow.Subscriber<>() { ... print chunk.delta() ... });
 * Reply reply = stream.reply().join();   // reply.content() equals the chunks' deltas joined
 * }</pre>
 *
 * <p>A reasoning model (one whose chat template marks its thinking, such as {@code <think>...</think>}) streams its
 * thinking first, in chunks whose {@link Chunk#reasoningContent()} is set and whose delta is empty; the deltas carry
 * only the answer, and the reply has the thinking in {@link Reply#reasoningContent()}.
 *
 * <p>If the worker had to retry a generation, chunks of the new attempt carry a higher {@link Chunk#attempt()}: the
 * text of earlier attempts is void. A request answered before (a redelivery) gets its final reply without chunks.
 */
public interface ReplyStream {

    /** The request id. */
    String requestId();

    /** Chunks in order; completes after the final reply, or fails with the request. */
    Flow.Publisher<Chunk> chunks();

    /** The final reply. */
    CompletableFuture<Reply> reply();

    /** Stops the generation; the reply then has status {@code cancelled} (see {@link ParleyClient#cancel}). */
    CompletableFuture<Void> cancel();
}
