package dev.parley.worker;

import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.control.ControlListener;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.health.HealthMonitor;
import dev.parley.worker.health.WatchedPart;
import dev.parley.worker.intake.PromptIntake;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.reply.ChunkSender;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Which of a worker's parts its health check watches, and what counts as progress for each (docs/guarantees.md,
 * row 15): a part is unhealthy when it died, or when it has work and made no progress for {@code stall-timeout}.
 */
final class HealthWiring {

    /** The watched parts' names, as {@code parley.worker.part.healthy{part}} tags them. */
    static final List<String> PARTS = List.of("intake", "commits", "engine", "turns", "chunks", "control");

    private HealthWiring() {
    }

    /**
     * A monitor of the worker's parts, not started yet.
     *
     * @param closed        whether the worker is stopping: its intake and control listener end then, rightly
     * @param lastTurnRetry {@link System#nanoTime()} of the last turn retry (riding out an outage is progress)
     */
    static HealthMonitor monitor(WorkerConfig config, BooleanSupplier closed, PromptIntake intake,
                                 Dispatcher dispatcher, LongSupplier lastTurnRetry, InferenceEngine engine,
                                 ChunkSender chunks, ControlListener control) {
        BooleanSupplier open = () -> !closed.getAsBoolean();
        return new HealthMonitor(config.stallTimeout(), config.unhealthyExitAfter(), System::nanoTime)
                .watch(new WatchedPart("intake", () -> closed.getAsBoolean() || intake.isAlive(), open,
                        intake::lastPollNanos))
                // A record that never completes holds its partition's commit without stopping the poll loop; turn
                // retries riding out an outage count as progress, as they do for "turns".
                .watch(new WatchedPart("commits", () -> closed.getAsBoolean() || intake.isAlive(),
                        () -> open.getAsBoolean() && intake.commitWatch().waiting(),
                        () -> Math.max(intake.commitWatch().oldestSinceNanos(), lastTurnRetry.getAsLong()),
                        intake.commitWatch()::oldest))
                .watch(new WatchedPart("engine", engine::isAlive, engine::hasWork, engine::lastProgressNanos))
                .watch(new WatchedPart("turns", () -> true, () -> dispatcher.inFlight() > 0,
                        () -> Math.max(Math.max(dispatcher.lastFinishedNanos(), lastTurnRetry.getAsLong()),
                                engine.hasWork() ? engine.lastProgressNanos() : 0)))
                .watch(new WatchedPart("chunks", chunks::isAlive, () -> chunks.waiting() > 0,
                        chunks::lastProgressNanos))
                .watch(new WatchedPart("control", () -> closed.getAsBoolean() || control.isAlive(), open,
                        control::lastProgressNanos));
    }

    /** Reports the worker's health, and each part's, as gauges. */
    static void bindGauges(HealthMonitor health, WorkerMetrics metrics) {
        metrics.gauge(ParleyMeter.WORKER_HEALTHY, () -> health.check().healthy() ? 1 : 0);
        for (String part : PARTS) {
            metrics.gauge(ParleyMeter.PART_HEALTHY, "part", part, () -> health.check().parts().stream()
                    .anyMatch(p -> p.name().equals(part) && !p.healthy()) ? 0 : 1);
        }
    }
}
