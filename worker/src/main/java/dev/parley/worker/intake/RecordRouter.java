package dev.parley.worker.intake;

import dev.parley.schemas.DeadLetter;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.Rejection;
import dev.parley.schemas.validation.RejectionCode;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.WorkerMetrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one tracked record from the poll to where it goes: decoded, then queued on the {@link Dispatcher} (to be
 * answered, or, refused by a gate, to be told so), forwarded to its key's partition, or dead-lettered. Every step
 * runs under a per-record guard: whatever one record makes any of them throw (short of a
 * {@linkplain FatalErrors fatal} error) becomes that record's {@code internal_error} dead letter, naming the exception
 * and the record's position, and the rest of the batch goes on. Poll thread only.
 */
final class RecordRouter {

    private static final Logger log = LoggerFactory.getLogger(RecordRouter.class);

    private final PromptDecoder decoder;
    private final DeadLetterPublisher deadLetters;
    private final Dispatcher dispatcher;
    private final WorkerMetrics metrics;
    private final RecordRelay relay;
    private final RecordRelay.Outcome outcome;
    private final KeyPlacement placement;
    private final PromptForwarder forwarder;
    private final int maxForwardHops;

    /**
     * @param outcome        told of a record whose dead letter could not even be handed to the relay
     * @param forwarder      sends misplaced records to their key's partition; {@code null} answers them in place
     * @param maxForwardHops forwards a record may already have had and still be forwarded again
     */
    RecordRouter(PromptDecoder decoder, DeadLetterPublisher deadLetters, Dispatcher dispatcher, WorkerMetrics metrics,
                 RecordRelay relay, RecordRelay.Outcome outcome, KeyPlacement placement, PromptForwarder forwarder,
                 int maxForwardHops) {
        this.decoder = decoder;
        this.deadLetters = deadLetters;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.relay = relay;
        this.outcome = outcome;
        this.placement = placement;
        this.forwarder = forwarder;
        this.maxForwardHops = maxForwardHops;
    }

    /** Routes a record whose offset is tracked; its offset completes whatever happens, short of a fatal error. */
    void route(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        try {
            decodeAndRoute(record, partition);
        } catch (Throwable failure) {
            if (FatalErrors.isFatal(failure)) {
                throw (Error) failure;
            }
            handlingFailed(record, partition, failure);
        }
    }

    private void decodeAndRoute(ConsumerRecord<String, byte[]> record, TopicPartition partition) {
        PromptDecoder.Result result = decoder.decode(record.key(), record.value());
        if (result instanceof PromptDecoder.Rejected rejected && rejected.prompt() != null) {
            refuse(record, partition, rejected);
            return;
        }
        if (!(result instanceof PromptDecoder.Accepted accepted)) {
            reject(record, partition, ((PromptDecoder.Rejected) result).rejection());
            return;
        }
        int home = placement.partitionFor(record.key());
        PendingTurn turn = new PendingTurn(partition, record.offset(), accepted.prompt(), System.nanoTime(), record,
                accepted.grammar());
        if (home < 0 || home == record.partition() || forwarder == null) {
            dispatcher.enqueue(turn);
            return;
        }
        int hops = PromptForwarder.hops(record);
        if (hops >= maxForwardHops) {
            reject(record, partition, new Rejection(RejectionCode.INTERNAL_ERROR, null, "forwarded " + hops
                    + " times already (max-forward-hops " + maxForwardHops + ") and still not on partition " + home
                    + " of its key: the workers disagree on the partition count"));
            return;
        }
        metrics.promptForwarded();
        relay.send(partition, record.offset(), forwarder.forward(record, home, () -> dispatcher.enqueue(turn)));
    }

    /**
     * A well-formed prompt a gate refused: its turn tells its sender with an error reply of the refusal's code (to a
     * reply_to it checks like any other) and dead-letters it, as it does a prompt of another tenant, so the sender
     * does not wait for its timeout. Answered where it is, never forwarded: nothing is generated or stored for it.
     */
    private void refuse(ConsumerRecord<String, byte[]> record, TopicPartition partition,
                        PromptDecoder.Rejected refused) {
        log.info("Refusing {}@{}: {} at {}; answering with an error and dead-lettering it", partition,
                record.offset(), refused.rejection().code().wireName(),
                refused.rejection().field() == null ? "-" : refused.rejection().field());
        dispatcher.enqueue(new PendingTurn(partition, record.offset(), refused.prompt(), System.nanoTime(), record,
                null, refused.rejection()));
    }

    private void reject(ConsumerRecord<String, byte[]> record, TopicPartition partition, Rejection rejection) {
        // The reason may quote parts of the prompt: it goes to the dead-letter topic, and to the log only at DEBUG.
        log.info("Dead-lettering {}@{}: {} at {}", partition, record.offset(), rejection.code().wireName(),
                rejection.field() == null ? "-" : rejection.field());
        log.debug("Dead-letter reason for {}@{}: {}", partition, record.offset(), rejection.reason());
        metrics.promptRejected(rejection.code().wireName());
        relay.send(partition, record.offset(), deadLetters.send(record.key(), deadLetters.toDeadLetter(record, rejection)));
    }

    /** The guard's answer: an internal_error dead letter, by reference when even its letter cannot be built. */
    private void handlingFailed(ConsumerRecord<String, byte[]> record, TopicPartition partition, Throwable failure) {
        String where = partition + "@" + record.offset();
        log.error("Handling {} failed with {}; dead-lettering it as internal_error", where,
                failure.getClass().getName());
        log.debug("Failure handling {}", where, failure); // its message may quote the prompt
        Rejection rejection = new Rejection(RejectionCode.INTERNAL_ERROR, null, "handling the record at " + where
                + " failed: " + FatalErrors.describe(failure));
        try {
            metrics.promptRejected(rejection.code().wireName());
            DeadLetter letter;
            try {
                letter = deadLetters.toDeadLetter(record, rejection);
            } catch (RuntimeException | OutOfMemoryError | StackOverflowError again) {
                letter = deadLetters.byReference(partition, record.offset(), record.key(), rejection);
            }
            relay.send(partition, record.offset(), deadLetters.send(record.key(), letter));
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError lost) {
            log.error("Could not even dead-letter {}; giving it up, it stays on its topic at that offset", where, lost);
            outcome.givenUp(partition, record.offset(), lost);
        }
    }

    /** Dead-letters a record known only by its position (its value could not be read from the broker). */
    void unreadable(TopicPartition partition, long offset, String reason) {
        log.error("Dead-lettering {}@{} by reference: unreadable_record ({})", partition, offset, reason);
        metrics.promptRejected(RejectionCode.UNREADABLE_RECORD.wireName());
        Rejection rejection = new Rejection(RejectionCode.UNREADABLE_RECORD, null, reason);
        relay.send(partition, offset, deadLetters.send(null, deadLetters.byReference(partition, offset, null, rejection)));
    }

}
