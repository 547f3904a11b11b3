package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationAbandonedException;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.TokenListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * A worker that stops while a turn outlives every wait (the shutdown grace, then the turn threads' two waits) names
 * that turn by conversation and request id, in the intake's log line and in the worker's, before it gives up.
 */
@ExtendWith(ParleyInfraExtension.class)
class WorkerShutdownTest {

    /** Generates nothing until released; an interrupt does not free it (as a native step that must finish first). */
    private static final class StuckEngine implements InferenceEngine {
        final CountDownLatch generating = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public EngineInfo info() {
            return new EngineInfo("stuck", 2, 512);
        }

        @Override
        public Generation generate(GenerationRequest request, TokenListener listener) {
            generating.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new GenerationAbandonedException("released after the worker stopped");
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aTurnStillRunningWhenTheWorkerGivesUpIsNamed(ParleyInfra infra) throws Exception {
        StuckEngine engine = new StuckEngine();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(Worker.class),
                (Logger) LoggerFactory.getLogger("dev.parley.worker.intake.PartitionLedger"));
        loggers.forEach(logger -> logger.addAppender(logs));
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.createTopics();
            Worker worker = harness.startWorker(harness.config("stopping-worker")
                    .shutdownGrace(Duration.ofSeconds(1)).build(), engine);
            harness.client().send("stuck-conversation", "hello");
            assertThat(engine.generating.await(120, TimeUnit.SECONDS)).as("the turn reached the engine").isTrue();

            worker.close();
        } finally {
            engine.release.countDown();
            loggers.forEach(logger -> logger.detachAppender(logs));
        }

        List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).as("the intake's wait, after the shutdown grace").anySatisfy(line -> assertThat(line)
                .contains("1 turn(s) still running after PT1S: stuck-conversation/"));
        assertThat(lines).as("the worker's wait for its turn threads").anySatisfy(line -> assertThat(line)
                .contains("Gave up waiting for 1 turn(s) still running: stuck-conversation/"));
    }
}
