package dev.parley.worker.turn;

import dev.parley.worker.dispatch.PendingTurn;
import org.slf4j.MDC;

/** Puts the turn's topic, partition, offset, conversation and request ids into the SLF4J MDC while it runs. */
final class TurnLoggingContext implements AutoCloseable {

    private static final String[] KEYS = {"topic", "partition", "offset", "conversation_id", "request_id"};

    private TurnLoggingContext() {
    }

    static TurnLoggingContext open(PendingTurn turn) {
        MDC.put("topic", turn.partition().topic());
        MDC.put("partition", String.valueOf(turn.partition().partition()));
        MDC.put("offset", String.valueOf(turn.offset()));
        MDC.put("conversation_id", turn.conversationId());
        MDC.put("request_id", turn.prompt().requestId());
        return new TurnLoggingContext();
    }

    @Override
    public void close() {
        for (String key : KEYS) {
            MDC.remove(key);
        }
    }
}
