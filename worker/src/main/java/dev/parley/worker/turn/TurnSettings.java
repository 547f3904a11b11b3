package dev.parley.worker.turn;

import dev.parley.schemas.retry.Backoff;

import dev.parley.worker.reply.ChunkStream;
import java.time.Duration;

/**
 * @param workerId         reported in replies
 * @param defaultMaxTokens used when a prompt does not set max_tokens
 * @param attempts         how often a failing generation is tried before an error reply
 * @param backoff          delays between retries
 * @param publishTimeout   how long to wait for the broker to acknowledge a reply before retrying
 * @param chunkBatching    how streamed text is batched into chunk records
 */
public record TurnSettings(String workerId, int defaultMaxTokens, int attempts, Backoff backoff,
                           Duration publishTimeout, ChunkStream.Batching chunkBatching) {

    public TurnSettings(String workerId, int defaultMaxTokens, int attempts, Backoff backoff, Duration publishTimeout) {
        this(workerId, defaultMaxTokens, attempts, backoff, publishTimeout, ChunkStream.Batching.DEFAULT);
    }
}
