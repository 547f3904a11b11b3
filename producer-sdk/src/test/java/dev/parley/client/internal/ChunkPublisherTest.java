package dev.parley.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyException;
import dev.parley.schemas.Chunk;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChunkPublisherTest {

    /** Subscribes and never asks for anything: every chunk stays buffered for it. */
    private static final class Idle implements Flow.Subscriber<Chunk> {
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        final AtomicInteger received = new AtomicInteger();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
        }

        @Override
        public void onNext(Chunk item) {
            received.incrementAndGet();
        }

        @Override
        public void onError(Throwable throwable) {
            error.complete(throwable);
        }

        @Override
        public void onComplete() {
            error.complete(null);
        }
    }

    @Test
    void aSubscriberTooFarBehindEndsTheStreamWithAnErrorInsteadOfBlockingTheCaller() {
        ChunkPublisher chunks = new ChunkPublisher("req-1", Runnable::run);
        Idle idle = new Idle();
        chunks.publisher().subscribe(idle);

        for (int seq = 0; seq <= ChunkPublisher.MAX_BEHIND; seq++) { // one more than it buffers
            chunks.accept(Chunk.of("req-1", "c", seq, 1, "x", null));
        }
        chunks.accept(Chunk.of("req-1", "c", ChunkPublisher.MAX_BEHIND + 1, 1, "after the end", null));
        chunks.finish(null);

        assertThat(idle.error.join()).isInstanceOf(ParleyException.class)
                .hasMessageContaining("stream req-1").hasMessageContaining("65536 chunks behind");
        assertThat(idle.received).hasValue(0);
    }
}
