package dev.parley.client.internal;

import dev.parley.client.ModelLoad;
import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.WorkerLoad;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Sums the load a model's workers announce into the pool's {@link ModelLoad}. A report older than the maximum age
 * does not count: its worker stopped reporting (stuck or gone), and once gone its partitions move to workers whose
 * lag then shows the same records; counting both would refuse work twice over.
 */
final class LoadSum {

    private LoadSum() {
    }

    /** The load of {@code model}, or empty when none of its live announcements carries a recent one. */
    static Optional<ModelLoad> of(String model, Collection<ModelAnnouncement> announcements, Instant now,
                                  Duration maxAge) {
        long waiting = 0;
        long tokens = 0;
        long running = 0;
        long free = 0;
        double tokensPerSecond = 0;
        double turnsPerSecond = 0;
        Map<String, Long> tenants = new HashMap<>();
        int workers = 0;
        Instant oldest = null;
        for (ModelAnnouncement announcement : announcements) {
            WorkerLoad load = announcement.load();
            if (!announcement.model().equals(model) || load == null || !announcement.liveAt(now)
                    || announcement.announcedAt().plus(maxAge).isBefore(now)) {
                continue;
            }
            workers++;
            waiting += load.queuedTurns();
            tokens += load.waitingPromptTokens();
            running += load.runningTurns();
            if (announcement.slots() != null) {
                free += Math.max(0, announcement.slots() - load.runningTurns());
            }
            tokensPerSecond += load.tokensPerSecond();
            turnsPerSecond += load.turnsPerSecond();
            for (WorkerLoad.TenantLoad tenant : load.tenants()) {
                tenants.merge(tenant.tenant(), (long) tenant.waitingTurns(), Long::sum);
            }
            if (oldest == null || announcement.announcedAt().isBefore(oldest)) {
                oldest = announcement.announcedAt();
            }
        }
        if (workers == 0) {
            return Optional.empty();
        }
        return Optional.of(new ModelLoad(model, waiting, tokens, running, free, tokensPerSecond, turnsPerSecond,
                tenants, workers, oldest));
    }
}
