package dev.parley.worker.models;

import dev.parley.schemas.ModelAnnouncement;
import dev.parley.schemas.WorkerLoad;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.schemas.retry.Backoff;
import dev.parley.schemas.retry.FailureStreak;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the pool which model this worker serves and where its prompts go, by publishing a {@link ModelAnnouncement}
 * to the compacted models topic at start and again every announce interval. A failed announcement is counted and
 * tried again after a growing pause (never sooner than {@link #RETRY}'s first step, never later than the interval), so
 * an outage neither spins nor lets the announcement lapse for longer than needed.
 *
 * <p>With {@link #reportingLoad} the announcement carries the worker's load, and is published again every load interval
 * besides (the announce interval still decides expiry): senders then see how much work waits within seconds. A load
 * report that fails is not retried: the next one comes an interval later, and the renewal loop above keeps the
 * announcement alive.
 *
 * <p>Stopping publishes nothing: a restarting worker's model stays listed, and a retired one drops out once its last
 * announcement expires.
 */
public final class ModelAnnouncer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelAnnouncer.class);
    static final Backoff RETRY = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));

    private final Producer<String, byte[]> producer;
    private final ServedModel served;
    private final String workerId;
    private final int slots;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final FailureStreak failures = FailureStreak.of(RETRY);
    private Supplier<WorkerLoad> load;
    private Duration loadInterval;
    private Boolean callsTools;

    public ModelAnnouncer(Producer<String, byte[]> producer, ServedModel served, String workerId, int slots,
                          WorkerMetrics metrics, Clock clock) {
        this.producer = producer;
        this.served = served;
        this.workerId = workerId;
        this.slots = slots;
        this.metrics = metrics;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "parley-model-announcer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Makes announcements say whether this worker's engine calls tools, so senders refuse prompts using tools for a
     * model none of whose workers does (this worker would dead-letter them). Call before {@link #start}.
     */
    public ModelAnnouncer announcingTools(boolean callsTools) {
        this.callsTools = callsTools;
        return this;
    }

    /**
     * Makes announcements carry {@code load} and publishes it every {@code interval} once started ({@link Duration#ZERO}:
     * only with each renewal). Call before {@link #start}.
     */
    public ModelAnnouncer reportingLoad(Supplier<WorkerLoad> load, Duration interval) {
        this.load = load;
        this.loadInterval = interval;
        return this;
    }

    /**
     * Publishes the first announcement, waiting up to {@code wait} for the broker so that a sender started after this
     * worker finds the model, then renews it in the background. Sending happens on the announcer's thread (a producer
     * may block there for a missing topic's metadata), and a failed announcement is retried there: the worker answers
     * its topic either way.
     */
    public void start(Duration wait) {
        CompletableFuture<Void> first = new CompletableFuture<>();
        timer.execute(() -> attempt(first));
        if (load != null && !loadInterval.isZero() && !loadInterval.isNegative()) {
            timer.scheduleWithFixedDelay(this::reportLoad, loadInterval.toMillis(), loadInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        try {
            first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.info("Model {} not announced on {} within {}; the worker starts anyway and keeps trying",
                    served.name(), served.modelsTopic(), wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The announcement as of now. */
    public ModelAnnouncement current() {
        Instant now = clock.instant();
        return new ModelAnnouncement(served.name(), served.promptsTopic(), served.groupId(), workerId,
                served.modelFile(), slots, now, now.plus(served.announcementLifetime()), load == null ? null : load.get(),
                callsTools);
    }

    /** The announcement with fresh load figures, between renewals; runs on the timer thread only. */
    private void reportLoad() {
        try {
            announce().whenComplete((ok, error) -> {
                if (error != null) {
                    log.debug("Load report of model {} not published: {}", served.name(), error.toString());
                }
            });
        } catch (RuntimeException e) { // the producer refused synchronously: the renewal loop deals with outages
            log.debug("Load report of model {} not published: {}", served.name(), e.toString());
        }
    }

    private CompletableFuture<Void> announce() {
        ModelAnnouncement announcement = current();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(served.modelsTopic(), announcement.key(), WireJson.toBytes(announcement)),
                (metadata, error) -> {
                    if (error != null) {
                        sent.completeExceptionally(error);
                    } else {
                        sent.complete(null);
                    }
                });
        return sent;
    }

    private void renew() {
        attempt(new CompletableFuture<>());
    }

    /** One announcement, then the next one scheduled; runs on the timer thread only. */
    private void attempt(CompletableFuture<Void> outcome) {
        try {
            announce().whenComplete((ok, error) -> {
                if (error != null) {
                    failed(error);
                    outcome.completeExceptionally(error);
                } else {
                    announced();
                    schedule(served.announceInterval());
                    outcome.complete(null);
                }
            });
        } catch (RuntimeException e) { // the producer refused synchronously (closed, no metadata in time)
            failed(e);
            outcome.completeExceptionally(e);
        }
    }

    private synchronized void announced() {
        int ended = failures.succeeded();
        if (ended > 0) {
            log.info("Announced model {} on {} again after {} failed attempt(s)", served.name(), served.modelsTopic(),
                    ended);
        }
        metrics.modelAnnounced();
    }

    private synchronized void failed(Throwable error) {
        Duration pause = failures.failed();
        metrics.retried("model_announce");
        if (pause.compareTo(served.announceInterval()) > 0) {
            pause = served.announceInterval(); // never let the announcement lapse for longer than one interval
        }
        if (failures.worthLogging()) {
            log.warn("Announcing model {} on {} failed ({} in a row), trying again in {}: {}", served.name(),
                    served.modelsTopic(), failures.count(), pause, error.toString());
        }
        schedule(pause);
    }

    private void schedule(Duration delay) {
        if (!timer.isShutdown()) {
            try {
                timer.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile: nothing more to announce
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
