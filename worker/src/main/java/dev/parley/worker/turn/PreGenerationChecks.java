package dev.parley.worker.turn;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.worker.control.Cancellations;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.history.HistoryStore;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.quota.QuotaGate;
import dev.parley.worker.quota.QuotaRefusal;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a turn checks before it generates anything, in this order: the conversation belongs to the prompt's tenant
 * (before the stored reply, so never another tenant's answer is replayed), the request was not answered before, it was
 * not cancelled, its deadline has not passed; and, once its output format is known, the tenant is within its quota.
 * Each check that ends the turn gives its reply; the cancelled and expired ones are stored under the request id, the
 * tenant refusal and the rate limit are not (a later delivery may go through). History reads here may throw
 * {@link dev.parley.worker.history.HistoryUnavailableException}, which the turn waits out.
 */
final class PreGenerationChecks {

    private static final Logger log = LoggerFactory.getLogger(PreGenerationChecks.class);

    private final HistoryStore history;
    private final HistoryWrites writes;
    private final TenantGuard tenants;
    private final Cancellations cancellations;
    private final QuotaGate quotas;
    private final ReplyFactory replies;
    private final WorkerMetrics metrics;
    private final Clock clock;

    PreGenerationChecks(HistoryStore history, HistoryWrites writes, TenantGuard tenants, Cancellations cancellations,
                        QuotaGate quotas, ReplyFactory replies, WorkerMetrics metrics, Clock clock) {
        this.history = history;
        this.writes = writes;
        this.tenants = tenants;
        this.cancellations = cancellations;
        this.quotas = quotas;
        this.replies = replies;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The reply that settles the turn without generating (another tenant's, stored, cancelled, expired), if any. */
    Optional<Reply> settled(PendingTurn turn, long startNanos) throws TurnProcessor.Abandoned {
        Prompt prompt = turn.prompt();
        if (!tenants.admits(prompt)) {
            return Optional.of(tenants.refusal(turn, startNanos));
        }
        Optional<Reply> stored = metrics.historyTimer("stored_reply")
                .record(() -> history.storedReply(prompt.conversationId(), prompt.requestId()));
        if (stored.isPresent()) {
            metrics.turnReplayed();
            log.debug("Request answered before; republishing its stored reply");
            return stored;
        }
        if (cancellations.isCancelled(prompt.conversationId(), prompt.requestId())
                || history.isCancelled(prompt.conversationId(), prompt.requestId())) {
            return Optional.of(writes.store(prompt, replies.cancelled(turn, startNanos, null)));
        }
        if (prompt.deadline() != null && clock.instant().isAfter(prompt.deadline())) {
            return Optional.of(writes.store(prompt, replies.expired(turn, startNanos, null)));
        }
        return Optional.empty();
    }

    /**
     * The rate_limited reply when the tenant is over its quota. Not stored under the request id and nothing
     * appended: a later delivery may go through.
     */
    Optional<Reply> rateLimited(PendingTurn turn, long startNanos) {
        Optional<QuotaRefusal> refused = quotas.admit(turn.prompt().tenant());
        return refused.map(refusal -> replies.rateLimited(turn, startNanos, refusal));
    }
}
