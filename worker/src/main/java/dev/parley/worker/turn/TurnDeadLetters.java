package dev.parley.worker.turn;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.validation.Rejection;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.intake.DeadLetterPublisher;
import dev.parley.worker.intake.DeadLetterSend;
import dev.parley.worker.metrics.WorkerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-letters prompts that were accepted but could not be answered, on the turn's thread: each send of the
 * {@link DeadLetterSend} policy (the letter, then once its shrunk form) is retried through an outage by
 * {@link Delivery}; a letter refused for good even shrunk is counted and logged, and the record stays on its topic.
 */
final class TurnDeadLetters {

    private static final Logger log = LoggerFactory.getLogger(TurnDeadLetters.class);

    private final DeadLetterPublisher publisher;
    private final Delivery delivery;
    private final WorkerMetrics metrics;

    /** @param publisher where the letters go, or {@code null} to send none */
    TurnDeadLetters(DeadLetterPublisher publisher, Delivery delivery, WorkerMetrics metrics) {
        this.publisher = publisher;
        this.delivery = delivery;
        this.metrics = metrics;
    }

    void send(PendingTurn turn, String code, String reason) throws TurnProcessor.Abandoned {
        if (publisher != null) {
            send(turn, code, publisher.acceptedButFailed(turn, code, reason));
        }
    }

    /** The dead letter of a prompt a gate refused, with the refusal's code, field and reason. */
    void refused(PendingTurn turn, Rejection refusal) throws TurnProcessor.Abandoned {
        if (publisher != null) {
            send(turn, refusal.code().wireName(), publisher.refused(turn, refusal));
        }
    }

    private void send(PendingTurn turn, String code, DeadLetter letter) throws TurnProcessor.Abandoned {
        metrics.promptRejected(code);
        DeadLetterSend send = publisher.send(turn.conversationId(), letter);
        Throwable failure;
        do {
            failure = delivery.untilAcknowledged("dead_letter_publish", send.describe(), send::attempt);
            if (failure == null) {
                return;
            }
            send = send.fallback();
        } while (send != null);
        metrics.deadLetterDropped(failure.getClass().getSimpleName());
        log.error("Dead letter ({}) for {} refused for good; the record stays on its topic at that offset", code, turn);
    }
}
