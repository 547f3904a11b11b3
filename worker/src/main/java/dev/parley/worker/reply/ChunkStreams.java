package dev.parley.worker.reply;

import dev.parley.schemas.Prompt;

/** Opens the chunk stream of a streamed prompt's generation attempt. */
@FunctionalInterface
public interface ChunkStreams {

    ChunkStream open(Prompt prompt, int attempt);

    /** Streams that send on the thread that produces the text (tests, and engines that call back on the turn thread). */
    static ChunkStreams direct(ReplyPublisher publisher, String workerId, ChunkStream.Batching batching) {
        ChunkStream.Outbox inline = stream -> {
            stream.sendPending();
            return true;
        };
        return (prompt, attempt) -> new ChunkStream(publisher, inline, prompt.replyTo(), prompt.requestId(),
                prompt.conversationId(), attempt, workerId, batching);
    }
}
